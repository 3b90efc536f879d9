/* activity_tally.c - per HR row tallies of a period, computed and kept.
 * See activity_tally.h and docs/activity.md.
 *
 * One pass per table over the rows of the period, only the columns needed:
 *   1. meetings (start, length, canceled), then their participants, and
 *      call participants: intervals, kept (the period's meetings and calls
 *      are few next to its messages);
 *   2. per HR row, the intervals sorted: meeting union, conflicts, call
 *      union, and for each U asked for its union, kept as segments;
 *   3. mail and chat participants, streamed: time spent, and each stretch's
 *      part outside each U;
 *   4. file activities counted.
 */
#include "activity_tally.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "period.h"

#define HOUR_MS	    3600000.0
#define MINUTE_MS   60000LL
#define DAY_MS	    86400000LL
#define DAY_S	    86400LL
#define WORK_START  (8 * 3600000LL)  /* 08:00 local */
#define WORK_END    (17 * 3600000LL) /* 17:00 local */
#define ARRAY_FIRST 256
#define NO_INDEX    SIZE_MAX

unsigned tally_u_of(unsigned areas)
{
	return ((areas & AREA_MEETINGS) ? 1U : 0U) |
	       ((areas & AREA_CALLS) ? 2U : 0U);
}

/* ---- sets of tallies ------------------------------------------------------
 */

void tally_set_init(struct tally_set *ts)
{
	memset(ts, 0, sizeof(*ts));
	idset_init(&ts->ids);
}

void tally_set_release(struct tally_set *ts)
{
	idset_release(&ts->ids);
	free(ts->t);
	tally_set_init(ts);
}

struct tally *tally_set_get(struct tally_set *ts, const char *p, size_t n)
{
	ptrdiff_t i = idset_index(&ts->ids, p, n);
	size_t k = idset_count(&ts->ids);

	if (i >= 0)
		return &ts->t[i];
	if (array_room(&ts->t, &ts->cap, k, sizeof(*ts->t), ARRAY_FIRST) ||
	    idset_add(&ts->ids, p, n))
		return NULL;
	memset(&ts->t[k], 0, sizeof(ts->t[k]));
	return &ts->t[k];
}

/* ---- the computation --------------------------------------------------------
 */

struct meeting {
	int64_t start_ms, end_ms;
	int canceled;
};

/* An interval of a meeting or call, or a stretch of a U. */
struct span {
	int64_t a, b;
	size_t who;   /* the tally (HR row) */
	int16_t off;  /* local offset, minutes east of UTC */
	uint8_t call; /* a call, not a meeting */
};

/* One U's union, as segments by HR row then time. */
struct segments {
	struct span *v;
	size_t n, cap;
	size_t *first; /* [nwho + 1]: each HR row's first segment */
	size_t nwho;   /* HR rows with segments: those seen by then */
};

struct calc {
	struct store *s;
	const struct tally_spec *sp;
	struct err *e;
	struct tally_set *out;
	struct idset mtg_ids;
	struct meeting *mtg;
	size_t nmtg, capm;
	struct span *spans;
	size_t nspans, caps;
	struct segments u[TALLY_US];
};

static int nomem(struct calc *c)
{
	return err_set(c->e, -ENOMEM,
		       "out of memory computing an activity view");
}

/* The tally of the HR row an event names, or NULL (none named, or out of
 * memory: *ret says). */
static struct tally *tally_of(struct calc *c, const struct value *id,
			      size_t *who, int *ret)
{
	struct tally *t;

	*ret = 0;
	if (id->kind != VAL_TEXT)
		return NULL;
	t = tally_set_get(c->out, id->u.s.p, id->u.s.n);
	if (!t)
		*ret = nomem(c);
	else if (who)
		*who = (size_t)(t - c->out->t);
	return t;
}

static int16_t offset_of(const struct value *v)
{
	if (v->kind == VAL_TIME && v->u.t.has_off)
		return v->u.t.off;
	return 0;
}

static double num(const struct value *v)
{
	return v->kind == VAL_REAL  ? v->u.d
	       : v->kind == VAL_INT ? (double)v->u.i
				    : 0;
}

/* ---- 1. meetings and calls -------------------------------------------------
 */

/* MeetingId, StartTime, DurationMinutes, IsCanceled */
static int add_meeting(struct calc *c, const struct value *vals)
{
	size_t k = idset_count(&c->mtg_ids);

	if (vals[0].kind != VAL_TEXT || vals[1].kind != VAL_TIME ||
	    idset_has(&c->mtg_ids, vals[0].u.s.p, vals[0].u.s.n))
		return 0;
	if (array_room(&c->mtg, &c->capm, k, sizeof(*c->mtg), ARRAY_FIRST) ||
	    idset_add(&c->mtg_ids, vals[0].u.s.p, vals[0].u.s.n))
		return nomem(c);
	c->mtg[k] = (struct meeting){
		vals[1].u.t.ms,
		vals[1].u.t.ms + (vals[2].kind == VAL_INT && vals[2].u.i > 0
					  ? vals[2].u.i * MINUTE_MS
					  : 0),
		vals[3].kind == VAL_INT && vals[3].u.i
	};
	c->nmtg = k + 1;
	return 0;
}

static int add_span(struct calc *c, const struct span *sp)
{
	if (array_room(&c->spans, &c->caps, c->nspans, sizeof(*c->spans),
		       ARRAY_FIRST))
		return nomem(c);
	c->spans[c->nspans++] = *sp;
	return 0;
}

/* MeetingId, PersonHistoricalId, Response, LocalStartTime */
static int add_attendance(struct calc *c, const struct value *vals)
{
	ptrdiff_t m =
		vals[0].kind == VAL_TEXT
			? idset_index(&c->mtg_ids, vals[0].u.s.p, vals[0].u.s.n)
			: -1;
	const struct meeting *mt = m >= 0 ? &c->mtg[m] : NULL;
	struct tally *t;
	size_t who = 0;
	int ret;

	if (!mt || mt->canceled ||
	    (vals[2].kind == VAL_TEXT && vals[2].u.s.n == 8 &&
	     memcmp(vals[2].u.s.p, "Declined", 8) == 0))
		return 0;
	t = tally_of(c, &vals[1], &who, &ret);
	if (!t)
		return ret;
	t->v[TF_MEETINGS] += 1;
	return add_span(c, &(struct span){ mt->start_ms, mt->end_ms, who,
					   offset_of(&vals[3]), 0 });
}

/* PersonHistoricalId, LocalStartTime, LocalEndTime */
static int add_call(struct calc *c, const struct value *vals)
{
	struct tally *t;
	size_t who = 0;
	int64_t a, b;
	int ret;

	if (vals[1].kind != VAL_TIME)
		return 0;
	t = tally_of(c, &vals[0], &who, &ret);
	if (!t)
		return ret;
	t->v[TF_CALLS] += 1;
	a = vals[1].u.t.ms;
	b = vals[2].kind == VAL_TIME && vals[2].u.t.ms > a ? vals[2].u.t.ms : a;
	return b > a ? add_span(c, &(struct span){ a, b, who,
						   offset_of(&vals[1]), 1 })
		     : 0;
}

typedef int (*row_fn)(struct calc *c, const struct value *vals);

/* Every row of table over the period, its columns cols[0..n), to fn. */
static int each_row(struct calc *c, const char *table, const char *const *cols,
		    size_t n, row_fn fn)
{
	const struct table *t = schema_table(table);
	int pick[8];
	struct store_pick p = { t, c->sp->t0, c->sp->t1, pick, n };
	struct store_scan *sc = NULL;
	const struct value *vals;
	int ret;

	for (size_t i = 0; i < n; i++)
		pick[i] = schema_column(t, cols[i]);
	ret = store_scan_open_pick(c->s, &p, &sc, c->e);
	while (!ret && (ret = store_scan_next(sc, &vals, c->e)) == 1)
		ret = fn(c, vals);
	store_scan_close(sc);
	return ret;
}

static int load_meetings_calls(struct calc *c)
{
	static const char *const mc[] = { "MeetingId", "StartTime",
					  "DurationMinutes", "IsCanceled" };
	static const char *const pc[] = { "MeetingId", "PersonHistoricalId",
					  "Response", "LocalStartTime" };
	static const char *const cc[] = { "PersonHistoricalId",
					  "LocalStartTime", "LocalEndTime" };
	int ret = 0;

	if (c->sp->areas & AREA_MEETINGS) {
		ret = each_row(c, "Meetings", mc, 4, add_meeting);
		if (!ret)
			ret = each_row(c, "MeetingParticipants", pc, 4,
				       add_attendance);
	}
	if (!ret && (c->sp->areas & AREA_CALLS))
		ret = each_row(c, "CallParticipants", cc, 3, add_call);
	return ret;
}

/* ---- 2. unions, per HR row -------------------------------------------------
 */

static int cmp_span(const void *p, const void *q)
{
	const struct span *a = p, *b = q;

	if (a->who != b->who)
		return a->who < b->who ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

/* The working time (08:00-17:00, Monday to Friday) in local [la, lb). */
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

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Coverage of the sorted intervals s[0..n) of one kind: the union and the
 * time covered twice or more.  end1 is the furthest end so far, end2 the
 * furthest end of time covered twice; what [a, b) adds to each follows. */
static void cover_of(const struct span *s, size_t n, int call, double *uni,
		     double *multi)
{
	int64_t end1 = INT64_MIN, end2 = INT64_MIN, u = 0, m = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t a = s[i].a, b = s[i].b, twice = min64(b, end1);

		if (s[i].call != call)
			continue;
		u += max64(0, b - max64(a, end1));
		if (twice > max64(a, end2)) /* no overflow from INT64_MIN */
			m += twice - max64(a, end2);
		end2 = max64(end2, twice);
		end1 = max64(end1, b);
	}
	*uni = (double)u;
	if (multi)
		*multi = (double)m;
}

static int in_u(const struct span *s, unsigned u)
{
	return (u & (s->call ? 2U : 1U)) != 0;
}

/* Append the union of the spans of s[0..n) that U number u holds to its
 * segments, each stretch with the offset of the interval that starts it;
 * its time and after-hours part go to t. */
static int union_segments(struct calc *c, const struct span *s, size_t n,
			  unsigned u, struct tally *t)
{
	struct segments *g = &c->u[u];

	for (size_t i = 0; i < n;) {
		struct span seg;

		if (!in_u(&s[i], u)) {
			i++;
			continue;
		}
		seg = s[i];
		for (i++; i < n && s[i].a < seg.b; i++)
			if (in_u(&s[i], u) && s[i].b > seg.b)
				seg.b = s[i].b;
		if (array_room(&g->v, &g->cap, g->n, sizeof(*g->v),
			       ARRAY_FIRST))
			return nomem(c);
		g->v[g->n++] = seg;
		t->v[tally_u_field(u, TP_U)] += (double)(seg.b - seg.a);
		t->v[tally_u_field(u, TP_U_AFTER)] +=
			(double)after_hours(seg.a, seg.b, seg.off);
	}
	return 0;
}

/* One HR row's spans s[0..n): its unions, and each U's segments. */
static int unions_of(struct calc *c, size_t who, const struct span *s, size_t n)
{
	struct tally *t = &c->out->t[who];
	int ret = 0;

	cover_of(s, n, 0, &t->v[TF_MEETING_H], &t->v[TF_CONFLICT_H]);
	cover_of(s, n, 1, &t->v[TF_CALL_H], NULL);
	for (unsigned u = 1; u < TALLY_US && !ret; u++) {
		c->u[u].first[who] = c->u[u].n;
		if (c->sp->us & (1U << u))
			ret = union_segments(c, s, n, u, t);
	}
	return ret;
}

static int build_unions(struct calc *c)
{
	size_t nwho = idset_count(&c->out->ids), i = 0;

	if (c->nspans)
		qsort(c->spans, c->nspans, sizeof(*c->spans), cmp_span);
	for (unsigned u = 1; u < TALLY_US; u++) {
		c->u[u].first = calloc(nwho + 1, sizeof(size_t));
		if (!c->u[u].first)
			return nomem(c);
		c->u[u].nwho = nwho;
	}
	for (size_t who = 0; who < nwho; who++) {
		size_t j = i;

		while (j < c->nspans && c->spans[j].who == who)
			j++;
		if (unions_of(c, who, &c->spans[i], j - i))
			return -ENOMEM;
		i = j;
	}
	for (unsigned u = 1; u < TALLY_US; u++)
		c->u[u].first[nwho] = c->u[u].n;
	return 0;
}

/* ---- 3. mail and chat ------------------------------------------------------
 */

/* The part of the stretch [a, b) outside U number u's segments of HR row
 * who, and its after-hours part, added to t's fields at part (then the
 * after-hours field that follows it). */
static void add_outside(const struct calc *c, size_t who, unsigned u,
			const struct span *st, enum tally_part part)
{
	const struct segments *g = &c->u[u];
	const struct span *s = NULL;
	size_t n = 0, lo = 0, hi;
	int64_t a = st->a, b = st->b;
	double *out = &c->out->t[who].v[tally_u_field(u, part)];

	if (u && who < g->nwho) {
		s = g->v + g->first[who];
		n = g->first[who + 1] - g->first[who];
	}
	for (hi = n; lo < hi;) { /* the first segment that ends after a */
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid].b <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && a < b && s[i].a < b; i++) {
		if (s[i].a > a) { /* a gap before the segment */
			out[0] += (double)(s[i].a - a);
			out[1] += (double)after_hours(a, s[i].a, st->off);
		}
		a = s[i].b > a ? s[i].b : a;
	}
	if (a < b) {
		out[0] += (double)(b - a);
		out[1] += (double)after_hours(a, b, st->off);
	}
}

/* The stretch st of HR row who, outside each U asked for. */
static void add_stretch(const struct calc *c, size_t who, const struct span *st,
			enum tally_part part)
{
	for (unsigned u = 0; u < TALLY_US; u++)
		if (c->sp->us & (1U << u))
			add_outside(c, who, u, st, part);
}

/* PersonHistoricalId, IsSender, LocalSentTime, PersonTimeSpentInHours,
 * PersonTimeSpentInMinutes */
static int add_mail(struct calc *c, const struct value *vals)
{
	int sender = vals[1].kind == VAL_INT && vals[1].u.i;
	double hours =
		vals[3].kind != VAL_NULL ? num(&vals[3]) : num(&vals[4]) / 60.0;
	size_t who = 0;
	int ret;
	struct tally *t = tally_of(c, &vals[0], &who, &ret);
	int64_t ms, at;

	if (!t)
		return ret;
	t->v[TF_EMAILS] += sender;
	if (hours <= 0 || vals[2].kind != VAL_TIME)
		return 0;
	t->v[TF_EMAIL_H] += hours * HOUR_MS;
	ms = (int64_t)(hours * HOUR_MS + 0.5);
	at = vals[2].u.t.ms;
	add_stretch(c, who,
		    &(struct span){ sender ? at - ms : at,
				    sender ? at : at + ms, who,
				    offset_of(&vals[2]), 0 },
		    TP_MAIL_OUT);
	return 0;
}

/* PersonHistoricalId, IsSender, LocalSentTime, SenderTimeSpentInMinutes */
static int add_chat(struct calc *c, const struct value *vals)
{
	double minutes = num(&vals[3]);
	size_t who = 0;
	int ret = 0;
	struct tally *t;
	int64_t ms, at;

	if (vals[1].kind != VAL_INT || !vals[1].u.i)
		return 0;
	t = tally_of(c, &vals[0], &who, &ret);
	if (!t)
		return ret;
	t->v[TF_CHATS] += 1;
	if (minutes <= 0 || vals[2].kind != VAL_TIME)
		return 0;
	t->v[TF_CHAT_H] += minutes * (double)MINUTE_MS;
	ms = (int64_t)(minutes * (double)MINUTE_MS + 0.5);
	at = vals[2].u.t.ms;
	add_stretch(c, who,
		    &(struct span){ at - ms, at, who, offset_of(&vals[2]), 0 },
		    TP_CHAT_OUT);
	return 0;
}

/* PersonHistoricalId */
static int add_file(struct calc *c, const struct value *vals)
{
	int ret;
	struct tally *t = tally_of(c, &vals[0], NULL, &ret);

	if (t)
		t->v[TF_FILES] += 1;
	return ret;
}

static int load_messages(struct calc *c)
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

	if (c->sp->areas & AREA_MAIL)
		ret = each_row(c, "MailParticipants", mc, 5, add_mail);
	if (!ret && (c->sp->areas & AREA_CHAT))
		ret = each_row(c, "InstantMessageParticipants", ic, 4,
			       add_chat);
	if (!ret && (c->sp->areas & AREA_FILES))
		ret = each_row(c, "FileActivities", fc, 1, add_file);
	return ret;
}

static void calc_free(struct calc *c)
{
	idset_release(&c->mtg_ids);
	free(c->mtg);
	free(c->spans);
	for (unsigned u = 0; u < TALLY_US; u++) {
		free(c->u[u].v);
		free(c->u[u].first);
	}
}

int activity_tally_compute(struct store *s, const struct tally_spec *spec,
			   struct tally_set *out, struct err *e)
{
	struct calc c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.sp = spec;
	c.e = e;
	c.out = out;
	idset_init(&c.mtg_ids);
	ret = load_meetings_calls(&c);
	if (!ret)
		ret = build_unions(&c);
	if (!ret)
		ret = load_messages(&c);
	calc_free(&c);
	return ret;
}

/* ---- encoding ---------------------------------------------------------------
 *
 * Each value in turn: a whole number of 0 to 2^53 (counts, milliseconds;
 * not -0) as the unsigned LEB128 varint of twice it; anything else as the
 * varint 1 and the 8 bytes of the double, least significant first.
 */

#define WHOLE_MAX 9007199254740992.0 /* 2^53 */

static size_t put_varint(unsigned char *out, uint64_t x)
{
	size_t n = 0;

	do {
		out[n++] = (unsigned char)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
		x >>= 7;
	} while (x);
	return n;
}

size_t tally_encode(const struct tally *t, unsigned char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < TALLY_N; i++) {
		double d = t->v[i];
		uint64_t bits;

		if (!signbit(d) && d <= WHOLE_MAX && d == (double)(uint64_t)d) {
			n += put_varint(out + n, (uint64_t)d * 2);
			continue;
		}
		out[n++] = 1;
		memcpy(&bits, &d, sizeof(bits));
		for (int k = 0; k < 8; k++)
			out[n++] = (unsigned char)(bits >> (8 * k));
	}
	return n;
}

static int get_varint(const unsigned char *p, size_t n, size_t *at, uint64_t *x)
{
	*x = 0;
	for (unsigned shift = 0; *at < n && shift < 64; shift += 7) {
		unsigned char b = p[(*at)++];

		*x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -EINVAL;
}

int tally_decode(const unsigned char *p, size_t n, struct tally *t)
{
	size_t at = 0;

	for (size_t i = 0; i < TALLY_N; i++) {
		uint64_t x, bits = 0;

		if (get_varint(p, n, &at, &x))
			return -EINVAL;
		if (!(x & 1)) {
			t->v[i] = (double)(x >> 1);
			continue;
		}
		if (x != 1 || n - at < 8)
			return -EINVAL;
		for (int k = 0; k < 8; k++)
			bits |= (uint64_t)p[at++] << (8 * k);
		memcpy(&t->v[i], &bits, sizeof(bits));
	}
	return at == n ? 0 : -EINVAL;
}

/* ---- kept tallies ----------------------------------------------------------
 */

static const enum period_interval intervals[] = { PERIOD_MONTH, PERIOD_WEEK,
						  PERIOD_DAY };
#define NINTERVALS (sizeof(intervals) / sizeof(intervals[0]))

/* The tables whose rows tallies are made of. */
static const char *const event_tables[] = {
	"Meetings",	    "MeetingParticipants",	  "CallParticipants",
	"MailParticipants", "InstantMessageParticipants", "FileActivities",
};
#define NEVENT_TABLES (sizeof(event_tables) / sizeof(event_tables[0]))

#define ALL_AREAS \
	(AREA_MEETINGS | AREA_MAIL | AREA_CALLS | AREA_CHAT | AREA_FILES)

/* Whether [t0, t1) is one whole period; *iv gets its interval. */
static int whole_period(int64_t t0, int64_t t1, enum period_interval *iv)
{
	for (size_t i = 0; i < NINTERVALS; i++) {
		struct period p;

		period_of(intervals[i], t0, &p);
		if (p.start == t0 && p.end == t1) {
			*iv = intervals[i];
			return 1;
		}
	}
	return 0;
}

struct reader {
	struct tally_set *out;
	struct err *e;
};

static int read_one(void *arg, const struct store_tally *st)
{
	struct reader *rd = arg;
	struct tally *t = tally_set_get(rd->out, st->hr, st->nhr);

	if (!t)
		return err_set(rd->e, -ENOMEM, "out of memory");
	if (tally_decode(st->data, st->len, t))
		return err_set(rd->e, -EIO,
			       "the store's activity tally of %.*s is damaged",
			       (int)st->nhr, st->hr);
	return 0;
}

int activity_tally_load(struct store *s, const struct tally_spec *spec,
			struct tally_set *out, int *kept, struct err *e)
{
	enum period_interval iv = PERIOD_MONTH;
	int ret = 0;

	if (kept)
		*kept = 0;
	if (whole_period(spec->t0, spec->t1, &iv))
		ret = store_tally_current(s, TALLY_LAYOUT, e);
	if (ret == 1) {
		struct store_tally key = {
			(int)iv, spec->t0, NULL, 0, NULL, 0
		};
		struct reader rd = { out, e };

		if (kept)
			*kept = 1;
		return store_tally_read(s, &key, read_one, &rd, e);
	}
	return ret < 0 ? ret : activity_tally_compute(s, spec, out, e);
}

/* Compute and keep the tallies of one period. */
static int keep_period(struct store_refresh *r, enum period_interval iv,
		       const struct period *p, struct err *e)
{
	struct tally_spec spec = { p->start, p->end, ALL_AREAS,
				   (1U << TALLY_US) - 1 };
	struct tally_set ts;
	unsigned char buf[TALLY_MAX_BYTES];
	int ret = store_tally_clear(r, (int)iv, p->start, e);

	tally_set_init(&ts);
	if (!ret)
		ret = activity_tally_compute(store_refresh_store(r), &spec, &ts,
					     e);
	for (size_t i = 0; !ret && i < idset_count(&ts.ids); i++) {
		struct store_tally st = { (int)iv, p->start, NULL, 0, buf, 0 };

		st.hr = idset_key(&ts.ids, i, &st.nhr);
		st.len = tally_encode(&ts.t[i], buf);
		ret = store_tally_put(r, &st, e);
	}
	tally_set_release(&ts);
	return ret;
}

/* The first instant (seconds) at or after from with an event row, or
 * -ENOENT. */
static int next_event(struct store *s, int64_t from, int64_t *at, struct err *e)
{
	int found = 0;

	for (size_t i = 0; i < NEVENT_TABLES; i++) {
		int64_t t;
		int ret = store_next_instant(s, schema_table(event_tables[i]),
					     from, &t, e);

		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		if (!found || t < *at)
			*at = t;
		found = 1;
	}
	return found ? 0 : -ENOENT;
}

/* Every period of iv with events. */
static int keep_all(struct store_refresh *r, enum period_interval iv,
		    struct err *e)
{
	int64_t from = INT64_MIN, at = 0;
	int ret;

	while ((ret = next_event(store_refresh_store(r), from, &at, e)) == 0) {
		struct period p;

		period_of(iv, at, &p);
		ret = keep_period(r, iv, &p, e);
		if (ret)
			return ret;
		from = p.end;
	}
	return ret == -ENOENT ? 0 : ret;
}

/* The starts of the periods (of one interval) a refresh touched. */
struct touched {
	enum period_interval iv;
	int64_t *v;
	size_t n, cap;
	int open; /* an open-ended run: every period from there on */
};

static int add_run(int64_t first, int64_t last, void *arg)
{
	struct touched *tp = arg;
	struct period p;

	if (last == INT64_MAX) {
		tp->open = 1;
		return 0;
	}
	period_of(tp->iv, first * DAY_S, &p);
	for (; p.start <= last * DAY_S; period_next(tp->iv, &p, &p)) {
		if (tp->n && tp->v[tp->n - 1] == p.start)
			continue;
		if (array_room(&tp->v, &tp->cap, tp->n, sizeof(*tp->v),
			       ARRAY_FIRST))
			return -ENOMEM;
		tp->v[tp->n++] = p.start;
	}
	return 0;
}

static int cmp_i64(const void *p, const void *q)
{
	int64_t a = *(const int64_t *)p, b = *(const int64_t *)q;

	return (a > b) - (a < b);
}

/* The periods of iv a refresh touched in the event tables, each once. */
static int touched_periods(struct store_refresh *r, struct touched *tp)
{
	size_t k = 0;
	int ret = 0;

	for (size_t i = 0; i < NEVENT_TABLES && !ret; i++)
		ret = store_refresh_touched(r, schema_table(event_tables[i]),
					    add_run, tp);
	if (ret || !tp->n)
		return ret;
	qsort(tp->v, tp->n, sizeof(*tp->v), cmp_i64);
	for (size_t i = 0; i < tp->n; i++)
		if (!k || tp->v[k - 1] != tp->v[i])
			tp->v[k++] = tp->v[i];
	tp->n = k;
	return 0;
}

/* The periods of iv the refresh touched, kept again; 1 (nothing done) if
 * a run had no end (not seen for event rows): everything is rebuilt. */
static int keep_touched(struct store_refresh *r, enum period_interval iv,
			struct err *e)
{
	struct touched tp = { iv, NULL, 0, 0, 0 };
	int ret = touched_periods(r, &tp);

	if (ret)
		ret = err_set(e, ret, "out of memory");
	else if (tp.open)
		ret = 1;
	for (size_t i = 0; !ret && i < tp.n; i++) {
		struct period p;

		period_of(iv, tp.v[i], &p);
		ret = keep_period(r, iv, &p, e);
	}
	free(tp.v);
	return ret;
}

/* Every tally computed again. */
static int keep_everything(struct store_refresh *r, struct err *e)
{
	int ret = store_tally_clear(r, -1, 0, e);

	for (size_t i = 0; !ret && i < NINTERVALS; i++)
		ret = keep_all(r, intervals[i], e);
	return ret;
}

int activity_tally_update(struct store_refresh *r, struct err *e)
{
	int ret = store_tally_was_current(r, TALLY_LAYOUT, e);

	if (ret == 1) {
		ret = 0;
		for (size_t i = 0; !ret && i < NINTERVALS; i++)
			ret = keep_touched(r, intervals[i], e);
		if (ret == 1)
			ret = keep_everything(r, e);
	} else if (ret == 0) {
		ret = keep_everything(r, e);
	}
	if (!ret)
		ret = store_tally_mark(r, TALLY_LAYOUT, e);
	return ret;
}
