/* activity.c - the activity views.  See activity.h and docs/activity.md.
 *
 *   1. HR rows valid in the period: people, departments, and one *unit*
 *      per (person, department) that metrics are added to;
 *   2. the events' tallies of the period, one per HR row (kept in the store
 *      or computed: activity_tally.h), each added to its HR row's unit as
 *      the scope reads it;
 * then the rows of the view, in a stable order.
 */
#include "activity.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity_tally.h"
#include "csv.h"
#include "render.h"
#include "value.h"

#define HOUR_MS	    3600000.0
#define NO_INDEX    UINT32_MAX
#define MAP_FIRST   1024
#define ARRAY_FIRST 256

/* ---- the metrics: one table drives headers and values ---------------------
 */

enum metric {
	M_COLLAB,
	M_MEETING_H,
	M_MEETINGS,
	M_EMAIL_H,
	M_EMAILS,
	M_CHAT_H,
	M_CHATS,
	M_CALL_H,
	M_CALLS,
	M_AFTER_H,
	M_CONFLICT_H,
	M_FILES,
	NMETRICS
};

struct metric_def {
	const char *name;
	unsigned areas; /* shown when the scope has one of these; 0: always */
	int hours;	/* hours (4 decimals), else a count */
};

static const struct metric_def metric_defs[NMETRICS] = {
	{ "Collaboration_hours", 0, 1 },
	{ "Meeting_hours", AREA_MEETINGS, 1 },
	{ "Meetings", AREA_MEETINGS, 0 },
	{ "Email_hours", AREA_MAIL, 1 },
	{ "Emails_sent", AREA_MAIL, 0 },
	{ "Chat_hours", AREA_CHAT, 1 },
	{ "Chats_sent", AREA_CHAT, 0 },
	{ "Call_hours", AREA_CALLS, 1 },
	{ "Calls", AREA_CALLS, 0 },
	{ "After_hours_collaboration_hours", 0, 1 },
	{ "Conflicting_meeting_hours", AREA_MEETINGS, 1 },
	{ "File_events", AREA_FILES, 0 },
};

static int metric_shown(unsigned areas, enum metric m)
{
	return !metric_defs[m].areas || (areas & metric_defs[m].areas);
}

static int active_shown(unsigned areas)
{
	return (areas & (AREA_MAIL | AREA_CHAT)) != 0;
}

/* ---- a map from byte strings to indexes -----------------------------------
 */

struct slot {
	uint64_t hash;
	size_t off, len; /* the key, in the computation's arena */
	uint32_t val;	 /* the index + 1; 0: an empty slot */
};

struct strmap {
	struct slot *slots;
	size_t cap, n; /* cap a power of two */
};

static uint64_t hash_of(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

static int map_grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : MAP_FIRST;
	struct slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j = m->slots[i].hash & (cap - 1);

		if (!m->slots[i].val)
			continue;
		while (s[j].val)
			j = (j + 1) & (cap - 1);
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

/* The slot of key p[0..n): its value, or the empty slot to fill. */
static struct slot *map_find(const struct strmap *m, const struct buf *arena,
			     const char *p, size_t n, uint64_t h)
{
	size_t j = h & (m->cap - 1);

	for (;; j = (j + 1) & (m->cap - 1)) {
		struct slot *s = &m->slots[j];

		if (!s->val || (s->hash == h && s->len == n &&
				memcmp(arena->data + s->off, p, n) == 0))
			return s;
	}
}

/* ---- the computation ------------------------------------------------------
 */

struct hr_row {
	uint32_t person, unit;
	int64_t start_ms;     /* StartDate: the latest valid row is in force */
	size_t attrs, nattrs; /* its HR attributes, rendered, in the arena */
};

struct person {
	size_t id, nid;	  /* PersonId, rendered, in the arena */
	uint32_t last_hr; /* the HR row in force at the end of the period */
};

struct dept {
	size_t label, nlabel; /* rendered, in the arena */
	uint32_t people;
	int hidden;
};

struct unit {
	uint32_t person, dept;
	double m[NMETRICS];
};

struct act {
	struct store *s;
	const struct activity_spec *sp;
	struct pseudo *ps;
	struct err *e;
	struct buf arena, scratch;
	struct strmap hr_ids, persons, depts, units;
	struct hr_row *hr;
	struct person *people;
	struct dept *depts_v;
	struct unit *units_v;
	size_t nhr, capr, npeople, capp, ndepts, capd, nunits, capu;
	struct tally_set tallies; /* the events', by HR row id */
};

static int nomem(struct act *x)
{
	return err_set(x->e, -ENOMEM,
		       "out of memory computing an activity "
		       "view");
}

/* Index of key p[0..n) in map m, adding it (value *next, then incremented)
 * when new; *added tells. */
static int intern(struct act *x, struct strmap *m, const char *p, size_t n,
		  uint32_t *idx, int *added)
{
	uint64_t h = hash_of(p, n);
	struct slot *s;

	*added = 0;
	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return nomem(x);
	s = map_find(m, &x->arena, p, n, h);
	if (!s->val) {
		s->hash = h;
		s->off = x->arena.len;
		s->len = n;
		s->val = (uint32_t)++m->n;
		buf_add(&x->arena, p, n);
		if (x->arena.err)
			return nomem(x);
		*added = 1;
	}
	*idx = s->val - 1;
	return 0;
}

/* Index of key p[0..n) in m, or NO_INDEX. */
static uint32_t lookup(const struct act *x, const struct strmap *m,
		       const char *p, size_t n)
{
	/* an empty slot's 0 - 1 is NO_INDEX */
	return m->cap ? map_find(m, &x->arena, p, n, hash_of(p, n))->val - 1
		      : NO_INDEX;
}

/* Append value v of column c (NULL: an HR attribute) as the policy p
 * writes it, to out. */
static int put_masked(struct act *x, const struct column *c, enum col_privacy p,
		      const struct value *v, struct buf *out)
{
	return render_masked(out, c, p, v, x->ps, &x->scratch)
		       ? err_set(x->e, -EIO, "cannot compute a pseudonym")
		       : 0;
}

/* ---- 1. HR rows ------------------------------------------------------------
 */

enum hr_pick { HP_ID, HP_EMAIL, HP_START, HP_POP, HP_ORG, HP_LEVEL, HP_N };

static const struct table *hr_table(void)
{
	return schema_table("PersonHistorical");
}

static int col_of(const struct table *t, const char *name)
{
	return schema_column(t, name);
}

/* The privacy of PersonHistorical.name under the policy, exclude treated
 * as hash (a pseudonym is all these views ever write for it). */
static enum col_privacy hr_privacy(const struct policy *p, const char *name)
{
	const struct table *ph = hr_table();
	enum col_privacy pr = policy_column(p, ph, (size_t)col_of(ph, name));

	return pr == PRIV_EXCLUDE ? PRIV_HASH : pr;
}

int activity_view_shown(const struct table *view, const struct policy *p,
			int has_key)
{
	const char *col = view->view == VIEW_USER	  ? "EmailAddress"
			  : view->view == VIEW_DEPARTMENT ? "Organization"
							  : NULL;

	return !col || has_key || hr_privacy(p, col) == PRIV_RAW;
}

/* The user view's HR attributes of a row: Organization, LevelDesignation,
 * then the store's extra ones, as the policy lets them out. */
static int render_attrs(struct act *x, const struct value *vals,
			const struct value *extra, struct buf *out)
{
	const struct table *ph = hr_table();
	const char *seed[] = { "Organization", "LevelDesignation" };
	int ret = 0;

	for (size_t i = 0; i < 2 && !ret; i++) {
		int c = col_of(ph, seed[i]);
		enum col_privacy p =
			policy_column(x->sp->policy, ph, (size_t)c);

		if (p == PRIV_EXCLUDE)
			continue;
		buf_addch(out, ',');
		ret = put_masked(x, &ph->cols[c], p, &vals[HP_ORG + i], out);
	}
	for (size_t j = 0; j < store_hr_count(x->s) && !ret; j++) {
		enum col_privacy p =
			policy_hr(x->sp->policy, store_hr_name(x->s, j));

		if (p == PRIV_EXCLUDE)
			continue;
		buf_addch(out, ',');
		ret = put_masked(x, NULL, p, &extra[j], out);
	}
	return ret;
}

static int is_measured(const struct value *pop)
{
	return pop->kind == VAL_NULL ||
	       (pop->kind == VAL_TEXT && pop->u.s.n == 16 &&
		memcmp(pop->u.s.p, "MeasuredEmployee", 16) == 0);
}

/* The person of an HR row: by e-mail address, else by its own id. */
static int person_of(struct act *x, const struct value *vals, uint32_t *out)
{
	const struct table *ph = hr_table();
	const struct value *key = vals[HP_EMAIL].kind == VAL_TEXT
					  ? &vals[HP_EMAIL]
					  : &vals[HP_ID];
	const char *col =
		key == &vals[HP_EMAIL] ? "EmailAddress" : "PersonHistoricalId";
	char tag = key == &vals[HP_EMAIL] ? 'e' : 'i';
	int added = 0, ret;

	buf_reset(&x->scratch);
	buf_addch(&x->scratch, tag);
	buf_add(&x->scratch, key->u.s.p, key->u.s.n);
	if (x->scratch.err)
		return nomem(x);
	ret = intern(x, &x->persons, x->scratch.data, x->scratch.len, out,
		     &added);
	if (ret || !added)
		return ret;
	if (array_room(&x->people, &x->capp, x->npeople, sizeof(*x->people),
		       ARRAY_FIRST))
		return nomem(x);
	x->people[x->npeople] = (struct person){ x->arena.len, 0, NO_INDEX };
	if (x->sp->view->view == VIEW_USER) /* the PersonId */
		ret = put_masked(x, &ph->cols[col_of(ph, col)],
				 hr_privacy(x->sp->policy, col), key,
				 &x->arena);
	x->people[x->npeople].nid = x->arena.len - x->people[x->npeople].id;
	x->npeople++;
	return ret;
}

static int dept_of(struct act *x, const struct value *org, uint32_t *out)
{
	const struct table *ph = hr_table();
	const char *p = org->kind == VAL_TEXT ? org->u.s.p : "";
	size_t n = org->kind == VAL_TEXT ? org->u.s.n : 0;
	int added = 0;
	int ret = intern(x, &x->depts, p, n, out, &added);

	if (ret || !added)
		return ret;
	if (array_room(&x->depts_v, &x->capd, x->ndepts, sizeof(*x->depts_v),
		       ARRAY_FIRST))
		return nomem(x);
	x->depts_v[x->ndepts] = (struct dept){ x->arena.len, 0, 0, 0 };
	if (x->sp->view->view == VIEW_DEPARTMENT) /* its name */
		ret = put_masked(x, &ph->cols[col_of(ph, "Organization")],
				 hr_privacy(x->sp->policy, "Organization"), org,
				 &x->arena);
	x->depts_v[x->ndepts].nlabel =
		x->arena.len - x->depts_v[x->ndepts].label;
	x->ndepts++;
	return ret;
}

/* The unit of (person, dept): a new one counts the person in the dept. */
static int unit_of(struct act *x, uint32_t person, uint32_t dept, uint32_t *out)
{
	uint32_t key[2] = { person, dept };
	int added = 0;
	int ret = intern(x, &x->units, (const char *)key, sizeof(key), out,
			 &added);

	if (ret || !added)
		return ret;
	if (array_room(&x->units_v, &x->capu, x->nunits, sizeof(*x->units_v),
		       ARRAY_FIRST))
		return nomem(x);
	memset(&x->units_v[x->nunits], 0, sizeof(x->units_v[0]));
	x->units_v[x->nunits].person = person;
	x->units_v[x->nunits].dept = dept;
	x->nunits++;
	x->depts_v[dept].people++;
	return 0;
}

static int add_hr(struct act *x, const struct value *vals)
{
	uint32_t idx = 0, person = 0, dept = 0, unit = 0;
	int added = 0;
	int ret;

	if (vals[HP_ID].kind != VAL_TEXT || !is_measured(&vals[HP_POP]) ||
	    (x->sp->members &&
	     !partition_is_member(x->sp->members, &vals[HP_ID])))
		return 0;
	ret = intern(x, &x->hr_ids, vals[HP_ID].u.s.p, vals[HP_ID].u.s.n, &idx,
		     &added);
	if (ret || !added) /* a key: never twice */
		return ret;
	ret = person_of(x, vals, &person);
	if (!ret)
		ret = dept_of(x, &vals[HP_ORG], &dept);
	if (!ret)
		ret = unit_of(x, person, dept, &unit);
	if (!ret &&
	    array_room(&x->hr, &x->capr, x->nhr, sizeof(*x->hr), ARRAY_FIRST))
		ret = nomem(x);
	if (ret)
		return ret;
	x->hr[x->nhr] = (struct hr_row){ person, unit,
					 vals[HP_START].kind == VAL_TIME
						 ? vals[HP_START].u.t.ms
						 : INT64_MIN,
					 x->arena.len, 0 };
	if (x->sp->view->view == VIEW_USER)
		ret = render_attrs(x, vals, &vals[HP_N], &x->arena);
	x->hr[x->nhr].nattrs = x->arena.len - x->hr[x->nhr].attrs;
	{
		struct person *pp = &x->people[person];

		if (pp->last_hr == NO_INDEX ||
		    x->hr[pp->last_hr].start_ms <= x->hr[x->nhr].start_ms)
			pp->last_hr = (uint32_t)x->nhr;
	}
	x->nhr++;
	return x->arena.err ? nomem(x) : ret;
}

/* Open a scan of table name over the period with the columns cols[0..n)
 * (NULL names an HR attribute slot: all of them follow). */
static int open_pick(struct act *x, const char *table, const char *const *cols,
		     size_t n, struct store_scan **out)
{
	const struct table *t = schema_table(table);
	size_t nhr = t->hr_attributes ? store_hr_count(x->s) : 0, k = 0;
	int *pick = malloc((n + nhr) * sizeof(*pick));
	int ret;

	if (!pick)
		return nomem(x);
	for (size_t i = 0; i < n; i++)
		pick[k++] = col_of(t, cols[i]);
	for (size_t j = 0; j < nhr; j++)
		pick[k++] = (int)(t->ncols + j);
	{
		struct store_pick p = { t, x->sp->t0, x->sp->t1, pick, k };

		ret = store_scan_open_pick(x->s, &p, out, x->e);
	}
	free(pick);
	return ret;
}

static int load_hr(struct act *x)
{
	static const char *const cols[HP_N] = {
		"PersonHistoricalId", "EmailAddress", "StartDate",
		"PopulationType",     "Organization", "LevelDesignation"
	};
	struct store_scan *sc = NULL;
	const struct value *vals;
	int ret = open_pick(x, "PersonHistorical", cols, HP_N, &sc);

	while (!ret && (ret = store_scan_next(sc, &vals, x->e)) == 1)
		ret = add_hr(x, vals);
	store_scan_close(sc);
	return ret;
}

/* ---- 2. the events' tallies ------------------------------------------------
 */

/* A metric read straight from a tally, when its area is in scope. */
struct direct {
	enum metric m;
	enum tally_field f;
	unsigned area;
};

static const struct direct directs[] = {
	{ M_MEETING_H, TF_MEETING_H, AREA_MEETINGS },
	{ M_MEETINGS, TF_MEETINGS, AREA_MEETINGS },
	{ M_EMAIL_H, TF_EMAIL_H, AREA_MAIL },
	{ M_EMAILS, TF_EMAILS, AREA_MAIL },
	{ M_CHAT_H, TF_CHAT_H, AREA_CHAT },
	{ M_CHATS, TF_CHATS, AREA_CHAT },
	{ M_CALL_H, TF_CALL_H, AREA_CALLS },
	{ M_CALLS, TF_CALLS, AREA_CALLS },
	{ M_CONFLICT_H, TF_CONFLICT_H, AREA_MEETINGS },
	{ M_FILES, TF_FILES, AREA_FILES },
};

/* Add what tally t says under the scope areas to unit un: collaboration
 * time is U (the scope's meetings and calls) and the mail and chat time
 * outside it. */
static void add_tally(struct unit *un, const struct tally *t, unsigned areas)
{
	unsigned u = tally_u_of(areas);
	double collab = t->v[tally_u_field(u, TP_U)];
	double after = t->v[tally_u_field(u, TP_U_AFTER)];

	if (areas & AREA_MAIL) {
		collab += t->v[tally_u_field(u, TP_MAIL_OUT)];
		after += t->v[tally_u_field(u, TP_MAIL_OUT_AFTER)];
	}
	if (areas & AREA_CHAT) {
		collab += t->v[tally_u_field(u, TP_CHAT_OUT)];
		after += t->v[tally_u_field(u, TP_CHAT_OUT_AFTER)];
	}
	un->m[M_COLLAB] += collab;
	un->m[M_AFTER_H] += after;
	for (size_t i = 0; i < sizeof(directs) / sizeof(directs[0]); i++)
		if (areas & directs[i].area)
			un->m[directs[i].m] += t->v[directs[i].f];
}

/* The tallies of the period, each added to the unit of the HR row it
 * names, in the order of the HR rows (the same sums whether the tallies
 * were kept or computed).  A tally of an HR row not counted (not valid in
 * the period, not measured, not a member) is left out. */
static int add_tallies(struct act *x)
{
	unsigned areas = x->sp->areas;
	struct tally_spec ts = { x->sp->t0, x->sp->t1, areas,
				 1U << tally_u_of(areas) };
	size_t nhr = x->nhr;
	size_t *of_hr = malloc((nhr ? nhr : 1) * sizeof(size_t));
	int ret;

	if (!of_hr)
		return nomem(x);
	for (size_t h = 0; h < nhr; h++)
		of_hr[h] = SIZE_MAX;
	ret = activity_tally_load(x->s, &ts, &x->tallies, NULL, x->e);
	for (size_t i = 0; !ret && i < idset_count(&x->tallies.ids); i++) {
		size_t n;
		const char *id = idset_key(&x->tallies.ids, i, &n);
		uint32_t h = lookup(x, &x->hr_ids, id, n);

		if (h != NO_INDEX)
			of_hr[h] = i;
	}
	for (size_t h = 0; !ret && h < nhr; h++)
		if (of_hr[h] != SIZE_MAX)
			add_tally(&x->units_v[x->hr[h].unit],
				  &x->tallies.t[of_hr[h]], areas);
	free(of_hr);
	return ret;
}

/* ---- the files --------------------------------------------------------------
 */

static void put_date(struct buf *out, int64_t day)
{
	int y;
	unsigned m, d;

	value_civil_from_days(day, &y, &m, &d);
	buf_printf(out, "%04d-%02u-%02u", y, m, d);
}

static void put_hours(struct buf *out, double ms)
{
	buf_printf(out, "%.4f", ms / HOUR_MS);
}

/* A metric's value: hours from milliseconds, or a count. */
static void put_metric(struct buf *out, enum metric m, double v)
{
	if (metric_defs[m].hours)
		put_hours(out, v);
	else
		buf_printf(out, "%.0f", v);
}

static void header_user(const struct act *x, const struct store *s,
			struct buf *out)
{
	const struct table *ph = hr_table();
	const char *seed[] = { "Organization", "LevelDesignation" };
	unsigned areas = x->sp->areas;

	buf_addstr(out, "PersonId,MetricDate");
	for (int m = 0; m < NMETRICS; m++)
		if (metric_shown(areas, (enum metric)m))
			buf_printf(out, ",%s", metric_defs[m].name);
	if (active_shown(areas))
		buf_addstr(out, ",IsActive");
	for (size_t i = 0; i < 2; i++)
		if (policy_column(x->sp->policy, ph,
				  (size_t)col_of(ph, seed[i])) != PRIV_EXCLUDE)
			buf_printf(out, ",%s", seed[i]);
	for (size_t j = 0; j < store_hr_count(s); j++)
		if (policy_hr(x->sp->policy, store_hr_name(s, j)) !=
		    PRIV_EXCLUDE) {
			buf_addch(out, ',');
			csv_put_field(out, store_hr_name(s, j),
				      strlen(store_hr_name(s, j)));
		}
	buf_add(out, "\r\n", 2);
}

static void header_group(const struct act *x, struct buf *out)
{
	unsigned areas = x->sp->areas;

	buf_addstr(out, "MetricDate");
	if (x->sp->view->view == VIEW_DEPARTMENT)
		buf_addstr(out, ",Organization");
	buf_addstr(out, ",People");
	if (active_shown(areas))
		buf_addstr(out, ",Active_people");
	for (int m = 0; m < NMETRICS; m++)
		if (metric_shown(areas, (enum metric)m))
			buf_printf(out, ",%s_total,%s_avg", metric_defs[m].name,
				   metric_defs[m].name);
	buf_add(out, "\r\n", 2);
}

static void header_of(const struct act *x, const struct store *s,
		      struct buf *out)
{
	if (x->sp->view->view == VIEW_USER)
		header_user(x, s, out);
	else
		header_group(x, out);
}

void activity_header(const struct store *s, const struct activity_spec *spec,
		     struct buf *out)
{
	struct act x;

	memset(&x, 0, sizeof(x));
	x.sp = spec;
	header_of(&x, s, out);
}

/* One person's metrics: the sum of their units. */
struct sums {
	double m[NMETRICS];
	uint32_t people, active;
};

static void add_unit(struct sums *s, const struct unit *u)
{
	for (int m = 0; m < NMETRICS; m++)
		s->m[m] += u->m[m];
}

static int is_active(const struct sums *s)
{
	return s->m[M_EMAILS] + s->m[M_CHATS] > 0;
}

static void put_user_row(struct act *x, uint32_t p, const struct sums *s,
			 struct buf *out)
{
	const struct person *pp = &x->people[p];
	const struct hr_row *h = &x->hr[pp->last_hr];
	unsigned areas = x->sp->areas;

	buf_add(out, x->arena.data + pp->id, pp->nid);
	buf_addch(out, ',');
	put_date(out, x->sp->first_day);
	for (int m = 0; m < NMETRICS; m++)
		if (metric_shown(areas, (enum metric)m)) {
			buf_addch(out, ',');
			put_metric(out, (enum metric)m, s->m[m]);
		}
	if (active_shown(areas))
		buf_addstr(out, is_active(s) ? ",TRUE" : ",FALSE");
	buf_add(out, x->arena.data + h->attrs, h->nattrs);
	buf_add(out, "\r\n", 2);
}

/* A label to sort by (a PersonId, a department's name) and its index. */
struct label {
	const char *p;
	size_t n;
	uint32_t idx;
};

static int cmp_label(const void *p, const void *q)
{
	const struct label *a = p, *b = q;
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);

	return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* Indexes 0..n-1 sorted by their labels arena[off[i]..off[i] + len[i]),
 * read from items of size bytes at base (offsets off_at and len_at). */
static uint32_t *sorted(const struct act *x, const void *base, size_t n,
			size_t size, size_t off_at, size_t len_at)
{
	struct label *l = malloc((n ? n : 1) * sizeof(*l));
	uint32_t *ix = malloc((n ? n : 1) * sizeof(*ix));

	if (!l || !ix) {
		free(l);
		free(ix);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *item = (const char *)base + i * size;
		size_t off, len;

		memcpy(&off, item + off_at, sizeof(off));
		memcpy(&len, item + len_at, sizeof(len));
		l[i] = (struct label){ x->arena.data + off, len, (uint32_t)i };
	}
	if (n)
		qsort(l, n, sizeof(*l), cmp_label);
	for (size_t i = 0; i < n; i++)
		ix[i] = l[i].idx;
	free(l);
	return ix;
}

static int write_users(struct act *x, struct buf *out)
{
	struct sums *per = calloc(x->npeople ? x->npeople : 1, sizeof(*per));
	uint32_t *ix =
		per ? sorted(x, x->people, x->npeople, sizeof(*x->people),
			     offsetof(struct person, id),
			     offsetof(struct person, nid))
		    : NULL;

	if (!ix) {
		free(per);
		return nomem(x);
	}
	for (size_t u = 0; u < x->nunits; u++)
		add_unit(&per[x->units_v[u].person], &x->units_v[u]);
	for (size_t i = 0; i < x->npeople; i++)
		put_user_row(x, ix[i], &per[ix[i]], out);
	free(ix);
	free(per);
	return 0;
}

static void put_group_row(const struct act *x, const struct dept *d,
			  const struct sums *s, struct buf *out)
{
	unsigned areas = x->sp->areas;

	put_date(out, x->sp->first_day);
	if (d) {
		buf_addch(out, ',');
		buf_add(out, x->arena.data + d->label, d->nlabel);
	}
	buf_printf(out, ",%" PRIu32, s->people);
	if (active_shown(areas))
		buf_printf(out, ",%" PRIu32, s->active);
	for (int m = 0; m < NMETRICS; m++) {
		if (!metric_shown(areas, (enum metric)m))
			continue;
		buf_addch(out, ',');
		put_metric(out, (enum metric)m, s->m[m]);
		buf_addch(out, ',');
		put_hours(out,
			  (metric_defs[m].hours ? s->m[m] : s->m[m] * HOUR_MS) /
				  (s->people ? s->people : 1));
	}
	buf_add(out, "\r\n", 2);
}

/* Per department (or, with dept NO_INDEX, the whole organization): sums
 * and distinct active people. */
static int group_sums(const struct act *x, uint32_t dept, struct sums *s)
{
	struct sums *per = calloc(x->npeople ? x->npeople : 1, sizeof(*per));
	unsigned char *in = calloc(x->npeople ? x->npeople : 1, 1);

	memset(s, 0, sizeof(*s));
	if (!per || !in) {
		free(per);
		free(in);
		return -ENOMEM;
	}
	for (size_t u = 0; u < x->nunits; u++) {
		const struct unit *un = &x->units_v[u];

		if (dept != NO_INDEX && un->dept != dept)
			continue;
		add_unit(&per[un->person], un);
		add_unit(s, un);
		in[un->person] = 1;
	}
	for (size_t p = 0; p < x->npeople; p++) {
		s->people += in[p];
		s->active += in[p] && is_active(&per[p]);
	}
	free(per);
	free(in);
	return 0;
}

/* Hide departments under the minimum group, then, while the hidden ones
 * together hold 1 to min - 1 people, the smallest shown one too. */
static void suppress(struct act *x, const uint32_t *ix)
{
	uint32_t min = x->sp->min_group, hidden = 0;

	for (size_t i = 0; i < x->ndepts; i++) {
		struct dept *d = &x->depts_v[i];

		d->hidden = d->people < min;
		hidden += d->hidden ? d->people : 0;
	}
	while (hidden > 0 && hidden < min) {
		struct dept *best = NULL;

		for (size_t i = 0; i < x->ndepts; i++) {
			struct dept *d = &x->depts_v[ix[i]];

			if (!d->hidden && (!best || d->people < best->people))
				best = d;
		}
		if (!best)
			break;
		best->hidden = 1;
		hidden += best->people;
	}
}

static int write_departments(struct act *x, struct buf *out)
{
	uint32_t *ix = sorted(x, x->depts_v, x->ndepts, sizeof(*x->depts_v),
			      offsetof(struct dept, label),
			      offsetof(struct dept, nlabel));
	int ret = 0;

	if (!ix)
		return nomem(x);
	suppress(x, ix);
	for (size_t i = 0; i < x->ndepts && !ret; i++) {
		const struct dept *d = &x->depts_v[ix[i]];
		struct sums s;

		if (d->hidden)
			continue;
		ret = group_sums(x, ix[i], &s) ? nomem(x) : 0;
		if (!ret)
			put_group_row(x, d, &s, out);
	}
	free(ix);
	return ret;
}

static int write_organization(struct act *x, struct buf *out)
{
	struct sums s;

	if (group_sums(x, NO_INDEX, &s))
		return nomem(x);
	if (s.people >= x->sp->min_group)
		put_group_row(x, NULL, &s, out);
	return 0;
}

static void act_free(struct act *x)
{
	struct strmap *maps[] = { &x->hr_ids, &x->persons, &x->depts,
				  &x->units };

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		free(maps[i]->slots);
	buf_release(&x->arena);
	buf_release(&x->scratch);
	free(x->hr);
	free(x->people);
	free(x->depts_v);
	free(x->units_v);
	tally_set_release(&x->tallies);
}

int activity_render(struct store *s, const struct activity_spec *spec,
		    struct pseudo *ps, struct buf *out, struct err *e)
{
	struct act x;
	int ret;

	memset(&x, 0, sizeof(x));
	x.s = s;
	x.sp = spec;
	x.ps = ps;
	x.e = e;
	buf_init(&x.arena, SIZE_MAX / 2);
	buf_init(&x.scratch, 1 << 20);
	tally_set_init(&x.tallies);
	header_of(&x, s, out);
	ret = load_hr(&x);
	if (!ret)
		ret = add_tallies(&x);
	if (!ret && spec->view->view == VIEW_USER)
		ret = write_users(&x, out);
	else if (!ret && spec->view->view == VIEW_DEPARTMENT)
		ret = write_departments(&x, out);
	else if (!ret)
		ret = write_organization(&x, out);
	act_free(&x);
	if (!ret && out->err)
		ret = err_set(e, out->err, "out of memory rendering a file");
	return ret;
}
