/* test_import.c - the importer and the store, through their APIs, on store
 * files in a private temp dir. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "csv.h"
#include "import.h"
#include "schema.h"
#include "store.h"
#include "value.h"

static char tmpdir[] = "/tmp/collabfs-test-import-XXXXXX";

/* tmpdir/name, in one of a few rotating static buffers. */
static const char *at(const char *name)
{
	static char paths[8][512];
	static int k;
	char *p = paths[k++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return p;
}

/* Write a file tmpdir/name (making its folder). */
static void put_bytes(const char *name, const char *data, size_t n)
{
	char path[512];
	char *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s", at(name));
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0700);
	*slash = '/';
	f = fopen(path, "wb");
	if (!CHECK(f != NULL))
		return;
	CHECK_INT(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void put(const char *name, const char *text)
{
	put_bytes(name, text, strlen(text));
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* import_paths() of tmpdir/<name> for each name (NULL-ended). */
static int import(const char *store, struct import_stats *st, struct err *e,
		  ...)
{
	char *paths[16];
	size_t n = 0;
	const char *name;
	va_list ap;
	int ret;

	va_start(ap, e);
	while (n < 16 && (name = va_arg(ap, const char *)) != NULL)
		paths[n++] = strdup(at(name));
	va_end(ap);
	memset(e, 0, sizeof(*e));
	ret = import_paths(at(store), paths, n, st, e);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return ret;
}

/* Rows of an SQL query on the store, "a|b\n" per row; caller frees. */
static char *sql(const char *store, const char *q)
{
	struct buf b = BUF_INIT(1 << 24);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_open_v2(at(store), &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *v =
				(const char *)sqlite3_column_text(st, c);

			buf_printf(&b, "%s%s", c ? "|" : "", v ? v : "NULL");
		}
		buf_addch(&b, '\n');
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		buf_printf(&b, "SQL error: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf_detach(&b, NULL);
}

static void check_sql(int line, const char *store, const char *q,
		      const char *want)
{
	char *got = sql(store, q);

	check_str(__FILE__, line, q, got, want);
	free(got);
}

#define SQL(store, q, want) check_sql(__LINE__, (store), (q), (want))

/* Everything in the store: its schema and every table's rows. */
static char *dump(const char *store)
{
	struct buf b = BUF_INIT(1 << 26);
	char *names = sql(store, "SELECT name FROM sqlite_schema WHERE type = "
				 "'table' ORDER BY name");
	char *schema = sql(store, "SELECT type, name, sql FROM sqlite_schema "
				  "ORDER BY name");

	buf_addstr(&b, schema);
	for (char *p = names, *nl; p && (nl = strchr(p, '\n')); p = nl + 1) {
		char q[300], *rows;

		*nl = '\0';
		snprintf(q, sizeof(q), "SELECT * FROM \"%s\"", p);
		rows = sql(store, q);
		buf_printf(&b, "== %s\n%s", p, rows);
		free(rows);
	}
	free(names);
	free(schema);
	return buf_detach(&b, NULL);
}

static int add_touch(const char *table, int64_t first, int64_t last, void *arg)
{
	struct buf *b = arg;
	int y;
	unsigned m, d;

	value_civil_from_days(first, &y, &m, &d);
	buf_printf(b, "%s%s:%04d-%02u-%02u", b->len ? " " : "", table, y, m, d);
	if (last == INT64_MAX) {
		buf_addstr(b, "..open");
	} else if (last != first) {
		value_civil_from_days(last, &y, &m, &d);
		buf_printf(b, "..%04d-%02u-%02u", y, m, d);
	}
	return 0;
}

/* The (table, days) a refresh touched: "meetings:2022-01-10 ...". */
static char *touches(const char *store, int64_t refresh)
{
	struct buf b = BUF_INIT(1 << 20);
	struct store *s = NULL;
	struct err e = ERR_INIT;

	if (store_open(at(store), STORE_READONLY, &s, NULL, &e) ||
	    store_each_touch(s, refresh, add_touch, &b, &e))
		buf_printf(&b, "error: %s", e.msg);
	store_close(s);
	return buf_detach(&b, NULL);
}

static void check_touch(int line, const char *store, int64_t refresh,
			const char *want)
{
	char *got = touches(store, refresh);

	check_str(__FILE__, line, "touched", got, want);
	free(got);
}

#define TOUCH(store, refresh, want) \
	check_touch(__LINE__, (store), (refresh), (want))

static int64_t rows_of(const char *store, const char *table)
{
	struct store *s = NULL;
	struct store_table_info ti;
	struct err e = ERR_INIT;
	int64_t n = -1;

	if (store_open(at(store), STORE_READONLY, &s, NULL, &e) == 0 &&
	    store_table_info(s, schema_table(table), &ti, &e) == 0)
		n = ti.rows;
	store_close(s);
	return n;
}

static off_t size_of(const char *name)
{
	struct stat st;

	return stat(at(name), &st) == 0 ? st.st_size : -1;
}

/* ---- the files ----------------------------------------------------------- */

static const char person_csv[] =
	"PersonHistoricalId,EmailAddress,StartDate,EndDate,PopulationType,"
	"ManagerId,LevelDesignation,Organization,IsInternal,"
	"ExternalCollaboratorId\r\n"
	"P1,p1@example.com,2022-01-01,2022-06-30,MeasuredEmployee,P2,L1,Sales,"
	"True,\r\n"
	"P2,p2@example.com,2021-01-01,,measuredemployee,,L2,Sales,TRUE,\r\n";

static const char meetings_csv[] =
	"MeetingId,Subject,StartTime,DurationMinutes,IsRecurring\r\n"
	"M1,Plan,2022-01-10T09:00:00Z,30,False\r\n"
	"M2,\"Sync, \"\"weekly\"\"\",2022-01-12T23:30:00-05:00,60,true\r\n";

static const char mp_csv[] = "MeetingId,PersonHistoricalId,Response,"
			     "DurationMinutesAdjusted\n"
			     "M1,P1,Accepted,30\n"
			     "M1,P2,declined,12.5\n"
			     "M2,P1,Tentative,\n";

static void test_first_import(void)
{
	struct import_stats st;
	struct err e;

	put("a/PersonHistorical.csv", person_csv);
	put("a/Meetings.csv", meetings_csv);
	put("a/MeetingParticipants.csv", mp_csv);
	CHECK(!exists(at("s1.db")));
	CHECK_INT(import("s1.db", &st, &e, "a/MeetingParticipants.csv",
			 "a/PersonHistorical.csv", "a/Meetings.csv", NULL),
		  0);
	CHECK_STR(e.msg, "");
	CHECK_INT(st.refresh, 1);
	CHECK_INT(st.rows, 7);
	CHECK_INT(st.files, 3);
	CHECK_INT(st.bytes, size_of("a/PersonHistorical.csv") +
				    size_of("a/Meetings.csv") +
				    size_of("a/MeetingParticipants.csv"));
	CHECK_INT(rows_of("s1.db", "PersonHistorical"), 2);
	CHECK_INT(rows_of("s1.db", "Meetings"), 2);
	CHECK_INT(rows_of("s1.db", "MeetingParticipants"), 3);
	CHECK_INT(rows_of("s1.db", "Calls"), 0);
	/* values as typed: enum canonical, offsets kept, NULL for empty */
	SQL("s1.db",
	    "SELECT MeetingId, PersonHistoricalId, Response, "
	    "DurationMinutesAdjusted FROM meeting_participants ORDER BY 1, 2",
	    "M1|P1|Accepted|30.0\nM1|P2|Declined|12.5\nM2|P1|Tentative|NULL\n");
	SQL("s1.db",
	    "SELECT MeetingId, Subject, StartTime, StartTime_off, IsRecurring, "
	    "_t FROM meetings ORDER BY 1",
	    "M1|Plan|1641805200000|NULL|0|1641805200\n"
	    "M2|Sync, \"weekly\"|1642048200000|-300|1|1642048200\n");
	SQL("s1.db",
	    "SELECT PersonHistoricalId, PopulationType, IsInternal, EndDate, "
	    "_t, _t_end FROM person_historical ORDER BY 1",
	    "P1|MeasuredEmployee|1|1656547200000|1640995200|1656547200\n"
	    "P2|MeasuredEmployee|1|NULL|1609459200|NULL\n");
	SQL("s1.db", "SELECT id, kind, rows, files FROM refresh",
	    "1|import|7|3\n");
	SQL("s1.db", "SELECT tbl, rows FROM refresh_file ORDER BY seq",
	    "person_historical|2\nmeetings|2\nmeeting_participants|3\n");
	/* M2 is on 2022-01-13 in UTC (2022-01-12 locally) */
	TOUCH("s1.db", 1,
	      "meeting_participants:2022-01-10 meeting_participants:2022-01-13 "
	      "meetings:2022-01-10 meetings:2022-01-13 "
	      "person_historical:2021-01-01..open");
}

static void test_replace(void)
{
	struct import_stats st;
	struct err e;

	put("b/Meetings.csv", "MeetingId,StartTime,DurationMinutes\r\n"
			      "M1,2022-01-10T09:00:00Z,45\r\n");
	CHECK_INT(import("s1.db", &st, &e, "b/Meetings.csv", NULL), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(st.refresh, 2);
	CHECK_INT(st.rows, 1);
	CHECK_INT(rows_of("s1.db", "Meetings"), 2);
	SQL("s1.db",
	    "SELECT MeetingId, DurationMinutes, _refresh FROM meetings "
	    "ORDER BY 1",
	    "M1|45|2\nM2|60|1\n");
	TOUCH("s1.db", 2, "meetings:2022-01-10");
	/* a replaced participant: its day again */
	put("b2/MeetingParticipants.csv",
	    "MeetingId,PersonHistoricalId,Response\n"
	    "M2,P1,Accepted\n");
	CHECK_INT(import("s1.db", &st, &e, "b2/MeetingParticipants.csv", NULL),
		  0);
	CHECK_INT(st.refresh, 3);
	CHECK_INT(rows_of("s1.db", "MeetingParticipants"), 3);
	SQL("s1.db",
	    "SELECT Response FROM meeting_participants WHERE "
	    "MeetingId = 'M2'",
	    "Accepted\n");
	/* (and the meeting's: who took part in it changed) */
	TOUCH("s1.db", 3,
	      "meeting_participants:2022-01-13 meetings:2022-01-13");
	/* an HR row whose span changes: the old and the new span */
	put("b3/PersonHistorical.csv", "PersonHistoricalId,StartDate,EndDate\n"
				       "P1,2022-03-01,2022-03-31\n");
	CHECK_INT(import("s1.db", &st, &e, "b3/PersonHistorical.csv", NULL), 0);
	TOUCH("s1.db", 4, "person_historical:2022-01-01..2022-06-30");
	put("b4/PersonHistorical.csv", "PersonHistoricalId,StartDate,EndDate\n"
				       "P1,2022-08-01,2022-08-02\n");
	CHECK_INT(import("s1.db", &st, &e, "b4/PersonHistorical.csv", NULL), 0);
	TOUCH("s1.db", 5,
	      "person_historical:2022-03-01..2022-03-31 "
	      "person_historical:2022-08-01..2022-08-02");
}

/* A meeting moved to another day: both days are touched, for the meeting
 * and for its participants, which move with it. */
static void test_move_meeting(void)
{
	struct import_stats st;
	struct err e;

	put("c/Meetings.csv", "MeetingId,StartTime\n"
			      "M1,2022-02-03T10:00:00+01:00\n");
	CHECK_INT(import("s1.db", &st, &e, "c/Meetings.csv", NULL), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(st.refresh, 6);
	TOUCH("s1.db", 6,
	      "meeting_participants:2022-01-10 meeting_participants:2022-02-03 "
	      "meetings:2022-01-10 meetings:2022-02-03");
	SQL("s1.db",
	    "SELECT MeetingId, PersonHistoricalId, _t FROM meeting_participants "
	    "ORDER BY 1, 2",
	    "M1|P1|1643878800\nM1|P2|1643878800\nM2|P1|1642048200\n");
	/* moved by its offset only: the same instant, nothing moves */
	put("c2/Meetings.csv", "MeetingId,StartTime\n"
			       "M1,2022-02-03T09:00:00Z\n");
	CHECK_INT(import("s1.db", &st, &e, "c2/Meetings.csv", NULL), 0);
	TOUCH("s1.db", 7, "meetings:2022-02-03");
	/* moved across midnight UTC by a later local time */
	put("c3/Meetings.csv", "MeetingId,StartTime\n"
			       "M1,2022-02-03T20:00:00-05:00\n");
	CHECK_INT(import("s1.db", &st, &e, "c3/Meetings.csv", NULL), 0);
	TOUCH("s1.db", 8,
	      "meeting_participants:2022-02-03..2022-02-04 "
	      "meetings:2022-02-03..2022-02-04");
	SQL("s1.db",
	    "SELECT DISTINCT _t FROM meeting_participants WHERE MeetingId = "
	    "'M1'",
	    "1643936400\n");
}

/* Calls have no time of their own: a call is placed by its earliest
 * participant's start, and moves (with all its participants) when an
 * earlier participant arrives or the earliest one changes. */
static void test_calls(void)
{
	struct import_stats st;
	struct err e;

	put("d/Calls.csv", "CallRecordId,AppName\n"
			   "C1,Teams\n"
			   "C2,Skype\n"
			   "C4,Teams\n");
	put("d/CallParticipants.csv",
	    "CallRecordId,PersonHistoricalId,LocalStartTime\n"
	    "C1,P1,2022-03-05T10:00:00Z\n"
	    "C1,P2,2022-03-05T09:00:00-05:00\n"
	    "C2,P1,2022-03-06T01:00:00+05:00\n");
	CHECK_INT(import("s2.db", &st, &e, "d/CallParticipants.csv",
			 "d/Calls.csv", NULL),
		  0);
	CHECK_STR(e.msg, "");
	CHECK_INT(st.rows, 6);
	/* C2 starts 2022-03-06 locally, 2022-03-05 in UTC; C4 has no
	 * participants and no time */
	SQL("s2.db", "SELECT CallRecordId, _t FROM calls ORDER BY 1",
	    "C1|1646474400\nC2|1646510400\nC4|9223372036854775807\n");
	SQL("s2.db",
	    "SELECT CallRecordId, PersonHistoricalId, _t FROM call_participants "
	    "ORDER BY 1, 2",
	    "C1|P1|1646474400\nC1|P2|1646474400\nC2|P1|1646510400\n");
	TOUCH("s2.db", 1, "call_participants:2022-03-05 calls:2022-03-05");

	/* an earlier participant: C1 and all its participants move */
	put("d2/CallParticipants.csv",
	    "CallRecordId,PersonHistoricalId,LocalStartTime\n"
	    "C1,P3,2022-03-01T23:00:00Z\n");
	CHECK_INT(import("s2.db", &st, &e, "d2/CallParticipants.csv", NULL), 0);
	CHECK_STR(e.msg, "");
	SQL("s2.db", "SELECT CallRecordId, _t FROM calls ORDER BY 1",
	    "C1|1646175600\nC2|1646510400\nC4|9223372036854775807\n");
	SQL("s2.db",
	    "SELECT CallRecordId, PersonHistoricalId, _t FROM call_participants "
	    "ORDER BY 1, 2",
	    "C1|P1|1646175600\nC1|P2|1646175600\nC1|P3|1646175600\n"
	    "C2|P1|1646510400\n");
	TOUCH("s2.db", 2,
	      "call_participants:2022-03-01 call_participants:2022-03-05 "
	      "calls:2022-03-01 calls:2022-03-05");

	/* the call re-imported alone keeps its place */
	put("d3/Calls.csv", "CallRecordId,AppName\nC1,Skype\n");
	CHECK_INT(import("s2.db", &st, &e, "d3/Calls.csv", NULL), 0);
	SQL("s2.db", "SELECT AppName, _t FROM calls WHERE CallRecordId = 'C1'",
	    "Skype|1646175600\n");
	TOUCH("s2.db", 3, "calls:2022-03-01");

	/* the earliest participant now starts later: C1 moves back */
	put("d4/CallParticipants.csv",
	    "CallRecordId,PersonHistoricalId,LocalStartTime\n"
	    "C1,P3,2022-03-07T08:00:00Z\n");
	CHECK_INT(import("s2.db", &st, &e, "d4/CallParticipants.csv", NULL), 0);
	SQL("s2.db",
	    "SELECT DISTINCT _t FROM call_participants WHERE CallRecordId = "
	    "'C1'",
	    "1646474400\n");
	SQL("s2.db", "SELECT _t FROM calls WHERE CallRecordId = 'C1'",
	    "1646474400\n");
	TOUCH("s2.db", 4,
	      "call_participants:2022-03-01 call_participants:2022-03-05 "
	      "calls:2022-03-01 calls:2022-03-05");

	/* participants of two calls interleaved, new calls in the same
	 * import: each call at its earliest participant */
	put("d5/Calls.csv", "CallRecordId\nC5\nC6\n");
	put("d5/CallParticipants.csv",
	    "CallRecordId,PersonHistoricalId,LocalStartTime\n"
	    "C5,P1,2022-03-10T12:00:00Z\n"
	    "C6,P1,2022-03-12T12:00:00Z\n"
	    "C5,P2,2022-03-09T12:00:00Z\n"
	    "C6,P2,2022-03-12T13:00:00Z\n");
	CHECK_INT(import("s2.db", &st, &e, "d5/Calls.csv",
			 "d5/CallParticipants.csv", NULL),
		  0);
	SQL("s2.db",
	    "SELECT CallRecordId, _t FROM calls WHERE CallRecordId > 'C4' "
	    "ORDER BY 1",
	    "C5|1646827200\nC6|1647086400\n");
	SQL("s2.db",
	    "SELECT CallRecordId, PersonHistoricalId, _t FROM call_participants "
	    "WHERE CallRecordId > 'C4' ORDER BY 1, 2",
	    "C5|P1|1646827200\nC5|P2|1646827200\n"
	    "C6|P1|1647086400\nC6|P2|1647086400\n");
	{
		char *t = touches("s2.db", 5);

		CHECK_HAS(t, "calls:2022-03-09");
		CHECK_HAS(t, "calls:2022-03-12");
		CHECK_HAS(t, "call_participants:2022-03-09");
		CHECK_HAS(t, "call_participants:2022-03-12");
		free(t);
	}
}

/* A new HR attribute column is added; rows without it keep NULL. */
static void test_hr_attributes(void)
{
	struct import_stats st;
	struct store *s = NULL;
	struct err e;
	char *before, *after;

	put("h/PersonHistorical.csv", "PersonHistoricalId,StartDate\n"
				      "P1,2022-01-01\nP2,2022-01-01\n");
	CHECK_INT(import("s3.db", &st, &e, "h/PersonHistorical.csv", NULL), 0);
	put("h2/PersonHistorical.csv",
	    "PersonHistoricalId,StartDate,Department,FunctionType\n"
	    "P1,2022-01-01,Eng,Dev\n"
	    "P3,2022-02-01,Sales,\n");
	CHECK_INT(import("s3.db", &st, &e, "h2/PersonHistorical.csv", NULL), 0);
	CHECK_STR(e.msg, "");
	SQL("s3.db",
	    "SELECT PersonHistoricalId, Department, FunctionType FROM "
	    "person_historical ORDER BY 1",
	    "P1|Eng|Dev\nP2|NULL|NULL\nP3|Sales|NULL\n");
	CHECK(store_open(at("s3.db"), STORE_READONLY, &s, NULL, &e) == 0);
	if (s) {
		CHECK_INT(store_hr_count(s), 2);
		CHECK_STR(store_hr_name(s, 0), "Department");
		CHECK_STR(store_hr_name(s, 1), "FunctionType");
		CHECK(store_hr_name(s, 2) == NULL);
		store_close(s);
	}
	/* the same attribute in another case is the same column */
	put("h3/PersonHistorical.csv", "PersonHistoricalId,department\n"
				       "P2,Ops\n");
	CHECK_INT(import("s3.db", &st, &e, "h3/PersonHistorical.csv", NULL), 0);
	SQL("s3.db",
	    "SELECT PersonHistoricalId, Department FROM person_historical "
	    "ORDER BY 1",
	    "P1|Eng\nP2|Ops\nP3|Sales\n");
	SQL("s3.db", "SELECT count(*) FROM hr_attribute", "2\n");
	/* a failed import adds no attribute */
	before = dump("s3.db");
	put("h4/PersonHistorical.csv", "PersonHistoricalId,Region\n"
				       "P9,North\nP9,South\n");
	CHECK_INT(import("s3.db", &st, &e, "h4/PersonHistorical.csv", NULL),
		  -EEXIST);
	after = dump("s3.db");
	CHECK_STR(after, before);
	free(before);
	free(after);
	CHECK(store_open(at("s3.db"), STORE_READONLY, &s, NULL, &e) == 0);
	if (s) {
		CHECK_INT(store_hr_count(s), 2);
		store_close(s);
	}
	/* names that cannot be attributes */
	put("h5/PersonHistorical.csv", "PersonHistoricalId,_t\nP9,x\n");
	CHECK_INT(import("s3.db", &st, &e, "h5/PersonHistorical.csv", NULL),
		  -EINVAL);
	CHECK_HAS(e.msg, "h5/PersonHistorical.csv:1: \"_t\" cannot be an HR "
			 "attribute name");
	put("h6/PersonHistorical.csv", "PersonHistoricalId,startdate_OFF\n"
				       "P9,x\n");
	CHECK_INT(import("s3.db", &st, &e, "h6/PersonHistorical.csv", NULL),
		  -EINVAL);
	CHECK_HAS(e.msg, "cannot be an HR attribute name");
	/* the message stays one line, the name quoted as err_quote does
	 * (found by fuzz_import, 2026-11-24) */
	put("h7/PersonHistorical.csv", "PersonHistoricalId,\"multi\nline\"\n"
				       "P9,x\n");
	CHECK_INT(import("s3.db", &st, &e, "h7/PersonHistorical.csv", NULL),
		  -EINVAL);
	CHECK(strchr(e.msg, '\n') == NULL);
	CHECK_HAS(e.msg, "h7/PersonHistorical.csv:1: \"multi\\x0aline\" "
			 "cannot be an HR attribute name");
}

/* ---- errors: nothing stored changes -------------------------------------- */

struct bad_case {
	const char *file; /* under tmpdir/e<i>/ */
	const char *csv;
	size_t len; /* 0: strlen(csv) */
	int ret;
	const char *msg; /* after "<path>:" */
};

static const struct bad_case bad_cases[] = {
	{ "Meetings.csv", "MeetingId,StartTime\nM3,2022-01-01\nM3,2022-01-02\n",
	  0, -EEXIST,
	  "3: duplicate key MeetingId \"M3\": an earlier line of this import "
	  "has the same key" },
	{ "Meetings.csv", "MeetingId,StartTime\nM1,2022-01-01\nM1,2022-01-02\n",
	  0, -EEXIST,
	  "3: duplicate key MeetingId \"M1\": an earlier line of this import "
	  "has the same key" },
	{ "MeetingParticipants.csv",
	  "MeetingId,PersonHistoricalId\nM1,P7\nM1,P8\nM1,P7\n", 0, -EEXIST,
	  "4: duplicate key MeetingId \"M1\", PersonHistoricalId \"P7\": an "
	  "earlier line of this import has the same key" },
	{ "MeetingParticipants.csv",
	  "MeetingId,PersonHistoricalId\nM1,P7\nM9,P1\n", 0, -ENOENT,
	  "3: MeetingId: \"M9\" has no row in Meetings (neither in the store "
	  "nor in this import)" },
	{ "CallParticipants.csv",
	  "CallRecordId,PersonHistoricalId,LocalStartTime\n"
	  "C9,P1,2022-01-01T00:00:00Z\n",
	  0, -ENOENT,
	  "2: CallRecordId: \"C9\" has no row in Calls (neither in the store "
	  "nor in this import)" },
	{ "Meetings.csv", "MeetingId,StartTime\nM5,2022-13-01\n", 0, -EINVAL,
	  "2: StartTime: \"2022-13-01\" is not a valid calendar date" },
	{ "Meetings.csv",
	  "MeetingId,StartTime,DurationMinutes\nM5,2022-01-01,"
	  "3.5\n",
	  0, -EINVAL, "2: DurationMinutes: \"3.5\" is not an integer" },
	{ "Meetings.csv", "MeetingId,StartTime,IsCanceled\nM5,2022-01-01,yes\n",
	  0, -EINVAL,
	  "2: IsCanceled: \"yes\" is not a Boolean (True or False)" },
	{ "MeetingParticipants.csv",
	  "MeetingId,PersonHistoricalId,Response\nM1,P5,Maybe\n", 0, -EINVAL,
	  "2: Response: \"Maybe\" is not one of the column's values "
	  "(Accepted, Declined, Tentative, NoResponse)" },
	{ "Meetings.csv", "StartTime\n2022-01-01\n", 0, -EINVAL,
	  "1: missing key column MeetingId" },
	{ "Meetings.csv", "MeetingId,Subject\nM5,x\n", 0, -EINVAL,
	  "1: missing required column StartTime" },
	{ "Meetings.csv", "MeetingId,StartTime\n,2022-01-01\n", 0, -EINVAL,
	  "2: MeetingId: key value is missing" },
	{ "Meetings.csv", "MeetingId,StartTime\nM5,\n", 0, -EINVAL,
	  "2: StartTime: required value is missing" },
	{ "Meetings.csv", "MeetingId,StartTime,Foo\nM5,2022-01-01,1\n", 0,
	  -EINVAL, "1: unknown column \"Foo\" (not a column of Meetings)" },
	{ "Meetings.csv", "MeetingId,StartTime,starttime\n", 0, -EINVAL,
	  "1: column \"starttime\" appears twice" },
	{ "Meetings.csv",
	  "MeetingId,StartTime,Subject\nM5,2022-01-01,a\n"
	  "M6,2022-01-01\n",
	  0, -EINVAL, "3: 2 fields, but the header has 3 columns" },
	{ "Meetings.csv", "MeetingId,StartTime\nM5,2022-01-01,x\n", 0, -EINVAL,
	  "2: 3 fields, but the header has 2 columns" },
	{ "Meetings.csv",
	  "MeetingId,StartTime\nM5,2022-01-01\n\nM6,"
	  "2022-01-01\n",
	  0, -EINVAL, "3: blank line" },
	{ "Meetings.csv", "MeetingId,StartTime\nM5,\"2022-01-01\nM6\n", 0,
	  -EINVAL, "2: StartTime: unterminated quoted field" },
	{ "Meetings.csv", "MeetingId,StartTime\nM5,2022-01-01\"\n", 0, -EINVAL,
	  "2: StartTime: a quote inside an unquoted field" },
	{ "Meetings.csv", "MeetingId,StartTime,Subject\nM5,2022-01-01,ab\xff\n",
	  0, -EINVAL, "2: Subject: invalid UTF-8 at byte 3 of the field" },
	{ "Meetings.csv",
	  "MeetingId,StartTime,Subject\nM5,2022-01-01,\"a\0b\"\n",
	  sizeof("MeetingId,StartTime,Subject\nM5,2022-01-01,\"a\0b\"\n") - 1,
	  -EINVAL, "2: Subject: a NUL byte at byte 2 of the field" },
	{ "Meetings.csv", "MeetingId,StartTime,Subject\nM5,2022-01-01,a\0b\n",
	  sizeof("MeetingId,StartTime,Subject\nM5,2022-01-01,a\0b\n") - 1,
	  -EINVAL, "2: Subject: a NUL byte" },
	{ "Meetings.csv", "MeetingId,\xc0\xafStartTime\n", 0, -EINVAL,
	  "1: column 2: invalid UTF-8 at byte 1 of the name" },
	{ "Meetings.csv", "", 0, -EINVAL,
	  " empty file (a header row is required)" },
	/* a span that ends before it starts is valid nowhere (2026-11-24) */
	{ "PersonHistorical.csv",
	  "PersonHistoricalId,StartDate,EndDate\n"
	  "P5,2022-05-01,2022-04-01\n",
	  0, -EINVAL, NULL },
	{ "Calls.csv", "CallRecordId,Department\nC1,x\n", 0, -EINVAL,
	  "1: unknown column \"Department\" (not a column of Calls)" },
	/* a NUL in a quoted header name must not cut the name short: this
	 * header would be read as MeetingId,StartTime (2026-11-24) */
	{ "Meetings.csv", "\"MeetingId\0x\",StartTime\nM5,2022-01-01\n",
	  sizeof("\"MeetingId\0x\",StartTime\nM5,2022-01-01\n") - 1, -EINVAL,
	  NULL },
	{ "Meetings.csv", "MeetingId,\"StartTime\0\"\nM5,2022-01-01\n",
	  sizeof("MeetingId,\"StartTime\0\"\nM5,2022-01-01\n") - 1, -EINVAL,
	  NULL },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct import_stats st;
		char name[64], want[600], *before, *after;
		struct err e;
		int ret;

		snprintf(name, sizeof(name), "e%zu/%s", i, c->file);
		put_bytes(name, c->csv, c->len ? c->len : strlen(c->csv));
		before = dump("s1.db");
		ret = import("s1.db", &st, &e, name, NULL);
		if (!CHECK_INT(ret, c->ret))
			fprintf(stderr, "    case %zu: %s\n", i, e.msg);
		CHECK_INT(e.code, c->ret);
		if (c->msg) {
			snprintf(want, sizeof(want), "%s:%s", at(name), c->msg);
			CHECK_STR(e.msg, want);
		}
		/* the refresh table included: no refresh was recorded */
		after = dump("s1.db");
		if (!CHECK(strcmp(after, before) == 0))
			fprintf(stderr, "    case %zu changed the store\n", i);
		free(after);
		free(before);
	}
}

/* The last file fails: the first file's rows are not stored either. */
static void test_all_or_nothing(void)
{
	struct import_stats st;
	struct err e;
	char *before = dump("s1.db");
	char *after;

	put("f/Meetings.csv", "MeetingId,StartTime\nM7,2022-05-01\n");
	put("f/MeetingParticipants.csv", "MeetingId,PersonHistoricalId\n"
					 "M7,P1\nM8,P1\n");
	CHECK_INT(import("s1.db", &st, &e, "f/MeetingParticipants.csv",
			 "f/Meetings.csv", NULL),
		  -ENOENT);
	after = dump("s1.db");
	CHECK_STR(after, before);
	free(after);
	free(before);
	/* a failed first import leaves no store behind */
	CHECK_INT(import("s9.db", &st, &e, "f/MeetingParticipants.csv",
			 "f/Meetings.csv", NULL),
		  -ENOENT);
	CHECK(!exists(at("s9.db")));
	CHECK(!exists(at("s9.db-journal")));
	CHECK(!exists(at("s9.db-wal")));
	CHECK(!exists(at("s9.db-shm")));
}

/* Parents first, whatever the order given; a folder stands for its files. */
static void test_order_and_folders(void)
{
	struct import_stats st;
	struct err e;

	CHECK_INT(import("s4.db", &st, &e, "a/MeetingParticipants.csv",
			 "a/Meetings.csv", NULL),
		  0);
	CHECK_STR(e.msg, "");
	CHECK_INT(st.rows, 5);
	CHECK_INT(import("s5.db", &st, &e, "a/Meetings.csv",
			 "a/MeetingParticipants.csv", NULL),
		  0);
	CHECK_INT(st.rows, 5);
	put("g/README.txt", "not a table\n");
	put("g/meetingparticipants.CSV", mp_csv);
	put("g/MEETINGS.csv", meetings_csv);
	CHECK_INT(import("s6.db", &st, &e, "g", NULL), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(st.files, 2);
	CHECK_INT(st.rows, 5);
	CHECK_INT(rows_of("s6.db", "MeetingParticipants"), 3);
	/* a header with a byte order mark, as Excel writes it */
	put("g2/Meetings.csv", "\xef\xbb\xbfMeetingId,StartTime\r\nM1,"
			       "2022-01-01\r\n\r\n\r\n");
	CHECK_INT(import("s7.db", &st, &e, "g2/Meetings.csv", NULL), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(st.rows, 1);
	/* trailing blank lines are ignored in a one-column file too
	 * (2026-11-24) */
	put("g5/Calls.csv", "CallRecordId\r\nC1\r\n\r\n");
	CHECK_INT(import("s7.db", &st, &e, "g5/Calls.csv", NULL), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(rows_of("s7.db", "Calls"), 1);
	/* names that are not tables */
	put("g3/Meeting.csv", "MeetingId,StartTime\n");
	CHECK_INT(import("s7.db", &st, &e, "g3/Meeting.csv", NULL), -EINVAL);
	CHECK_HAS(e.msg, "g3/Meeting.csv: not a table file");
	CHECK_INT(import("s7.db", &st, &e, "nothing/Meetings.csv", NULL),
		  -ENOENT);
	CHECK_HAS(e.msg, "nothing/Meetings.csv: no such file or folder");
	put("g4/notes.txt", "x");
	CHECK_INT(import("s7.db", &st, &e, "g4", NULL), -EINVAL);
	CHECK_HAS(e.msg, "g4: no table files in this folder");
	CHECK_INT(rows_of("s7.db", "Meetings"), 1);
}

/* Stores that are not ours, or not for this version, are refused and left
 * alone. */
static void test_refused(void)
{
	static const char junk[] = "MeetingId,StartTime\nthis is not SQLite\n";
	struct import_stats st;
	struct store *s = NULL;
	sqlite3 *db = NULL;
	struct err e;
	char *before, *after;

	/* a newer store format */
	CHECK_INT(import("v.db", &st, &e, "a/Meetings.csv", NULL), 0);
	CHECK_INT(sqlite3_open(at("v.db"), &db), SQLITE_OK);
	CHECK_INT(
		sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	before = dump("v.db");
	CHECK(import("v.db", &st, &e, "a/Meetings.csv", NULL) < 0);
	CHECK_HAS(e.msg, "newer");
	CHECK_HAS(e.msg, at("v.db"));
	CHECK_HAS(e.msg, "99");
	CHECK(store_open(at("v.db"), STORE_READONLY, &s, NULL, &e) < 0);
	CHECK(s == NULL);
	CHECK_HAS(e.msg, "newer");
	after = dump("v.db");
	CHECK_STR(after, before);
	free(before);
	free(after);

	/* not SQLite at all */
	put("junk.db", junk);
	CHECK_INT(import("junk.db", &st, &e, "a/Meetings.csv", NULL), -EINVAL);
	CHECK_HAS(e.msg, "not a collabfs store");
	CHECK_HAS(e.msg, at("junk.db"));
	CHECK_INT(size_of("junk.db"), sizeof(junk) - 1);
	CHECK(store_open(at("junk.db"), STORE_READONLY, &s, NULL, &e) < 0);
	CHECK_HAS(e.msg, "not a collabfs store");
	CHECK(store_open(at("junk.db"), STORE_CREATE, &s, NULL, &e) < 0);
	CHECK_HAS(e.msg, "not a collabfs store");
	CHECK_INT(size_of("junk.db"), sizeof(junk) - 1);

	/* SQLite, made by another program */
	CHECK_INT(sqlite3_open(at("other.db"), &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(import("other.db", &st, &e, "a/Meetings.csv", NULL), -EINVAL);
	CHECK_HAS(e.msg, "not a collabfs store");
	CHECK(exists(at("other.db")));
	SQL("other.db", "SELECT name FROM sqlite_schema", "t\n");

	/* a folder */
	CHECK(store_open(tmpdir, STORE_CREATE, &s, NULL, &e) < 0);
	CHECK_HAS(e.msg, "not a collabfs store");
	/* missing, without STORE_CREATE */
	CHECK(store_open(at("none.db"), STORE_READONLY, &s, NULL, &e) < 0);
	CHECK(!exists(at("none.db")));
}

/* The reader API, as the fuzz target and the generator use it. */
static void test_reader_api(void)
{
	static const char csv[] = "MeetingId,StartTime\nR1,2022-09-01\n"
				  "R2,2022-09-02T00:00:00+14:00\n";
	struct store *s = NULL;
	struct store_refresh *r = NULL;
	struct csv_reader cr;
	struct err e = ERR_INIT;
	int64_t rows = 0, id = 0;
	int created = -1;

	CHECK_INT(store_open(at("r.db"), STORE_CREATE, &s, &created, &e), 0);
	CHECK_INT(created, 1);
	if (!s)
		return;
	CHECK_INT(store_refresh_begin(s, "import", &r, &e), 0);
	CHECK_INT(csv_open_mem(&cr, csv, sizeof(csv) - 1, "mem.csv"), 0);
	CHECK_INT(import_reader(r, schema_table("Meetings"), &cr, &rows, &e),
		  0);
	csv_close(&cr);
	CHECK_INT(rows, 2);
	CHECK_INT(store_refresh_commit(r, &id, &e), 0);
	CHECK_INT(id, 1);
	/* an aborted refresh leaves nothing */
	CHECK_INT(store_refresh_begin(s, "import", &r, &e), 0);
	CHECK_INT(csv_open_mem(&cr, "MeetingId,StartTime\nR3,2022-09-03\n", 34,
			       "mem.csv"),
		  0);
	CHECK_INT(import_reader(r, schema_table("Meetings"), &cr, &rows, &e),
		  0);
	csv_close(&cr);
	store_refresh_abort(r);
	store_close(s);
	SQL("r.db", "SELECT MeetingId, _t FROM meetings ORDER BY 1",
	    "R1|1661990400\nR2|1662026400\n");
	TOUCH("r.db", 1, "meetings:2022-09-01");
	created = -1;
	CHECK_INT(store_open(at("r.db"), 0, &s, &created, &e), 0);
	CHECK_INT(created, 0);
	store_close(s);
}

/* ---- random refreshes: the instants and the touched days stay right ------ */

#define SNAP_MAX 256

/* One table's rows: the UTC day of _t, and every column but _refresh. */
struct snap {
	size_t n;
	struct snap_row {
		int64_t day;
		int has_day;
		char content[512];
	} rows[SNAP_MAX];
};

static void snap_row(sqlite3_stmt *st, struct snap_row *r)
{
	size_t o = 0;

	memset(r, 0, sizeof(*r));
	for (int c = 0; c < sqlite3_column_count(st); c++) {
		const char *name = sqlite3_column_name(st, c);
		const char *v = (const char *)sqlite3_column_text(st, c);

		if (strcmp(name, "_refresh") == 0)
			continue;
		if (strcmp(name, "_t") == 0 && v) {
			r->has_day = 1;
			r->day = value_day_of_ms(sqlite3_column_int64(st, c) *
						 1000);
		}
		if (o < sizeof(r->content))
			o += (size_t)snprintf(r->content + o,
					      sizeof(r->content) - o, "%s|",
					      v ? v : "NULL");
	}
}

static void snapshot(const char *store, const char *dir, struct snap *sn)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char q[200];
	int rc;

	sn->n = 0;
	snprintf(q, sizeof(q), "SELECT * FROM \"%s\" ORDER BY 1, 2", dir);
	rc = sqlite3_open_v2(at(store), &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
	while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	       sn->n < SNAP_MAX)
		snap_row(st, &sn->rows[sn->n++]);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

struct touch_set {
	size_t n;
	struct {
		char tbl[40];
		int64_t first, last;
	} r[256];
};

static int add_to_set(const char *table, int64_t first, int64_t last, void *arg)
{
	struct touch_set *ts = arg;

	if (ts->n < 256) {
		snprintf(ts->r[ts->n].tbl, sizeof(ts->r[0].tbl), "%s", table);
		ts->r[ts->n].first = first;
		ts->r[ts->n].last = last;
		ts->n++;
	}
	return 0;
}

static int touched(const struct touch_set *ts, const char *tbl, int64_t day)
{
	for (size_t i = 0; i < ts->n; i++)
		if (strcmp(ts->r[i].tbl, tbl) == 0 && ts->r[i].first <= day &&
		    day <= ts->r[i].last)
			return 1;
	return 0;
}

static int snap_has(const struct snap *sn, const char *content)
{
	for (size_t i = 0; i < sn->n; i++)
		if (strcmp(sn->rows[i].content, content) == 0)
			return 1;
	return 0;
}

/* Rows that are new, rewritten or moved: their old and new days must have
 * been touched. */
static int check_covered(const char *dir, const struct snap *before,
			 const struct snap *after, const struct touch_set *ts)
{
	int bad = 0;

	for (size_t i = 0; i < after->n; i++) {
		const struct snap_row *a = &after->rows[i];

		if (a->has_day && !snap_has(before, a->content) &&
		    !touched(ts, dir, a->day)) {
			bad++;
			fprintf(stderr,
				"    %s row %s: new day %lld untouched\n", dir,
				a->content, (long long)a->day);
		}
	}
	for (size_t j = 0; j < before->n; j++) {
		const struct snap_row *b = &before->rows[j];

		if (b->has_day && !snap_has(after, b->content) &&
		    !touched(ts, dir, b->day)) {
			bad++;
			fprintf(stderr,
				"    %s row %s: old day %lld untouched\n", dir,
				b->content, (long long)b->day);
		}
	}
	return bad;
}

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

/* A random datetime in January 2022 with a random offset (or Z). */
static void rnd_time(unsigned *seed, char *dst, size_t n)
{
	static const char *const zones[] = { "Z", "+05:30", "-08:00",
					     "",  "+14:00", "-12:00" };

	snprintf(dst, n, "2022-01-%02uT%02u:%02u:00%s", 1 + rnd(seed, 12),
		 rnd(seed, 24), rnd(seed, 60), zones[rnd(seed, 6)]);
}

/* Write one refresh's files under dir; participants only of parents that
 * exist (in have[]) or come in this import. */
static void random_files(unsigned *seed, const char *dir, int *have_m,
			 int *have_c)
{
	struct buf m = BUF_INIT(1 << 16), mp = BUF_INIT(1 << 16);
	struct buf c = BUF_INIT(1 << 16), cp = BUF_INIT(1 << 16);
	char name[64], t[40];
	int now_m[6], now_c[5];

	buf_addstr(&m, "MeetingId,StartTime\n");
	buf_addstr(&mp, "MeetingId,PersonHistoricalId,LocalStartTime\n");
	buf_addstr(&c, "CallRecordId,AppName\n");
	buf_addstr(&cp, "CallRecordId,PersonHistoricalId,LocalStartTime\n");
	for (int i = 0; i < 6; i++) {
		now_m[i] = rnd(seed, 3) == 0;
		if (!now_m[i])
			continue;
		rnd_time(seed, t, sizeof(t));
		buf_printf(&m, "M%d,%s\n", i, t);
		have_m[i] = 1;
	}
	for (int i = 0; i < 5; i++) {
		now_c[i] = rnd(seed, 3) == 0;
		if (now_c[i]) {
			buf_printf(&c, "C%d,App%u\n", i, rnd(seed, 3));
			have_c[i] = 1;
		}
	}
	for (int i = 0; i < 6; i++)
		for (int p = 0; p < 4; p++)
			if (have_m[i] && rnd(seed, 4) == 0) {
				rnd_time(seed, t, sizeof(t));
				buf_printf(&mp, "M%d,P%d,%s\n", i, p, t);
			}
	/* call participants, calls interleaved */
	for (int k = 0; k < 12; k++) {
		int i = (int)rnd(seed, 5), p = (int)rnd(seed, 4);
		char line[64];

		if (!have_c[i])
			continue;
		snprintf(line, sizeof(line), "C%d,P%d,", i, p);
		if (strstr(cp.data, line))
			continue;
		rnd_time(seed, t, sizeof(t));
		buf_printf(&cp, "%s%s\n", line, t);
	}
	snprintf(name, sizeof(name), "%s/Meetings.csv", dir);
	put(name, m.data);
	snprintf(name, sizeof(name), "%s/MeetingParticipants.csv", dir);
	put(name, mp.data);
	snprintf(name, sizeof(name), "%s/Calls.csv", dir);
	put(name, c.data);
	snprintf(name, sizeof(name), "%s/CallParticipants.csv", dir);
	put(name, cp.data);
	buf_release(&m);
	buf_release(&mp);
	buf_release(&c);
	buf_release(&cp);
}

/* Invariants of the instants: participants at their parent's, calls at
 * their earliest participant's start. */
static void check_instants(const char *store)
{
	SQL(store,
	    "SELECT count(*) FROM meeting_participants p JOIN meetings m "
	    "USING (MeetingId) WHERE p._t IS NOT m._t",
	    "0\n");
	SQL(store,
	    "SELECT count(*) FROM call_participants p JOIN calls c "
	    "USING (CallRecordId) WHERE p._t IS NOT c._t",
	    "0\n");
	SQL(store,
	    "SELECT count(*) FROM calls c WHERE c._t IS NOT (SELECT "
	    "min(LocalStartTime) / 1000 FROM call_participants p WHERE "
	    "p.CallRecordId = c.CallRecordId)",
	    "0\n");
	SQL(store,
	    "SELECT count(*) FROM meetings WHERE _t IS NOT StartTime / 1000",
	    "0\n");
}

static void test_random_refreshes(void)
{
	static const char *const dirs[] = { "meetings", "meeting_participants",
					    "calls", "call_participants" };
	unsigned seed = 2026;
	int have_m[6] = { 0 }, have_c[5] = { 0 };
	static struct snap before[4], after[4];

	for (int round = 0; round < 40; round++) {
		struct import_stats st;
		struct touch_set ts = { 0 };
		struct store *s = NULL;
		struct err e;
		char dir[32];
		int bad = 0;

		snprintf(dir, sizeof(dir), "rand%d", round);
		random_files(&seed, dir, have_m, have_c);
		for (int t = 0; t < 4; t++)
			snapshot("rnd.db", dirs[t], &before[t]);
		if (!CHECK_INT(import("rnd.db", &st, &e, dir, NULL), 0)) {
			fprintf(stderr, "    round %d: %s\n", round, e.msg);
			break;
		}
		check_instants("rnd.db");
		if (store_open(at("rnd.db"), STORE_READONLY, &s, NULL, &e) == 0)
			store_each_touch(s, st.refresh, add_to_set, &ts, &e);
		store_close(s);
		for (int t = 0; t < 4; t++) {
			snapshot("rnd.db", dirs[t], &after[t]);
			bad += check_covered(dirs[t], &before[t], &after[t],
					     &ts);
		}
		if (!CHECK_INT(bad, 0)) {
			fprintf(stderr, "    round %d (files in %s)\n", round,
				at(dir));
			break;
		}
	}
}

static void remove_tree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_first_import();
	test_replace();
	test_move_meeting();
	test_calls();
	test_hr_attributes();
	test_errors();
	test_all_or_nothing();
	test_order_and_folders();
	test_refused();
	test_reader_api();
	test_random_refreshes();
	if (!getenv("KEEP_TMP"))
		remove_tree(tmpdir);
	return check_report();
}
