/* gen_org.c - the synthetic organization: a manager hierarchy over 7 to 12
 * organizations of Zipf-like size, levels, functions, regions and time
 * zones, the whole HR history (hires, promotions, moves) planned up front,
 * stable collaborators, external collaborators and meeting rooms.
 * See gen_impl.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_impl.h"

#define YEAR_DAYS 365
#define NONE8	  255

/* Shares add up to 1000: about half the people in North America. */
const struct zone_info gen_zones[] = {
	{ "America/New_York", "NA", 200 },
	{ "America/Chicago", "NA", 110 },
	{ "America/Los_Angeles", "NA", 170 },
	{ "America/Sao_Paulo", "LATAM", 60 },
	{ "Europe/London", "EMEA", 110 },
	{ "Europe/Berlin", "EMEA", 80 },
	{ "Europe/Paris", "EMEA", 60 },
	{ "Asia/Kolkata", "APAC", 110 },
	{ "Asia/Singapore", "APAC", 40 },
	{ "Asia/Tokyo", "APAC", 35 },
	{ "Australia/Sydney", "APAC", 25 },
};

const size_t gen_nzones = sizeof(gen_zones) / sizeof(gen_zones[0]);

enum level { L_EXEC, L_DIRECTOR, L_SRMGR, L_MGR, L_SRIC, L_IC, L_JUNIOR };

const char *const gen_levels[] = { "Executive", "Director",  "Senior Manager",
				   "Manager",	"Senior IC", "IC",
				   "Junior" };

enum func {
	F_EXEC,
	F_SWE,
	F_QE,
	F_ACCOUNT,
	F_SALESOPS,
	F_MARKETING,
	F_COMMS,
	F_FINANCE,
	F_ACCOUNTING,
	F_HR,
	F_RECRUITING,
	F_OPS,
	F_FACILITIES,
	F_SUPPORT,
	F_LEGAL,
	F_PM,
	F_DESIGN,
	F_RESEARCH,
	F_DATA,
	F_IT,
};

const char *const gen_functions[] = {
	"Executive",
	"Software Engineering",
	"Quality Engineering",
	"Account Management",
	"Sales Operations",
	"Marketing",
	"Communications",
	"Finance",
	"Accounting",
	"Human Resources",
	"Recruiting",
	"Operations",
	"Facilities",
	"Customer Support",
	"Legal",
	"Product Management",
	"Design",
	"Research",
	"Data Science",
	"IT",
};

/* Organizations in the order of their usual size; the first K are used. */
static const struct org org_catalog[] = {
	{ "Engineering", 0, 0, F_SWE, F_QE, 1 },
	{ "Sales", 0, 0, F_ACCOUNT, F_SALESOPS, 10 },
	{ "Operations", 0, 0, F_OPS, F_FACILITIES, 3 },
	{ "Support", 0, 0, F_SUPPORT, F_OPS, 8 },
	{ "Marketing", 0, 0, F_MARKETING, F_COMMS, 5 },
	{ "Product", 0, 0, F_PM, F_DESIGN, 3 },
	{ "Finance", 0, 0, F_FINANCE, F_ACCOUNTING, 3 },
	{ "Research", 0, 0, F_RESEARCH, F_DATA, 2 },
	{ "HR", 0, 0, F_HR, F_RECRUITING, 2 },
	{ "Legal", 0, 0, F_LEGAL, F_LEGAL, 6 },
	{ "IT", 0, 0, F_IT, F_OPS, 2 },
};

#define NCATALOG (sizeof(org_catalog) / sizeof(org_catalog[0]))

/* Build-time scratch: the initial tree. */
struct plan {
	int32_t *parent;   /* initial manager, -1 for the CEO */
	uint8_t *depth;	   /* 0 for the CEO, 1 for org heads */
	int32_t *base;	   /* first person of each org */
	int32_t *mgrs;	   /* people with reports at the start */
	struct hrv *first; /* everyone's first version */
	int32_t nmgrs;
	size_t cver; /* capacity of g->ver */
};

static uint8_t pick_zone(struct gen *g)
{
	uint32_t r = rng_below(&g->rng, 1000);
	size_t i = 0;

	while (i + 1 < gen_nzones && r >= gen_zones[i].weight) {
		r -= gen_zones[i].weight;
		i++;
	}
	return (uint8_t)i;
}

/* 7 to 12 organizations, the first being the CEO's office; fewer for a
 * population too small to fill them. */
static void plan_orgs(struct gen *g)
{
	int32_t office = 1 + (g->nemp >= 20 ? 2 : 0) + (g->nemp >= 200 ? 2 : 0);
	int32_t rest = g->nemp > office ? g->nemp - office : 0;
	int k = 6 + (int)rng_below(&g->rng, 6);

	if (office > g->nemp)
		office = g->nemp;
	if (k > rest / 4)
		k = rest >= 4 ? rest / 4 : (rest > 0);
	g->orgs[0] = (struct org){
		"Executive Office", 0, office, F_EXEC, F_EXEC, 2
	};
	for (int i = 0; i < k; i++)
		g->orgs[i + 1] = org_catalog[i];
	/* Neighbours in the catalog swap places now and then. */
	for (int i = 1; i + 1 <= k; i++)
		if (rng_percent(&g->rng, 30)) {
			struct org t = g->orgs[i];

			g->orgs[i] = g->orgs[i + 1];
			g->orgs[i + 1] = t;
		}
	g->norg = k + 1;
}

/* Zipf-like sizes: weight 1/rank, jittered, at least one person each. */
static void size_orgs(struct gen *g)
{
	int32_t rest = g->nemp - g->orgs[0].size, left;
	double w[16], sum = 0;
	int k = g->norg - 1;

	for (int i = 0; i < k; i++) {
		w[i] = (0.75 + 0.5 * (double)rng_below(&g->rng, 1000) / 1000) /
		       (double)(i + 1);
		sum += w[i];
	}
	left = rest;
	for (int i = 0; i < k; i++) {
		int32_t s = (int32_t)((double)rest * w[i] / sum);

		g->orgs[i + 1].size = s < 1 ? 1 : s;
		left -= g->orgs[i + 1].size;
	}
	for (int i = 1; left != 0 && k > 0; i = i % k + 1) {
		if (left < 0 && g->orgs[i].size <= 1)
			continue;
		g->orgs[i].size += left > 0 ? 1 : -1;
		left += left > 0 ? -1 : 1;
	}
}

/* Breadth first: every manager takes 4 to 10 reports until the org is full.
 */
static void tree_org(struct gen *g, struct plan *pl, int o)
{
	int32_t base = pl->base[o], size = g->orgs[o].size;
	int32_t q = 0, next = 1;

	pl->parent[base] = 0;
	pl->depth[base] = 1;
	if (o == 0) { /* the CEO and their office */
		pl->parent[0] = -1;
		pl->depth[0] = 0;
		for (int32_t i = 1; i < size; i++) {
			pl->parent[i] = 0;
			pl->depth[i] = 1;
		}
		return;
	}
	while (next < size) {
		int32_t m = base + q++;
		int span = 4 + (int)rng_below(&g->rng, 7);

		for (int i = 0; i < span && next < size; i++, next++) {
			pl->parent[base + next] = m;
			pl->depth[base + next] =
				(uint8_t)(pl->depth[m] < 250 ? pl->depth[m] + 1
							     : 250);
		}
	}
}

static uint8_t level_of(struct gen *g, const struct plan *pl, int32_t i,
			uint8_t sup)
{
	uint32_t r;

	if (pl->depth[i] <= 1 && (i == 0 || sup != SUP_IC))
		return L_EXEC;
	r = rng_below(&g->rng, 100);
	if (sup == SUP_MANAGER_PLUS) /* managers of managers */
		return pl->depth[i] == 2 ? L_DIRECTOR : L_SRMGR;
	if (sup == SUP_MANAGER)
		return r < 25 ? L_SRMGR : L_MGR;
	return r < 30 ? L_SRIC : r < 80 ? L_IC : L_JUNIOR;
}

static int64_t days_before(struct gen *g, uint32_t lo, uint32_t span)
{
	return g->t0 - (int64_t)(lo + rng_below(&g->rng, span)) * DAY_SECS;
}

/* The hire date: years ago for leaders, during the range for a few. */
static int64_t hire_date(struct gen *g, const struct plan *pl, int32_t i,
			 uint8_t sup)
{
	int64_t range_days = (g->t1 - g->t0) / DAY_SECS;

	if (i == 0)
		return days_before(g, 5 * YEAR_DAYS, 10 * YEAR_DAYS);
	if (sup != SUP_IC || pl->depth[i] <= 1)
		return days_before(g, YEAR_DAYS, 9 * YEAR_DAYS);
	if (range_days >= 28 && rng_percent(&g->rng, 5))
		return g->t0 +
		       (int64_t)rng_below(&g->rng, (uint32_t)range_days - 14) *
			       DAY_SECS;
	return days_before(g, 30, 8 * YEAR_DAYS);
}

static struct hrv *ver_add(struct gen *g, struct plan *pl)
{
	if (g->nver == pl->cver) {
		size_t n = pl->cver ? pl->cver * 2 : 1024;
		struct hrv *v = realloc(g->ver, n * sizeof(*v));

		if (!v)
			return NULL;
		g->ver = v;
		pl->cver = n;
	}
	return &g->ver[g->nver++];
}

static uint8_t sup_of(const int32_t *nrep, const uint8_t *mgr_of_mgr, int32_t i)
{
	if (!nrep[i])
		return SUP_IC;
	return mgr_of_mgr[i] ? SUP_MANAGER_PLUS : SUP_MANAGER;
}

static void person_basics(struct gen *g, int32_t i, int pop)
{
	static const uint16_t starts[] = { 450, 480, 480, 480, 480,
					   510, 510, 540, 540, 570 };
	struct person *p = &g->p[i];

	p->pop = (uint8_t)pop;
	p->act = (uint8_t)(10 + rng_below(&g->rng, 13));
	p->ws = starts[rng_below(&g->rng, 10)];
	p->we = (uint16_t)(p->ws + 540);
	p->slot = -1;
	for (int k = 0; k < NTHREADS; k++)
		p->thr[k] = -1;
}

/* The first version of employee i, from the initial tree (managers come
 * before their reports, so their zone is known). */
static void first_version(struct gen *g, struct plan *pl, int32_t i, int o,
			  uint8_t sup)
{
	struct hrv *v = &pl->first[i];
	const struct org *og = &g->orgs[o];

	v->start = hire_date(g, pl, i, sup);
	v->mgr = pl->parent[i];
	v->org = (uint8_t)o;
	v->sup = sup;
	v->level = level_of(g, pl, i, sup);
	v->func = rng_percent(&g->rng, 80) || sup != SUP_IC ? og->func
							    : og->func2;
	/* Most people sit where their manager does. */
	if (v->mgr >= 0 && rng_percent(&g->rng, pl->depth[i] <= 1 ? 40 : 70))
		v->zone = pl->first[v->mgr].zone;
	else
		v->zone = pick_zone(g);
	g->p[i].num = i + 1;
}

static int32_t random_manager(struct gen *g, const struct plan *pl, int org,
			      int32_t not )
{
	int32_t m = -1;

	for (int tries = 0; tries < 12 && pl->nmgrs > 1; tries++) {
		m = pl->mgrs[rng_below(&g->rng, (uint32_t)pl->nmgrs)];
		if (m != not &&(org < 0 || pl->first[m].org == org))
			return m;
	}
	return m != not ? m : -1;
}

/* Apply one HR change to a copy of the latest version; false if none. */
static bool change(struct gen *g, const struct plan *pl, struct hrv *v)
{
	int32_t m;

	if (v->sup != SUP_IC) {
		if (v->level <= L_DIRECTOR || v->level > L_MGR)
			return false;
		v->level--;
		return true;
	}
	if (v->level > L_SRIC && rng_percent(&g->rng, 50)) {
		v->level--;
		return true;
	}
	m = random_manager(g, pl, rng_percent(&g->rng, 70) ? v->org : -1,
			   v->mgr);
	if (m < 0)
		return false;
	if (pl->first[m].org != v->org) {
		v->org = pl->first[m].org;
		v->func = g->orgs[v->org].func;
	}
	if (rng_percent(&g->rng, 20))
		v->zone = pl->first[m].zone;
	v->mgr = m;
	return true;
}

/* About 15% of people a year are promoted or move to another manager. */
static int history(struct gen *g, struct plan *pl, int32_t i)
{
	struct hrv *first = ver_add(g, pl);
	int64_t last = pl->first[i].start;

	if (!first)
		return -ENOMEM;
	*first = pl->first[i];
	g->p[i].ver0 = g->nver - 1;
	g->p[i].nver = 1;
	if (i == 0 || pl->depth[i] <= 1)
		return 0; /* the CEO and org heads stay put */

	for (int m = 0; m < g->o->months; m++) {
		int64_t day0 = g->day0 + (int64_t)m * 30;
		int64_t when = (day0 + rng_below(&g->rng, 30)) * DAY_SECS;
		struct hrv nv = g->ver[g->nver - 1], *v;

		if (rng_below(&g->rng, 1000) >= 14)
			continue; /* 1.4% a month: about 15% a year */
		if (when < last + 30 * DAY_SECS || when >= g->t1)
			continue;
		if (!change(g, pl, &nv))
			continue;
		v = ver_add(g, pl);
		if (!v)
			return -ENOMEM;
		nv.start = when;
		*v = nv;
		g->p[i].nver++;
		last = when;
	}
	return 0;
}

static void count_reports(struct gen *g, struct plan *pl, int32_t *nrep,
			  uint8_t *mm)
{
	for (int32_t i = 1; i < g->nemp; i++)
		nrep[pl->parent[i]]++;
	for (int32_t i = 1; i < g->nemp; i++)
		if (nrep[i])
			mm[pl->parent[i]] = 1;
	pl->nmgrs = 0;
	for (int32_t i = 0; i < g->nemp; i++)
		if (nrep[i])
			pl->mgrs[pl->nmgrs++] = i;
}

static int employees(struct gen *g, struct plan *pl)
{
	int32_t *nrep = calloc((size_t)g->nemp, sizeof(*nrep));
	uint8_t *mm = calloc((size_t)g->nemp, 1);
	int ret = nrep && mm ? 0 : -ENOMEM;
	int o = 0;

	for (int k = 0, b = 0; k < g->norg; b += g->orgs[k++].size) {
		pl->base[k] = b;
		g->orgs[k].head = b;
	}
	for (int k = 0; k < g->norg; k++)
		tree_org(g, pl, k);
	if (!ret)
		count_reports(g, pl, nrep, mm);
	for (int32_t i = 0; i < g->nemp && !ret; i++) {
		while (o + 1 < g->norg && i >= pl->base[o + 1])
			o++;
		person_basics(g, i, POP_EMPLOYEE);
		first_version(g, pl, i, o, sup_of(nrep, mm, i));
	}
	free(nrep);
	free(mm);
	return ret;
}

static int32_t random_member(struct gen *g, const struct plan *pl, int o)
{
	return pl->base[o] +
	       (int32_t)rng_below(&g->rng, (uint32_t)g->orgs[o].size);
}

static void collaborators(struct gen *g, const struct plan *pl)
{
	for (int32_t i = 0; i < g->nemp; i++) {
		struct person *p = &g->p[i];
		int o = g->ver[p->ver0].org;

		for (int k = 0; k < NCOLLAB; k++) {
			int32_t c = k < 6 ? random_member(g, pl, o)
					  : (int32_t)rng_below(
						    &g->rng, (uint32_t)g->nemp);

			if (c == i)
				c = g->nemp > 1 ? (i + 1) % g->nemp : -1;
			p->collab[k] = c;
		}
	}
}

static int pick_ext_org(struct gen *g)
{
	uint32_t sum = 0, r;

	for (int o = 0; o < g->norg; o++)
		sum += g->orgs[o].ext_weight;
	r = rng_below(&g->rng, sum);
	for (int o = 0; o < g->norg; o++) {
		if (r < g->orgs[o].ext_weight)
			return o;
		r -= g->orgs[o].ext_weight;
	}
	return 0;
}

/* Externals and rooms: one version each, valid long before the range. */
static int others(struct gen *g, struct plan *pl)
{
	for (int32_t i = g->nemp; i < g->np; i++) {
		bool ext = i < g->nemp + g->next;
		struct hrv *v = ver_add(g, pl);

		if (!v)
			return -ENOMEM;
		person_basics(g, i, ext ? POP_EXTERNAL : POP_ROOM);
		*v = (struct hrv){ days_before(g, 400, 2000),
				   -1,
				   NONE8,
				   NONE8,
				   NONE8,
				   0,
				   NONE8 };
		v->zone = ext ? pick_zone(g) : g->ver[g->p[0].ver0].zone;
		g->p[i].ver0 = g->nver - 1;
		g->p[i].nver = 1;
		g->p[i].num = ext ? i - g->nemp + 1 : i - g->nemp - g->next + 1;
		g->p[i].domain = (uint8_t)rng_below(&g->rng, 6);
	}
	return 0;
}

/* Each external works with 2 to 6 people of one organization. */
static void hosts(struct gen *g, const struct plan *pl)
{
	for (int32_t x = g->nemp; x < g->nemp + g->next; x++) {
		int o = pick_ext_org(g);
		int n = 2 + (int)rng_below(&g->rng, 5);

		for (int k = 0; k < n; k++) {
			struct person *h = &g->p[random_member(g, pl, o)];

			if (h->next < NEXTERN)
				h->ext[h->next++] = x;
		}
	}
}

/* Recurring cross-team meetings: about one group per six people. */
static int groups(struct gen *g)
{
	g->ngrp = g->nemp >= 4 ? g->nemp / 6 + 1 : 0;
	g->grp = calloc((size_t)g->ngrp + 1, sizeof(*g->grp));
	if (!g->grp)
		return -ENOMEM;
	for (int32_t k = 0; k < g->ngrp; k++) {
		struct group *gr = &g->grp[k];
		int32_t lead = (int32_t)rng_below(&g->rng, (uint32_t)g->nemp);
		int want = 4 + (int)rng_below(&g->rng, 5);

		gr->member[0] = lead;
		gr->n = 1;
		gr->biweekly = rng_percent(&g->rng, 40);
		for (int t = 0; t < 3 * want && gr->n < want; t++) {
			int32_t c =
				g->p[lead].collab[rng_below(&g->rng, NCOLLAB)];
			bool dup = c < 0;

			for (int j = 0; j < gr->n; j++)
				dup |= gr->member[j] == c;
			if (!dup)
				gr->member[gr->n++] = c;
		}
	}
	return 0;
}

static int plan_alloc(struct gen *g, struct plan *pl)
{
	size_t n = (size_t)g->nemp;

	memset(pl, 0, sizeof(*pl));
	pl->parent = calloc(n, sizeof(*pl->parent));
	pl->depth = calloc(n, 1);
	pl->base = calloc(16, sizeof(*pl->base));
	pl->mgrs = calloc(n, sizeof(*pl->mgrs));
	pl->first = calloc(n, sizeof(*pl->first));
	g->p = calloc((size_t)g->np, sizeof(*g->p));
	g->rep_off = calloc((size_t)g->np + 1, sizeof(*g->rep_off));
	g->rep = calloc((size_t)g->np + 1, sizeof(*g->rep));
	g->mem_off = calloc(17, sizeof(*g->mem_off));
	g->mem = calloc((size_t)g->np + 1, sizeof(*g->mem));
	if (!pl->parent || !pl->depth || !pl->base || !pl->mgrs || !pl->first ||
	    !g->p || !g->rep_off || !g->rep || !g->mem_off || !g->mem)
		return -ENOMEM;
	return 0;
}

static void plan_free(struct plan *pl)
{
	free(pl->parent);
	free(pl->depth);
	free(pl->base);
	free(pl->mgrs);
	free(pl->first);
}

int gen_org_build(struct gen *g)
{
	struct plan pl;
	int32_t nroom = g->o->people / 250 + 2;
	int ret;

	g->nemp = g->o->people;
	g->next = (int32_t)((int64_t)g->nemp *
			    (10 + (int64_t)rng_below(&g->rng, 11)) / 100);
	g->np = g->nemp + g->next + (nroom > 30 ? 30 : nroom);
	ret = plan_alloc(g, &pl);
	if (!ret) {
		plan_orgs(g);
		size_orgs(g);
		ret = employees(g, &pl);
	}
	for (int32_t i = 0; i < g->nemp && !ret; i++)
		ret = history(g, &pl, i);
	if (!ret)
		ret = others(g, &pl);
	if (!ret) {
		collaborators(g, &pl);
		hosts(g, &pl);
		ret = groups(g);
	}
	plan_free(&pl);
	g->next_change = INT64_MIN;
	return ret;
}

void gen_org_release(struct gen *g)
{
	free(g->p);
	free(g->ver);
	free(g->rep_off);
	free(g->rep);
	free(g->mem_off);
	free(g->mem);
	free(g->grp);
	g->p = NULL;
	g->ver = NULL;
	g->rep_off = NULL;
	g->rep = NULL;
	g->mem_off = NULL;
	g->mem = NULL;
	g->grp = NULL;
}

/* Advance p->cur to the version in force at t; return the next start. */
static int64_t advance(struct gen *g, struct person *p, int64_t t)
{
	const struct hrv *v = &g->ver[p->ver0];

	while (p->cur + 1 < p->nver && v[p->cur + 1].start <= t)
		p->cur++;
	if (v[0].start > t)
		return v[0].start;
	return p->cur + 1 < p->nver ? v[p->cur + 1].start : INT64_MAX;
}

/* Counting sort of the hired employees by current manager and by org. */
static void rebuild(struct gen *g, int64_t t)
{
	uint32_t *ro = g->rep_off, *mo = g->mem_off;

	memset(ro, 0, ((size_t)g->np + 1) * sizeof(*ro));
	memset(mo, 0, 17 * sizeof(*mo));
	for (int32_t i = 0; i < g->nemp; i++) {
		const struct hrv *v = gen_cur(g, i);

		if (!gen_hired(g, i, t))
			continue;
		if (v->mgr >= 0)
			ro[v->mgr + 1]++;
		mo[v->org + 1]++;
	}
	for (int32_t i = 0; i < g->np; i++)
		ro[i + 1] += ro[i];
	for (int o = 0; o < 16; o++)
		mo[o + 1] += mo[o];
	for (int32_t i = 0; i < g->nemp; i++) {
		const struct hrv *v = gen_cur(g, i);

		if (!gen_hired(g, i, t))
			continue;
		if (v->mgr >= 0)
			g->rep[ro[v->mgr]++] = i;
		g->mem[mo[v->org]++] = i;
	}
	/* The fill loop moved every start to the next one's: shift back. */
	memmove(ro + 1, ro, (size_t)g->np * sizeof(*ro));
	ro[0] = 0;
	memmove(mo + 1, mo, 16 * sizeof(*mo));
	mo[0] = 0;
}

int gen_org_update(struct gen *g, int64_t t)
{
	int64_t next = INT64_MAX;

	if (t < g->next_change)
		return 0;
	for (int32_t i = 0; i < g->np; i++) {
		int64_t n = advance(g, &g->p[i], t);

		if (n < next)
			next = n;
	}
	g->next_change = next;
	rebuild(g, t);
	return 0;
}

const struct hrv *gen_cur(const struct gen *g, int32_t p)
{
	return &g->ver[g->p[p].ver0 + g->p[p].cur];
}

bool gen_hired(const struct gen *g, int32_t p, int64_t t)
{
	return g->ver[g->p[p].ver0].start <= t;
}

int32_t gen_ph_at(const struct gen *g, int32_t p, int64_t t)
{
	const struct person *ps = &g->p[p];
	const struct hrv *v = &g->ver[ps->ver0];
	int i = ps->cur;

	while (i > 0 && v[i].start > t)
		i--;
	while (i + 1 < ps->nver && v[i + 1].start <= t)
		i++;
	return v[i].start <= t ? (int32_t)(ps->ver0 + (uint32_t)i) : -1;
}

int32_t gen_nreports(const struct gen *g, int32_t m)
{
	return (int32_t)(g->rep_off[m + 1] - g->rep_off[m]);
}

const int32_t *gen_reports(const struct gen *g, int32_t m)
{
	return &g->rep[g->rep_off[m]];
}

static int32_t random_report(struct gen *g, int32_t m)
{
	int32_t n = m >= 0 ? gen_nreports(g, m) : 0;

	return n ? gen_reports(g, m)[rng_below(&g->rng, (uint32_t)n)] : -1;
}

int32_t gen_contact(struct gen *g, int32_t p, bool ext)
{
	const struct person *ps = &g->p[p];
	const struct hrv *v = gen_cur(g, p);
	uint32_t r = rng_below(&g->rng, 100);
	int32_t c = -1;

	if (ext && ps->next && r < 8)
		return ps->ext[rng_below(&g->rng, ps->next)];
	if (r < 20)
		c = v->mgr;
	else if (r < 50)
		c = random_report(g, v->mgr);
	else if (r < 72)
		c = random_report(g, p);
	if (c < 0 || c == p)
		c = ps->collab[rng_below(&g->rng, NCOLLAB)];
	return c != p ? c : -1;
}
