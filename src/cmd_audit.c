/* cmd_audit.c - `collabfs audit STORE [--since WHEN] [--json] [--verify]`:
 * list or check the audit trail (audit.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "cmd.h"

static const char audit_help[] =
	"usage: collabfs audit STORE [--since WHEN] [--json] [--verify]\n"
	"\n"
	"List the audit trail kept beside STORE (STORE.audit), oldest first:\n"
	"every open of a file through a mount (time, uid, pid, process, path),\n"
	"every sync (who ran it, the destination without secrets, the run's\n"
	"status and counts) and every file a sync sent or deleted.\n"
	"\n"
	"  --since WHEN   entries from WHEN on: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]\n"
	"                 (UTC), or an age: 30m, 12h, 7d\n"
	"  --json         the entries as stored: one JSON object per line\n"
	"  --verify       check the hash chain instead: report every edited,\n"
	"                 inserted or deleted entry (exit 1 if there is one)\n"
	"  -h, --help     show this help\n"
	"\n"
	"See docs/audit.md.\n";

struct listing {
	char since[AUDIT_TIME_MAX]; /* "" or an ISO time to compare with */
	int json;
	size_t shown;
	struct err e;
};

/* n digits at *p into *out (the pointer moves past them): 0, or -1. */
static int digits(const char **p, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*out = *out * 10 + (**p - '0');
	}
	return 0;
}

/* YYYY-MM-DD[THH:MM[:SS]][Z], UTC. */
static int parse_time(const char *s, struct tm *tm)
{
	int v[6] = { 0 };
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };
	static const char after[6] = "--T::";
	int k = 0;

	for (; k < 6; k++) {
		if (digits(&s, width[k], &v[k]))
			return -1;
		if (k == 5 || *s != after[k])
			break;
		s++;
	}
	if (*s == 'Z' && k >= 4)
		s++;
	if (*s || (k != 2 && k < 4) || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60 || v[0] < 1970)
		return -1;
	*tm = (struct tm){ .tm_year = v[0] - 1900,
			   .tm_mon = v[1] - 1,
			   .tm_mday = v[2],
			   .tm_hour = v[3],
			   .tm_min = v[4],
			   .tm_sec = v[5] };
	return 0;
}

/* "7d" style ages, or a date / date-time, as the log's time format. */
static int parse_since(const char *s, char out[AUDIT_TIME_MAX])
{
	struct tm tm = { 0 };
	int64_t age = 0;

	if (cmd_parse_duration(s, &age) == 0) {
		time_t t = time(NULL) - (time_t)age;

		gmtime_r(&t, &tm);
	} else if (parse_time(s, &tm)) {
		return -1;
	}
	strftime(out, AUDIT_TIME_MAX, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return 0;
}

static int is_plumbing(const char *key)
{
	return !strcmp(key, "seq") || !strcmp(key, "time") ||
	       !strcmp(key, "event") || !strcmp(key, "prev") ||
	       !strcmp(key, "hash");
}

static int show_entry(void *arg, const struct audit_entry *en)
{
	struct listing *l = arg;
	const char *when = audit_get(en, "time"), *ev = audit_get(en, "event");

	if (!en->n || !when || !ev)
		return err_set(&l->e, -EINVAL,
			       "line %zu of the audit trail is not an entry "
			       "(see --verify)",
			       en->line);
	if (l->since[0] && strcmp(when, l->since) < 0)
		return 0;
	l->shown++;
	if (l->json) {
		puts(en->text);
		return 0;
	}
	printf("%s  %-7s", when, ev);
	for (size_t i = 0; i < en->n; i++) {
		const char *v = en->m[i].value;

		if (is_plumbing(en->m[i].key))
			continue;
		printf(strpbrk(v, " \t") || !*v ? "  %s=\"%s\"" : "  %s=%s",
		       en->m[i].key, v);
	}
	putchar('\n');
	return 0;
}

static void print_problem(void *arg, const char *msg)
{
	printf("%s: %s\n", (const char *)arg, msg);
}

static int verify(const char *store)
{
	struct audit_verdict v = { 0, 0, "" };
	struct err e = ERR_INIT;
	char *log = audit_log_path(store);
	int ret;

	if (!log)
		return fputs("collabfs: out of memory\n", stderr), 1;
	ret = audit_log_verify(store, print_problem, log, &v, &e);
	if (!ret && v.problems)
		fprintf(stderr,
			"collabfs: %s is not intact: %zu problem%s in %zu "
			"entries\n",
			log, v.problems, v.problems == 1 ? "" : "s", v.entries);
	else if (!ret)
		printf("%s: %zu entries, chain intact, head %s\n", log,
		       v.entries, v.head);
	free(log);
	if (ret)
		return cmd_fail(&e);
	return v.problems ? 1 : 0;
}

static int parse_args(int argc, char **argv, struct listing *l, int *check)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "verify", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): no threads here */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's' && parse_since(optarg, l->since))
			return cmd_usage_error(
				"audit",
				"--since '%s': not a date "
				"(YYYY-MM-DD[THH:MM[:SS]]) nor an "
				"age (30m, 12h, 7d)",
				optarg);
		if (c == 'j')
			l->json = 1;
		else if (c == 'v')
			*check = 1;
		else if (c != 's')
			return cmd_usage_error("audit", "unknown option");
	}
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	struct listing l = { .e = ERR_INIT };
	struct stat st;
	int check = 0, ret;

	if (cmd_wants_help(argc, argv))
		return fputs(audit_help, stdout), 0;
	ret = parse_args(argc, argv, &l, &check);
	if (ret)
		return ret;
	if (argc - optind != 1)
		return cmd_usage_error("audit", "needs STORE");
	if (stat(argv[optind], &st)) {
		err_sys(&l.e, 0, "open the store", argv[optind]);
		return cmd_fail(&l.e);
	}
	if (check)
		return verify(argv[optind]);
	if (audit_log_each(argv[optind], show_entry, &l, &l.e))
		return cmd_fail(&l.e);
	if (!l.shown && !l.json)
		fprintf(stderr, "no audit entries%s for %s\n",
			l.since[0] ? " in that time" : "", argv[optind]);
	return 0;
}
