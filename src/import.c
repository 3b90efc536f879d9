/* import.c - seed-format CSV files into the store.  See import.h and
 * docs/import.md. */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activity_tally.h"
#include "csv.h"
#include "value.h"

#define IMPORT_MAX_COLS 1024

struct import_table {
	const struct table *t;
	struct store_loader *loader;
	char *source; /* name used in messages */
	size_t ncols; /* columns in the file */
	int *map;     /* file column -> schema column, or ncols+j for
			 HR attribute j */
	size_t nhr;
	char **header;	    /* file's column names (for messages) */
	struct value *vals; /* one row, schema order then HR attributes */
	const char *const *fields; /* the record being taken (borrowed) */
	const size_t *lens;
	int64_t rows; /* rows put */
};

static void free_header(char **h, size_t n)
{
	for (size_t i = 0; h && i < n; i++)
		free(h[i]);
	free(h);
}

void import_table_abort(struct import_table *it)
{
	if (!it)
		return;
	store_loader_free(it->loader);
	free_header(it->header, it->ncols);
	free(it->map);
	free(it->vals);
	free(it->source);
	free(it);
}

static int missing_columns(const struct import_table *it, struct err *e)
{
	const struct table *t = it->t;

	for (size_t c = 0; c < t->ncols; c++) {
		int seen = 0;

		if (!(t->cols[c].flags & (COL_KEY | COL_REQUIRED)))
			continue;
		for (size_t i = 0; i < it->ncols; i++)
			seen |= it->map[i] == (int)c;
		if (!seen)
			return err_set(e, -EINVAL, "%s:1: missing %s column %s",
				       it->source,
				       (t->cols[c].flags & COL_KEY)
					       ? "key"
					       : "required",
				       t->cols[c].name);
	}
	return 0;
}

/* A header name that is not a schema column: an HR attribute where the
 * table takes them, unless it looks like a misspelled seed column (which
 * would otherwise become an HR attribute for good); an error elsewhere. */
static int map_other(struct import_table *it, size_t i, const char **hr,
		     struct err *e)
{
	const struct table *t = it->t;
	const char *name = it->header[i];
	const char *near =
		t->hr_attributes ? schema_near_column(t, name) : NULL;
	char q[200];

	err_quote(q, sizeof(q), name, strlen(name));
	if (near)
		return err_set(e, -EINVAL,
			       "%s:1: unknown column %s (did you mean %s? a HR "
			       "attribute may not look like a column of %s)",
			       it->source, q, near, t->name);
	if (!t->hr_attributes || !name[0])
		return err_set(e, -EINVAL,
			       "%s:1: unknown column %s (not a column of %s)",
			       it->source, q, t->name);
	hr[it->nhr] = name;
	it->map[i] = (int)(t->ncols + it->nhr++);
	return 0;
}

/* Map the header's names to schema columns; other names are HR attributes
 * in a table that has them, and an error elsewhere. */
static int map_header(struct import_table *it, const char **hr, struct err *e)
{
	const struct table *t = it->t;
	char q[200];

	for (size_t i = 0; i < it->ncols; i++) {
		const char *name = it->header[i];
		int c = schema_column(t, name);

		if (!name) /* copy_header filled every name */
			return err_set(e, -EINVAL, "%s:1: no header",
				       it->source);
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(it->header[k], name) == 0)
				return err_set(e, -EINVAL,
					       "%s:1: column %s "
					       "appears twice",
					       it->source,
					       err_quote(q, sizeof(q), name,
							 strlen(name)));
		if (c >= 0)
			it->map[i] = c;
		else if (map_other(it, i, hr, e))
			return e ? e->code : -EINVAL;
	}
	return missing_columns(it, e);
}

static int copy_header(struct import_table *it, const char *const *header,
		       struct err *e)
{
	it->header = calloc(it->ncols, sizeof(char *));
	it->map = calloc(it->ncols, sizeof(int));
	if (!it->header || !it->map)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < it->ncols; i++) {
		size_t n = strlen(header[i]), bad;

		if (value_check_utf8(header[i], n, &bad))
			return err_set(e, -EINVAL,
				       "%s:1: column %zu: invalid "
				       "UTF-8 at byte %zu of the name",
				       it->source, i + 1, bad + 1);
		it->header[i] = strdup(header[i]);
		if (!it->header[i])
			return err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

/* Read the header: its names, their columns, the row buffer. */
static int prepare_table(struct import_table *it, const char *const *header,
			 const char **hr, struct err *e)
{
	int ret;

	if (it->ncols > IMPORT_MAX_COLS)
		return err_set(e, -EINVAL, "%s:1: too many columns (%zu)",
			       it->source, it->ncols);
	ret = copy_header(it, header, e);
	if (!ret)
		ret = map_header(it, hr, e);
	if (ret)
		return ret;
	it->vals = calloc(it->t->ncols + it->nhr, sizeof(*it->vals));
	return it->vals ? 0 : err_set(e, -ENOMEM, "out of memory");
}

int import_table_begin(struct store_refresh *r, const struct table *t,
		       const char *source, const char *const *header,
		       struct import_table **out, struct err *e)
{
	struct import_table *it = calloc(1, sizeof(*it));
	size_t ncols = 0;
	const char **hr;
	int ret;

	while (header[ncols])
		ncols++;
	hr = calloc(ncols + 1, sizeof(*hr));
	*out = NULL;
	if (!it || !hr || !(it->source = strdup(source))) {
		free(it);
		free(hr);
		return err_set(e, -ENOMEM, "out of memory");
	}
	it->t = t;
	it->ncols = ncols;
	ret = prepare_table(it, header, hr, e);
	if (!ret) {
		ret = store_loader_open(r, t, hr, it->nhr, &it->loader, e);
		if (ret == -EINVAL)
			err_prefix(e, "%s:1", source); /* a bad HR attribute */
	}
	free(hr);
	if (ret) {
		import_table_abort(it);
		return ret;
	}
	*out = it;
	return 0;
}

static const char *column_name(const struct import_table *it, size_t i)
{
	return it->header[i];
}

/* " (A, B, C)": the values of an enumerated column, for messages. */
static const char *enum_list(const struct column *c, char *dst, size_t size)
{
	size_t o = 0;

	dst[0] = '\0';
	if (!c || !c->values)
		return dst;
	for (const char *const *v = c->values; *v && o < size; v++)
		o += (size_t)snprintf(dst + o, size - o, "%s%s",
				      o ? ", " : " (", *v);
	if (o + 2 <= size)
		memcpy(dst + o, ")", 2);
	return dst;
}

static int bad_value(const struct import_table *it, size_t i,
		     unsigned long line, const char *why, struct err *e)
{
	const char *p = it->fields[i];
	size_t n = it->lens[i];
	const struct column *c = it->map[i] < (int)it->t->ncols
					 ? &it->t->cols[it->map[i]]
					 : NULL;
	char q[200], vals[300];

	return err_set(e, -EINVAL, "%s:%lu: %s: %s %s%s", it->source, line,
		       column_name(it, i), err_quote(q, sizeof(q), p, n), why,
		       enum_list(c, vals, sizeof(vals)));
}

/* Check and type field i of the record into vals. */
static int take_field(const struct import_table *it, size_t i,
		      struct value *vals, unsigned long line, struct err *e)
{
	const char *p = it->fields[i];
	size_t n = it->lens[i];
	size_t slot = (size_t)it->map[i], bad;
	struct value *v = &vals[slot];
	const struct column *c;
	const char *why = NULL;

	const char *nul;

	if (value_check_utf8(p, n, &bad))
		return err_set(e, -EINVAL,
			       "%s:%lu: %s: invalid UTF-8 at byte "
			       "%zu of the field",
			       it->source, line, column_name(it, i), bad + 1);
	nul = memchr(p, '\0', n);
	if (nul)
		return err_set(e, -EINVAL,
			       "%s:%lu: %s: a NUL byte at byte %zu "
			       "of the field",
			       it->source, line, column_name(it, i),
			       (size_t)(nul - p) + 1);
	if (slot >= it->t->ncols) { /* an HR attribute: text */
		v->kind = n ? VAL_TEXT : VAL_NULL;
		v->u.s.p = p;
		v->u.s.n = n;
		return 0;
	}
	c = &it->t->cols[slot];
	if (value_parse(c, p, n, v, &why))
		return bad_value(it, i, line, why, e);
	if (v->kind == VAL_NULL && (c->flags & (COL_KEY | COL_REQUIRED)))
		return err_set(e, -EINVAL, "%s:%lu: %s: %s value is missing",
			       it->source, line, c->name,
			       (c->flags & COL_KEY) ? "key" : "required");
	return 0;
}

/* A validity span must not end before it starts (the row would be in no
 * period at all). */
static int check_span(const struct import_table *it, const struct value *vals,
		      struct err *e)
{
	int s, x;
	const struct value *a, *b;
	char q[64];
	struct buf end = BUF_INIT(64);

	if (it->t->instant != INSTANT_SPAN) /* (before any lookup: per row) */
		return 0;
	s = schema_column_with(it->t, COL_INSTANT);
	x = schema_column_with(it->t, COL_SPAN_END);
	if (s < 0 || x < 0)
		return 0;
	a = &vals[s];
	b = &vals[x];
	if (a->kind != VAL_TIME || b->kind != VAL_TIME ||
	    b->u.t.ms >= a->u.t.ms)
		return 0;
	value_format_datetime(&end, &b->u.t);
	snprintf(q, sizeof(q), "%s", end.data);
	buf_release(&end);
	return err_set(e, -EINVAL, "%s: \"%s\" is before %s",
		       it->t->cols[x].name, q, it->t->cols[s].name);
}

/* Check and type a whole record into vals (all NULL first). */
static int take_row(struct import_table *it, const char *const *fields,
		    const size_t *lens, unsigned long line, struct value *vals,
		    struct err *e)
{
	size_t nv = it->t->ncols + it->nhr;
	int ret;

	for (size_t i = 0; i < nv; i++)
		vals[i].kind = VAL_NULL;
	it->fields = fields;
	it->lens = lens;
	for (size_t i = 0; i < it->ncols; i++) {
		ret = take_field(it, i, vals, line, e);
		if (ret)
			return ret;
	}
	ret = check_span(it, vals, e);
	return ret ? err_prefix(e, "%s:%lu", it->source, line) : 0;
}

/* Store one typed row; errors get the file and line. */
static int put_row(struct import_table *it, const struct value *vals,
		   unsigned long line, struct err *e)
{
	int ret = store_loader_put(it->loader, vals, e);

	if (ret)
		return err_prefix(e, "%s:%lu", it->source, line);
	it->rows++;
	return 0;
}

int import_table_row(struct import_table *it, const char *const *fields,
		     const size_t *lens, unsigned long line, struct err *e)
{
	int ret = take_row(it, fields, lens, line, it->vals, e);

	return ret ? ret : put_row(it, it->vals, line, e);
}

int import_table_end(struct import_table *it, struct err *e)
{
	int ret = store_loader_close(it->loader, it->source, e);

	it->loader = NULL;
	import_table_abort(it);
	return ret;
}

/* ---- files -------------------------------------------------------------- */

/* Copy the record's fields out as NUL-terminated names (the header). */
static int header_names(const struct csv_reader *cr, char ***out, struct err *e)
{
	char **h = calloc(cr->nfields + 1, sizeof(char *));

	*out = h;
	if (!h)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cr->nfields; i++) {
		if (memchr(cr->fields[i].p, '\0', cr->fields[i].n))
			return err_set(e, -EINVAL,
				       "%s:1: column %zu: a NUL byte in the "
				       "name",
				       cr->name, i + 1);
		h[i] = strndup(cr->fields[i].p, cr->fields[i].n);
		if (!h[i])
			return err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

static int begin_from_header(struct store_refresh *r, const struct table *t,
			     struct csv_reader *cr, struct import_table **it,
			     struct err *e)
{
	char **names = NULL;
	int ret = csv_next(cr, e);

	if (ret == 0)
		return err_set(e, -EINVAL,
			       "%s: empty file (a header row is "
			       "required)",
			       cr->name);
	if (ret < 0)
		return ret;
	ret = header_names(cr, &names, e);
	if (!ret)
		ret = import_table_begin(r, t, cr->name,
					 (const char *const *)names, it, e);
	free_header(names, cr->nfields);
	return ret;
}

/* ---- the reading thread --------------------------------------------------
 *
 * A file is read, checked and typed by a second thread while this one
 * stores the rows it typed before: SQLite's work and the CSV work overlap
 * on two cores.  Rows travel in batches (two slots, filled and emptied in
 * turn); a batch owns copies of its text.  The reader's error is reported
 * after the rows before it were stored, so the first error by line wins.
 */

#define BATCH_ROWS 2048
#define BATCH_TEXT ((size_t)16 << 20) /* a batch ends once its text passes */

struct batch {
	size_t n;	     /* rows in the batch */
	unsigned long *line; /* [BATCH_ROWS] each row's line */
	struct value *vals;  /* [BATCH_ROWS * nv] */
	struct buf text;     /* the rows' text */
	int status;	     /* 0: more follows, 1: end of input, <0: error */
	struct err err;	     /* the reader's error, if status < 0 */
};

struct pipe {
	struct import_table *it;
	struct csv_reader *cr;
	size_t nv; /* values per row */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch b[2];
	int full[2];	     /* filled and not yet stored */
	int stop;	     /* the storing side gave up */
	unsigned long blank; /* first of a run of blank lines, or 0 */
	const char **fields; /* the record, for take_row */
	size_t *lens;
};

/* Copy the row's text into the batch; pointers become offsets until the
 * batch is complete (the buffer may move while it grows). */
static void keep_text(struct batch *b, struct value *vals, size_t nv)
{
	for (size_t k = 0; k < nv; k++) {
		if (vals[k].kind != VAL_TEXT)
			continue;
		size_t off = b->text.len;

		buf_add(&b->text, vals[k].u.s.p, vals[k].u.s.n);
		vals[k].u.s.p = (const char *)(uintptr_t)off;
	}
}

static void rebase_text(struct batch *b, size_t nv)
{
	for (size_t k = 0; k < b->n * nv; k++)
		if (b->vals[k].kind == VAL_TEXT)
			b->vals[k].u.s.p =
				b->text.data + (uintptr_t)b->vals[k].u.s.p;
}

/* Read the next record into p->fields; 1 for a row, 0 at the end. */
static int read_record(struct pipe *p, struct err *e)
{
	struct csv_reader *cr = p->cr;
	int ret;

	while ((ret = csv_next(cr, e)) == 1) {
		if (cr->nfields == 1 && cr->fields[0].n == 0 &&
		    !cr->fields[0].quoted) {
			if (!p->blank)
				p->blank = cr->line;
			continue;
		}
		if (p->blank)
			return err_set(e, -EINVAL, "%s:%lu: blank line",
				       p->it->source, p->blank);
		if (cr->nfields != p->it->ncols)
			return err_set(e, -EINVAL,
				       "%s:%lu: %zu fields, but the header "
				       "has %zu columns",
				       p->it->source, cr->line, cr->nfields,
				       p->it->ncols);
		for (size_t i = 0; i < cr->nfields; i++) {
			p->fields[i] = cr->fields[i].p;
			p->lens[i] = cr->fields[i].n;
		}
		return 1;
	}
	return ret;
}

/* A syntax error of the reader names the line; add the column it is in. */
static int name_column(const struct pipe *p, int ret, struct err *e)
{
	const struct csv_reader *cr = p->cr;
	char head[512], rest[ERR_MSG_MAX];
	int hl;

	if (ret != -EINVAL || !e || cr->bad_field >= p->it->ncols)
		return ret;
	hl = snprintf(head, sizeof(head), "%s:%lu: ", cr->name, cr->next_line);
	if (hl <= 0 || (size_t)hl >= sizeof(head) ||
	    strncmp(e->msg, head, (size_t)hl) != 0)
		return ret;
	snprintf(rest, sizeof(rest), "%s", e->msg + hl);
	return err_set(e, ret, "%s%.200s: %s", head,
		       p->it->header[cr->bad_field], rest);
}

/* Read the next record into p->fields; 1 for a row, 0 at the end. */
static int next_record(struct pipe *p, struct err *e)
{
	int ret = read_record(p, e);

	return ret < 0 ? name_column(p, ret, e) : ret;
}

/* Fill batch b with up to BATCH_ROWS typed rows. */
static void fill_batch(struct pipe *p, struct batch *b)
{
	int ret = 1; /* 1: full, 0: end of input, <0: error */

	b->n = 0;
	buf_reset(&b->text);
	while (b->n < BATCH_ROWS) {
		struct value *v = &b->vals[b->n * p->nv];

		ret = next_record(p, &b->err);
		if (ret == 1)
			ret = take_row(p->it, p->fields, p->lens, p->cr->line,
				       v, &b->err);
		else
			break;
		if (ret)
			break;
		keep_text(b, v, p->nv);
		if (b->text.err) { /* the row's text was not kept: not stored */
			ret = err_set(&b->err, b->text.err,
				      "%s:%lu: out of memory for the row",
				      p->it->source, p->cr->line);
			break;
		}
		b->line[b->n++] = p->cr->line;
		ret = 1;
		if (b->text.len >= BATCH_TEXT)
			break; /* long rows: a shorter batch bounds memory */
	}
	b->status = ret == 1 ? 0 : ret == 0 ? 1 : ret;
	rebase_text(b, p->nv);
}

static void *reader_main(void *arg)
{
	struct pipe *p = arg;

	for (int slot = 0;; slot ^= 1) {
		int stop;

		pthread_mutex_lock(&p->mu);
		while (p->full[slot] && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		stop = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		fill_batch(p, &p->b[slot]);
		pthread_mutex_lock(&p->mu);
		p->full[slot] = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (p->b[slot].status)
			break;
	}
	return NULL;
}

/* Store the rows of a batch; then its end or error.  Returns 1 to go on,
 * 0 at the end of input, or -errno. */
static int store_batch(struct pipe *p, struct batch *b, struct err *e)
{
	size_t bad;
	int ret = store_loader_put_rows(p->it->loader, b->vals, b->n, &bad, e);

	if (ret)
		return err_prefix(e, "%s:%lu", p->it->source, b->line[bad]);
	p->it->rows += (int64_t)b->n;
	if (b->status < 0) {
		*e = b->err;
		return b->status;
	}
	return b->status ? 0 : 1;
}

static int store_batches(struct pipe *p, struct err *e)
{
	int ret = 1;

	for (int slot = 0; ret == 1; slot ^= 1) {
		pthread_mutex_lock(&p->mu);
		while (!p->full[slot])
			pthread_cond_wait(&p->cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
		ret = store_batch(p, &p->b[slot], e);
		pthread_mutex_lock(&p->mu);
		p->full[slot] = 0;
		p->stop = ret != 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return ret;
}

static void pipe_release(struct pipe *p)
{
	for (int i = 0; i < 2; i++) {
		free(p->b[i].line);
		free(p->b[i].vals);
		buf_release(&p->b[i].text);
	}
	free(p->fields);
	free(p->lens);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
}

static int pipe_init(struct pipe *p, struct import_table *it,
		     struct csv_reader *cr)
{
	memset(p, 0, sizeof(*p));
	p->it = it;
	p->cr = cr;
	p->nv = it->t->ncols + it->nhr;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->fields = calloc(it->ncols, sizeof(*p->fields));
	p->lens = calloc(it->ncols, sizeof(*p->lens));
	for (int i = 0; i < 2; i++) {
		p->b[i].line = calloc(BATCH_ROWS, sizeof(unsigned long));
		p->b[i].vals = calloc(BATCH_ROWS * p->nv, sizeof(struct value));
		buf_init(&p->b[i].text, (size_t)1 << 30);
		if (!p->b[i].line || !p->b[i].vals)
			return -ENOMEM;
	}
	return p->fields && p->lens ? 0 : -ENOMEM;
}

/* Read, check and store every row of cr into it, on two threads. */
static int load_rows(struct import_table *it, struct csv_reader *cr,
		     struct err *e)
{
	struct pipe p;
	pthread_t th;
	int ret = pipe_init(&p, it, cr);

	if (ret) {
		pipe_release(&p);
		return err_set(e, ret, "out of memory");
	}
	if (pthread_create(&th, NULL, reader_main, &p) != 0) {
		pipe_release(&p);
		return err_set(e, -EAGAIN, "cannot start a thread");
	}
	ret = store_batches(&p, e);
	pthread_join(th, NULL);
	pipe_release(&p);
	return ret;
}

int import_reader(struct store_refresh *r, const struct table *t,
		  struct csv_reader *cr, int64_t *rows, struct err *e)
{
	struct import_table *it = NULL;
	int ret = begin_from_header(r, t, cr, &it, e);

	if (ret || !it) /* !it cannot happen: begin_from_header opened it */
		return ret ? ret : -EINVAL;
	ret = load_rows(it, cr, e);
	if (ret && ret != -EEXIST) {
		/* a key repeated before the failing line comes first */
		struct err first = ERR_INIT;

		if (store_loader_check_keys(it->loader, &first) == -EEXIST) {
			*e = first;
			ret = -EEXIST;
		}
	}
	if (!ret) {
		*rows += it->rows;
		ret = import_table_end(it, e);
		it = NULL;
	}
	import_table_abort(it);
	return ret;
}

/* Do the record's key fields (file columns kcol[]) hold key[]? */
static int same_key(const struct csv_reader *cr, const int *kcol,
		    const char *const *key, size_t nkey)
{
	for (size_t k = 0; k < nkey; k++) {
		const struct csv_field *f = &cr->fields[kcol[k]];

		if (f->n != strlen(key[k]) || memcmp(f->p, key[k], f->n) != 0)
			return 0;
	}
	return 1;
}

/* The line where key[] appears for the second time in the file (0 if it
 * does not), for a repeated key that a bulk load found only when it built
 * the key index. */
static unsigned long second_line(const struct import_source *src, int fd,
				 const char *const *key, size_t nkey)
{
	struct csv_reader cr;
	struct err e = ERR_INIT;
	int kcol[2] = { -1, -1 }, seen = 0;
	unsigned long line = 0;

	if (csv_open_fd(&cr, fd, src->display))
		return 0;
	if (csv_next(&cr, &e) == 1)
		for (size_t i = 0; i < cr.nfields; i++) {
			char name[256];
			int c;

			snprintf(name, sizeof(name), "%.*s",
				 (int)cr.fields[i].n, cr.fields[i].p);
			c = schema_column(src->table, name);
			if (c >= 0 && (size_t)c < nkey)
				kcol[c] = (int)i;
		}
	while (!line && kcol[0] >= 0 && (nkey < 2 || kcol[1] >= 0) &&
	       csv_next(&cr, &e) == 1)
		if (cr.nfields > (size_t)kcol[nkey - 1] &&
		    cr.nfields > (size_t)kcol[0] &&
		    same_key(&cr, kcol, key, nkey) && ++seen == 2)
			line = cr.line;
	csv_close(&cr);
	return line;
}

/* A repeated key found when the key index was built: name its line. */
static int name_dup_line(const struct store_refresh *r,
			 const struct import_source *src, int fd,
			 const struct stat *was, struct err *e)
{
	const char *const *key;
	size_t nkey = store_refresh_dup(r, &key);
	unsigned long line = 0;
	struct stat now;

	/* Read the file again only if it is a regular file that did not
	 * change meanwhile (not a pipe, which cannot be read twice). */
	if (nkey && S_ISREG(was->st_mode) && fstat(fd, &now) == 0 &&
	    now.st_size == was->st_size &&
	    now.st_mtim.tv_sec == was->st_mtim.tv_sec &&
	    now.st_mtim.tv_nsec == was->st_mtim.tv_nsec &&
	    lseek(fd, 0, SEEK_SET) == 0)
		line = second_line(src, fd, key, nkey);

	if (line)
		err_prefix(e, "%s:%lu", src->display, line);
	else if (nkey)
		err_prefix(e, "%s", src->display);
	return -EEXIST;
}

static int import_file(struct store_refresh *r, const struct import_source *src,
		       struct import_stats *stats, struct err *e)
{
	struct csv_reader cr;
	struct stat st;
	int fd, ret;

	fd = open(src->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "%s: cannot open: %s", src->display,
			       errno == ENOENT
				       ? "no such file"
				       : "permission denied or I/O error");
	if (fstat(fd, &st) != 0)
		memset(&st, 0, sizeof(st));
	stats->bytes += st.st_size;
	ret = csv_open_fd(&cr, fd, src->display);
	if (ret)
		ret = err_set(e, ret, "out of memory");
	else
		ret = import_reader(r, src->table, &cr, &stats->rows, e);
	if (ret == -EEXIST)
		ret = name_dup_line(r, src, fd, &st, e);
	if (!ret)
		stats->files++;
	csv_close(&cr);
	close(fd);
	return ret;
}

/* ---- sources ------------------------------------------------------------ */

struct source_list {
	struct import_source *v;
	size_t n, cap;
};

static void sources_free(struct source_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].display);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* The table a file name stands for: "<Table>.csv", without case. */
static const struct table *table_of_file(const char *base)
{
	size_t n = strlen(base);
	char stem[128];

	if (n < 5 || n - 4 >= sizeof(stem) ||
	    strcasecmp(base + n - 4, ".csv") != 0)
		return NULL;
	memcpy(stem, base, n - 4);
	stem[n - 4] = '\0';
	return schema_table(stem);
}

static int add_source(struct source_list *l, const char *path, struct err *e)
{
	const char *base = strrchr(path, '/');
	const struct table *t = table_of_file(base ? base + 1 : path);
	struct import_source *s;
	struct stat st;

	if (!t)
		return err_set(e, -EINVAL,
			       "%s: not a table file (expected a "
			       "name like Meetings.csv or "
			       "MeetingParticipants.csv)",
			       path);
	if (stat(path, &st) != 0)
		return err_set(e, -errno, "%s: cannot read", path);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].dev == st.st_dev && l->v[i].ino == st.st_ino)
			return 0; /* the same file, named twice */
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct import_source *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return err_set(e, -ENOMEM, "out of memory");
		l->v = nv;
		l->cap = ncap;
	}
	s = &l->v[l->n];
	s->table = t;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->path = strdup(path);
	s->display = strdup(path);
	if (!s->path || !s->display) {
		free(s->path);
		free(s->display);
		return err_set(e, -ENOMEM, "out of memory");
	}
	l->n++;
	return 0;
}

static int is_csv(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	/* hidden files (editors' and macOS's ._Meetings.csv) are not data */
	return de->d_name[0] != '.' && len >= 4 &&
	       strcasecmp(de->d_name + len - 4, ".csv") == 0;
}

/* Every *.csv in dir, in name order (so runs are repeatable). */
static int add_dir(struct source_list *l, const char *dir, struct err *e)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, is_csv, alphasort);
	const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
	size_t before = l->n;
	int ret = 0;

	if (n < 0)
		return err_set(e, -errno, "%s: cannot read the folder", dir);
	for (int i = 0; i < n; i++) {
		char path[4096];

		if (!ret &&
		    (size_t)snprintf(path, sizeof(path), "%s%s%s", dir, sep,
				     names[i]->d_name) >= sizeof(path))
			ret = err_set(e, -ENAMETOOLONG, "%s: path too long",
				      dir);
		if (!ret)
			ret = add_source(l, path, e);
		free(names[i]);
	}
	free(names);
	if (!ret && l->n == before)
		ret = err_set(e, -EINVAL, "%s: no table files in this folder",
			      dir);
	return ret;
}

static int resolve(struct source_list *l, char *const *paths, size_t npaths,
		   struct err *e)
{
	for (size_t i = 0; i < npaths; i++) {
		struct stat st;
		int ret;

		if (stat(paths[i], &st) != 0)
			return err_set(e, -errno, "%s: %s", paths[i],
				       errno == ENOENT
					       ? "no such file or folder"
					       : "cannot read");
		ret = S_ISDIR(st.st_mode) ? add_dir(l, paths[i], e)
					  : add_source(l, paths[i], e);
		if (ret)
			return ret;
	}
	return 0;
}

/* Parents before children: sort by table order, stable. */
static void order_sources(struct source_list *l)
{
	for (size_t i = 1; i < l->n; i++) {
		struct import_source s = l->v[i];
		size_t j = i;

		while (j > 0 && l->v[j - 1].table > s.table) {
			l->v[j] = l->v[j - 1];
			j--;
		}
		l->v[j] = s;
	}
}

int import_paths(const char *store_path, char *const *paths, size_t npaths,
		 struct import_stats *stats, struct err *e)
{
	struct source_list l = { NULL, 0, 0 };
	struct store *s = NULL;
	struct store_refresh *r = NULL;
	int created = 0, ret;

	memset(stats, 0, sizeof(*stats));
	ret = resolve(&l, paths, npaths, e);
	if (!ret) {
		order_sources(&l);
		ret = store_open(store_path, STORE_CREATE, &s, &created, e);
	}
	if (!ret)
		ret = store_refresh_begin(s, "import", &r, e);
	for (size_t i = 0; !ret && i < l.n; i++)
		ret = import_file(r, &l.v[i], stats, e);
	if (!ret)
		ret = activity_tally_update(r, e);
	if (!ret) {
		ret = store_refresh_commit(r, &stats->refresh, e);
		r = NULL;
	}
	store_refresh_abort(r);
	store_close(s);
	if (ret && created)
		store_remove(store_path);
	sources_free(&l);
	return ret;
}
