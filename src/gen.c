/* gen.c - the generator's driver: options, random numbers, the event pool
 * and the rows it writes to the sink.  See gen.h and gen_impl.h.
 *
 * Field conventions (they agree with the participant rows):
 *   Meetings.TotalAccept, TotalDecline, TotalNoResponse and
 *   TotalTentativelyAccepted count invitees' responses (the organizer, whose
 *   own row says Accepted, is not counted); TotalAttendees = TotalAccept +
 *   TotalNoResponse + 1 (the organizer); TotalDoubleBooked counts rows with
 *   IsDoubleBooked; TotalEmailsDuringMeeting sums NumberOfEmailsDuringMeeting.
 *   Mails.NumberOfRecipients counts the MailParticipants rows that are not the
 *   sender; Calls.TotalParticipants and InstantMessages.TotalParticipants
 *   count their participant rows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_impl.h"
#include "value.h"

/* Our fields, in the order we produce them; mapped onto the schema's
 * columns by name, so the header order is always the schema's. */
static const char *const ph_fields[] = { "PersonHistoricalId",
					 "EmailAddress",
					 "StartDate",
					 "EndDate",
					 "PopulationType",
					 "ManagerId",
					 "LevelDesignation",
					 "Organization",
					 "IsInternal",
					 "ExternalCollaboratorId",
					 "FunctionType",
					 "Region",
					 "TimeZone",
					 "SupervisorIndicator",
					 NULL };
#define PH_NSCHEMA 10 /* then come the HR attributes */
#define PH_NHR	   4

static const char *const meeting_fields[] = { "MeetingId",
					      "ICalUid",
					      "Subject",
					      "IsRecurring",
					      "IsCanceled",
					      "StartTime",
					      "DurationMinutes",
					      "TotalAccept",
					      "TotalDecline",
					      "TotalNoResponse",
					      "TotalTentativelyAccepted",
					      "TotalAttendees",
					      "TotalDoubleBooked",
					      "TotalEmailsDuringMeeting",
					      NULL };
static const char *const mpart_fields[] = { "MeetingId",
					    "PersonHistoricalId",
					    "LocalStartTime",
					    "IsOrganizer",
					    "IsDoubleBooked",
					    "Response",
					    "DurationMinutesAdjusted",
					    "NumberOfEmailsDuringMeeting",
					    NULL };
static const char *const mail_fields[] = {
	"MailId",   "ConversationId",		"Subject",
	"SentTime", "SenderTimeSpentinMinutes", "NumberOfRecipients",
	NULL
};
static const char *const mailpart_fields[] = { "MailId",
					       "PersonHistoricalId",
					       "IsSender",
					       "LocalSentTime",
					       "PersonTimeSpentInHours",
					       "PersonTimeSpentInMinutes",
					       NULL };
static const char *const call_fields[] = {
	"CallRecordId",	     "MeetingId",	"AppName", "IsScheduledCall",
	"TotalParticipants", "InteractionType", NULL
};
static const char *const callpart_fields[] = {
	"CallRecordId",	  "PersonHistoricalId", "IsOrganizer",
	"LocalStartTime", "LocalEndTime",	NULL
};
static const char *const im_fields[] = { "InstantMessageId",  "AppName",
					 "SentTime",	      "InteractionType",
					 "TotalParticipants", NULL };
static const char *const impart_fields[] = { "InstantMessageId",
					     "PersonHistoricalId",
					     "isAfterHours",
					     "IsSender",
					     "LocalSentTime",
					     "SenderTimeSpentInMinutes",
					     NULL };
static const char *const file_fields[] = {
	"FileActivityId", "FileId", "PersonHistoricalId", "Action", "AppName",
	"LocalTime",	  NULL
};

static const struct {
	const char *table;
	const char *const *fields;
} table_fields[T_COUNT] = {
	{ "PersonHistorical", ph_fields },
	{ "Meetings", meeting_fields },
	{ "MeetingParticipants", mpart_fields },
	{ "Mails", mail_fields },
	{ "MailParticipants", mailpart_fields },
	{ "Calls", call_fields },
	{ "CallParticipants", callpart_fields },
	{ "InstantMessages", im_fields },
	{ "InstantMessageParticipants", impart_fields },
	{ "FileActivities", file_fields },
};

static const char *const response_names[] = { "Accepted", "Declined",
					      "Tentative", "NoResponse" };
static const char *const action_names[] = { "Created", "Edited", "Viewed",
					    "Shared", "Downloaded" };
static const char *const sup_names[] = { "IC", "Manager", "Manager+" };
static const char *const domains[] = {
	"fabrikam.example", "northwind.example", "adventure-works.example",
	"tailspin.example", "wingtip.example",	 "litware.example"
};

/* Subjects: some hold commas and quotes, as real ones do. */
static const char *const topics[] = {
	"Q3 planning",
	"Budget review",
	"Customer escalation",
	"Weekly status report",
	"Hiring plan, next steps",
	"Re-org FAQ",
	"Launch checklist",
	"\"Phoenix\" kickoff",
	"Design review: search, filters",
	"Contract renewal",
	"Incident follow-up",
	"Travel request",
	"Roadmap draft",
	"Offsite agenda",
	"Quarterly business review",
	"Security training reminder",
	"Pricing proposal",
	"Data migration",
	"Feedback on the proposal",
	"Partner onboarding",
	"Performance review cycle",
	"Bug bash",
	"Expense policy update",
	"Demo prep",
};
#define NTOPICS (sizeof(topics) / sizeof(topics[0]))

static const char *const projects[] = { "Atlas",   "Borealis", "Cobalt",
					"Delta",   "Everest",  "Falcon",
					"Granite", "Helix",    "Ion",
					"Juniper", "Kestrel",  "Lumen" };
#define NPROJECTS (sizeof(projects) / sizeof(projects[0]))

/* ---- random numbers: splitmix64 seeding xoshiro256** ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t gen_mix(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b * 0xd6e8feb86659fd93ULL);

	return splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

bool rng_percent(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

/* e^-x for 0 <= x < 64 with + and * only, so every host gets the same bits
 * (libm's exp may differ in the last place between versions). */
static double exp_neg(double x)
{
	double y = x / 64, e = 1 - y * (1 - y / 2 * (1 - y / 3 * (1 - y / 4)));

	for (int i = 0; i < 6; i++)
		e *= e;
	return e;
}

int rng_poisson(struct rng *r, double mean)
{
	double limit = exp_neg(mean), prod = 1;
	int k = -1;

	do {
		prod *= (double)(rng_next(r) >> 11) * 0x1.0p-53;
		k++;
	} while (prod > limit && k < 200);
	return k;
}

/* ---- time ---- */

int gen_offset(struct gen *g, int zone, int64_t t)
{
	struct zcache *c = &g->zc[zone];

	if (t < c->from || t >= c->until)
		c->off = tz_offset_span(g->tz[zone], t, &c->from, &c->until);
	return c->off;
}

int64_t gen_local(struct gen *g, int zone, int64_t day, int min)
{
	int64_t local = day * DAY_SECS + (int64_t)min * 60;
	const struct zcache *c = &g->zc[zone];
	int64_t t = local - (int64_t)c->off * 60;

	/* The cached offset holds at t: t is a right answer (fast path). */
	if (t >= c->from && t < c->until)
		return t;
	t = tz_local_to_utc(g->tz[zone], local);
	gen_offset(g, zone, t);
	return t;
}

/* ---- the pool ---- */

int gen_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 4096;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

struct ev *gen_ev_new(struct gen *g, int kind, int64_t t)
{
	struct ev *ev;

	if (gen_grow((void **)&g->ev, &g->cev, g->nev + 1, sizeof(*ev)))
		return NULL;
	ev = &g->ev[g->nev++];
	memset(ev, 0, sizeof(*ev));
	ev->t = t;
	ev->kind = (uint8_t)kind;
	ev->seq = g->seq++;
	ev->p0 = (uint32_t)g->npt;
	ev->m0 = (uint32_t)g->nmsg;
	return ev;
}

struct part *gen_part_add(struct gen *g, struct ev *ev, int32_t person)
{
	struct part *pt;

	if (gen_grow((void **)&g->pt, &g->cpt, g->npt + 1, sizeof(*pt)))
		return NULL;
	pt = &g->pt[g->npt++];
	memset(pt, 0, sizeof(*pt));
	pt->person = person;
	ev->np++;
	return pt;
}

struct msg *gen_msg_add(struct gen *g, struct ev *ev)
{
	struct msg *m;

	if (gen_grow((void **)&g->msg, &g->cmsg, g->nmsg + 1, sizeof(*m)))
		return NULL;
	m = &g->msg[g->nmsg++];
	memset(m, 0, sizeof(*m));
	ev->a++;
	return m;
}

static void swap_arrays(void **a, void **b, size_t *ca, size_t *cb)
{
	void *t = *a;
	size_t c = *ca;

	*a = *b;
	*b = t;
	*ca = *cb;
	*cb = c;
}

/* ---- fields of one row ---- */

static void f_next(struct gen *g)
{
	g->fpos[g->nf++] = g->row.len;
}

static void f_str(struct gen *g, const char *s, size_t n)
{
	f_next(g);
	buf_add(&g->row, s, n);
}

static void f_cstr(struct gen *g, const char *s)
{
	if (!s)
		s = ""; /* NULL: an empty field */
	f_str(g, s, strlen(s));
}

static void f_bool(struct gen *g, bool b)
{
	f_str(g, b ? "True" : "False", b ? 4 : 5);
}

static void f_int(struct gen *g, int64_t i)
{
	f_next(g);
	value_format_int(&g->row, i);
}

static void f_text(struct gen *g, const struct dtext *d)
{
	f_str(g, d->s, d->n);
}

/* A type letter and 12 lowercase hex digits: ids that sort as numbers. */
static void f_id(struct gen *g, char type, uint64_t n)
{
	static const char hex[] = "0123456789abcdef";
	char s[13];

	s[0] = type;
	for (int i = 12; i >= 1; i--, n >>= 4)
		s[i] = hex[n & 15];
	f_str(g, s, sizeof(s));
}

static void f_ph(struct gen *g, int32_t v)
{
	f_id(g, 'H', (uint64_t)v + 1);
}

static void f_utc(struct gen *g, int64_t t)
{
	struct datetime dt = { t * 1000, 0, false };

	f_next(g);
	value_format_datetime(&g->row, &dt);
}

static void f_local(struct gen *g, int64_t t, int off)
{
	struct datetime dt = { t * 1000, (int16_t)off, true };

	f_next(g);
	value_format_datetime(&g->row, &dt);
}

static void f_begin(struct gen *g)
{
	buf_reset(&g->row);
	g->nf = 0;
}

static size_t table_ncols(const struct gen *g, int t)
{
	return g->tab[t]->ncols + (t == T_PH ? PH_NHR : 0);
}

static int f_end(struct gen *g, int t)
{
	size_t n = table_ncols(g, t);

	g->fpos[g->nf] = g->row.len;
	if (g->row.err)
		return err_set(g->e, g->row.err, "generator: out of memory");
	for (size_t c = 0; c < n; c++) {
		int k = g->map[t][c];

		g->fields[c] = k < 0 ? "" : g->row.data + g->fpos[k];
		g->lens[c] = k < 0 ? 0 : g->fpos[k + 1] - g->fpos[k];
	}
	g->st->rows[g->tab[t] - schema_tables]++;
	g->st->total++;
	return g->sink->row(g->sink->ctx, g->tab[t], g->fields, g->lens, g->e);
}

/* ---- PersonHistorical ---- */

static void f_person_num(struct gen *g, char c, int32_t num)
{
	char s[16];
	int n = snprintf(s, sizeof(s), "%c%06d", c, (int)num);

	f_str(g, s, (size_t)n);
}

static void f_email(struct gen *g, const struct person *p)
{
	char s[96];
	int n;

	if (p->pop == POP_EXTERNAL)
		n = snprintf(s, sizeof(s), "x%06d@%s", (int)p->num,
			     domains[p->domain]);
	else if (p->pop == POP_ROOM)
		n = snprintf(s, sizeof(s), "room-%03d@contoso.example",
			     (int)p->num);
	else
		n = snprintf(s, sizeof(s), "p%06d@contoso.example",
			     (int)p->num);
	f_str(g, s, (size_t)n);
}

static const char *const pop_names[] = { "MeasuredEmployee",
					 "ExternalCollaborator",
					 "MeetingRoom" };

static const char *name_or_null(const char *const *names, uint8_t i)
{
	return i == 255 ? NULL : names[i];
}

static int write_version(struct gen *g, const struct person *p, uint32_t i)
{
	const struct hrv *v = &g->ver[p->ver0 + i];
	bool emp = p->pop == POP_EMPLOYEE;

	f_begin(g);
	f_ph(g, (int32_t)(p->ver0 + i));
	f_email(g, p);
	f_utc(g, v->start);
	if (i + 1 < p->nver)
		f_utc(g, v[1].start);
	else
		f_str(g, "", 0);
	f_cstr(g, pop_names[p->pop]);
	if (v->mgr >= 0)
		f_person_num(g, 'P', g->p[v->mgr].num);
	else
		f_str(g, "", 0);
	f_cstr(g, name_or_null(gen_levels, v->level));
	f_cstr(g, v->org == 255 ? NULL : g->orgs[v->org].name);
	f_bool(g, emp);
	if (p->pop == POP_EXTERNAL)
		f_email(g, p);
	else
		f_str(g, "", 0);
	f_cstr(g, name_or_null(gen_functions, v->func));
	f_cstr(g, emp ? gen_zones[v->zone].region : NULL);
	f_cstr(g, p->pop != POP_ROOM ? gen_zones[v->zone].name : NULL);
	f_cstr(g, name_or_null(sup_names, v->sup));
	return f_end(g, T_PH);
}

int gen_write_people(struct gen *g)
{
	int ret = 0;

	for (int32_t i = 0; i < g->np && !ret; i++)
		for (uint32_t k = 0; k < g->p[i].nver && !ret; k++)
			ret = write_version(g, &g->p[i], k);
	return ret;
}

/* ---- events to rows ---- */

static int32_t ph_of(struct gen *g, int32_t person, int64_t t, int *off)
{
	int32_t v = gen_ph_at(g, person, t);

	*off = gen_offset(
		g, g->ver[v < 0 ? g->p[person].ver0 : (uint32_t)v].zone, t);
	return v;
}

static void meeting_subject(struct gen *g, const struct ev *ev)
{
	static const char *const fixed[] = { "Weekly team sync", "1:1" };
	int kind = ev->b >> 8, i = ev->b & 255;
	char s[96];
	int n;

	if (kind == MK_TEAM || kind == MK_ONE) {
		f_cstr(g, fixed[kind]);
		return;
	}
	if (kind == MK_PROJECT)
		n = snprintf(s, sizeof(s), "Project %s sync",
			     projects[i % NPROJECTS]);
	else if (kind == MK_ALLHANDS)
		n = snprintf(s, sizeof(s), "%s all-hands",
			     i < g->norg ? g->orgs[i].name : "Company");
	else
		n = snprintf(s, sizeof(s), "%s", topics[i % NTOPICS]);
	f_str(g, s, (size_t)n);
}

struct mtotals {
	int64_t resp[4], dbl, mails;
};

static void meeting_totals(const struct gen *g, const struct ev *ev,
			   struct mtotals *m)
{
	memset(m, 0, sizeof(*m));
	for (uint32_t i = 0; i < ev->np; i++) {
		const struct part *pt = &g->pt[ev->p0 + i];

		if (!(pt->flags & PF_ORGANIZER))
			m->resp[pt->resp]++;
		m->dbl += !!(pt->flags & PF_DOUBLE);
		m->mails += pt->mails;
	}
}

static int meeting_row(struct gen *g, const struct ev *ev)
{
	struct mtotals m;

	meeting_totals(g, ev, &m);
	f_begin(g);
	f_id(g, 'M', g->id[T_MEETING]);
	f_id(g, 'U', ev->x);
	meeting_subject(g, ev);
	f_bool(g, ev->flags & EVF_RECURRING);
	f_bool(g, ev->flags & EVF_CANCELED);
	f_utc(g, ev->t);
	f_int(g, ev->a);
	f_int(g, m.resp[R_ACCEPTED]);
	f_int(g, m.resp[R_DECLINED]);
	f_int(g, m.resp[R_NORESPONSE]);
	f_int(g, m.resp[R_TENTATIVE]);
	f_int(g, m.resp[R_ACCEPTED] + m.resp[R_NORESPONSE] + 1);
	f_int(g, m.dbl);
	f_int(g, m.mails);
	return f_end(g, T_MEETING);
}

static int meeting_part_row(struct gen *g, const struct ev *ev,
			    const struct part *pt)
{
	int off;
	int32_t v = ph_of(g, pt->person, ev->t, &off);

	f_begin(g);
	f_id(g, 'M', g->id[T_MEETING]);
	f_ph(g, v);
	f_local(g, ev->t, off);
	f_bool(g, pt->flags & PF_ORGANIZER);
	f_bool(g, pt->flags & PF_DOUBLE);
	f_cstr(g, response_names[pt->resp]);
	f_text(g, &g->half[pt->q < 1024 ? pt->q : 1023]);
	f_int(g, pt->mails);
	return f_end(g, T_MPART);
}

static int call_part_row(struct gen *g, int64_t t0, int64_t t1,
			 const struct part *pt)
{
	int off0, off1;
	int32_t v = ph_of(g, pt->person, t0, &off0);

	off1 = gen_offset(g, g->ver[v].zone, t1);
	f_begin(g);
	f_id(g, 'C', g->id[T_CALL]);
	f_ph(g, v);
	f_bool(g, pt->flags & PF_ORGANIZER);
	f_local(g, t0, off0);
	f_local(g, t1, off1);
	return f_end(g, T_CALLPART);
}

static int call_row(struct gen *g, const struct ev *ev, uint64_t meeting,
		    int64_t nparts)
{
	f_begin(g);
	f_id(g, 'C', ++g->id[T_CALL]);
	if (meeting)
		f_id(g, 'M', meeting);
	else
		f_str(g, "", 0);
	f_cstr(g, ev->flags & EVF_SKYPE ? "Skype" : "Teams");
	f_bool(g, meeting != 0);
	f_int(g, nparts);
	f_cstr(g, meeting ? "Attended" : "Joined");
	return f_end(g, T_CALL);
}

/* The call of an online meeting: everyone who joined it. */
static int meeting_call(struct gen *g, const struct ev *ev)
{
	int64_t n = 0, end = ev->t + (int64_t)ev->a * 60;
	int ret;

	for (uint32_t i = 0; i < ev->np; i++)
		n += !!(g->pt[ev->p0 + i].flags & PF_JOINED);
	ret = call_row(g, ev, g->id[T_MEETING], n);
	for (uint32_t i = 0; i < ev->np && !ret; i++) {
		const struct part *pt = &g->pt[ev->p0 + i];

		if (pt->flags & PF_JOINED)
			ret = call_part_row(g, ev->t + (int64_t)pt->join * 60,
					    end + (int64_t)pt->leave * 60, pt);
	}
	return ret;
}

static int emit_meeting(struct gen *g, const struct ev *ev)
{
	int ret;

	g->id[T_MEETING]++;
	ret = meeting_row(g, ev);
	for (uint32_t i = 0; i < ev->np && !ret; i++)
		ret = meeting_part_row(g, ev, &g->pt[ev->p0 + i]);
	if (!ret && (ev->flags & EVF_ONLINE))
		ret = meeting_call(g, ev);
	return ret;
}

static int emit_call(struct gen *g, const struct ev *ev)
{
	int ret = call_row(g, ev, 0, ev->np);

	for (uint32_t i = 0; i < ev->np && !ret; i++) {
		const struct part *pt = &g->pt[ev->p0 + i];

		ret = call_part_row(g, ev->t + pt->join,
				    ev->t + ev->a + pt->leave, pt);
	}
	return ret;
}

static int mail_row(struct gen *g, const struct ev *ev)
{
	const struct part *sender = &g->pt[ev->p0];
	int off;

	(void)ph_of(g, sender->person, ev->t, &off);
	f_begin(g);
	f_id(g, 'E', ++g->id[T_MAIL]);
	f_id(g, 'T', ev->x);
	f_next(g);
	if (ev->flags & EVF_REPLY)
		buf_add(&g->row, "RE: ", 4);
	buf_addstr(&g->row, topics[ev->b % NTOPICS]);
	f_local(g, ev->t, off);
	f_text(g, &g->min4[sender->q < 1024 ? sender->q : 1023]);
	f_int(g, (int64_t)ev->np - 1);
	return f_end(g, T_MAIL);
}

static int emit_mail(struct gen *g, const struct ev *ev)
{
	int ret = mail_row(g, ev);

	for (uint32_t i = 0; i < ev->np && !ret; i++) {
		const struct part *pt = &g->pt[ev->p0 + i];
		int off;
		int32_t v = ph_of(g, pt->person, ev->t, &off);
		unsigned q = pt->q < 1024 ? pt->q : 1023;

		f_begin(g);
		f_id(g, 'E', g->id[T_MAIL]);
		f_ph(g, v);
		f_bool(g, i == 0);
		f_local(g, ev->t, off);
		f_text(g, &g->hour4[q]);
		f_text(g, &g->min4[q]);
		ret = f_end(g, T_MAILPART);
	}
	return ret;
}

static bool after_hours(const struct person *p, int64_t t, int off)
{
	int64_t local = t + (int64_t)off * 60;
	int64_t day = local / DAY_SECS - (local % DAY_SECS < 0);
	int wd = (int)((day + 4) % 7 + 7) % 7;
	int min = (int)((local - day * DAY_SECS) / 60);

	return wd == 0 || wd == 6 || min < p->ws || min >= p->we;
}

static int im_row(struct gen *g, const struct ev *ev, int64_t t, int off)
{
	f_begin(g);
	f_id(g, 'I', ++g->id[T_IM]);
	f_cstr(g, ev->flags & EVF_SKYPE ? "Skype" : "Teams");
	f_local(g, t, off);
	f_cstr(g, ev->np == 2 ? "OneOnOneChat" : "GroupChat");
	f_text(g, &g->whole[ev->np < 256 ? ev->np : 255]);
	return f_end(g, T_IM);
}

static int emit_message(struct gen *g, const struct ev *ev, const struct msg *m)
{
	int64_t t = ev->t + m->dt;
	int off, ret;

	(void)ph_of(g, g->pt[ev->p0 + m->sender].person, t, &off);
	ret = im_row(g, ev, t, off);
	for (uint32_t i = 0; i < ev->np && !ret; i++) {
		const struct part *pt = &g->pt[ev->p0 + i];
		int32_t v = ph_of(g, pt->person, t, &off);

		f_begin(g);
		f_id(g, 'I', g->id[T_IM]);
		f_ph(g, v);
		f_bool(g, after_hours(&g->p[pt->person], t, off));
		f_bool(g, i == m->sender);
		f_local(g, t, off);
		f_text(g, &g->min4[m->q]);
		ret = f_end(g, T_IMPART);
	}
	return ret;
}

static int emit_chat(struct gen *g, const struct ev *ev)
{
	int ret = 0;

	for (uint32_t i = 0; i < ev->a && !ret; i++)
		ret = emit_message(g, ev, &g->msg[ev->m0 + i]);
	return ret;
}

static const char *file_app(uint64_t file)
{
	static const char *const apps[] = { "Word",	  "Word",
					    "Word",	  "Excel",
					    "Excel",	  "PowerPoint",
					    "PowerPoint", "OneNote",
					    "SharePoint", "SharePoint" };

	return apps[gen_mix(file, 0x51) % 10];
}

static int emit_file(struct gen *g, const struct ev *ev)
{
	const struct part *pt = &g->pt[ev->p0];
	int off;
	int32_t v = ph_of(g, pt->person, ev->t, &off);

	f_begin(g);
	f_id(g, 'F', ++g->id[T_FILE]);
	f_id(g, 'D', ev->x);
	f_ph(g, v);
	f_cstr(g, action_names[ev->a]);
	f_cstr(g, file_app(ev->x));
	f_local(g, ev->t, off);
	return f_end(g, T_FILE);
}

static int emit(struct gen *g, const struct ev *ev)
{
	switch (ev->kind) {
	case EV_MEETING:
		return emit_meeting(g, ev);
	case EV_MAIL:
		return emit_mail(g, ev);
	case EV_CHAT:
		return emit_chat(g, ev);
	case EV_CALL:
		return emit_call(g, ev);
	default:
		return emit_file(g, ev);
	}
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Keep events [from, nev) for later: move them to the front of the pool,
 * copying their participants and messages through the spare arrays. */
static int compact(struct gen *g, size_t from)
{
	size_t np = 0, nm = 0, k = 0;

	if (gen_grow((void **)&g->pt2, &g->cpt2, g->cpt, sizeof(*g->pt2)) ||
	    gen_grow((void **)&g->msg2, &g->cmsg2, g->cmsg, sizeof(*g->msg2)))
		return err_set(g->e, -ENOMEM, "generator: out of memory");
	for (size_t i = from; i < g->nev; i++, k++) {
		struct ev ev = g->ev[i];

		memcpy(&g->pt2[np], &g->pt[ev.p0], ev.np * sizeof(*g->pt));
		ev.p0 = (uint32_t)np;
		np += ev.np;
		if (ev.kind == EV_CHAT) {
			memcpy(&g->msg2[nm], &g->msg[ev.m0],
			       (size_t)ev.a * sizeof(*g->msg));
			ev.m0 = (uint32_t)nm;
			nm += ev.a;
		}
		g->ev[k] = ev;
	}
	swap_arrays((void **)&g->pt, (void **)&g->pt2, &g->cpt, &g->cpt2);
	swap_arrays((void **)&g->msg, (void **)&g->msg2, &g->cmsg, &g->cmsg2);
	g->nev = k;
	g->npt = np;
	g->nmsg = nm;
	return 0;
}

int gen_flush(struct gen *g, int64_t before)
{
	size_t i = 0;
	int ret = 0;

	qsort(g->ev, g->nev, sizeof(*g->ev), ev_cmp);
	for (; i < g->nev && g->ev[i].t < before && !ret; i++)
		ret = emit(g, &g->ev[i]);
	return ret ? ret : compact(g, i);
}

/* ---- the run ---- */

static int check_options(const struct gen_options *o, struct err *e)
{
	int64_t last;

	if (o->people < 1 || o->people > 1000000)
		return err_set(e, -EINVAL,
			       "generate: people must be 1 to 1000000, not %d",
			       o->people);
	if (o->months < 1 || o->months > 240)
		return err_set(e, -EINVAL,
			       "generate: months must be 1 to 240, not %d",
			       o->months);
	if (o->start_month < 1 || o->start_month > 12)
		return err_set(e, -EINVAL,
			       "generate: start month must be 1 to 12, not %d",
			       o->start_month);
	if (o->start_year < 1970 || o->start_year > 9998)
		return err_set(e, -EINVAL,
			       "generate: start year must be 1970 to 9998, "
			       "not %d",
			       o->start_year);
	last = (int64_t)o->start_year * 12 + o->start_month - 1 + o->months;
	if (last > (int64_t)10000 * 12)
		return err_set(e, -EINVAL,
			       "generate: %d months from %04d-%02d end after "
			       "the year 9999",
			       o->months, o->start_year, o->start_month);
	return 0;
}

static int map_table(struct gen *g, int t)
{
	const char *const *names = table_fields[t].fields;
	const struct table *tab = schema_table(table_fields[t].table);
	size_t nschema, n;

	if (!tab)
		return err_set(g->e, -EINVAL, "generator: no table %s",
			       table_fields[t].table);
	g->tab[t] = tab;
	nschema = tab->ncols;
	n = table_ncols(g, t);
	if (n > 40)
		return err_set(g->e, -EINVAL, "generator: %s is too wide",
			       tab->name);
	for (size_t c = 0; c < n; c++)
		g->map[t][c] = -1;
	for (int k = 0; names[k]; k++) {
		bool hr = t == T_PH && k >= PH_NSCHEMA;
		int c = hr ? (int)nschema + k - PH_NSCHEMA
			   : schema_column(tab, names[k]);

		if (c < 0)
			return err_set(g->e, -EINVAL,
				       "generator: %s has no column %s",
				       tab->name, names[k]);
		g->map[t][c] = (int16_t)k;
	}
	return 0;
}

static void dtext_set(struct dtext *d, double v)
{
	struct buf b = BUF_INIT(sizeof(d->s) - 1);

	value_format_double(&b, v);
	d->n = (uint8_t)(b.err ? 0 : b.len);
	memcpy(d->s, b.data, d->n);
	buf_release(&b);
}

static int init_caches(struct gen *g)
{
	for (size_t z = 0; z < gen_nzones; z++) {
		g->tz[z] = tz_find(gen_zones[z].name);
		if (!g->tz[z])
			return err_set(g->e, -EINVAL, "generator: no zone %s",
				       gen_zones[z].name);
		g->zc[z].from = 1;
		g->zc[z].until = 0; /* empty: computed on first use */
	}
	for (int k = 0; k < 1024; k++) {
		dtext_set(&g->min4[k], k / 4.0);
		dtext_set(&g->hour4[k], k / 240.0);
		dtext_set(&g->half[k], k / 2.0);
	}
	for (int k = 0; k < 256; k++)
		dtext_set(&g->whole[k], k);
	buf_init(&g->row, (size_t)1 << 20);
	return buf_grow(&g->row, 4096) ? -ENOMEM : 0;
}

static int gen_init(struct gen *g, const struct gen_options *o)
{
	uint64_t x = o->seed ^ 0x636f6c6c61626673ULL; /* "collabfs" */
	int64_t first = value_days_from_civil(o->start_year,
					      (unsigned)o->start_month, 1);
	int64_t m =
		(int64_t)o->start_year * 12 + o->start_month - 1 + o->months;
	int ret = 0;

	for (int i = 0; i < 4; i++)
		g->rng.s[i] = splitmix64(&x);
	g->day0 = first;
	g->day1 =
		value_days_from_civil((int)(m / 12), (unsigned)(m % 12) + 1, 1);
	g->t0 = g->day0 * DAY_SECS;
	g->t1 = g->day1 * DAY_SECS;
	for (int t = 0; t < T_COUNT && !ret; t++)
		ret = map_table(g, t);
	return ret ? ret : init_caches(g);
}

static int begin_tables(struct gen *g)
{
	static const char *const hr[PH_NHR] = { "FunctionType", "Region",
						"TimeZone",
						"SupervisorIndicator" };
	const char *header[40];
	int ret = 0;

	for (size_t i = 0; i < schema_ntables && !ret; i++) {
		const struct table *t = &schema_tables[i];
		size_t n = t->ncols;

		for (size_t c = 0; c < t->ncols; c++)
			header[c] = t->cols[c].name;
		if (t == g->tab[T_PH])
			for (size_t k = 0; k < PH_NHR; k++)
				header[n++] = hr[k];
		ret = g->sink->begin(g->sink->ctx, t, header, n, g->e);
	}
	return ret;
}

static void gen_release(struct gen *g)
{
	gen_activity_release(g);
	gen_org_release(g);
	free(g->ev);
	free(g->pt);
	free(g->msg);
	free(g->pt2);
	free(g->msg2);
	buf_release(&g->row);
	free(g);
}

/* Day by day; after local day d, nothing later can come before the start
 * of day d + 1 in the easternmost zone (UTC+14 at most). */
static int run_days(struct gen *g)
{
	int ret = 0;

	for (int64_t d = g->day0; d < g->day1 && !ret; d++) {
		ret = gen_day(g, d);
		if (ret)
			ret = err_set(g->e, ret, "generator: out of memory");
		else
			ret = gen_flush(g, (d + 1) * DAY_SECS - 14 * HOUR_SECS);
	}
	return ret ? ret : gen_flush(g, INT64_MAX);
}

int gen_run(const struct gen_options *o, const struct gen_sink *sink,
	    struct gen_stats *st, struct err *e)
{
	struct gen *g;
	int ret = check_options(o, e);

	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	g = calloc(1, sizeof(*g));
	if (!g)
		return err_set(e, -ENOMEM, "generator: out of memory");
	g->o = o;
	g->sink = sink;
	g->st = st;
	g->e = e;
	ret = gen_init(g, o);
	if (!ret && (ret = gen_org_build(g)) != 0)
		err_set(e, ret, "generator: out of memory");
	if (!ret && (ret = gen_activity_init(g)) != 0)
		err_set(e, ret, "generator: out of memory");
	if (!ret)
		ret = begin_tables(g);
	if (!ret)
		ret = gen_write_people(g);
	if (!ret)
		ret = run_days(g);
	if (!ret && sink->end)
		ret = sink->end(sink->ctx, e);
	gen_release(g);
	return ret;
}
