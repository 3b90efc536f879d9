/* filegen.c - rendering one table-period file.  See filegen.h. */
#include "filegen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "csv.h"
#include "render.h"

/* One output column: which value of the scanned row, how it is masked. */
struct out_col {
	size_t vi;		/* index in the row's values */
	const struct column *c; /* NULL for an HR attribute */
	enum col_privacy priv;	/* PRIV_RAW or PRIV_HASH */
	const char *name;	/* header name */
	int hidden;		/* written empty (partition_hides_column) */
};

struct filegen {
	struct store_scan *scan;
	struct pseudo *ps;
	struct out_col *cols;
	size_t ncols;
	const struct partition_rows *rows; /* NULL: every row */
	size_t rows_next;		   /* partition_rows_keep's hint */
	uint64_t off;	    /* bytes rendered, from the start of the file */
	int header_due;	    /* the header is still to be written */
	int done;	    /* the scan has ended */
	uint64_t every;	    /* checkpoint spacing, 0: none */
	uint64_t next_ckpt; /* offset from which the next checkpoint is due */
	filegen_checkpoint_fn ckpt;
	void *ckpt_arg;
	struct buf scratch; /* a non-text value being hashed; a position */
	int view;	    /* an activity view: */
	struct buf whole;   /* the file, */
	size_t whole_at;    /* bytes of it handed out */
};

/* The columns the policy lets out: the table's, then its HR attributes. */
static int plan(const struct store *s, const struct filegen_spec *spec,
		struct out_col **out, size_t *n)
{
	const struct table *t = spec->table;
	size_t nhr = t->hr_attributes ? store_hr_count(s) : 0;
	struct out_col *cols = calloc(t->ncols + nhr + 1, sizeof(*cols));
	size_t k = 0;

	if (!cols)
		return -ENOMEM;
	for (size_t i = 0; i < t->ncols; i++) {
		enum col_privacy p = policy_column(spec->policy, t, i);

		if (p != PRIV_EXCLUDE)
			cols[k++] = (struct out_col){
				i, &t->cols[i], p, t->cols[i].name,
				spec->rows && partition_hides_column(t, i)
			};
	}
	for (size_t j = 0; j < nhr; j++) {
		const char *name = store_hr_name(s, j);
		enum col_privacy p = policy_hr(spec->policy, name);

		if (p != PRIV_EXCLUDE)
			cols[k++] = (struct out_col){ t->ncols + j, NULL, p,
						      name, 0 };
	}
	*out = cols;
	*n = k;
	return 0;
}

static void header(const struct out_col *cols, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addch(out, ',');
		csv_put_field(out, cols[i].name, strlen(cols[i].name));
	}
	buf_add(out, "\r\n", 2);
}

static void activity_spec_of(const struct filegen_spec *spec,
			     struct activity_spec *as)
{
	*as = (struct activity_spec){ spec->table,  spec->t0,
				      spec->t1,	    spec->first_day,
				      spec->areas,  spec->min_group,
				      spec->policy, spec->members };
}

void filegen_header(const struct store *s, const struct filegen_spec *spec,
		    struct buf *out)
{
	struct out_col *cols;
	size_t n;

	if (spec->table->view != VIEW_NONE) {
		struct activity_spec as;

		activity_spec_of(spec, &as);
		activity_header(s, &as, out);
		return;
	}

	if (plan(s, spec, &cols, &n)) {
		out->err = -ENOMEM;
		return;
	}
	header(cols, n, out);
	free(cols);
}

/* The rows of the file: under a partition, a parent table whose rows
 * list who took part reads only the rows kept (who). */
static int open_scan(struct store *s, const struct filegen_spec *spec,
		     const struct filegen_resume *at,
		     const struct store_people *who, struct store_scan **out,
		     struct err *e)
{
	struct store_scan_from from;

	if (who) {
		from = (struct store_scan_from){ spec->table, spec->t0,
						 spec->t1, at ? at->pos : NULL,
						 at ? at->poslen : 0 };
		return store_scan_open_who(s, &from, who, out, e);
	}
	if (!at)
		return store_scan_open(s, spec->table, spec->t0, spec->t1, out,
				       e);
	from = (struct store_scan_from){ spec->table, spec->t0, spec->t1,
					 at->pos, at->poslen };
	return store_scan_open_at(s, &from, out, e);
}

/* An activity view, computed whole; a resume point is an offset in it. */
static int open_view(struct store *s, const struct filegen_spec *spec,
		     struct pseudo *ps, const struct filegen_resume *at,
		     struct filegen *g, struct err *e)
{
	struct activity_spec as;
	int ret;

	activity_spec_of(spec, &as);
	g->view = 1;
	buf_init(&g->whole, SIZE_MAX / 2);
	ret = activity_render(s, &as, ps, &g->whole, e);
	g->off = at ? at->off : 0;
	g->whole_at = at && at->off < g->whole.len ? (size_t)at->off
		      : at			   ? g->whole.len
						   : 0;
	return ret;
}

int filegen_open(struct store *s, const struct filegen_spec *spec,
		 struct pseudo *ps, const struct filegen_resume *at,
		 struct filegen **out, struct err *e)
{
	struct filegen *g = calloc(1, sizeof(*g));
	const struct store_people *who;
	int ret;

	*out = NULL;
	if (g && spec->table->view != VIEW_NONE) {
		ret = open_view(s, spec, ps, at, g, e);
		if (ret) {
			filegen_free(g);
			return ret;
		}
		*out = g;
		return 0;
	}
	if (!g || plan(s, spec, &g->cols, &g->ncols)) {
		free(g);
		return err_set(e, -ENOMEM, "out of memory");
	}
	if (!ps && policy_needs_key(spec->policy)) {
		filegen_free(g);
		return err_set(e, -EINVAL,
			       "the policy hashes fields: a key "
			       "is needed");
	}
	g->ps = ps;
	who = spec->rows ? partition_rows_people(spec->rows) : NULL;
	g->rows = who ? NULL : spec->rows; /* the scan tests each row */
	buf_init(&g->scratch, 1 << 20);
	g->header_due = at == NULL;
	g->off = at ? at->off : 0;
	ret = open_scan(s, spec, at, who, &g->scan, e);
	if (ret) {
		filegen_free(g);
		return ret;
	}
	*out = g;
	return 0;
}

void filegen_checkpoints(struct filegen *g, uint64_t every,
			 filegen_checkpoint_fn fn, void *arg)
{
	g->every = every;
	g->ckpt = fn;
	g->ckpt_arg = arg;
	g->next_ckpt = every ? (g->off / every + 1) * every : 0;
}

uint64_t filegen_offset(const struct filegen *g)
{
	return g->off;
}

/* Append field v of output column oc, masked. */
static int put_field(struct filegen *g, const struct out_col *oc,
		     const struct value *v, struct buf *out)
{
	if (oc->hidden)
		return 0;
	return render_masked(out, oc->c, oc->priv, v, g->ps, &g->scratch);
}

static int put_record(struct filegen *g, const struct value *vals,
		      struct buf *out)
{
	for (size_t i = 0; i < g->ncols; i++) {
		if (i)
			buf_addch(out, ',');
		if (put_field(g, &g->cols[i], &vals[g->cols[i].vi], out))
			return -EIO;
	}
	buf_add(out, "\r\n", 2);
	return 0;
}

/* A checkpoint is due before the record that starts at g->off. */
static int checkpoint(struct filegen *g, struct err *e)
{
	int ret;

	buf_reset(&g->scratch);
	store_scan_pos(g->scan, &g->scratch);
	if (g->scratch.err)
		return err_set(e, g->scratch.err, "out of memory");
	ret = g->ckpt(g->ckpt_arg, g->off, g->scratch.data, g->scratch.len);
	if (ret)
		return err_set(e, ret, "cannot record a checkpoint");
	g->next_ckpt = (g->off / g->every + 1) * g->every;
	return 0;
}

/* An activity view: the next want bytes (or the rest) of the file. */
static int fill_view(struct filegen *g, struct buf *out, size_t want,
		     struct err *e)
{
	size_t n = g->whole.len - g->whole_at;

	if (n > want)
		n = want;
	buf_add(out, g->whole.data + g->whole_at, n);
	g->whole_at += n;
	g->off += n;
	if (out->err)
		return err_set(e, out->err, "out of memory rendering a file");
	return g->whole_at < g->whole.len;
}

/* Render the next row kept (sets g->done at the end): 0 or -errno. */
static int next_record(struct filegen *g, struct buf *out, struct err *e)
{
	const struct value *vals;
	size_t before = out->len;
	int ret = store_scan_next(g->scan, &vals, e);

	if (ret <= 0) {
		g->done = ret == 0;
		return ret;
	}
	if (g->rows && !partition_rows_keep(g->rows, vals, &g->rows_next))
		return 0;
	if (g->every && g->off >= g->next_ckpt && (ret = checkpoint(g, e)))
		return ret;
	if (put_record(g, vals, out))
		return err_set(e, -EIO, "cannot compute a pseudonym");
	g->off += out->len - before;
	return 0;
}

int filegen_fill(struct filegen *g, struct buf *out, size_t want, struct err *e)
{
	size_t start = out->len;

	if (g->view)
		return fill_view(g, out, want, e);

	if (g->header_due) {
		header(g->cols, g->ncols, out);
		g->header_due = 0;
		g->off += out->len - start;
	}
	while (!g->done && out->len - start < want) {
		int ret = next_record(g, out, e);

		if (ret < 0)
			return ret;
	}
	if (out->err)
		return err_set(e, out->err, "out of memory rendering a file");
	return !g->done;
}

void filegen_free(struct filegen *g)
{
	if (!g)
		return;
	store_scan_close(g->scan);
	free(g->cols);
	buf_release(&g->scratch);
	buf_release(&g->whole);
	free(g);
}
