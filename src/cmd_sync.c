/* cmd_sync.c - `collabfs sync STORE DEST [-o OPTIONS] [--dry-run] ...`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "azure.h"
#include "buf.h"
#include "cmd.h"
#include "notify.h"
#include "sync.h"
#include "tree.h"
#include "value.h"

static const char sync_help[] =
	"usage: collabfs sync STORE DEST [-o OPTIONS] [--delete] [--check]\n"
	"                     [--dry-run] [--jobs N] [--upload-cutoff MIB]\n"
	"                     [--retries N] [--timeout SECONDS]\n"
	"                     [--links DURATION] [--notify URL] [-v]\n"
	"\n"
	"Mirror the store's tree (the same files and bytes as 'collabfs\n"
	"mount' with the same options) into an Azure Blob container, sending\n"
	"only the files whose bytes changed since the last sync there.\n"
	"\n"
	"DEST is one of:\n"
	"  https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]?SAS\n"
	"  http://127.0.0.1:PORT/ACCOUNT/CONTAINER[/PREFIX]?SAS  (emulator)\n"
	"  azure://ACCOUNT/CONTAINER[/PREFIX]  (key from AZURE_STORAGE_KEY or\n"
	"                                 AZURE_STORAGE_CONNECTION_STRING)\n"
	"  @FILE                          the destination is in FILE (mode\n"
	"                                 0600), so the SAS stays out of ps\n"
	"  env:NAME                       the destination is in variable NAME\n"
	"A write-only SAS (sp=w) is enough.\n"
	"\n"
	"  -o OPTIONS        tree options, as for mount: interval, from, to,\n"
	"                    scope, policy, key, cache\n"
	"  --delete          delete blobs under the prefix that are not in\n"
	"                    the tree (needs list and delete permission)\n"
	"  --check           compare with the container (size and MD5) and\n"
	"                    resend what differs (needs list permission)\n"
	"  --dry-run         list what would be sent or deleted; change nothing\n"
	"  --jobs N          files in flight at once (default 4, at most 64)\n"
	"  --upload-cutoff MIB  files up to this size go in one request,\n"
	"                    larger ones as blocks (default 8, 1 to 256;\n"
	"                    memory grows with it times --jobs)\n"
	"  --retries N       attempts per request (default 6)\n"
	"  --timeout SECONDS a request that moves no byte for this long fails\n"
	"                    and is retried (default 60)\n"
	"  --links DURATION  after a completed sync, write a manifest of\n"
	"                    read-only URLs of every file (with its size and\n"
	"                    SHA-256) that expire after DURATION (7d, 12h,\n"
	"                    30m); needs the account key\n"
	"  --notify URL      after the sync completes or fails, POST a JSON\n"
	"                    summary (no secrets) to URL (http or https)\n"
	"  -v, --verbose     a line per file sent (instead of the progress\n"
	"                    line shown on a terminal)\n"
	"\n"
	"Exit status: 0 all files are at the destination; 1 a failure (what\n"
	"was committed stays recorded: the next run sends the rest); 2 bad\n"
	"usage; 3 another sync to DEST is running.\n"
	"See docs/sync.md.\n";

struct sync_args {
	struct tree_options tree;
	struct buf opts_text;
	struct azure_opts net;
	int jobs, dry_run, verbose, check, delete, cutoff_mib;
	int64_t links;	    /* --links: seconds, 0 none */
	const char *notify; /* --notify URL, or NULL */
};

static int parse_num(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

enum {
	OPT_DRY = 256,
	OPT_JOBS,
	OPT_RETRIES,
	OPT_TIMEOUT,
	OPT_CHECK,
	OPT_DELETE,
	OPT_CUTOFF,
	OPT_LINKS,
	OPT_NOTIFY
};

static const struct option long_opts[] = {
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "delete", no_argument, NULL, OPT_DELETE },
	{ "upload-cutoff", required_argument, NULL, OPT_CUTOFF },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "links", required_argument, NULL, OPT_LINKS },
	{ "notify", required_argument, NULL, OPT_NOTIFY },
	{ NULL, 0, NULL, 0 },
};

/* The flags without a value: 1 if c is one (set), else 0. */
static int set_flag(struct sync_args *a, int c)
{
	int *flag = c == 'v'	      ? &a->verbose
		    : c == OPT_DRY    ? &a->dry_run
		    : c == OPT_CHECK  ? &a->check
		    : c == OPT_DELETE ? &a->delete
				      : NULL;

	if (flag)
		*flag = 1;
	return flag != NULL;
}

/* The options with a number: 0 (set, or not one of them), or -EINVAL. */
static int set_number(struct sync_args *a, int c, const char *arg,
		      struct err *e)
{
	static const struct {
		int opt, lo, hi;
		const char *msg;
	} nums[] = {
		{ OPT_JOBS, 1, 64, "--jobs: give 1 to 64" },
		{ OPT_CUTOFF, 1, 256, "--upload-cutoff: give 1 to 256 (MiB)" },
		{ OPT_RETRIES, 1, 100, "--retries: give 1 to 100" },
		{ OPT_TIMEOUT, 1, 3600, "--timeout: give 1 to 3600 seconds" },
	};
	int *slots[] = { &a->jobs, &a->cutoff_mib, &a->net.tries,
			 &a->net.timeout };

	for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
		if (c == nums[k].opt &&
		    parse_num(arg, nums[k].lo, nums[k].hi, slots[k]))
			return err_set(e, -EINVAL, "%s", nums[k].msg);
	return 0;
}

static int parse_args(int argc, char **argv, struct sync_args *a, struct err *e)
{
	int c;

	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread */
	while ((c = getopt_long(argc, argv, "o:v", long_opts, NULL)) != -1) {
		int ret;

		if (c == 'o')
			ret = tree_options_parse(&a->tree, optarg,
						 &a->opts_text, e);
		else if (c == '?' || c == ':')
			ret = err_set(e, -EINVAL, "unknown option");
		else if (set_flag(a, c))
			ret = 0;
		else if (c == OPT_NOTIFY)
			ret = notify_check(a->notify = optarg, e);
		else if (c == OPT_LINKS)
			ret = cmd_parse_duration(optarg, &a->links)
				      ? err_set(e, -EINVAL,
						"--links '%s': not a duration "
						"(90s, 30m, 12h, 7d; at most "
						"3650d)",
						optarg)
				      : 0;
		else
			ret = set_number(a, c, optarg, e);
		if (ret)
			return ret;
	}
	return 0;
}

char *cmd_dest_text(const char *arg, struct err *e)
{
	char buf[8192];
	struct stat sb;
	ssize_t n;
	int fd;

	if (strncmp(arg, "env:", 4) == 0) {
		/* NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread */
		const char *v = getenv(arg + 4);

		if (!v || !*v)
			err_set(e, -EINVAL, "DEST: variable %s is not set",
				arg + 4);
		return v && *v ? strdup(v) : NULL;
	}
	if (arg[0] != '@')
		return strdup(arg);
	fd = open(arg + 1, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		err_set(e, -ENOENT, "DEST: cannot open %s", arg + 1);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (sb.st_mode & 077) {
		close(fd);
		err_set(e, -EPERM,
			"DEST: %s may be read by others (mode %03o); it holds "
			"a secret: chmod 600 it",
			arg + 1, (unsigned)(sb.st_mode & 0777));
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		err_set(e, -EINVAL, "DEST: %s is empty", arg + 1);
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	{
		char *s = strdup(buf);

		OPENSSL_cleanse(buf, sizeof(buf));
		return s;
	}
}

int cmd_parse_dest(const char *arg, struct azure_dest *d, struct err *e)
{
	/* NOLINTBEGIN(concurrency-mt-unsafe): before any thread */
	struct azure_env env = { getenv("AZURE_STORAGE_KEY"),
				 getenv("AZURE_STORAGE_CONNECTION_STRING") };
	/* NOLINTEND(concurrency-mt-unsafe) */
	char *text = cmd_dest_text(arg, e);
	int ret;

	if (!text)
		return e->code ? e->code : err_set(e, -ENOMEM, "out of memory");
	ret = azure_dest_parse(text, &env, d, e);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return ret;
}

static void summary(const struct sync_opts *o, const struct sync_result *r,
		    double secs)
{
	printf("%s%s: %" PRIu64 " files, %" PRIu64 " sent (%" PRIu64
	       " bytes), %" PRIu64 " unchanged",
	       o->dry_run ? "dry run: " : "", o->dest->display, r->files,
	       r->sent, r->bytes, r->skipped);
	if (o->check)
		printf(", %" PRIu64 " repaired", r->repaired);
	if (o->delete)
		printf(", %" PRIu64 " %sdeleted", r->deleted,
		       o->dry_run ? "to be " : "");
	printf("%s in %.1f s\n", r->failed ? ", some failed" : "", secs);
	if (r->links[0]) {
		char until[VALUE_UTC_MAX];

		value_format_utc(r->expires, until);
		printf("links: %s (until %s)\n", r->links, until);
	}
}

/* --notify: the run's summary, as JSON (the audit trail's members). */
static void notify(const struct sync_args *a, const struct sync_opts *o,
		   const struct sync_result *r, int ret, const struct err *e)
{
	struct buf b = BUF_INIT(1 << 20), doc = BUF_INIT(1 << 20);
	char until[VALUE_UTC_MAX] = "";
	struct err ne = ERR_INIT;

	if (r->expires)
		value_format_utc(r->expires, until);
	audit_str(&b, "event", "sync");
	audit_int(&b, "run", r->run_id);
	audit_str(&b, "status", ret ? "Failed" : "Completed");
	audit_str(&b, "destination", o->dest->display);
	audit_str(&b, "options", o->options_text ? o->options_text : "");
	audit_int(&b, "files", (int64_t)r->files);
	audit_int(&b, "files_sent", (int64_t)r->sent);
	audit_int(&b, "bytes_sent", (int64_t)r->bytes);
	audit_int(&b, "unchanged", (int64_t)r->skipped);
	audit_int(&b, "deleted", (int64_t)r->deleted);
	audit_int(&b, "failed", (int64_t)r->failed);
	audit_str(&b, "error", ret ? e->msg : "");
	audit_str(&b, "links_expire", until);
	buf_printf(&doc, "{%s}", b.data);
	if (!b.err && !doc.err && notify_post(a->notify, doc.data, &ne))
		fprintf(stderr, "collabfs: warning: %s\n", ne.msg);
	buf_release(&doc);
	buf_release(&b);
}

static int run(struct sync_args *a, const char *store, const char *dest)
{
	struct azure_dest d;
	struct err e = ERR_INIT;
	struct sync_result res;
	struct sync_opts o;
	struct timespec t0, t1;
	int ret;

	memset(&d, 0, sizeof(d));
	if (cmd_parse_dest(dest, &d, &e))
		return cmd_fail(&e);
	if (a->links && azure_can_sign(&d, &e)) {
		err_prefix(&e, "--links");
		azure_dest_free(&d);
		return cmd_fail(&e);
	}
	o = (struct sync_opts){ .store = store,
				.tree = &a->tree,
				.options_text = a->opts_text.data,
				.dest = &d,
				.net = a->net,
				.jobs = a->jobs,
				.upload_cutoff = (size_t)a->cutoff_mib << 20,
				.dry_run = a->dry_run,
				.check = a->check,
				.delete = a->delete,
				.verbose = a->verbose,
				.links = a->links,
				.progress = !a->verbose && !a->dry_run &&
					    isatty(STDERR_FILENO) };
	if ((!a->dry_run && audit_open(store, &o.audit, &e)) ||
	    azure_global_init(&e)) {
		audit_close(o.audit);
		azure_dest_free(&d);
		return cmd_fail(&e);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = sync_run(&o, &res, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	audit_close(o.audit);
	if (a->notify && !a->dry_run)
		notify(a, &o, &res, ret, &e);
	if (!ret || res.files) /* not when refused before the plan */
		summary(&o, &res,
			(double)(t1.tv_sec - t0.tv_sec) +
				(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	azure_global_cleanup();
	azure_dest_free(&d);
	if (!ret)
		return 0;
	cmd_fail(&e);
	return ret == -EBUSY ? 3 : 1;
}

int cmd_sync(int argc, char **argv)
{
	struct sync_args a = { .opts_text = BUF_INIT(8192),
			       .jobs = 4,
			       .cutoff_mib = 8 };
	struct err e = ERR_INIT;
	int ret;

	if (cmd_wants_help(argc, argv))
		return fputs(sync_help, stdout), 0;
	tree_options_init(&a.tree);
	a.tree.facts_md5 = 1; /* Azure stores it: work it out once */
	azure_opts_init(&a.net);
	ret = parse_args(argc, argv, &a, &e);
	if (ret && strcmp(e.msg, "unknown option") == 0)
		ret = cmd_usage_error("sync", "unknown option");
	else if (ret) { /* a bad option value: bad usage, too */
		cmd_fail(&e);
		ret = EXIT_USAGE;
	} else if (argc - optind != 2)
		ret = cmd_usage_error("sync", "needs STORE and DEST");
	else
		ret = run(&a, argv[optind], argv[optind + 1]);
	buf_release(&a.opts_text);
	tree_options_free(&a.tree);
	return ret;
}
