/* test_store_who.c - the parent rows' lists of who took part (store.h,
 * "Who took part"): store_scan_open_who keeps exactly the parent rows with
 * a participant row of one of the people asked for, after a first import,
 * after incremental imports that add participants, replace and move
 * parents and move a call, and after the upgrade of a store in the older
 * layout (no lists) or last written by an older collabfs. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "idset.h"
#include "import.h"
#include "store.h"

static char dir[64], db[128];

static void write_file(const char *sub, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void import_dir(const char *sub)
{
	struct import_stats st;
	struct err e = ERR_INIT;
	char path[256];
	char *paths[1] = { path };

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (!CHECK_INT(import_paths(db, paths, 1, &st, &e), 0))
		fprintf(stderr, "  %s\n", e.msg);
}

/* Run SQL on the store behind collabfs' back (an older layout). */
static void raw_sql(const char *q)
{
	sqlite3 *h = NULL;
	char *msg = NULL;

	CHECK_INT(sqlite3_open(db, &h), SQLITE_OK);
	if (!CHECK_INT(sqlite3_exec(h, q, NULL, NULL, &msg), SQLITE_OK))
		fprintf(stderr, "  %s: %s\n", q, msg ? msg : "");
	sqlite3_free(msg);
	sqlite3_close(h);
}

/* The people asked for: ids separated by spaces. */
static int in_list(void *arg, const char *id, size_t n)
{
	const struct idset *people = arg;

	return idset_has(people, id, n);
}

static void people_set(struct idset *set, const char *ids)
{
	char buf[128], *save = NULL;

	idset_init(set);
	snprintf(buf, sizeof(buf), "%s", ids);
	for (char *w = strtok_r(buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save))
		CHECK_INT(idset_add(set, w, strlen(w)), 0);
}

/* The keys of t's rows over [t0, t1) kept by the lists, space-separated. */
static char *kept(struct store *s, const struct table *t,
		  const struct idset *set, int64_t t0, int64_t t1)
{
	struct store_people who;
	struct store_scan_from from = { t, t0, t1, NULL, 0 };
	struct store_scan *sc = NULL;
	const struct value *v;
	struct buf b = BUF_INIT(1 << 16);
	struct err e = ERR_INIT;

	CHECK_INT(store_people_of(s, in_list, (void *)set, &who, &e), 0);
	CHECK_INT(store_scan_open_who(s, &from, &who, &sc, &e), 0);
	while (sc && store_scan_next(sc, &v, &e) == 1)
		buf_printf(&b, "%s%.*s", b.len ? " " : "", (int)v[0].u.s.n,
			   v[0].u.s.p);
	store_scan_close(sc);
	store_people_release(&who);
	buf_addch(&b, '\0');
	return buf_detach(&b, NULL);
}

/* The same worked out from the participant rows (of any period). */
static char *expected(struct store *s, const struct table *t,
		      const struct idset *set, int64_t t0, int64_t t1)
{
	const struct table *c = schema_table(t->child);
	int who = schema_column_with(c, COL_PERSON);
	struct store_scan *sc = NULL;
	const struct value *v;
	struct idset parents;
	struct buf b = BUF_INIT(1 << 16);
	struct err e = ERR_INIT;

	idset_init(&parents);
	CHECK_INT(store_scan_open(s, c, INT64_MIN, INT64_MAX, &sc, &e), 0);
	while (sc && store_scan_next(sc, &v, &e) == 1)
		if (idset_has(set, v[who].u.s.p, v[who].u.s.n))
			idset_add(&parents, v[0].u.s.p, v[0].u.s.n);
	store_scan_close(sc);
	CHECK_INT(store_scan_open(s, t, t0, t1, &sc, &e), 0);
	while (sc && store_scan_next(sc, &v, &e) == 1)
		if (idset_has(&parents, v[0].u.s.p, v[0].u.s.n))
			buf_printf(&b, "%s%.*s", b.len ? " " : "",
				   (int)v[0].u.s.n, v[0].u.s.p);
	store_scan_close(sc);
	idset_release(&parents);
	buf_addch(&b, '\0');
	return buf_detach(&b, NULL);
}

#define JAN 1640995200 /* 2022-01-01T00:00:00Z */
#define FEB 1643673600
#define MAR 1646092800

/* For each set of people and span: the lists keep what the participant
 * rows say, in meetings and calls. */
static void agree(int line, const char *why)
{
	static const char *const sets[] = { "H1",    "H2", "H3",    "H4",
					    "H2 H3", "",   "H9 H1", "H5" };
	static const int64_t spans[][2] = { { JAN, FEB },
					    { FEB, MAR },
					    { INT64_MIN, INT64_MAX } };
	struct store *s = NULL;
	struct err e = ERR_INIT;

	CHECK_INT(store_open(db, STORE_READONLY, &s, NULL, &e), 0);
	if (!s)
		return;
	check_int(__FILE__, line, why, store_who_ready(s, &e), 1);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct idset set;

		people_set(&set, sets[i]);
		for (size_t j = 0; j < 3; j++) {
			const char *tn[] = { "Meetings", "Calls" };

			for (size_t k = 0; k < 2; k++) {
				const struct table *t = schema_table(tn[k]);
				char *got = kept(s, t, &set, spans[j][0],
						 spans[j][1]);
				char *want = expected(s, t, &set, spans[j][0],
						      spans[j][1]);

				check_str(__FILE__, line, why, got, want);
				free(got);
				free(want);
			}
		}
		idset_release(&set);
	}
	store_close(s);
}

/* One fixed answer, so that agree() cannot pass on empty files. */
static void kept_is(int line, const char *table, const char *ids,
		    const char *want)
{
	struct store *s = NULL;
	struct err e = ERR_INIT;
	struct idset set;

	people_set(&set, ids);
	CHECK_INT(store_open(db, STORE_READONLY, &s, NULL, &e), 0);
	if (s) {
		char *got = kept(s, schema_table(table), &set, INT64_MIN,
				 INT64_MAX);

		check_str(__FILE__, line, ids, got, want);
		free(got);
	}
	store_close(s);
	idset_release(&set);
}

static int ready(void)
{
	struct store *s = NULL;
	struct err e = ERR_INIT;
	int r = -1;

	if (store_open(db, STORE_READONLY, &s, NULL, &e) == 0)
		r = store_who_ready(s, &e);
	store_close(s);
	return r;
}

static const char meetings1[] = "MeetingId,StartTime\r\n"
				"M1,2022-01-10T09:00:00Z\r\n"
				"M2,2022-01-11T09:00:00Z\r\n"
				"M3,2022-02-01T09:00:00Z\r\n";
static const char mparts1[] = "MeetingId,PersonHistoricalId\r\n"
			      "M1,H1\r\nM1,H2\r\nM2,H3\r\n";
static const char calls1[] = "CallRecordId,AppName\r\nC1,Teams\r\n"
			     "C2,Teams\r\n";
static const char cparts1[] = "CallRecordId,PersonHistoricalId,"
			      "LocalStartTime\r\n"
			      "C1,H1,2022-01-10T10:00:00Z\r\n"
			      "C2,H3,2022-02-12T10:00:00Z\r\n";

/* M2 gains H1; M1 is replaced and moves to February (its participants
 * with it); M4 is new, with a new person H4; C2 gains H2, who started in
 * January: the call moves to January. */
static const char meetings2[] = "MeetingId,StartTime\r\n"
				"M1,2022-02-03T09:00:00Z\r\n"
				"M4,2022-02-04T09:00:00Z\r\n";
static const char mparts2[] = "MeetingId,PersonHistoricalId\r\n"
			      "M2,H1\r\nM4,H4\r\n";
static const char cparts2[] = "CallRecordId,PersonHistoricalId,"
			      "LocalStartTime\r\n"
			      "C2,H2,2022-01-20T10:00:00Z\r\n";

static void test_incremental(void)
{
	write_file("a", "Meetings.csv", meetings1);
	write_file("a", "MeetingParticipants.csv", mparts1);
	write_file("a", "Calls.csv", calls1);
	write_file("a", "CallParticipants.csv", cparts1);
	import_dir("a");
	agree(__LINE__, "first import");
	kept_is(__LINE__, "Meetings", "H1", "M1");
	kept_is(__LINE__, "Meetings", "", "");
	kept_is(__LINE__, "Calls", "H3", "C2");
	write_file("b", "Meetings.csv", meetings2);
	write_file("b", "MeetingParticipants.csv", mparts2);
	write_file("b", "CallParticipants.csv", cparts2);
	import_dir("b");
	agree(__LINE__, "incremental import");
	kept_is(__LINE__, "Meetings", "H1", "M2 M1");
	kept_is(__LINE__, "Meetings", "H4", "M4");
	kept_is(__LINE__, "Calls", "H2", "C2");
}

/* A store in the layout of an older collabfs: no lists, no numbers. */
static void test_upgrade(void)
{
	static const char *const parents[] = { "meetings", "mails", "calls",
					       "instant_messages" };
	char q[128];

	for (size_t i = 0; i < 4; i++) {
		snprintf(q, sizeof(q), "ALTER TABLE %s DROP COLUMN _who",
			 parents[i]);
		raw_sql(q);
	}
	raw_sql("DROP TABLE person_number; DELETE FROM meta WHERE key = "
		"'who_refresh'");
	CHECK_INT(ready(), 0);
	/* the next import, of one call participant, upgrades every row */
	write_file("c", "CallParticipants.csv",
		   "CallRecordId,PersonHistoricalId,LocalStartTime\r\n"
		   "C1,H5,2022-01-10T11:00:00Z\r\n");
	import_dir("c");
	agree(__LINE__, "after the upgrade");
	kept_is(__LINE__, "Meetings", "H1", "M2 M1");
	kept_is(__LINE__, "Calls", "H5", "C1");
}

/* An older collabfs imported last: it kept no list (a replaced row has
 * none) and left the mark behind.  Readers fall back; the next import
 * works every list out again. */
static void test_older_writer(void)
{
	raw_sql("UPDATE meetings SET _who = NULL WHERE MeetingId = 'M2';"
		"INSERT INTO refresh SELECT max(id) + 1, 'import', 0, 0, 0, "
		"0, 'old' FROM refresh");
	CHECK_INT(ready(), 0);
	write_file("d", "Calls.csv", "CallRecordId,AppName\r\nC3,Teams\r\n");
	import_dir("d");
	agree(__LINE__, "after an older collabfs wrote");
	kept_is(__LINE__, "Meetings", "H3", "M2");
}

int main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/collabfs-who-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof(db), "%s/s.db", dir);
	test_incremental();
	test_upgrade();
	test_older_writer();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report();
}
