/* activity.c - the activity views.  See activity.h and docs/activity.md.
 *
 * One pass per table over the rows of the period, only the columns needed
 * (store_scan_open_pick):
 *   1. HR rows valid in the period: people, departments, and one *unit*
 *      per (person, department) that metrics are added to;
 *   2. meetings (start, length, canceled), then their participants, and
 *      call participants: intervals, kept (the period's meetings and calls
 *      are few next to its messages);
 *   3. per unit, the intervals sorted: meeting union, conflicts, call
 *      union, and U = meetings and calls together, kept as segments;
 *   4. mail and chat participants, streamed: time spent, each piece's part
 *      outside U added to collaboration time;
 *   5. file activities counted.
 * Then the rows of the view, in a stable order.
 */
#include "activity.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "render.h"
#include "value.h"

#define HOUR_MS	    3600000.0
#define MINUTE_MS   60000LL
#define DAY_MS	    86400000LL
#define WORK_START  (8 * 3600000LL)  /* 08:00 local */
#define WORK_END    (17 * 3600000LL) /* 17:00 local */
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

struct meeting {
	int64_t start_ms, end_ms;
	int canceled;
};

/* An interval of a meeting or call, or a stretch of U. */
struct span {
	int64_t a, b;
	uint32_t unit;
	int16_t off;  /* local offset, minutes east of UTC */
	uint8_t call; /* a call, not a meeting */
};

struct act {
	struct store *s;
	const struct activity_spec *sp;
	struct pseudo *ps;
	struct err *e;
	struct buf arena, scratch;
	struct strmap hr_ids, persons, depts, units, meetings;
	struct hr_row *hr;
	struct person *people;
	struct dept *depts_v;
	struct unit *units_v;
	struct meeting *mtg;
	struct span *spans, *segs; /* segs: U, by unit then time */
	size_t nhr, capr, npeople, capp, ndepts, capd, nunits, capu, nmtg, capm,
		nspans, caps, nsegs, capg;
	size_t *unit_seg; /* [nunits + 1]: each unit's first segment */
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

static uint32_t lookup_value(const struct act *x, const struct strmap *m,
			     const struct value *v)
{
	return v->kind == VAL_TEXT ? lookup(x, m, v->u.s.p, v->u.s.n)
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

/* The unit an event's PersonHistoricalId counts for, or NO_INDEX. */
static uint32_t unit_of_event(const struct act *x, const struct value *id)
{
	uint32_t h = lookup_value(x, &x->hr_ids, id);

	return h == NO_INDEX ? NO_INDEX : x->hr[h].unit;
}

/* ---- 2. meetings and calls -------------------------------------------------
 */

static int add_meeting(struct act *x, const struct value *vals)
{
	uint32_t idx;
	int added = 0;
	int ret;

	if (vals[0].kind != VAL_TEXT || vals[1].kind != VAL_TIME)
		return 0;
	ret = intern(x, &x->meetings, vals[0].u.s.p, vals[0].u.s.n, &idx,
		     &added);
	if (ret || !added)
		return ret;
	if (array_room(&x->mtg, &x->capm, x->nmtg, sizeof(*x->mtg),
		       ARRAY_FIRST))
		return nomem(x);
	x->mtg[x->nmtg++] = (struct meeting){
		vals[1].u.t.ms,
		vals[1].u.t.ms + (vals[2].kind == VAL_INT && vals[2].u.i > 0
					  ? vals[2].u.i * MINUTE_MS
					  : 0),
		vals[3].kind == VAL_INT && vals[3].u.i
	};
	return 0;
}

static int add_span(struct act *x, const struct span *sp)
{
	if (array_room(&x->spans, &x->caps, x->nspans, sizeof(*x->spans),
		       ARRAY_FIRST))
		return nomem(x);
	x->spans[x->nspans++] = *sp;
	return 0;
}

static int16_t offset_of(const struct value *v)
{
	if (v->kind == VAL_TIME && v->u.t.has_off)
		return v->u.t.off;
	return 0;
}

/* MeetingId, PersonHistoricalId, Response, LocalStartTime */
static int add_attendance(struct act *x, const struct value *vals)
{
	uint32_t u = unit_of_event(x, &vals[1]);
	uint32_t m = lookup_value(x, &x->meetings, &vals[0]);
	const struct meeting *mt;

	if (u == NO_INDEX || m == NO_INDEX)
		return 0;
	mt = &x->mtg[m];
	if (mt->canceled || (vals[2].kind == VAL_TEXT && vals[2].u.s.n == 8 &&
			     memcmp(vals[2].u.s.p, "Declined", 8) == 0))
		return 0;
	x->units_v[u].m[M_MEETINGS] += 1;
	return add_span(x, &(struct span){ mt->start_ms, mt->end_ms, u,
					   offset_of(&vals[3]), 0 });
}

/* PersonHistoricalId, LocalStartTime, LocalEndTime */
static int add_call(struct act *x, const struct value *vals)
{
	uint32_t u = unit_of_event(x, &vals[0]);
	int64_t a, b;

	if (u == NO_INDEX || vals[1].kind != VAL_TIME)
		return 0;
	x->units_v[u].m[M_CALLS] += 1;
	a = vals[1].u.t.ms;
	b = vals[2].kind == VAL_TIME && vals[2].u.t.ms > a ? vals[2].u.t.ms : a;
	return b > a ? add_span(x, &(struct span){ a, b, u, offset_of(&vals[1]),
						   1 })
		     : 0;
}

typedef int (*row_fn)(struct act *x, const struct value *vals);

/* Every row of table over the period, its columns cols[0..n), to fn. */
static int each_row(struct act *x, const char *table, const char *const *cols,
		    size_t n, row_fn fn)
{
	struct store_scan *sc = NULL;
	const struct value *vals;
	int ret = open_pick(x, table, cols, n, &sc);

	while (!ret && (ret = store_scan_next(sc, &vals, x->e)) == 1)
		ret = fn(x, vals);
	store_scan_close(sc);
	return ret;
}

static int load_meetings_calls(struct act *x)
{
	static const char *const mc[] = { "MeetingId", "StartTime",
					  "DurationMinutes", "IsCanceled" };
	static const char *const pc[] = { "MeetingId", "PersonHistoricalId",
					  "Response", "LocalStartTime" };
	static const char *const cc[] = { "PersonHistoricalId",
					  "LocalStartTime", "LocalEndTime" };
	int ret = 0;

	if (x->sp->areas & AREA_MEETINGS) {
		ret = each_row(x, "Meetings", mc, 4, add_meeting);
		if (!ret)
			ret = each_row(x, "MeetingParticipants", pc, 4,
				       add_attendance);
	}
	if (!ret && (x->sp->areas & AREA_CALLS))
		ret = each_row(x, "CallParticipants", cc, 3, add_call);
	return ret;
}

/* ---- 3. unions, per unit ---------------------------------------------------
 */

static int cmp_span(const void *p, const void *q)
{
	const struct span *a = p, *b = q;

	if (a->unit != b->unit)
		return a->unit < b->unit ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

/* Local time of day (ms) and whether it is a working day, at local ms. */
static int64_t work_overlap(int64_t la, int64_t lb)
{
	int64_t total = 0;

	for (int64_t d = la >= 0 ? la / DAY_MS : -((-la + DAY_MS - 1) / DAY_MS);
	     d * DAY_MS < lb; d++) {
		int64_t wd = ((d % 7) + 11) % 7; /* 1970-01-01: Thursday (4) */
		int64_t ws = d * DAY_MS + WORK_START,
			we = d * DAY_MS + WORK_END;
		int64_t a = la > ws ? la : ws, b = lb < we ? lb : we;

		if (wd >= 1 && wd <= 5 && b > a)
			total += b - a;
	}
	return total;
}

/* The part of [a, b) outside working hours, at offset off minutes. */
static int64_t after_hours(int64_t a, int64_t b, int off)
{
	int64_t shift = (int64_t)off * MINUTE_MS;

	return b > a ? (b - a) - work_overlap(a + shift, b + shift) : 0;
}

/* Coverage of the sorted intervals s[0..n) of one kind: the union and the
 * time covered twice or more; union stretches to add (may be NULL). */
struct cover {
	int64_t uni, multi;
};

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Sorted by start: end1 is the furthest end so far, end2 the furthest end
 * of time covered twice; what [a, b) adds to each follows. */
static void cover_of(const struct span *s, size_t n, int call, struct cover *c)
{
	int64_t end1 = INT64_MIN, end2 = INT64_MIN;

	c->uni = c->multi = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t a = s[i].a, b = s[i].b, twice = min64(b, end1);

		if (s[i].call != call)
			continue;
		c->uni += max64(0, b - max64(a, end1));
		if (twice > max64(a, end2)) /* no overflow from INT64_MIN */
			c->multi += twice - max64(a, end2);
		end2 = max64(end2, twice);
		end1 = max64(end1, b);
	}
}

/* Append the union of s[0..n) (both kinds) to the segments, each stretch
 * with the offset of the interval that starts it; its time and after-hours
 * part go to the unit. */
static int union_segments(struct act *x, const struct span *s, size_t n,
			  struct unit *u)
{
	for (size_t i = 0; i < n;) {
		struct span seg = s[i];

		for (i++; i < n && s[i].a < seg.b; i++)
			if (s[i].b > seg.b)
				seg.b = s[i].b;
		if (array_room(&x->segs, &x->capg, x->nsegs, sizeof(*x->segs),
			       ARRAY_FIRST))
			return nomem(x);
		x->segs[x->nsegs++] = seg;
		u->m[M_COLLAB] += (double)(seg.b - seg.a);
		u->m[M_AFTER_H] += (double)after_hours(seg.a, seg.b, seg.off);
	}
	return 0;
}

static int build_unions(struct act *x)
{
	size_t i = 0;

	if (x->nspans)
		qsort(x->spans, x->nspans, sizeof(*x->spans), cmp_span);
	x->unit_seg = calloc(x->nunits + 1, sizeof(*x->unit_seg));
	if (!x->unit_seg)
		return nomem(x);
	for (uint32_t u = 0; u < x->nunits; u++) {
		size_t j = i;
		struct cover mc, cc;
		struct unit *un = &x->units_v[u];

		while (j < x->nspans && x->spans[j].unit == u)
			j++;
		cover_of(&x->spans[i], j - i, 0, &mc);
		cover_of(&x->spans[i], j - i, 1, &cc);
		un->m[M_MEETING_H] = (double)mc.uni;
		un->m[M_CONFLICT_H] = (double)mc.multi;
		un->m[M_CALL_H] = (double)cc.uni;
		x->unit_seg[u] = x->nsegs;
		if (union_segments(x, &x->spans[i], j - i, un))
			return -ENOMEM;
		i = j;
	}
	x->unit_seg[x->nunits] = x->nsegs;
	return 0;
}

/* ---- 4. mail and chat ------------------------------------------------------
 */

/* Add the part of the stretch [a, b) of unit u outside U, and its
 * after-hours part, to the unit's collaboration time. */
static void add_outside(struct act *x, uint32_t u, int64_t a, int64_t b,
			int off)
{
	const struct span *s = x->segs + x->unit_seg[u];
	size_t n = x->unit_seg[u + 1] - x->unit_seg[u], lo = 0, hi = n;
	struct unit *un = &x->units_v[u];

	while (lo < hi) { /* the first segment that ends after a */
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid].b <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && a < b && s[i].a < b; i++) {
		if (s[i].a > a) { /* a gap before the segment */
			un->m[M_COLLAB] += (double)(s[i].a - a);
			un->m[M_AFTER_H] += (double)after_hours(a, s[i].a, off);
		}
		a = s[i].b > a ? s[i].b : a;
	}
	if (a < b) {
		un->m[M_COLLAB] += (double)(b - a);
		un->m[M_AFTER_H] += (double)after_hours(a, b, off);
	}
}

static double num(const struct value *v)
{
	return v->kind == VAL_REAL  ? v->u.d
	       : v->kind == VAL_INT ? (double)v->u.i
				    : 0;
}

/* PersonHistoricalId, IsSender, LocalSentTime, PersonTimeSpentInHours,
 * PersonTimeSpentInMinutes */
static int add_mail(struct act *x, const struct value *vals)
{
	uint32_t u = unit_of_event(x, &vals[0]);
	int sender = vals[1].kind == VAL_INT && vals[1].u.i;
	double hours =
		vals[3].kind != VAL_NULL ? num(&vals[3]) : num(&vals[4]) / 60.0;
	int64_t ms, t;

	if (u == NO_INDEX)
		return 0;
	x->units_v[u].m[M_EMAILS] += sender;
	if (hours <= 0 || vals[2].kind != VAL_TIME)
		return 0;
	x->units_v[u].m[M_EMAIL_H] += hours * HOUR_MS;
	ms = (int64_t)(hours * HOUR_MS + 0.5);
	t = vals[2].u.t.ms;
	if (sender)
		add_outside(x, u, t - ms, t, offset_of(&vals[2]));
	else
		add_outside(x, u, t, t + ms, offset_of(&vals[2]));
	return 0;
}

/* PersonHistoricalId, IsSender, LocalSentTime, SenderTimeSpentInMinutes */
static int add_chat(struct act *x, const struct value *vals)
{
	uint32_t u = unit_of_event(x, &vals[0]);
	double minutes = num(&vals[3]);
	int64_t ms, t;

	if (u == NO_INDEX || vals[1].kind != VAL_INT || !vals[1].u.i)
		return 0;
	x->units_v[u].m[M_CHATS] += 1;
	if (minutes <= 0 || vals[2].kind != VAL_TIME)
		return 0;
	x->units_v[u].m[M_CHAT_H] += minutes * (double)MINUTE_MS;
	ms = (int64_t)(minutes * (double)MINUTE_MS + 0.5);
	t = vals[2].u.t.ms;
	add_outside(x, u, t - ms, t, offset_of(&vals[2]));
	return 0;
}

/* PersonHistoricalId */
static int add_file(struct act *x, const struct value *vals)
{
	uint32_t u = unit_of_event(x, &vals[0]);

	if (u != NO_INDEX)
		x->units_v[u].m[M_FILES] += 1;
	return 0;
}

static int load_messages(struct act *x)
{
	static const char *const mc[] = { "PersonHistoricalId", "IsSender",
					  "LocalSentTime",
					  "PersonTimeSpentInHours",
					  "PersonTimeSpentInMinutes" };
	static const char *const ic[] = { "PersonHistoricalId", "IsSender",
					  "LocalSentTime",
					  "SenderTimeSpentInMinutes" };
	static const char *const fc[] = { "PersonHistoricalId" };
	int ret = 0;

	if (x->sp->areas & AREA_MAIL)
		ret = each_row(x, "MailParticipants", mc, 5, add_mail);
	if (!ret && (x->sp->areas & AREA_CHAT))
		ret = each_row(x, "InstantMessageParticipants", ic, 4,
			       add_chat);
	if (!ret && (x->sp->areas & AREA_FILES))
		ret = each_row(x, "FileActivities", fc, 1, add_file);
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
	struct strmap *maps[] = { &x->hr_ids, &x->persons, &x->depts, &x->units,
				  &x->meetings };

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		free(maps[i]->slots);
	buf_release(&x->arena);
	buf_release(&x->scratch);
	free(x->hr);
	free(x->people);
	free(x->depts_v);
	free(x->units_v);
	free(x->mtg);
	free(x->spans);
	free(x->segs);
	free(x->unit_seg);
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
	header_of(&x, s, out);
	ret = load_hr(&x);
	if (!ret)
		ret = load_meetings_calls(&x);
	if (!ret)
		ret = build_unions(&x);
	if (!ret)
		ret = load_messages(&x);
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
