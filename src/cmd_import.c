/* cmd_import.c - `collabfs import STORE PATH...`. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "exports.h"
#include "import.h"

static const char import_help[] =
	"usage: collabfs import [-q] [--no-export] STORE PATH...\n"
	"\n"
	"Load CSV files in the seed's format into STORE (created if missing) as\n"
	"one refresh: all of them or nothing.  Each file is named after its\n"
	"table (Meetings.csv, MeetingParticipants.csv, PersonHistorical.csv, ...,\n"
	"FileActivities.csv; case does not matter); a folder stands for every\n"
	"such file in it.  A row whose key is already in the store replaces it.\n"
	"\n"
	"Once the refresh is committed, every saved export (collabfs export)\n"
	"runs, one after the other, sending what changed.\n"
	"\n"
	"  -q, --quiet   print nothing on success\n"
	"  --no-export   do not run the saved exports\n"
	"  -h, --help    show this help\n"
	"\n"
	"Exit status: 0 imported (and every saved export completed); 1 the\n"
	"import failed, the store is unchanged; 2 bad usage; 4 imported, but\n"
	"a saved export failed (see collabfs history).\n"
	"See docs/import.md for the format and the errors, docs/exports.md\n"
	"for the exports.\n";

/* The import committed: every saved export, unless --no-export.  Returns
 * the exit status. */
static int run_exports(const char *store, int quiet)
{
	struct err e = ERR_INIT;
	int failed = exports_run(store, NULL, 0, cmd_export_report, &quiet, &e);

	if (failed < 0) {
		cmd_fail(&e);
		return EXIT_EXPORT_FAILED;
	}
	return failed ? EXIT_EXPORT_FAILED : 0;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-export", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct err e = ERR_INIT;
	struct import_stats st;
	struct timespec t0, t1;
	int quiet = 0, no_export = 0, c;
	double secs;

	if (cmd_wants_help(argc, argv))
		return fputs(import_help, stdout), 0;
	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread */
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = 1;
		else if (c == 'n')
			no_export = 1;
		else
			return cmd_usage_error("import", "unknown option");
	}
	if (argc - optind < 2)
		return cmd_usage_error("import", "needs a STORE and at least "
						 "one PATH");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (import_paths(argv[optind], argv + optind + 1,
			 (size_t)(argc - optind - 1), &st, &e))
		return cmd_fail(&e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (!quiet)
		printf("imported %" PRId64
		       " rows from %zu files as refresh %" PRId64
		       " in %.2f s (%.0f rows/s)\n",
		       st.rows, st.files, st.refresh, secs,
		       secs > 0 ? (double)st.rows / secs : 0.0);
	fflush(stdout);
	return no_export ? 0 : run_exports(argv[optind], quiet);
}
