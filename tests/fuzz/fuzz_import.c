/* fuzz_import.c - CSV through the importer into a refresh that is rolled
 * back.  The first byte picks the table (modulo the number of tables), the
 * rest is the file.  The store is made once per process, with a few rows
 * committed so that participants find parents and keys can collide. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "import.h"
#include "schema.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const base[][2] = {
	{ "PersonHistorical",
	  "PersonHistoricalId,StartDate,EndDate,Dept\n"
	  "P1,2022-01-01,2022-06-30,A\nP2,2021-01-01,,B\n" },
	{ "Meetings", "MeetingId,StartTime\nM1,2022-01-10T09:00:00Z\n" },
	{ "MeetingParticipants", "MeetingId,PersonHistoricalId\nM1,P1\n" },
	{ "Mails", "MailId,SentTime\nX1,2022-01-11T10:00:00-05:00\n" },
	{ "Calls", "CallRecordId\nC1\nC2\n" },
	{ "CallParticipants", "CallRecordId,PersonHistoricalId,LocalStartTime\n"
			      "C1,P1,2022-01-12T08:00:00Z\n" },
	{ "InstantMessages", "InstantMessageId,SentTime\nI1,2022-01-13\n" },
};

static char dir[] = "/tmp/collabfs-fuzz-XXXXXX";
static char path[64];
static struct store *store;

static void cleanup(void)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char p[80];

	store_close(store);
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", path, ext[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Load one CSV text into refresh r as table t; the error goes to e. */
static int load(struct store_refresh *r, const struct table *t, const char *p,
		size_t n, struct err *e)
{
	struct csv_reader cr;
	int64_t rows = 0;
	int ret = csv_open_mem(&cr, p, n, "fuzz.csv");

	if (!ret)
		ret = import_reader(r, t, &cr, &rows, e);
	csv_close(&cr);
	return ret;
}

static void setup(void)
{
	struct store_refresh *r = NULL;
	struct err e = ERR_INIT;
	int ret;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/store.db", dir);
	atexit(cleanup);
	ret = store_open(path, STORE_CREATE, &store, NULL, &e);
	if (!ret)
		ret = store_refresh_begin(store, "import", &r, &e);
	for (size_t i = 0; !ret && i < sizeof(base) / sizeof(base[0]); i++)
		ret = load(r, schema_table(base[i][0]), base[i][1],
			   strlen(base[i][1]), &e);
	if (!ret)
		ret = store_refresh_commit(r, NULL, &e);
	if (ret) {
		fprintf(stderr, "fuzz_import: setup: %s\n", e.msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_refresh *r = NULL;
	struct err e = ERR_INIT;
	int ret;

	if (!store)
		setup();
	if (size < 1)
		return 0;
	ret = store_refresh_begin(store, "import", &r, &e);
	if (!ret)
		ret = load(r, &schema_tables[data[0] % schema_ntables],
			   (const char *)data + 1, size - 1, &e);
	store_refresh_abort(r);
	/* an error is reported: its code, and one line of text */
	if (ret > 0 ||
	    (ret < 0 && (e.code != ret || !e.msg[0] || strchr(e.msg, '\n')))) {
		fprintf(stderr, "fuzz_import: returned %d, error %d \"%s\"\n",
			ret, e.code, e.msg);
		abort();
	}
	return 0;
}
