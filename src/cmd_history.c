/* cmd_history.c - `collabfs history STORE [--json]`: past sync runs. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "syncstate.h"
#include "value.h"

static const char history_help[] =
	"usage: collabfs history STORE [--json]\n"
	"\n"
	"Show the sync runs recorded for STORE, oldest first: when each was\n"
	"requested, its status (Pending, Processing, Completed, Failed with\n"
	"its error, Expired once the links of a run made with --links have\n"
	"expired), when its links expire, the destination (without secrets),\n"
	"the tree options, the saved export it ran for, and the files and\n"
	"bytes sent and left unchanged.\n"
	"--json prints one JSON array of objects instead of a table.\n";

void cmd_iso_time(int64_t t, char *dst, size_t n)
{
	char s[VALUE_UTC_MAX] = "-";

	if (t)
		value_format_utc(t, s);
	snprintf(dst, n, "%s", s);
}

void cmd_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

struct show {
	int json;
	int n;
	int64_t now;
};

static int show_json(struct show *s, const struct sync_run *r)
{
	char req[32], st[32], fin[32], exp[32];

	cmd_iso_time(r->requested, req, sizeof(req));
	cmd_iso_time(r->expires, exp, sizeof(exp));
	cmd_iso_time(r->started, st, sizeof(st));
	cmd_iso_time(r->finished, fin, sizeof(fin));
	printf("%s\n  {\"id\": %" PRId64 ", \"requested\": ", s->n ? "," : "[",
	       r->id);
	cmd_json_str(req);
	printf(", \"started\": ");
	r->started ? cmd_json_str(st) : (void)printf("null");
	printf(", \"finished\": ");
	r->finished ? cmd_json_str(fin) : (void)printf("null");
	printf(", \"status\": ");
	cmd_json_str(syncstate_status_name(syncstate_status_at(r, s->now)));
	printf(", \"error\": ");
	r->error[0] ? cmd_json_str(r->error) : (void)printf("null");
	printf(", \"destination\": ");
	cmd_json_str(r->dest);
	printf(", \"options\": ");
	cmd_json_str(r->options);
	printf(", \"export\": ");
	r->export_name[0] ? cmd_json_str(r->export_name) : (void)printf("null");
	printf(", \"expires\": ");
	r->expires ? cmd_json_str(exp) : (void)printf("null");
	printf(", \"links\": ");
	r->links[0] ? cmd_json_str(r->links) : (void)printf("null");
	printf(", \"files_sent\": %" PRIu64 ", \"bytes_sent\": %" PRIu64
	       ", \"skipped\": %" PRIu64 ", \"deleted\": %" PRIu64
	       ", \"failed\": %" PRIu64 "}",
	       r->files_sent, r->bytes_sent, r->skipped, r->deleted, r->failed);
	return 0;
}

static int show_run(void *arg, const struct sync_run *r)
{
	struct show *s = arg;
	char req[32], exp[32];

	if (s->json) {
		show_json(s, r);
		s->n++;
		return 0;
	}
	if (s->n++ == 0)
		printf("%-5s %-20s %-10s %-20s %7s %12s %9s  %s\n", "ID",
		       "REQUESTED", "STATUS", "EXPIRES", "SENT", "BYTES",
		       "UNCHANGED", "DESTINATION");
	cmd_iso_time(r->requested, req, sizeof(req));
	cmd_iso_time(r->expires, exp, sizeof(exp));
	printf("%-5" PRId64 " %-20s %-10s %-20s %7" PRIu64 " %12" PRIu64
	       " %9" PRIu64 "  %s%s%s%s%s%s%s%s\n",
	       r->id, req,
	       syncstate_status_name(syncstate_status_at(r, s->now)), exp,
	       r->files_sent, r->bytes_sent, r->skipped,
	       r->export_name[0] ? "export " : "", r->export_name,
	       r->export_name[0] ? ": " : "", r->dest,
	       r->options[0] ? " -o " : "", r->options, r->error[0] ? ": " : "",
	       r->error);
	return 0;
}

int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 }
	};
	struct show s = { 0, 0, (int64_t)time(NULL) };
	struct syncstate *st = NULL;
	struct err e = ERR_INIT;
	int c, ret;

	if (cmd_wants_help(argc, argv))
		return fputs(history_help, stdout), 0;
	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): no threads here */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return cmd_usage_error("history", "unknown option");
		s.json = 1;
	}
	if (argc - optind != 1)
		return cmd_usage_error("history", "needs STORE");
	ret = access(argv[optind], F_OK)
		      ? err_set(&e, -ENOENT, "%s: no such store", argv[optind])
		      : syncstate_open(argv[optind], &st, &e);
	if (!ret)
		ret = syncstate_runs(st, show_run, &s, &e);
	syncstate_close(st);
	if (ret)
		return cmd_fail(&e);
	if (s.json)
		printf("%s]\n", s.n ? "\n" : "[");
	else if (!s.n)
		printf("no sync runs recorded for %s\n", argv[optind]);
	return 0;
}
