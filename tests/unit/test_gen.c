/* test_gen.c - the synthetic data generator, through an in-memory sink that
 * checks the sink protocol and the data as rows arrive: determinism, ids,
 * parents before children, HR versions valid at event time, local offsets,
 * totals that agree with participant rows, volumes per person-week; and
 * the CSV sink's files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "csv.h"
#include "gen.h"
#include "schema.h"
#include "tz.h"
#include "value.h"

#define MAXPH	  100000
#define MAXPEOPLE 20000

struct ph {
	int64_t start, end; /* ms; end INT64_MAX while current */
	int person;	    /* number in p000123, or -1 */
	const struct tz *zone;
	char org[32];
};

/* What a run produced, checked row by row. */
struct sink {
	uint64_t hash; /* FNV-1a of every table, field and row */
	int begun;     /* begin() calls */
	int bad_order; /* begin() out of schema order, rows early */
	size_t ncols[16];
	char last_key[16][32]; /* last key per table */
	int64_t key_not_increasing;
	int64_t orphan;		  /* participant not right after parent */
	int64_t ph_invalid;	  /* PH id not valid at the event time */
	int64_t bad_offset;	  /* local time with the wrong offset */
	int64_t bad_totals;	  /* parent totals that disagree */
	int ny_winter, ny_summer; /* New York offsets seen */
	int64_t ph_rows, externals, rooms, measured_versions;
	struct ph *ph;
	int64_t first_hire[MAXPEOPLE];
	char orgs[16][32];
	int norgs;
	int max_versions;

	/* the current parent of each kind */
	int64_t parent_t;	 /* its UTC ms */
	int64_t want[4], got[4]; /* totals it claims, rows seen */
	int canceled;

	/* volumes of measured employees */
	int64_t mails_sent, meetings_attended, chats_sent;
	int64_t mails, recipients, meetings, attendees;
	int64_t declined, responses, double_booked, recurring, canceled_n;
	int64_t big_meetings, calls, scheduled_calls, group_chats;
	int64_t file_events;
};

static int tindex(const struct table *t)
{
	return (int)(t - schema_tables);
}

static int col(const struct table *t, const char *name)
{
	return schema_column(t, name);
}

static int64_t num(const char *p, size_t n)
{
	int64_t v = 0;
	const char *why;

	return value_parse_int(p, n, &v, &why) ? -1 : v;
}

static int64_t hexid(const char *p, size_t n)
{
	int64_t v = 0;

	for (size_t i = 1; i < n; i++)
		v = v * 16 + (p[i] <= '9' ? p[i] - '0' : p[i] - 'a' + 10);
	return v;
}

static bool is(const char *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

static struct datetime when(const char *p, size_t n)
{
	struct datetime dt = { 0, 0, false };
	const char *why;

	if (value_parse_datetime(p, n, &dt, &why))
		dt.ms = INT64_MIN;
	return dt;
}

static void hash_bytes(struct sink *s, const void *p, size_t n)
{
	const unsigned char *u = p;

	for (size_t i = 0; i < n; i++)
		s->hash = (s->hash ^ u[i]) * 0x100000001b3ULL;
}

static int s_begin(void *ctx, const struct table *t, const char *const *header,
		   size_t ncols, struct err *e)
{
	struct sink *s = ctx;

	(void)e;
	if (tindex(t) != s->begun++)
		s->bad_order++;
	s->ncols[tindex(t)] = ncols;
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(header[i], t->cols[i].name) != 0)
			s->bad_order++;
	return 0;
}

/* The PH version at row's column c must be valid at ms, and local time
 * (column lc, if >= 0) must carry that person's offset. */
static void check_person(struct sink *s, const char *const *f, const size_t *l,
			 int c, int64_t ms)
{
	int64_t id = hexid(f[c], l[c]) - 1;
	const struct ph *ph;

	if (id < 0 || id >= s->ph_rows) {
		s->ph_invalid++;
		return;
	}
	ph = &s->ph[id];
	if (ms < ph->start || ms > ph->end)
		s->ph_invalid++;
}

static void check_local(struct sink *s, const char *const *f, const size_t *l,
			int c, int lc)
{
	int64_t id = hexid(f[c], l[c]) - 1;
	struct datetime dt = when(f[lc], l[lc]);
	const struct ph *ph;
	int want;

	if (id < 0 || id >= s->ph_rows || dt.ms == INT64_MIN || !dt.has_off) {
		s->bad_offset++;
		return;
	}
	ph = &s->ph[id];
	want = tz_offset_minutes(ph->zone, dt.ms / 1000);
	if (dt.off != want)
		s->bad_offset++;
	if (strcmp(ph->zone->name, "America/New_York") == 0) {
		s->ny_winter += dt.off == -300;
		s->ny_summer += dt.off == -240;
	}
}

static void add_org(struct sink *s, const char *org)
{
	for (int i = 0; i < s->norgs; i++)
		if (strcmp(s->orgs[i], org) == 0)
			return;
	if (s->norgs < 16)
		snprintf(s->orgs[s->norgs++], sizeof(s->orgs[0]), "%s", org);
}

static void ph_row(struct sink *s, const struct table *t, const char *const *f,
		   const size_t *l)
{
	struct ph *ph = &s->ph[s->ph_rows];
	int ce = col(t, "EndDate"), tzc = (int)t->ncols + 2;
	int64_t id = hexid(f[0], l[0]);
	char zone[64];

	if (id != s->ph_rows + 1 || s->ph_rows + 1 >= MAXPH) {
		s->bad_order++;
		return;
	}
	ph->start = when(f[col(t, "StartDate")], l[col(t, "StartDate")]).ms;
	ph->end = l[ce] ? when(f[ce], l[ce]).ms : INT64_MAX;
	snprintf(zone, sizeof(zone), "%.*s", (int)l[tzc], f[tzc]);
	ph->zone = tz_find(l[tzc] ? zone : "UTC");
	ph->person = -1;
	snprintf(ph->org, sizeof(ph->org), "%.*s",
		 (int)l[col(t, "Organization")], f[col(t, "Organization")]);
	s->ph_rows++;
	if (!ph->zone) {
		s->bad_offset++;
		ph->zone = tz_find("UTC");
	}
	if (is(f[4], l[4], "ExternalCollaborator"))
		s->externals++;
	if (is(f[4], l[4], "MeetingRoom"))
		s->rooms++;
	if (!is(f[4], l[4], "MeasuredEmployee"))
		return;
	ph->person = (int)num(f[1] + 1, 6);
	s->measured_versions++;
	if (ph->person >= 0 && ph->person < MAXPEOPLE &&
	    (!s->first_hire[ph->person] ||
	     ph->start < s->first_hire[ph->person]))
		s->first_hire[ph->person] = ph->start;
	add_org(s, ph->org);
}

static bool measured(const struct sink *s, const char *p, size_t n)
{
	int64_t id = hexid(p, n) - 1;

	return id >= 0 && id < s->ph_rows && s->ph[id].person >= 0;
}

/* Close the current parent: its totals against the rows seen. */
static void close_parent(struct sink *s)
{
	if (memcmp(s->want, s->got, sizeof(s->want)) != 0)
		s->bad_totals++;
	memset(s->want, 0, sizeof(s->want));
	memset(s->got, 0, sizeof(s->got));
}

static void meeting_row(struct sink *s, const struct table *t,
			const char *const *f, const size_t *l)
{
	int64_t acc = num(f[col(t, "TotalAccept")], l[col(t, "TotalAccept")]);
	int64_t nr =
		num(f[col(t, "TotalNoResponse")], l[col(t, "TotalNoResponse")]);
	int64_t att =
		num(f[col(t, "TotalAttendees")], l[col(t, "TotalAttendees")]);

	close_parent(s);
	s->parent_t = when(f[5], l[5]).ms;
	s->want[0] = acc;
	s->want[1] = num(f[col(t, "TotalDecline")], l[col(t, "TotalDecline")]);
	s->want[2] = num(f[col(t, "TotalDoubleBooked")],
			 l[col(t, "TotalDoubleBooked")]);
	s->want[3] = num(f[col(t, "TotalEmailsDuringMeeting")],
			 l[col(t, "TotalEmailsDuringMeeting")]);
	if (att != acc + nr + 1)
		s->bad_totals++;
	s->canceled = is(f[4], l[4], "True");
	s->meetings++;
	s->attendees += att;
	s->big_meetings += acc +
				   num(f[col(t, "TotalDecline")],
				       l[col(t, "TotalDecline")]) +
				   nr +
				   num(f[col(t, "TotalTentativelyAccepted")],
				       l[col(t, "TotalTentativelyAccepted")]) >=
			   50; /* invited */
	s->recurring += is(f[3], l[3], "True");
	s->canceled_n += s->canceled;
}

static void mpart_row(struct sink *s, const struct table *t,
		      const char *const *f, const size_t *l)
{
	int rc = col(t, "Response");
	bool organizer = is(f[3], l[3], "True");

	check_person(s, f, l, 1, s->parent_t);
	check_local(s, f, l, 1, 2);
	if (!organizer) {
		s->got[0] += is(f[rc], l[rc], "Accepted");
		s->got[1] += is(f[rc], l[rc], "Declined");
		s->declined += is(f[rc], l[rc], "Declined");
		s->responses++;
	}
	s->got[2] += is(f[4], l[4], "True");
	s->double_booked += is(f[4], l[4], "True");
	s->got[3] += num(f[7], l[7]);
	if (!s->canceled && !is(f[rc], l[rc], "Declined") &&
	    measured(s, f[1], l[1]))
		s->meetings_attended++;
}

static void mail_row(struct sink *s, const struct table *t,
		     const char *const *f, const size_t *l)
{
	int nc = col(t, "NumberOfRecipients");

	close_parent(s);
	s->parent_t = when(f[3], l[3]).ms;
	s->want[0] = num(f[nc], l[nc]);
	s->mails++;
	s->recipients += s->want[0];
}

static void mailpart_row(struct sink *s, const char *const *f, const size_t *l)
{
	bool sender = is(f[2], l[2], "True");

	check_person(s, f, l, 1, s->parent_t);
	check_local(s, f, l, 1, 3);
	if (when(f[3], l[3]).ms != s->parent_t)
		s->bad_totals++;
	s->got[0] += !sender;
	if (sender && measured(s, f[1], l[1]))
		s->mails_sent++;
}

static void call_row(struct sink *s, const char *const *f, const size_t *l)
{
	close_parent(s);
	s->want[0] = num(f[4], l[4]);
	s->calls++;
	s->scheduled_calls += is(f[3], l[3], "True");
}

static void callpart_row(struct sink *s, const char *const *f, const size_t *l)
{
	check_person(s, f, l, 1, when(f[3], l[3]).ms);
	check_local(s, f, l, 1, 3);
	check_local(s, f, l, 1, 4);
	s->got[0]++;
}

static void im_row(struct sink *s, const char *const *f, const size_t *l)
{
	close_parent(s);
	s->parent_t = when(f[2], l[2]).ms;
	s->want[0] = num(f[4], l[4]);
	s->group_chats += is(f[3], l[3], "GroupChat");
}

static void impart_row(struct sink *s, const char *const *f, const size_t *l)
{
	check_person(s, f, l, 1, s->parent_t);
	check_local(s, f, l, 1, 4);
	s->got[0]++;
	if (is(f[3], l[3], "True") && measured(s, f[1], l[1]))
		s->chats_sent++;
}

static void file_row(struct sink *s, const char *const *f, const size_t *l)
{
	check_person(s, f, l, 2, when(f[5], l[5]).ms);
	check_local(s, f, l, 2, 5);
	s->file_events++;
}

/* Keys grow; participant rows name the parent just written. */
static void check_keys(struct sink *s, const struct table *t,
		       const char *const *f, const size_t *l)
{
	int i = tindex(t);
	const struct table *parent = schema_parent(t);
	char key[32];

	if (parent) {
		snprintf(key, sizeof(key), "%.*s", (int)l[0], f[0]);
		if (strcmp(key, s->last_key[tindex(parent)]) != 0)
			s->orphan++;
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)l[0], f[0]);
	if (strcmp(key, s->last_key[i]) <= 0)
		s->key_not_increasing++;
	memcpy(s->last_key[i], key, sizeof(key));
}

static int s_row(void *ctx, const struct table *t, const char *const *f,
		 const size_t *l, struct err *e)
{
	struct sink *s = ctx;
	int i = tindex(t);

	(void)e;
	if (s->begun != (int)schema_ntables)
		s->bad_order++;
	hash_bytes(s, &i, sizeof(i));
	for (size_t c = 0; c < s->ncols[i]; c++) {
		hash_bytes(s, f[c], l[c]);
		hash_bytes(s, ",", 1);
	}
	check_keys(s, t, f, l);
	if (strcmp(t->name, "PersonHistorical") == 0)
		ph_row(s, t, f, l);
	else if (strcmp(t->name, "Meetings") == 0)
		meeting_row(s, t, f, l);
	else if (strcmp(t->name, "MeetingParticipants") == 0)
		mpart_row(s, t, f, l);
	else if (strcmp(t->name, "Mails") == 0)
		mail_row(s, t, f, l);
	else if (strcmp(t->name, "MailParticipants") == 0)
		mailpart_row(s, f, l);
	else if (strcmp(t->name, "Calls") == 0)
		call_row(s, f, l);
	else if (strcmp(t->name, "CallParticipants") == 0)
		callpart_row(s, f, l);
	else if (strcmp(t->name, "InstantMessages") == 0)
		im_row(s, f, l);
	else if (strcmp(t->name, "InstantMessageParticipants") == 0)
		impart_row(s, f, l);
	else
		file_row(s, f, l);
	return 0;
}

static int s_end(void *ctx, struct err *e)
{
	(void)e;
	close_parent(ctx);
	return 0;
}

static struct sink *run(int people, int months, int y, int m, uint64_t seed,
			struct gen_stats *st)
{
	struct gen_options o = { people, months, y, m, seed };
	struct sink *s = calloc(1, sizeof(*s));
	struct gen_sink sink = { s_begin, s_row, s_end, s };
	struct err e = ERR_INIT;
	int ret;

	s->hash = 0xcbf29ce484222325ULL;
	s->ph = calloc(MAXPH, sizeof(*s->ph));
	ret = gen_run(&o, &sink, st, &e);
	if (!CHECK_INT(ret, 0))
		fprintf(stderr, "    %s\n", e.msg);
	return s;
}

static void sink_free(struct sink *s)
{
	free(s->ph);
	free(s);
}

/* Person-weeks of measured employees: from hire (or t0) to t1. */
static double person_weeks(const struct sink *s, int64_t t0, int64_t t1)
{
	double w = 0;

	for (int p = 0; p < MAXPEOPLE; p++) {
		int64_t from = s->first_hire[p];

		if (!from)
			continue;
		from = from > t0 ? from : t0;
		if (from < t1)
			w += (double)(t1 - from) / (7 * 86400000.0);
	}
	return w;
}

static void test_small_org(void)
{
	struct gen_stats st;
	struct sink *s = run(60, 2, 2022, 3, 7, &st);
	int64_t t0 = value_days_from_civil(2022, 3, 1) * 86400000;
	int64_t t1 = value_days_from_civil(2022, 5, 1) * 86400000;
	double pw = person_weeks(s, t0, t1);

	CHECK_INT(s->bad_order, 0);
	CHECK_INT(s->key_not_increasing, 0);
	CHECK_INT(s->orphan, 0);
	CHECK_INT(s->ph_invalid, 0);
	CHECK_INT(s->bad_offset, 0);
	CHECK_INT(s->bad_totals, 0);
	CHECK(s->ny_winter > 0 && s->ny_summer > 0);
	CHECK(s->norgs >= 7 && s->norgs <= 12);
	CHECK(s->externals >= 6 && s->externals <= 12);
	CHECK(s->rooms >= 1);
	CHECK(st.total > 0 && st.rows[0] == s->ph_rows);
	CHECK(pw > 400 && pw <= 60 * 61 / 7.0 + 0.01);
	printf("60 people x 2 months: %lld rows, %d orgs, %.1f person-weeks\n",
	       (long long)st.total, s->norgs, pw);
	printf("  per person-week: %.1f mails sent, %.1f meetings attended, "
	       "%.1f chats sent\n",
	       (double)s->mails_sent / pw, (double)s->meetings_attended / pw,
	       (double)s->chats_sent / pw);
	printf("  %.2f recipients/mail, %.2f attendees/meeting, %.1f%% "
	       "declined, %.1f%% canceled, %.1f%% recurring\n",
	       (double)s->recipients / (double)s->mails,
	       (double)s->attendees / (double)s->meetings,
	       100.0 * (double)s->declined / (double)s->responses,
	       100.0 * (double)s->canceled_n / (double)s->meetings,
	       100.0 * (double)s->recurring / (double)s->meetings);
	CHECK((double)s->mails_sent / pw >= 35 &&
	      (double)s->mails_sent / pw <= 55);
	CHECK((double)s->meetings_attended / pw >= 10 &&
	      (double)s->meetings_attended / pw <= 20);
	CHECK((double)s->chats_sent / pw >= 45 &&
	      (double)s->chats_sent / pw <= 75);
	CHECK((double)s->recipients / (double)s->mails >= 2.8 &&
	      (double)s->recipients / (double)s->mails <= 3.8);
	CHECK((double)s->attendees / (double)s->meetings >= 3 &&
	      (double)s->attendees / (double)s->meetings <= 5.5);
	CHECK(s->declined * 100 > s->responses * 4 &&
	      s->declined * 100 < s->responses * 14);
	CHECK(s->double_booked > 0);
	CHECK(s->big_meetings > 0);
	CHECK(s->canceled_n > 0 && s->recurring > 0);
	CHECK(s->scheduled_calls > 0 && s->calls > s->scheduled_calls);
	CHECK(s->group_chats > 0 && s->file_events > 0);
	sink_free(s);
}

static void test_determinism(void)
{
	struct gen_stats a, b, c;
	struct sink *x = run(40, 1, 2023, 6, 42, &a);
	struct sink *y = run(40, 1, 2023, 6, 42, &b);
	struct sink *z = run(40, 1, 2023, 6, 43, &c);

	CHECK(x->hash == y->hash);
	CHECK_INT(a.total, b.total);
	CHECK(x->hash != z->hash);
	sink_free(x);
	sink_free(y);
	sink_free(z);
}

/* A year: about 15% of people get a new HR version. */
static void test_hr_history(void)
{
	struct gen_stats st;
	struct sink *s = run(150, 12, 2022, 1, 3, &st);

	CHECK_INT(s->ph_invalid, 0);
	CHECK_INT(s->bad_offset, 0);
	CHECK_INT(s->bad_totals, 0);
	CHECK_INT(s->key_not_increasing, 0);
	CHECK(s->measured_versions >= 150 + 8);
	CHECK(s->measured_versions <= 150 + 45);
	printf("150 people x 12 months: %lld rows, %lld HR versions\n",
	       (long long)st.total, (long long)s->measured_versions);
	sink_free(s);
}

static void test_options(void)
{
	struct gen_sink sink = { s_begin, s_row, s_end, NULL };
	struct gen_stats st;
	struct err e = ERR_INIT;
	const struct gen_options bad[] = {
		{ 0, 3, 2022, 1, 1 },	 { 1000001, 3, 2022, 1, 1 },
		{ 10, 0, 2022, 1, 1 },	 { 10, 241, 2022, 1, 1 },
		{ 10, 3, 2022, 0, 1 },	 { 10, 3, 2022, 13, 1 },
		{ 10, 3, 1969, 1, 1 },	 { 10, 3, 9999, 1, 1 },
		{ 10, 240, 9998, 1, 1 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		CHECK_INT(gen_run(&bad[i], &sink, &st, &e), -EINVAL);
		CHECK(e.msg[0] != '\0');
	}
}

static void test_one_person(void)
{
	struct gen_stats st;
	struct sink *s = run(1, 1, 1970, 1, 1, &st);

	CHECK(st.rows[0] >= 1);
	CHECK_INT(s->bad_order, 0);
	sink_free(s);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = f ? malloc(1 << 24) : NULL;

	*n = p ? fread(p, 1, (1 << 24) - 1, f) : 0;
	if (p)
		p[*n] = '\0';
	if (f)
		fclose(f);
	return p;
}

static void test_csv_sink(void)
{
	char dir[] = "/tmp/test_gen_XXXXXX", path[256];
	struct gen_options o = { 20, 1, 2022, 1, 5 };
	struct gen_sink sink;
	struct gen_stats st;
	struct err e = ERR_INIT;
	size_t n;
	char *p;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(gen_csv_sink_new(dir, &sink, &e), 0);
	CHECK_INT(gen_run(&o, &sink, &st, &e), 0);
	gen_csv_sink_free(&sink);
	snprintf(path, sizeof(path), "%s/MeetingParticipants.csv", dir);
	p = slurp(path, &n);
	CHECK(p != NULL);
	CHECK(p && strncmp(p,
			   "MeetingId,PersonHistoricalId,LocalStartTime,"
			   "IsOrganizer,IsDoubleBooked,Response,"
			   "DurationMinutesAdjusted,"
			   "NumberOfEmailsDuringMeeting\r\n",
			   strlen("MeetingId,PersonHistoricalId,LocalStartTime,"
				  "IsOrganizer,IsDoubleBooked,Response,"
				  "DurationMinutesAdjusted,"
				  "NumberOfEmailsDuringMeeting\r\n")) == 0);
	free(p);
	for (size_t i = 0; i < schema_ntables; i++) {
		struct csv_reader r;
		int64_t rows = -1;

		snprintf(path, sizeof(path), "%s/%s.csv", dir,
			 schema_tables[i].name);
		p = slurp(path, &n);
		CHECK(p && csv_open_mem(&r, p, n, path) == 0);
		while (p && csv_next(&r, &e) == 1)
			rows++;
		CHECK_INT(rows, st.rows[i]);
		if (p)
			csv_close(&r);
		free(p);
		unlink(path);
	}
	rmdir(dir);
}

/* A sink that fails after some rows: gen_run stops with its error. */
static int64_t fail_after;

static int fail_row(void *ctx, const struct table *t, const char *const *f,
		    const size_t *l, struct err *e)
{
	(void)ctx;
	(void)t;
	(void)f;
	(void)l;
	return --fail_after > 0 ? 0 : err_set(e, -EIO, "disk full");
}

static int no_begin(void *ctx, const struct table *t, const char *const *header,
		    size_t ncols, struct err *e)
{
	(void)ctx;
	(void)t;
	(void)header;
	(void)ncols;
	(void)e;
	return 0;
}

static void test_sink_errors(void)
{
	struct gen_options o = { 30, 1, 2022, 1, 1 };
	struct gen_sink sink = { no_begin, fail_row, NULL, NULL };
	struct gen_stats st;
	struct err e = ERR_INIT;
	int64_t after[] = { 1, 20, 5000 };

	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		fail_after = after[i];
		CHECK_INT(gen_run(&o, &sink, &st, &e), -EIO);
		CHECK_STR(e.msg, "disk full");
	}
	CHECK(gen_csv_sink_new("/proc/no/such/dir", &sink, &e) < 0);
	CHECK(e.msg[0] != '\0');
	gen_csv_sink_free(&sink); /* harmless after a failed _new */
}

int main(void)
{
	test_options();
	test_one_person();
	test_determinism();
	test_small_org();
	test_hr_history();
	test_csv_sink();
	test_sink_errors();
	return check_report();
}
