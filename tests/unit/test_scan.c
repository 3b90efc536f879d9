/* test_scan.c - rows read back from the store (store_scan_*) and written
 * by render.c give the values that were imported: datetimes with their
 * original offsets, Booleans, numbers, quoted text; time windows and HR
 * validity spans select the right rows, in (_t, key) order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "import.h"
#include "render.h"
#include "store.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/in/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* Render rows of table name in [t0, t1) as CSV (no header). */
static char *scan_text(struct store *s, const char *name, int64_t t0,
		       int64_t t1)
{
	const struct table *t = schema_table(name);
	const struct column *cols[64];
	const struct value *vals;
	struct store_scan *sc = NULL;
	struct buf b = BUF_INIT(1 << 20);
	struct err e = ERR_INIT;
	size_t n = t->ncols + (t->hr_attributes ? store_hr_count(s) : 0);
	int ret;

	for (size_t i = 0; i < n && i < 64; i++)
		cols[i] = i < t->ncols ? &t->cols[i] : NULL;
	CHECK_INT(store_scan_open(s, t, t0, t1, &sc, &e), 0);
	while (sc && (ret = store_scan_next(sc, &vals, &e)) == 1)
		render_record(&b, cols, vals, n);
	store_scan_close(sc);
	return buf_detach(&b, NULL);
}

static const char meetings_in[] =
	"MeetingId,ICalUid,Subject,IsRecurring,IsCanceled,StartTime,"
	"DurationMinutes\r\n"
	"M2,U2,\"Plan, \"\"big\"\"\r\nline two\",true,FALSE,"
	"2022-01-31T19:30:00-05:00,30\r\n"
	"M1,U1,,True,False,2022-01-15T09:00:00.250Z,45\r\n"
	"M3,U3,Caf\xc3\xa9,False,False,2022-02-01 10:00:00+0530,\r\n";

static const char people_in[] =
	"PersonHistoricalId,StartDate,EndDate,Organization,Region\r\n"
	"H1,2021-01-01,2022-01-20T00:00:00Z,Eng,EMEA\r\n"
	"H2,2022-01-20T00:00:00Z,,Eng,\"NA, East\"\r\n"
	"H3,2022-03-01,,Sales,APAC\r\n";

static void test_round_trip(struct store *s)
{
	char *all = scan_text(s, "Meetings", 0, INT64_MAX);

	/* (_t, key) order: M1 (Jan 15), M2 (Feb 1 00:30 UTC), M3. */
	CHECK_STR(all,
		  "M1,U1,,True,False,2022-01-15T09:00:00.250Z,45,,,,,,,\r\n"
		  "M2,U2,\"Plan, \"\"big\"\"\r\nline two\",True,False,"
		  "2022-01-31T19:30:00-05:00,30,,,,,,,\r\n"
		  "M3,U3,Caf\xc3\xa9,False,False,2022-02-01T10:00:00+05:30,"
		  ",,,,,,,\r\n");
	free(all);
}

static void test_windows(struct store *s)
{
	/* January 2022 (UTC): M1 only; M2 is 2022-02-01T00:30Z. */
	char *jan = scan_text(s, "Meetings", 1640995200, 1643673600);
	char *feb = scan_text(s, "Meetings", 1643673600, 1646092800);

	CHECK(strncmp(jan, "M1,", 3) == 0 && !strstr(jan, "M2"));
	CHECK(strstr(feb, "M2,") == feb && strstr(feb, "M3,") != NULL);
	free(jan);
	free(feb);
}

static void test_spans(struct store *s)
{
	/* January: H1 (ends Jan 20, inclusive) and H2 (from Jan 20). */
	char *jan = scan_text(s, "PersonHistorical", 1640995200, 1643673600);
	/* February: H2 only; March: H2 and H3. */
	char *feb = scan_text(s, "PersonHistorical", 1643673600, 1646092800);
	char *mar = scan_text(s, "PersonHistorical", 1646092800, 1648771200);

	CHECK(strstr(jan, "H1,") && strstr(jan, "H2,") && !strstr(jan, "H3,"));
	CHECK(!strstr(feb, "H1,") && strstr(feb, "H2,") && !strstr(feb, "H3,"));
	CHECK(strstr(mar, "H2,") && strstr(mar, "H3,"));
	CHECK(strstr(jan, ",EMEA\r\n") != NULL);
	CHECK(strstr(jan, ",\"NA, East\"\r\n") != NULL);
	CHECK(strstr(jan, "H1,,2021-01-01T00:00:00Z,2022-01-20T00:00:00Z,") ==
	      jan);
	free(jan);
	free(feb);
	free(mar);
}

static void test_next_instant(struct store *s)
{
	const struct table *m = schema_table("Meetings");
	struct err e = ERR_INIT;
	int64_t t = 0;

	/* M1 2022-01-15T09:00:00.250Z, M2 2022-02-01T00:30Z, M3 04:30Z */
	CHECK_INT(store_next_instant(s, m, 0, &t, &e), 0);
	CHECK_INT(t, 1642237200);
	CHECK_INT(store_next_instant(s, m, t + 1, &t, &e), 0);
	CHECK_INT(t, 1643675400);
	CHECK_INT(store_next_instant(s, m, 1643675400 + 1, &t, &e), 0);
	CHECK_INT(t, 1643689800);
	CHECK_INT(store_next_instant(s, m, t + 1, &t, &e), -ENOENT);
	CHECK_INT(store_next_instant(s, schema_table("Calls"), 0, &t, &e),
		  -ENOENT);
}

int main(void)
{
	struct import_stats st;
	struct store *s = NULL;
	struct err e = ERR_INIT;
	char in[128], db[128];
	char *paths[1];

	snprintf(dir, sizeof(dir), "/tmp/collabfs-scan-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(db, sizeof(db), "%s/s.db", dir);
	CHECK_INT(mkdir(in, 0700), 0);
	write_file("Meetings.csv", meetings_in);
	write_file("PersonHistorical.csv", people_in);
	paths[0] = in;
	CHECK_INT(import_paths(db, paths, 1, &st, &e), 0);
	CHECK_INT(store_open(db, STORE_READONLY, &s, NULL, &e), 0);
	if (s) {
		test_round_trip(s);
		test_windows(s);
		test_spans(s);
		test_next_instant(s);
	}
	store_close(s);
	snprintf(in, sizeof(in), "rm -rf '%s'", dir);
	if (system(in) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report();
}
