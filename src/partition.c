/* partition.c - partitions: parsing, members, rows kept.  See partition.h
 * and docs/partitions.md. */
#include "partition.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idset.h"
#include "render.h"

#define PARTITIONS_MAX (1 << 20) /* a partitions file is small */

struct part_line {
	char *attr, *value;
	size_t line;
};

struct partition {
	char *path, *name;
	size_t line; /* of its "[name]" */
	struct part_line *lines;
	size_t n, cap;
};

/* ---- parsing ---------------------------------------------------------------
 */

/* One line of the file being parsed, trimmed. */
struct cursor {
	const char *path;
	const char *want; /* the section asked for */
	size_t lineno;
	const char *p; /* the line, [p, end) */
	size_t n;
	struct partition *cur; /* the section being read, or NULL */
	struct partition *found;
	struct idset names; /* sections seen */
	struct err *e;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **p, size_t *n)
{
	while (*n && is_space(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_space((*p)[*n - 1]))
		(*n)--;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static int bad_line(struct cursor *c, const char *why)
{
	char q[96];

	return err_set(c->e, -EINVAL, "%s:%zu: %s: %s", c->path, c->lineno,
		       err_quote(q, sizeof(q), c->p, c->n), why);
}

static void part_free_lines(struct partition *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->lines[i].attr);
		free(p->lines[i].value);
	}
	free(p->lines);
}

void partition_free(struct partition *p)
{
	if (!p)
		return;
	part_free_lines(p);
	free(p->path);
	free(p->name);
	free(p);
}

static int end_section(struct cursor *c)
{
	struct partition *p = c->cur;

	c->cur = NULL;
	if (!p)
		return 0;
	if (!p->n) {
		err_set(c->e, -EINVAL,
			"%s:%zu: section [%s] is empty: a partition needs at "
			"least one 'Attribute = value' line",
			c->path, p->line, p->name);
		partition_free(p);
		return -EINVAL;
	}
	if (strcmp(p->name, c->want) == 0)
		c->found = p;
	else
		partition_free(p);
	return 0;
}

static int start_section(struct cursor *c)
{
	const char *name = c->p + 1;
	size_t n = c->n - 2;
	int ret = end_section(c);

	if (ret)
		return ret;
	trim(&name, &n);
	if (!n)
		return bad_line(c, "a section needs a name");
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i]))
			return bad_line(c, "a section name is letters, digits, "
					   "'-', '_' and '.'");
	if (idset_has(&c->names, name, n))
		return bad_line(c, "a section of that name came before");
	c->cur = calloc(1, sizeof(*c->cur));
	if (!c->cur || idset_add(&c->names, name, n) ||
	    !(c->cur->name = strndup(name, n)) ||
	    !(c->cur->path = strdup(c->path)))
		return err_set(c->e, -ENOMEM, "out of memory");
	c->cur->line = c->lineno;
	return 0;
}

static int add_line(struct cursor *c)
{
	const char *eq = memchr(c->p, '=', c->n), *a = c->p, *v;
	size_t an, vn;
	struct partition *p = c->cur;

	if (!eq)
		return bad_line(c, "expected '[name]' or 'Attribute = value'");
	an = (size_t)(eq - c->p);
	v = eq + 1;
	vn = c->n - an - 1;
	trim(&a, &an);
	trim(&v, &vn);
	if (!an)
		return bad_line(c, "no attribute before '='");
	if (!p)
		return bad_line(c, "a line outside any section ('[name]' "
				   "first)");
	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->lines[i].attr) == an &&
		    memcmp(p->lines[i].attr, a, an) == 0)
			return bad_line(c, "the attribute is named twice in "
					   "the section");
	if (array_room(&p->lines, &p->cap, p->n, sizeof(*p->lines), 4))
		return err_set(c->e, -ENOMEM, "out of memory");
	p->lines[p->n] =
		(struct part_line){ strndup(a, an), strndup(v, vn), c->lineno };
	if (!p->lines[p->n].attr || !p->lines[p->n].value) {
		free(p->lines[p->n].attr);
		free(p->lines[p->n].value);
		return err_set(c->e, -ENOMEM, "out of memory");
	}
	p->n++;
	return 0;
}

static int parse_line(struct cursor *c)
{
	trim(&c->p, &c->n);
	if (!c->n || c->p[0] == '#' || c->p[0] == ';')
		return 0;
	if (memchr(c->p, '\0', c->n))
		return bad_line(c, "a NUL byte");
	if (c->p[0] == '[')
		return c->p[c->n - 1] == ']' ? start_section(c)
					     : bad_line(c, "no closing ']'");
	return add_line(c);
}

int partition_parse(const char *path, const char *text, size_t n,
		    const char *name, struct partition **out, struct err *e)
{
	struct cursor c = { path, name, 0, NULL, 0, NULL, NULL, { 0 }, e };
	const char *p = text, *end = text + n;
	int ret = 0;

	*out = NULL;
	idset_init(&c.names);
	while (!ret && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		c.lineno++;
		c.p = p;
		c.n = (size_t)((nl ? nl : end) - p);
		ret = parse_line(&c);
		p = nl ? nl + 1 : end;
	}
	if (!ret)
		ret = end_section(&c);
	partition_free(c.cur);
	if (!ret && !c.found)
		ret = err_set(e, -EINVAL, "%s: no partition [%s] (%zu defined)",
			      path, name, idset_count(&c.names));
	idset_release(&c.names);
	if (ret) {
		partition_free(c.found);
		return ret;
	}
	*out = c.found;
	return 0;
}

static int read_all(const char *path, struct buf *b, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return err_sys(e, 0, "open the partitions file", path);
	ret = buf_read_fd(b, fd);
	close(fd);
	if (ret == -EFBIG)
		return err_set(e, ret,
			       "%s: the partitions file is over %d bytes", path,
			       PARTITIONS_MAX);
	return ret ? err_sys(e, ret, "read", path) : 0;
}

int partition_load(const char *path, const char *name, struct partition **out,
		   struct err *e)
{
	struct buf b = BUF_INIT(PARTITIONS_MAX);
	int ret = read_all(path, &b, e);

	*out = NULL;
	if (!ret)
		ret = partition_parse(path, b.data, b.len, name, out, e);
	buf_release(&b);
	return ret;
}

const char *partition_name(const struct partition *p)
{
	return p->name;
}

void partition_describe(const struct partition *p, struct buf *out)
{
	buf_printf(out, "partition %zu:%s", strlen(p->name), p->name);
	for (size_t i = 0; i < p->n; i++)
		buf_printf(out, " %zu:%s=%zu:%s", strlen(p->lines[i].attr),
			   p->lines[i].attr, strlen(p->lines[i].value),
			   p->lines[i].value);
}

/* ---- attributes ------------------------------------------------------------
 */

static const struct table *hr_table(void)
{
	return schema_table("PersonHistorical");
}

/* The value index of attribute name in a PersonHistorical row of s (its
 * columns, then its HR attributes), or -1. */
static int attr_index(const struct store *s, const char *name)
{
	const struct table *t = hr_table();
	int c = schema_column(t, name);

	if (c >= 0)
		return c;
	for (size_t j = 0; j < store_hr_count(s); j++)
		if (strcmp(store_hr_name(s, j), name) == 0)
			return (int)(t->ncols + j);
	return -1;
}

int partition_check(const struct partition *p, const struct store *s,
		    struct err *e)
{
	for (size_t i = 0; i < p->n; i++)
		if (attr_index(s, p->lines[i].attr) < 0)
			return err_set(e, -EINVAL,
				       "%s:%zu: %s is neither a column of "
				       "PersonHistorical nor an HR attribute "
				       "of the store",
				       p->path, p->lines[i].line,
				       p->lines[i].attr);
	return 0;
}

/* ---- members ---------------------------------------------------------------
 */

struct partition_members {
	atomic_int refs;
	struct idset ids;
	/* The same people as the store numbers them, when its parent rows
	 * list who took part (store_who_ready): then a parent file tests
	 * each row's list instead of reading the participant rows. */
	int who_ready;
	struct store_people who;
};

/* Whether value v of column c (NULL: an HR attribute) is want. */
static int field_is(const struct column *c, const struct value *v,
		    const char *want, struct buf *scratch)
{
	size_t n = strlen(want);

	if (v->kind == VAL_NULL)
		return n == 0;
	if (v->kind == VAL_TEXT)
		return v->u.s.n == n && memcmp(v->u.s.p, want, n) == 0;
	buf_reset(scratch);
	render_field(scratch, c, v);
	return !scratch->err && scratch->len == n &&
	       memcmp(scratch->data, want, n) == 0;
}

struct matcher {
	const struct partition *p;
	int *idx; /* [p->n]: each line's value index */
	struct buf scratch;
};

static int matches(struct matcher *m, const struct value *vals)
{
	const struct table *t = hr_table();

	for (size_t i = 0; i < m->p->n; i++) {
		int k = m->idx[i];
		const struct column *c =
			(size_t)k < t->ncols ? &t->cols[k] : NULL;

		if (!field_is(c, &vals[k], m->p->lines[i].value, &m->scratch))
			return 0;
	}
	return 1;
}

static int add_members(struct matcher *m, struct store *s,
		       struct partition_members *pm, struct err *e)
{
	struct store_scan *sc = NULL;
	const struct value *vals;
	int ret = store_scan_open(s, hr_table(), DATETIME_MIN_MS / 1000,
				  DATETIME_MAX_MS / 1000 + 1, &sc, e);

	while (!ret && (ret = store_scan_next(sc, &vals, e)) == 1) {
		ret = 0;
		if (vals[0].kind == VAL_TEXT && matches(m, vals) &&
		    idset_add(&pm->ids, vals[0].u.s.p, vals[0].u.s.n))
			ret = err_set(e, -ENOMEM, "out of memory");
	}
	store_scan_close(sc);
	return ret;
}

static int id_is_member(void *arg, const char *id, size_t n)
{
	const struct partition_members *pm = arg;

	return idset_has(&pm->ids, id, n);
}

/* The members as the store numbers them, if its lists are up to date. */
static int add_people(struct store *s, struct partition_members *pm,
		      struct err *e)
{
	int ret = store_who_ready(s, e);

	if (ret <= 0)
		return ret;
	pm->who_ready = 1;
	return store_people_of(s, id_is_member, pm, &pm->who, e);
}

/* Each line's value index in m->idx (the store's HR attributes may have
 * grown since partition_check). */
static int resolve(struct matcher *m, const struct store *s, struct err *e)
{
	for (size_t i = 0; i < m->p->n; i++)
		if ((m->idx[i] = attr_index(s, m->p->lines[i].attr)) < 0)
			return partition_check(m->p, s, e);
	return 0;
}

int partition_members_build(const struct partition *p, struct store *s,
			    struct partition_members **out, struct err *e)
{
	struct partition_members *pm = calloc(1, sizeof(*pm));
	struct matcher m = { p, calloc(p->n + 1, sizeof(int)),
			     BUF_INIT(1 << 16) };
	int ret;

	*out = NULL;
	if (!pm || !m.idx) {
		free(pm);
		free(m.idx);
		return err_set(e, -ENOMEM, "out of memory");
	}
	atomic_init(&pm->refs, 1);
	idset_init(&pm->ids);
	ret = resolve(&m, s, e);
	if (!ret)
		ret = add_members(&m, s, pm, e);
	if (!ret)
		ret = add_people(s, pm, e);
	free(m.idx);
	buf_release(&m.scratch);
	if (ret) {
		partition_members_free(pm);
		return ret;
	}
	*out = pm;
	return 0;
}

void partition_members_hold(struct partition_members *m)
{
	atomic_fetch_add(&m->refs, 1);
}

void partition_members_free(struct partition_members *m)
{
	if (!m || atomic_fetch_sub(&m->refs, 1) > 1)
		return;
	idset_release(&m->ids);
	store_people_release(&m->who);
	free(m);
}

int partition_is_member(const struct partition_members *m,
			const struct value *id)
{
	return id->kind == VAL_TEXT && idset_has(&m->ids, id->u.s.p, id->u.s.n);
}

size_t partition_member_count(const struct partition_members *m)
{
	return idset_count(&m->ids);
}

/* ---- rows ------------------------------------------------------------------
 */

/* The first column of t with all the flags, or -1. */
static int col_with(const struct table *t, unsigned flags)
{
	for (size_t i = 0; i < t->ncols; i++)
		if ((t->cols[i].flags & flags) == flags)
			return (int)i;
	return -1;
}

/* The column naming a row's person: its first person column. */
static int person_col(const struct table *t)
{
	return col_with(t, COL_PERSON);
}

int partition_hides_column(const struct table *t, size_t col)
{
	return (t->cols[col].flags & COL_PERSON) && (int)col != person_col(t);
}

struct partition_rows {
	atomic_int refs;
	struct partition_members *m;
	int col;	      /* the value the test reads */
	int parent;	      /* a parent table: col is its key, in parents */
	struct idset parents; /* keys of parent rows a member took part in */
	int first_only;	      /* stop at the first (partition_rows_any) */
	/* A parent table whose rows list who took part: the members, for
	 * store_scan_open_who (parents stays empty). */
	const struct store_people *who;
};

/* A child row (parent key, person): its parent is kept if the person is
 * a member. */
static int add_parent(void *arg, const struct value *v, struct err *e)
{
	struct partition_rows *r = arg;

	if (v[0].kind != VAL_TEXT || !partition_is_member(r->m, &v[1]))
		return 0;
	return idset_add(&r->parents, v[0].u.s.p, v[0].u.s.n)
		       ? err_set(e, -ENOMEM, "out of memory")
		       : 0;
}

/* Parents whose children are placed with them: the children over the
 * span, each looked at inside SQLite (none handed out). */
static int parents_placed(struct partition_rows *r, struct store *s,
			  const struct table *ct,
			  const struct partition_span *sp, struct err *e)
{
	int cols[2] = { col_with(ct, COL_PARENT), person_col(ct) };
	struct store_pick pk = { ct, sp->t0, sp->t1, cols, 2 };

	return store_scan_visit(s, &pk, add_parent, r, e);
}

/* Whether the children read by sc (rekeyed) include a member. */
static int any_member(const struct partition_members *m, struct store_scan *sc,
		      struct err *e)
{
	const struct value *v;
	int ret;

	while ((ret = store_scan_next(sc, &v, e)) == 1)
		if (partition_is_member(m, &v[0]))
			return 1;
	return ret;
}

/* Parents placed by their earliest child (Calls), whose later children
 * may lie past the span: each parent's children looked up by key. */
static int parents_probed(struct partition_rows *r, struct store *s,
			  const struct table *ct,
			  const struct partition_span *sp, struct err *e)
{
	int key = col_with(sp->table, COL_KEY), who = person_col(ct);
	struct store_pick pk = { sp->table, sp->t0, sp->t1, &key, 1 };
	struct store_scan *sc = NULL, *kids = NULL;
	const struct value *v;
	int ret = store_scan_open_pick(s, &pk, &sc, e);

	if (!ret)
		ret = store_scan_open_children(s, ct, &who, 1, &kids, e);
	while (!ret && !(r->first_only && idset_count(&r->parents)) &&
	       (ret = store_scan_next(sc, &v, e)) == 1) {
		ret = store_scan_rekey(kids, &v[0], e);
		if (!ret)
			ret = any_member(r->m, kids, e);
		if (ret == 1)
			ret = idset_add(&r->parents, v[0].u.s.p, v[0].u.s.n)
				      ? err_set(e, -ENOMEM, "out of memory")
				      : 0;
	}
	store_scan_close(kids);
	store_scan_close(sc);
	return ret;
}

static int rows_open(struct partition_members *m, struct store *s,
		     const struct partition_span *sp, int first_only,
		     struct partition_rows **out, struct err *e)
{
	const struct table *t = sp->table;
	struct partition_rows *r = calloc(1, sizeof(*r));
	const struct table *ct = t->child ? schema_table(t->child) : NULL;
	int ret = 0;

	*out = NULL;
	if (!r)
		return err_set(e, -ENOMEM, "out of memory");
	atomic_init(&r->refs, 1);
	idset_init(&r->parents);
	partition_members_hold(m);
	r->m = m;
	r->parent = ct != NULL;
	r->first_only = first_only;
	r->col = ct ? col_with(t, COL_KEY) : person_col(t);
	if (ct && m->who_ready)
		r->who = &m->who; /* nothing to read now */
	else if (ct && t->instant == INSTANT_CHILDREN)
		ret = parents_probed(r, s, ct, sp, e);
	else if (ct)
		ret = parents_placed(r, s, ct, sp, e);
	else if (r->col < 0)
		ret = err_set(e, -EINVAL, "%s has no person column", t->name);
	if (ret) {
		partition_rows_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int partition_rows_open(struct partition_members *m, struct store *s,
			const struct partition_span *sp,
			struct partition_rows **out, struct err *e)
{
	return rows_open(m, s, sp, 0, out, e);
}

void partition_rows_hold(struct partition_rows *r)
{
	atomic_fetch_add(&r->refs, 1);
}

void partition_rows_free(struct partition_rows *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) > 1)
		return;
	idset_release(&r->parents);
	partition_members_free(r->m);
	free(r);
}

/* Whether parent key v is kept: first the key after the last one found
 * (a file reads its parents in the order they were added), then the
 * hash. */
static int parent_kept(const struct partition_rows *r, const struct value *v,
		       size_t *next)
{
	ptrdiff_t i;

	if (v->kind != VAL_TEXT)
		return 0;
	if (next && *next < idset_count(&r->parents)) {
		size_t n;
		const char *k = idset_key(&r->parents, *next, &n);

		if (n == v->u.s.n && memcmp(k, v->u.s.p, n) == 0) {
			++*next;
			return 1;
		}
	}
	i = idset_index(&r->parents, v->u.s.p, v->u.s.n);
	if (i >= 0 && next)
		*next = (size_t)i + 1;
	return i >= 0;
}

int partition_rows_keep(const struct partition_rows *r,
			const struct value *vals, size_t *next)
{
	const struct value *v = &vals[r->col];

	if (r->who) /* only store_scan_open_who knows */
		return 0;
	if (!r->parent)
		return partition_is_member(r->m, v);
	return parent_kept(r, v, next);
}

const struct store_people *partition_rows_people(const struct partition_rows *r)
{
	return r->who;
}

/* Whether parent table sp->table keeps a row over sp's span, by the
 * lists of who took part. */
static int first_parent(struct partition_members *m, struct store *s,
			const struct partition_span *sp, struct err *e)
{
	struct store_scan_from from = { sp->table, sp->t0, sp->t1, NULL, 0 };
	struct store_scan *sc = NULL;
	const struct value *v;
	int ret = store_scan_open_who(s, &from, &m->who, &sc, e);

	if (!ret)
		ret = store_scan_next(sc, &v, e);
	store_scan_close(sc);
	return ret;
}

/* Whether a row of table t over sp's span has a member in its person
 * column. */
static int first_member(struct partition_members *m, struct store *s,
			const struct table *t, const struct partition_span *sp,
			struct err *e)
{
	int col = person_col(t);
	struct store_pick pk = { t, sp->t0, sp->t1, &col, 1 };
	struct store_scan *sc = NULL;
	int ret = store_scan_open_pick(s, &pk, &sc, e);

	if (!ret)
		ret = any_member(m, sc, e);
	store_scan_close(sc);
	return ret;
}

int partition_rows_any(struct partition_members *m, struct store *s,
		       const struct partition_span *sp, struct err *e)
{
	const struct table *t = sp->table;
	const struct table *ct = t->child ? schema_table(t->child) : NULL;
	struct partition_rows *r = NULL;
	int ret;

	if (!partition_member_count(m))
		return 0;
	if (!ct)
		return first_member(m, s, t, sp, e);
	if (m->who_ready)
		return first_parent(m, s, sp, e);
	if (t->instant != INSTANT_CHILDREN) /* children placed with them */
		return first_member(m, s, ct, sp, e);
	ret = rows_open(m, s, sp, 1, &r, e); /* to the first call kept */
	if (!ret && r)
		ret = idset_count(&r->parents) > 0;
	partition_rows_free(r);
	return ret;
}
