/* cmd_export.c - `collabfs export save|list|remove|run STORE ...`: saved
 * exports (exports.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "cmd.h"
#include "exports.h"

static const char export_help[] =
	"usage: collabfs export save STORE NAME DEST [-o OPTIONS]\n"
	"       collabfs export list STORE [--json]\n"
	"       collabfs export remove STORE NAME\n"
	"       collabfs export run STORE [NAME...] [-q]\n"
	"\n"
	"A saved export is a destination with its tree options, configured\n"
	"once and run as an incremental sync after every 'collabfs import'\n"
	"that commits (unless --no-export), or now with 'export run'.\n"
	"\n"
	"  save     check and save (or replace) export NAME: DEST as for\n"
	"           'collabfs sync' (a URL with a SAS, azure://..., @FILE or\n"
	"           env:NAME; a key or connection string from the\n"
	"           environment); -o tree options as for mount and sync\n"
	"           (paths are kept absolute).  The credential goes to\n"
	"           STORE.secrets (mode 0600) and nowhere else.  Sends nothing.\n"
	"  list     the saved exports with their last run (--json: an array)\n"
	"  remove   delete export NAME and its credential (history stays)\n"
	"  run      run every saved export, or those named, one after the\n"
	"           other; -q prints errors only\n"
	"\n"
	"Exit status: 0 done (run: every export completed); 1 refused or\n"
	"failed (run: at least one export failed); 2 bad usage.\n"
	"See docs/exports.md.\n";

void cmd_export_report(void *quiet, const struct export_outcome *out)
{
	const struct sync_result *r = out->res;

	if (out->ret) {
		fprintf(stderr, "collabfs: export %s: %s\n", out->name,
			out->e->msg);
		return;
	}
	if (quiet && *(int *)quiet)
		return;
	printf("export %s: %s: %" PRIu64 " files, %" PRIu64 " sent (%" PRIu64
	       " bytes), %" PRIu64 " unchanged in %.1f s\n",
	       out->name, out->dest, r->files, r->sent, r->bytes, r->skipped,
	       out->secs);
}

/* ---- save ---------------------------------------------------------------- */

/* save's -o lists, joined into opts: 0, or the usage error's status. */
static int save_args(int argc, char **argv, struct buf *opts)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	int c;

	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread */
	while ((c = getopt_long(argc, argv, "o:", none, NULL)) != -1) {
		if (c != 'o')
			return cmd_usage_error("export", "unknown option");
		buf_printf(opts, "%s%s", opts->len ? "," : "", optarg);
	}
	if (argc - optind != 3)
		return cmd_usage_error("export", "save needs STORE NAME DEST");
	return 0;
}

static int save(int argc, char **argv)
{
	/* NOLINTBEGIN(concurrency-mt-unsafe): before any thread */
	struct azure_env env = { getenv("AZURE_STORAGE_KEY"),
				 getenv("AZURE_STORAGE_CONNECTION_STRING") };
	/* NOLINTEND(concurrency-mt-unsafe) */
	struct buf opts = BUF_INIT(8192);
	struct err e = ERR_INIT;
	char *dest = NULL;
	int ret = save_args(argc, argv, &opts);

	if (ret) {
		buf_release(&opts);
		return ret;
	}
	dest = cmd_dest_text(argv[optind + 2], &e);
	ret = dest ? exports_save(argv[optind], argv[optind + 1], dest, &env,
				  opts.data ? opts.data : "", &e)
	      : e.code ? e.code
		       : err_set(&e, -ENOMEM, "out of memory");
	if (dest) {
		OPENSSL_cleanse(dest, strlen(dest));
		free(dest);
	}
	buf_release(&opts);
	if (ret < 0)
		return cmd_fail(&e);
	printf("%s export %s (runs after every import; 'collabfs export run "
	       "%s %s' runs it now)\n",
	       ret == 1 ? "replaced" : "saved", argv[optind + 1], argv[optind],
	       argv[optind + 1]);
	return 0;
}

/* ---- list ---------------------------------------------------------------- */

struct lister {
	int json, n;
};

static void list_json(struct lister *l, const struct saved_export *x,
		      const struct sync_run *r)
{
	char t[32];

	printf("%s\n  {\"name\": ", l->n ? "," : "[");
	cmd_json_str(x->name);
	printf(", \"destination\": ");
	cmd_json_str(x->dest);
	printf(", \"options\": ");
	cmd_json_str(x->options);
	cmd_iso_time(x->created, t, sizeof(t));
	printf(", \"created\": ");
	cmd_json_str(t);
	printf(", \"last_run\": ");
	if (!r) {
		printf("null}");
		return;
	}
	cmd_iso_time(r->requested, t, sizeof(t));
	printf("{\"id\": %" PRId64 ", \"requested\": ", r->id);
	cmd_json_str(t);
	cmd_iso_time(r->finished, t, sizeof(t));
	printf(", \"finished\": ");
	r->finished ? cmd_json_str(t) : (void)printf("null");
	printf(", \"status\": ");
	cmd_json_str(syncstate_status_name(r->status));
	printf(", \"error\": ");
	r->error[0] ? cmd_json_str(r->error) : (void)printf("null");
	printf(", \"files_sent\": %" PRIu64 ", \"bytes_sent\": %" PRIu64
	       ", \"skipped\": %" PRIu64 "}}",
	       r->files_sent, r->bytes_sent, r->skipped);
}

static int list_one(void *arg, const struct saved_export *x,
		    const struct sync_run *r)
{
	struct lister *l = arg;
	char t[32] = "-";

	if (l->json) {
		list_json(l, x, r);
		l->n++;
		return 0;
	}
	if (l->n++ == 0)
		printf("%-16s %-20s %-10s %7s  %s\n", "NAME", "LAST RUN",
		       "STATUS", "SENT", "DESTINATION");
	if (r)
		cmd_iso_time(r->requested, t, sizeof(t));
	printf("%-16s %-20s %-10s %7" PRIu64 "  %s%s%s%s%s\n", x->name, t,
	       r ? syncstate_status_name(r->status) : "-",
	       r ? r->files_sent : 0, x->dest, x->options[0] ? " -o " : "",
	       x->options, r && r->error[0] ? ": " : "",
	       r && r->error[0] ? r->error : "");
	return 0;
}

static int list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 }
	};
	struct lister l = { 0, 0 };
	struct err e = ERR_INIT;
	int c;

	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): no threads here */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return cmd_usage_error("export", "unknown option");
		l.json = 1;
	}
	if (argc - optind != 1)
		return cmd_usage_error("export", "list needs STORE");
	if (exports_list(argv[optind], list_one, &l, &e))
		return cmd_fail(&e);
	if (l.json)
		printf("%s]\n", l.n ? "\n" : "[");
	else if (!l.n)
		printf("no saved exports for %s\n", argv[optind]);
	return 0;
}

/* ---- remove and run ------------------------------------------------------ */

static int remove_one(int argc, char **argv)
{
	struct err e = ERR_INIT;

	if (argc != 3)
		return cmd_usage_error("export", "remove needs STORE NAME");
	if (exports_remove(argv[1], argv[2], &e))
		return cmd_fail(&e);
	printf("removed export %s\n", argv[2]);
	return 0;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' }, { NULL, 0, NULL, 0 }
	};
	struct err e = ERR_INIT;
	int c, quiet = 0, failed;

	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread */
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		if (c != 'q')
			return cmd_usage_error("export", "unknown option");
		quiet = 1;
	}
	if (argc - optind < 1)
		return cmd_usage_error("export", "run needs STORE");
	failed = exports_run(argv[optind], argv + optind + 1,
			     (size_t)(argc - optind - 1), cmd_export_report,
			     &quiet, &e);
	if (failed < 0)
		return cmd_fail(&e);
	return failed ? 1 : 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {
		{ "save", save },
		{ "list", list },
		{ "remove", remove_one },
		{ "run", run },
	};

	if (argc < 2 || cmd_wants_help(argc, argv))
		return argc < 2 ? cmd_usage_error("export",
						  "needs save, list, remove "
						  "or run")
				: (fputs(export_help, stdout), 0);
	for (size_t k = 0; k < sizeof(subs) / sizeof(subs[0]); k++)
		if (strcmp(argv[1], subs[k].name) == 0)
			return subs[k].fn(argc - 1, argv + 1);
	return cmd_usage_error("export",
			       "unknown subcommand '%s' (save, list, "
			       "remove or run)",
			       argv[1]);
}
