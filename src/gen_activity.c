/* gen_activity.c - one local calendar day of collaboration: recurring team
 * meetings, 1:1s, project syncs and all-hands, ad-hoc meetings (with
 * declines, cancellations and double bookings), threaded mail, 1:1 and group
 * chats, unscheduled calls and file events, each in its person's local
 * working hours.  See gen_impl.h.
 *
 * Rates are per person and working day, scaled by the person's activity; they
 * are set so that a person-week averages about 45 mails sent (3.3 recipients
 * each), 14 meetings attended (4 attendees each) and 60 chat messages sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_impl.h"
#include "value.h"

#define MAIL_RATE    8.9 /* mails sent per working day */
#define MAIL_WEEKEND 0.4 /* ... per weekend day */
#define CHAT_RATE    2.4 /* chat sessions started per working day */
#define CHAT_WEEKEND 0.15
#define ADHOC_RATE   0.54 /* ad-hoc meetings organized per working day */
#define CALL_RATE    0.4  /* unscheduled calls started per working day */
#define FILE_RATE    3.6  /* file events per working day */
#define FILE_WEEKEND 0.25

/* ICalUid numbers: the series kind in the top hex digit. */
#define SERIES(kind, n) (((uint64_t)(kind) << 44) | (uint64_t)(n))

enum series_kind { S_TEAM = 1, S_ONE, S_PROJECT, S_ALLHANDS, S_ADHOC };

/* A meeting about to be made. */
struct mtg {
	int64_t t;     /* UTC start */
	uint64_t ical; /* ICalUid number */
	uint16_t dur;  /* minutes */
	uint16_t b;    /* kind << 8 | subject */
	uint8_t flags; /* EVF_RECURRING */
	uint8_t kind;  /* enum mtg_kind */
};

static int weekday(int64_t day)
{
	return (int)(((day + 4) % 7 + 7) % 7); /* 0 = Sunday */
}

static double rate(const struct gen *g, int32_t p, double r)
{
	return r * g->p[p].act / 16.0;
}

static bool valid_at(const struct gen *g, int32_t p, int64_t t)
{
	return p >= 0 && t >= g->t0 && t < g->t1 && gen_ph_at(g, p, t) >= 0;
}

static int zone_of(const struct gen *g, int32_t p)
{
	return gen_cur(g, p)->zone;
}

/* Minute of the local day of person p at t. */
static int local_minute(struct gen *g, int32_t p, int64_t t)
{
	int64_t local = t + (int64_t)gen_offset(g, zone_of(g, p), t) * 60;

	return (int)((local % DAY_SECS + DAY_SECS) % DAY_SECS / 60);
}

/* Whether p would answer at t: from an hour before work to the evening. */
static bool awake(struct gen *g, int32_t p, int64_t t)
{
	int min = local_minute(g, p, t);

	return min >= g->p[p].ws - 60 && min < g->p[p].we + 240;
}

int gen_activity_init(struct gen *g)
{
	g->nthr = (uint32_t)g->np * 4 + 64;
	g->thr = calloc(g->nthr, sizeof(*g->thr));
	g->touched = calloc((size_t)g->np + 1, sizeof(*g->touched));
	g->cand = calloc((size_t)g->np + 16, sizeof(*g->cand));
	return g->thr && g->touched && g->cand ? 0 : -ENOMEM;
}

void gen_activity_release(struct gen *g)
{
	free(g->thr);
	free(g->touched);
	free(g->cand);
	free(g->slot);
	g->thr = NULL;
	g->touched = NULL;
	g->cand = NULL;
	g->slot = NULL;
}

/* ---- today's meeting slots ---- */

static int slot_add(struct gen *g, int32_t person, uint32_t ev, uint32_t pt)
{
	struct person *p = &g->p[person];
	const struct ev *e = &g->ev[ev];
	struct slot *s;

	if (gen_grow((void **)&g->slot, &g->cslot, g->nslot + 1, sizeof(*s)))
		return -ENOMEM;
	s = &g->slot[g->nslot];
	s->t0 = e->t;
	s->t1 = e->t + (int64_t)e->a * 60;
	s->ev = ev;
	s->pt = pt;
	s->next = p->slot;
	if (p->slot < 0)
		g->touched[g->ntouched++] = person;
	p->slot = (int32_t)g->nslot++;
	return 0;
}

static void slots_reset(struct gen *g)
{
	for (size_t i = 0; i < g->ntouched; i++)
		g->p[g->touched[i]].slot = -1;
	g->ntouched = 0;
	g->nslot = 0;
}

static bool busy(const struct gen *g, int32_t p, int64_t t0, int64_t t1)
{
	for (int32_t s = g->p[p].slot; s >= 0; s = g->slot[s].next)
		if (g->slot[s].t0 < t1 && t0 < g->slot[s].t1)
			return true;
	return false;
}

/* Both accepted meetings lose half the overlap. */
static void conflict(struct gen *g, const struct slot *a, const struct slot *b)
{
	int64_t lo = a->t0 > b->t0 ? a->t0 : b->t0;
	int64_t hi = a->t1 < b->t1 ? a->t1 : b->t1;
	uint16_t half = (uint16_t)((hi - lo) / 60); /* minutes x2 / 2 */
	struct part *pa = &g->pt[a->pt], *pb = &g->pt[b->pt];

	if (hi <= lo)
		return;
	pa->flags |= PF_DOUBLE;
	pb->flags |= PF_DOUBLE;
	pa->q = pa->q > half ? (uint16_t)(pa->q - half) : 0;
	pb->q = pb->q > half ? (uint16_t)(pb->q - half) : 0;
}

static void double_bookings(struct gen *g, int32_t person)
{
	for (int32_t a = g->p[person].slot; a >= 0; a = g->slot[a].next) {
		if (g->pt[g->slot[a].pt].resp != R_ACCEPTED)
			continue;
		for (int32_t b = g->slot[a].next; b >= 0; b = g->slot[b].next)
			if (g->pt[g->slot[b].pt].resp == R_ACCEPTED)
				conflict(g, &g->slot[a], &g->slot[b]);
	}
}

/* ---- meetings ---- */

/* An invitee's response; at night (their time) mostly not a yes. */
static uint8_t response(struct gen *g, int kind, bool night)
{
	/* accepted, declined, tentative; the rest no response */
	static const uint8_t mix[][3] = {
		[MK_TEAM] = { 76, 7, 6 },    [MK_ONE] = { 88, 5, 3 },
		[MK_PROJECT] = { 70, 9, 7 }, [MK_ALLHANDS] = { 55, 10, 10 },
		[MK_ADHOC] = { 70, 8, 7 },
	};
	static const uint8_t at_night[3] = { 40, 15, 10 };
	uint32_t r = rng_below(&g->rng, 100);
	const uint8_t *m = night ? at_night : mix[kind];

	if (r < m[0])
		return R_ACCEPTED;
	if (r < m[0] + m[1])
		return R_DECLINED;
	return r < (uint32_t)(m[0] + m[1] + m[2]) ? R_TENTATIVE : R_NORESPONSE;
}

/* Whether a participant joins the meeting's call, and when. */
static void join_call(struct gen *g, const struct ev *ev, struct part *pt)
{
	static const uint8_t pct[] = { 90, 0, 50, 25 };

	if (!(pt->flags & PF_ORGANIZER) && !rng_percent(&g->rng, pct[pt->resp]))
		return;
	pt->flags |= PF_JOINED;
	pt->join = (int8_t)((int)rng_below(&g->rng, 8) - 2);
	pt->leave = (int8_t)((int)rng_below(&g->rng, 8) - 5);
	if (pt->join < 0 &&
	    !gen_hired(g, pt->person, ev->t + (int64_t)pt->join * 60))
		pt->join = 0;
}

/* Time spent, slots and call of each participant of event ei. */
static int meeting_finish(struct gen *g, uint32_t ei)
{
	struct ev *ev = &g->ev[ei];

	for (uint32_t i = 0; i < ev->np; i++) {
		struct part *pt = &g->pt[ev->p0 + i];

		if ((ev->flags & EVF_CANCELED) || pt->resp == R_DECLINED)
			continue;
		pt->q = (uint16_t)(ev->a * 2);
		if (ev->flags & EVF_ONLINE)
			join_call(g, ev, pt);
		if (slot_add(g, pt->person, ei, ev->p0 + i))
			return -ENOMEM;
	}
	return 0;
}

static bool listed(const struct gen *g, const struct ev *ev, int32_t p)
{
	for (uint32_t i = 0; i < ev->np; i++)
		if (g->pt[ev->p0 + i].person == p)
			return true;
	return false;
}

static int invite(struct gen *g, struct ev *ev, const struct mtg *m,
		  const int32_t *inv, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		struct part *pt;
		bool night;

		if (!valid_at(g, inv[i], m->t))
			continue;
		if (m->kind != MK_ALLHANDS && listed(g, ev, inv[i]))
			continue; /* all-hands lists are distinct already */
		if (m->kind == MK_ALLHANDS && inv[i] == g->pt[ev->p0].person)
			continue;
		night = !awake(g, inv[i], m->t);
		pt = gen_part_add(g, ev, inv[i]);
		if (!pt)
			return -ENOMEM;
		pt->resp = response(g, m->kind, night);
	}
	return 0;
}

/* Make meeting m organized by org with invitees inv[0..n). */
static int meeting(struct gen *g, int32_t org, const struct mtg *m,
		   const int32_t *inv, int32_t n)
{
	struct ev *ev;
	struct part *pt;

	if (!valid_at(g, org, m->t))
		return 0;
	ev = gen_ev_new(g, EV_MEETING, m->t);
	if (!ev || !(pt = gen_part_add(g, ev, org)))
		return -ENOMEM;
	pt->flags = PF_ORGANIZER;
	pt->resp = R_ACCEPTED;
	ev->x = m->ical;
	ev->a = m->dur;
	ev->b = m->b;
	ev->flags = m->flags;
	if (invite(g, ev, m, inv, n))
		return -ENOMEM;
	if (ev->np < 2) { /* nobody to meet: no meeting */
		g->npt -= ev->np;
		g->nev--;
		return 0;
	}
	if (rng_percent(&g->rng, 3))
		ev->flags |= EVF_CANCELED;
	else if (rng_percent(&g->rng, m->kind == MK_ALLHANDS ? 100 : 60))
		ev->flags |=
			EVF_ONLINE | (rng_percent(&g->rng, 5) ? EVF_SKYPE : 0);
	return meeting_finish(g, (uint32_t)g->nev - 1);
}

/* A fixed slot for a series, from its hash: in org's working hours, and
 * in other's too where they overlap (other may be -1). */
static int series_minute(struct gen *g, int32_t org, int32_t other, int64_t day,
			 uint64_t h, int dur)
{
	const struct person *p = &g->p[org];
	int64_t noon = day * DAY_SECS + 12 * HOUR_SECS;
	int lo = p->ws, hi = p->we - dur, span;

	if (other >= 0) {
		int d = gen_offset(g, zone_of(g, org), noon) -
			gen_offset(g, zone_of(g, other), noon);
		int olo = g->p[other].ws + d, ohi = g->p[other].we + d - dur;

		if (olo <= hi && ohi >= lo) {
			lo = olo > lo ? olo : lo;
			hi = ohi < hi ? ohi : hi;
		}
	}
	span = (hi - lo) / 15 + 1;
	return lo + 15 * (int)(h % (uint64_t)(span > 0 ? span : 1));
}

/* Whether series h meets on weekday wd of the week of day. */
static bool series_meets(uint64_t h, int wd, int64_t day, bool biweekly)
{
	if ((int)(h % 5) + 1 != wd)
		return false;
	return !biweekly || ((day / 7 + (int64_t)(h >> 40)) & 1) == 0;
}

/* One occurrence of a series, invitees in g->cand[0..n). */
static int recurring(struct gen *g, int32_t org, int64_t day, struct mtg *m,
		     uint64_t h, int32_t n)
{
	int32_t other = m->kind == MK_ONE ? g->cand[0] : -1;
	int min = series_minute(g, org, other, day, h >> 16, m->dur);

	m->t = gen_local(g, zone_of(g, org), day, min);
	m->flags = EVF_RECURRING;
	m->b = (uint16_t)(m->kind << 8 | (m->b & 255));
	return meeting(g, org, m, g->cand, n);
}

static int one_on_ones(struct gen *g, int32_t mgr, int64_t day, int wd)
{
	const int32_t *rep = gen_reports(g, mgr);
	int32_t n = gen_nreports(g, mgr);
	int ret = 0;

	for (int32_t i = 0; i < n && !ret; i++) {
		uint64_t s =
			SERIES(S_ONE, (uint64_t)mgr << 22 | (uint64_t)rep[i]);
		uint64_t h = gen_mix(g->o->seed, s);
		struct mtg m = { 0, s, 30, 0, 0, MK_ONE };

		if (!series_meets(h, wd, day, (h >> 8) & 1))
			continue;
		g->cand[0] = rep[i];
		ret = recurring(g, mgr, day, &m, h, 1);
	}
	return ret;
}

static int team_meetings(struct gen *g, int64_t day, int wd)
{
	int ret = 0;

	for (int32_t mgr = 0; mgr < g->nemp && !ret; mgr++) {
		int32_t n = gen_nreports(g, mgr);
		uint64_t s = SERIES(S_TEAM, mgr), h = gen_mix(g->o->seed, s);
		struct mtg m = {
			0, s, (h >> 8) % 5 < 2 ? 60 : 30, 0, 0, MK_TEAM
		};

		if (!n)
			continue;
		if (series_meets(h, wd, day, false)) {
			memcpy(g->cand, gen_reports(g, mgr),
			       (size_t)n * sizeof(*g->cand));
			ret = recurring(g, mgr, day, &m, h, n);
		}
		if (!ret)
			ret = one_on_ones(g, mgr, day, wd);
	}
	return ret;
}

static int project_meetings(struct gen *g, int64_t day, int wd)
{
	int ret = 0;

	for (int32_t k = 0; k < g->ngrp && !ret; k++) {
		const struct group *gr = &g->grp[k];
		uint64_t s = SERIES(S_PROJECT, k), h = gen_mix(g->o->seed, s);
		struct mtg m = { 0,
				 s,
				 (h >> 8) % 3 ? 30 : 60,
				 (uint16_t)(k & 255),
				 0,
				 MK_PROJECT };

		if (!series_meets(h, wd, day, gr->biweekly))
			continue;
		memcpy(g->cand, gr->member + 1,
		       (size_t)(gr->n - 1) * sizeof(*g->cand));
		ret = recurring(g, gr->member[0], day, &m, h, gr->n - 1);
	}
	return ret;
}

static bool all_hands_day(const struct gen *g, int o, int wd, int nth)
{
	if (o < 0)
		return wd == 3 && nth == 0;
	return wd == 2 + o % 3 && nth == 2 &&
	       g->mem_off[o + 1] - g->mem_off[o] >= 25;
}

/* Monthly: the company's on its first Wednesday, each org of 25 people or
 * more on its third Tuesday, Wednesday or Thursday. */
static int all_hands(struct gen *g, int64_t day, int wd)
{
	unsigned mon, dom;
	int y, nth, ret = 0;

	value_civil_from_days(day, &y, &mon, &dom);
	nth = (int)(dom - 1) / 7;
	for (int o = -1; o < g->norg && !ret; o++) {
		uint32_t lo = o < 0 ? 0 : g->mem_off[o];
		uint32_t hi = o < 0 ? g->mem_off[16] : g->mem_off[o + 1];
		uint64_t s = SERIES(S_ALLHANDS, (uint8_t)o);
		struct mtg m = { 0, s, 60, (uint8_t)o, 0, MK_ALLHANDS };

		if (!all_hands_day(g, o, wd, nth))
			continue;
		memcpy(g->cand, g->mem + lo,
		       (size_t)(hi - lo) * sizeof(*g->cand));
		ret = recurring(g, o < 0 ? 0 : g->orgs[o].head, day, &m,
				gen_mix(g->o->seed, s), (int32_t)(hi - lo));
	}
	return ret;
}

static uint16_t adhoc_minutes(struct gen *g)
{
	uint32_t r = rng_below(&g->rng, 100);

	return r < 15 ? 15 : r < 55 ? 30 : r < 65 ? 45 : r < 92 ? 60 : 90;
}

/* Invitees besides the organizer: 3.4 on average, a few large. */
static int32_t adhoc_invitees(struct gen *g)
{
	uint32_t r = rng_below(&g->rng, 100);

	if (r < 25)
		return 1;
	if (r < 85)
		return 2 + (int32_t)(r - 25) / 15; /* 2 to 5 */
	return 6 + (int32_t)rng_below(&g->rng, r < 98 ? 3 : 8);
}

/* A start minute in p's working hours, 5% early or late. */
static int work_minute(struct gen *g, const struct person *p, int dur)
{
	int span = (p->we - p->ws - dur) / 15 + 1;

	if (!rng_percent(&g->rng, 5))
		return p->ws + 15 * (int)rng_below(&g->rng, (uint32_t)span);
	if (rng_percent(&g->rng, 50))
		return p->ws - 15 * (int)(1 + rng_below(&g->rng, 4));
	return p->we - dur + 15 * (int)rng_below(&g->rng, 4);
}

/* A start for org's meeting on day, free in their calendar if possible. */
static int64_t adhoc_start(struct gen *g, int32_t org, int64_t day, int dur)
{
	int64_t t = 0;

	for (int tries = 0; tries < 4; tries++) {
		t = gen_local(g, zone_of(g, org), day,
			      work_minute(g, &g->p[org], dur));
		if (!busy(g, org, t, t + (int64_t)dur * 60))
			break;
	}
	return t;
}

/* Fill g->cand with up to n distinct contacts of p (not p). */
static int32_t contacts(struct gen *g, int32_t p, int32_t n, bool ext)
{
	int32_t k = 0;

	for (int tries = 0; tries < 3 * n + 2 && k < n; tries++) {
		int32_t c = gen_contact(g, p, ext);
		bool dup = c < 0;

		for (int32_t i = 0; i < k && !dup; i++)
			dup = g->cand[i] == c;
		if (!dup)
			g->cand[k++] = c;
	}
	return k;
}

/* Up to n distinct contacts of org into g->cand, mostly people at work at
 * t (a quarter of those it is night for are invited anyway). */
static int32_t adhoc_contacts(struct gen *g, int32_t org, int32_t n, int64_t t)
{
	int32_t k = 0;

	for (int tries = 0; tries < 4 * n + 2 && k < n; tries++) {
		int32_t c = gen_contact(g, org, true);
		bool skip = c < 0 || !valid_at(g, c, t);

		for (int32_t i = 0; i < k && !skip; i++)
			skip = g->cand[i] == c;
		if (!skip && !awake(g, c, t))
			skip = rng_percent(&g->rng, 75);
		if (!skip)
			g->cand[k++] = c;
	}
	return k;
}

static int adhoc(struct gen *g, int32_t org, int64_t day)
{
	uint64_t ical = SERIES(S_ADHOC, ++g->next_ical);
	struct mtg m = { 0, ical, adhoc_minutes(g), 0, 0, MK_ADHOC };
	int32_t n;

	m.t = adhoc_start(g, org, day, m.dur);
	n = adhoc_contacts(g, org, adhoc_invitees(g), m.t);
	m.b = (uint16_t)(MK_ADHOC << 8 | rng_below(&g->rng, 250));
	return meeting(g, org, &m, g->cand, n);
}

static int meetings(struct gen *g, int64_t day, int wd)
{
	int ret = 0;

	if (wd == 0 || wd == 6)
		return 0;
	ret = team_meetings(g, day, wd);
	if (!ret)
		ret = project_meetings(g, day, wd);
	if (!ret)
		ret = all_hands(g, day, wd);
	for (int32_t p = 0; p < g->nemp && !ret; p++) {
		int n = rng_poisson(&g->rng, rate(g, p, ADHOC_RATE));

		for (int i = 0; i < n && !ret; i++)
			ret = adhoc(g, p, day);
	}
	for (size_t i = 0; i < g->ntouched; i++)
		double_bookings(g, g->touched[i]);
	return ret;
}

/* ---- mail ---- */

/* When p does something on day: working hours, now and then after. */
static int64_t when(struct gen *g, int32_t p, int64_t day, bool weekend,
		    unsigned after_pct)
{
	const struct person *ps = &g->p[p];
	int min;

	if (weekend)
		min = 540 + (int)rng_below(&g->rng, 720);
	else if (!rng_percent(&g->rng, after_pct))
		min = ps->ws + (int)rng_below(&g->rng, ps->we - ps->ws);
	else if (rng_percent(&g->rng, 70))
		min = ps->we + (int)rng_below(&g->rng, 1380 - ps->we);
	else
		min = 360 + (int)rng_below(&g->rng, ps->ws - 360);
	return gen_local(g, zone_of(g, p), day, min) + rng_below(&g->rng, 60);
}

/* Recipients of a new mail: 3.6 on average (replies have fewer). */
static int32_t mail_recipients(struct gen *g)
{
	static const uint8_t cdf[] = { 33, 53, 66, 75, 82, 88 };
	uint32_t r = rng_below(&g->rng, 100);

	for (int32_t i = 0; i < 6; i++)
		if (r < cdf[i])
			return i + 1;
	if (r < 95)
		return 7 + (int32_t)rng_below(&g->rng, 4);
	return 11 + (int32_t)rng_below(&g->rng, 10);
}

static bool on_thread(const struct thread *th, int32_t p)
{
	for (int i = 0; i < th->nmem; i++)
		if (th->mem[i] == p)
			return true;
	return false;
}

/* A thread p can reply to, with its recipients in g->cand; -1 if none. */
static int32_t reply_to(struct gen *g, int32_t p, int32_t *n)
{
	int32_t k = g->p[p].thr[rng_below(&g->rng, NTHREADS)];
	const struct thread *th = k >= 0 ? &g->thr[k] : NULL;

	*n = 0;
	if (!th || !on_thread(th, p))
		return -1;
	if (th->mem[th->last] != p && rng_percent(&g->rng, 35)) {
		g->cand[(*n)++] = th->mem[th->last];
		return k;
	}
	for (int i = 0; i < th->nmem; i++)
		if (th->mem[i] != p)
			g->cand[(*n)++] = th->mem[i];
	return *n ? k : -1;
}

static void remember(struct gen *g, int32_t p, int32_t k)
{
	struct person *ps = &g->p[p];

	if (ps->pop != POP_EMPLOYEE || ps->thr[ps->thr_pos] == k)
		return;
	ps->thr_pos = (uint8_t)((ps->thr_pos + 1) % NTHREADS);
	ps->thr[ps->thr_pos] = k;
}

static int32_t new_thread(struct gen *g, int32_t p, int32_t n)
{
	int32_t k = (int32_t)(g->thr_next++ % g->nthr);
	struct thread *th = &g->thr[k];

	th->conv = ++g->next_conv;
	th->topic = (uint8_t)rng_below(&g->rng, 250);
	th->mem[0] = p;
	th->nmem = 1;
	th->last = 0;
	for (int32_t i = 0; i < n && th->nmem < THREAD_MAX; i++)
		th->mem[th->nmem++] = g->cand[i];
	return k;
}

/* The sender is on the thread, last; everyone can reply to it. */
static void thread_sent(struct gen *g, int32_t k, int32_t p, int32_t n)
{
	struct thread *th = &g->thr[k];
	int i = 0;

	while (i < th->nmem && th->mem[i] != p)
		i++;
	if (i == th->nmem && th->nmem < THREAD_MAX)
		th->mem[th->nmem++] = p;
	th->last = (uint8_t)(i < th->nmem ? i : 0);
	remember(g, p, k);
	for (int32_t j = 0; j < n; j++)
		remember(g, g->cand[j], k);
}

static void mails_in_meetings(struct gen *g, int32_t p, int64_t t)
{
	for (int32_t s = g->p[p].slot; s >= 0; s = g->slot[s].next) {
		struct part *pt = &g->pt[g->slot[s].pt];

		if (t >= g->slot[s].t0 && t < g->slot[s].t1 && pt->mails < 255)
			pt->mails++;
	}
}

static int mail_event(struct gen *g, int32_t p, int64_t t, int32_t k, int32_t n)
{
	struct ev *ev = gen_ev_new(g, EV_MAIL, t);
	struct part *pt;

	if (!ev || !(pt = gen_part_add(g, ev, p)))
		return -ENOMEM;
	pt->q = (uint16_t)(4 + rng_below(&g->rng, 24) +
			   (rng_percent(&g->rng, 20) ? rng_below(&g->rng, 40)
						     : 0));
	ev->x = g->thr[k].conv;
	ev->b = g->thr[k].topic;
	for (int32_t i = 0; i < n; i++) {
		if (!(pt = gen_part_add(g, ev, g->cand[i])))
			return -ENOMEM;
		pt->q = (uint16_t)(1 + rng_below(&g->rng, 8) +
				   (rng_percent(&g->rng, 10)
					    ? rng_below(&g->rng, 16)
					    : 0));
	}
	mails_in_meetings(g, p, t);
	return 0;
}

/* Keep the people in g->cand[0..n) valid at t (hired, not p); with
 * need_awake, only those who would answer at t.  Returns how many. */
static int32_t keep(struct gen *g, int32_t p, int32_t n, int64_t t,
		    bool need_awake)
{
	int32_t k = 0;

	for (int32_t i = 0; i < n; i++) {
		int32_t c = g->cand[i];

		if (c == p || !valid_at(g, c, t))
			continue;
		if (!need_awake || awake(g, c, t))
			g->cand[k++] = c;
	}
	return k;
}

static int one_mail(struct gen *g, int32_t p, int64_t day, bool weekend)
{
	int64_t t = when(g, p, day, weekend, 6);
	int32_t n = 0, k = -1;
	bool reply;
	int ret;

	if (!valid_at(g, p, t))
		return 0;
	if (rng_percent(&g->rng, 45))
		k = reply_to(g, p, &n);
	reply = k >= 0;
	if (!reply)
		n = contacts(g, p, mail_recipients(g), true);
	n = keep(g, p, n, t, false);
	if (!n)
		return 0;
	if (!reply)
		k = new_thread(g, p, n);
	ret = mail_event(g, p, t, k, n);
	if (!ret && reply)
		g->ev[g->nev - 1].flags |= EVF_REPLY;
	if (!ret)
		thread_sent(g, k, p, n);
	return ret;
}

/* ---- chat ---- */

/* p's team: the manager and their reports (or p's own), at most 8. */
static int32_t team_chat(struct gen *g, int32_t p)
{
	int32_t lead = gen_nreports(g, p) && rng_percent(&g->rng, 50)
			       ? p
			       : gen_cur(g, p)->mgr;
	int32_t n = lead >= 0 ? gen_nreports(g, lead) : 0, k = 0;
	const int32_t *rep = lead >= 0 ? gen_reports(g, lead) : NULL;

	if (lead >= 0 && lead != p)
		g->cand[k++] = lead;
	for (int32_t i = 0; i < n && k < 7; i++)
		if (rep[i] != p)
			g->cand[k++] = rep[i];
	return k;
}

static int32_t chat_people(struct gen *g, int32_t p)
{
	uint32_t r = rng_below(&g->rng, 100);

	if (r < 70)
		return contacts(g, p, 1, false);
	if (r < 85)
		return team_chat(g, p);
	return contacts(g, p, 2 + (int32_t)rng_below(&g->rng, 6), false);
}

/* Who sends the next message: people answer only when awake. */
static unsigned next_sender(struct gen *g, const uint8_t *up, unsigned nup,
			    unsigned last)
{
	if (nup == 1)
		return 0;
	if (nup == 2)
		return rng_percent(&g->rng, 65) ? up[last == up[0]] : last;
	return rng_percent(&g->rng, 40) ? 0 : up[rng_below(&g->rng, nup)];
}

static int chat_messages(struct gen *g, struct ev *ev)
{
	int n = 1 + (int)rng_below(&g->rng, 9);
	unsigned dt = 0, sender = 0, nup = 0;
	uint8_t up[8];

	for (uint32_t i = 0; i < ev->np && i < 8; i++)
		if (i == 0 || awake(g, g->pt[ev->p0 + i].person, ev->t))
			up[nup++] = (uint8_t)i;
	for (int i = 0; i < n; i++) {
		struct msg *m = gen_msg_add(g, ev);

		if (!m)
			return -ENOMEM;
		m->dt = (uint16_t)dt;
		m->sender = (uint8_t)sender;
		m->q = (uint8_t)(1 + rng_below(&g->rng, 6));
		dt += 15 + rng_below(&g->rng, 150);
		sender = next_sender(g, up, nup, sender);
	}
	return 0;
}

static int one_chat(struct gen *g, int32_t p, int64_t day, bool weekend)
{
	int64_t t = when(g, p, day, weekend, 5);
	int32_t n;
	struct ev *ev;

	if (!valid_at(g, p, t))
		return 0;
	n = keep(g, p, chat_people(g, p), t, false);
	if (!n)
		return 0;
	ev = gen_ev_new(g, EV_CHAT, t);
	if (!ev || !gen_part_add(g, ev, p))
		return -ENOMEM;
	if (rng_percent(&g->rng, 3))
		ev->flags |= EVF_SKYPE;
	for (int32_t i = 0; i < n; i++)
		if (!gen_part_add(g, ev, g->cand[i]))
			return -ENOMEM;
	return chat_messages(g, ev);
}

/* ---- calls and files ---- */

static int one_call(struct gen *g, int32_t p, int64_t day)
{
	int64_t t = when(g, p, day, false, 3);
	int32_t n;
	struct ev *ev;
	struct part *pt;

	if (!valid_at(g, p, t))
		return 0;
	n = contacts(g, p,
		     rng_percent(&g->rng, 80)
			     ? 1
			     : 2 + (int32_t)rng_below(&g->rng, 3),
		     false);
	n = keep(g, p, n, t, true);
	if (!n)
		return 0;
	ev = gen_ev_new(g, EV_CALL, t);
	if (!ev || !(pt = gen_part_add(g, ev, p)))
		return -ENOMEM;
	pt->flags = PF_ORGANIZER;
	ev->a = (uint16_t)(120 + rng_below(&g->rng, 1680));
	ev->flags = rng_percent(&g->rng, 8) ? EVF_SKYPE : 0;
	for (int32_t i = 0; i < n; i++) {
		if (!(pt = gen_part_add(g, ev, g->cand[i])))
			return -ENOMEM;
		pt->join = (int8_t)rng_below(&g->rng, 60);
		pt->leave = (int8_t) - (int)rng_below(&g->rng, 60);
	}
	return 0;
}

static uint64_t pick_file(struct gen *g, int32_t p, int action)
{
	struct person *ps = &g->p[p];
	int32_t c;

	if (action != 0 && ps->nfile && rng_percent(&g->rng, 65))
		return ps->file[rng_below(&g->rng, ps->nfile)];
	c = gen_contact(g, p, false);
	if (action != 0 && c >= 0 && g->p[c].nfile)
		return g->p[c].file[rng_below(&g->rng, g->p[c].nfile)];
	ps->file[ps->file_pos] = ++g->next_file;
	ps->file_pos = (uint8_t)((ps->file_pos + 1) % NFILES);
	if (ps->nfile < NFILES)
		ps->nfile++;
	return g->next_file;
}

static int one_file(struct gen *g, int32_t p, int64_t day, bool weekend)
{
	static const uint8_t cdf[] = { 8, 43, 78, 88, 100 };
	int64_t t = when(g, p, day, weekend, 4);
	uint32_t r = rng_below(&g->rng, 100);
	int action = 0;
	struct ev *ev;

	if (!valid_at(g, p, t))
		return 0;
	while (r >= cdf[action])
		action++;
	ev = gen_ev_new(g, EV_FILE, t);
	if (!ev || !gen_part_add(g, ev, p))
		return -ENOMEM;
	ev->a = (uint16_t)action;
	ev->x = pick_file(g, p, action);
	return 0;
}

static int repeat(struct gen *g, int32_t p, int64_t day, double mean,
		  int (*fn)(struct gen *, int32_t, int64_t, bool))
{
	int n = rng_poisson(&g->rng, rate(g, p, mean));
	int wd = weekday(day), ret = 0;

	for (int i = 0; i < n && !ret; i++)
		ret = fn(g, p, day, wd == 0 || wd == 6);
	return ret;
}

static int call_fn(struct gen *g, int32_t p, int64_t day, bool weekend)
{
	return weekend ? 0 : one_call(g, p, day);
}

static int person_day(struct gen *g, int32_t p, int64_t day)
{
	int wd = weekday(day);
	bool we = wd == 0 || wd == 6;
	int ret;

	if (!gen_hired(g, p, (day + 1) * DAY_SECS + 14 * HOUR_SECS))
		return 0;
	ret = repeat(g, p, day, we ? MAIL_WEEKEND : MAIL_RATE, one_mail);
	if (!ret)
		ret = repeat(g, p, day, we ? CHAT_WEEKEND : CHAT_RATE,
			     one_chat);
	if (!ret)
		ret = repeat(g, p, day, we ? 0 : CALL_RATE, call_fn);
	if (!ret)
		ret = repeat(g, p, day, we ? FILE_WEEKEND : FILE_RATE,
			     one_file);
	return ret;
}

int gen_day(struct gen *g, int64_t day)
{
	int ret = gen_org_update(g, day * DAY_SECS + DAY_SECS / 2);

	slots_reset(g);
	if (!ret)
		ret = meetings(g, day, weekday(day));
	for (int32_t p = 0; p < g->nemp && !ret; p++)
		ret = person_day(g, p, day);
	return ret;
}
