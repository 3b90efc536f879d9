/* cmd_mount.c - `collabfs mount STORE MOUNTPOINT [-o OPTIONS] [-f] [-d]`. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "fs.h"
#include "tree.h"

static const char mount_help[] =
	"usage: collabfs mount STORE MOUNTPOINT [-o OPTIONS] [-f] [-d]\n"
	"\n"
	"Mount the store's tree of privacy-masked CSV files, read-only, at\n"
	"MOUNTPOINT.  Returns once it is mounted; 'fusermount3 -u MOUNTPOINT'\n"
	"unmounts.  If the daemon dies, the mount goes away by itself.\n"
	"\n"
	"Tree options (-o, comma separated, with any standard FUSE option):\n"
	"  interval=month|day|week   period of the folders (UTC; weeks from\n"
	"                            Sunday); default month\n"
	"  from=YYYY-MM-DD, to=YYYY-MM-DD\n"
	"                            only these days (inclusive)\n"
	"  scope=all|WORD[+WORD...]  meetings, mail, calls, chat, files\n"
	"  policy=FILE               field privacy (docs/privacy.md)\n"
	"  key=FILE                  pseudonymization key ('collabfs keygen');\n"
	"                            needed when any field is hashed, as the\n"
	"                            built-in policy does\n"
	"  cache=DIR                 where file facts are kept (mode 0700);\n"
	"                            default STORE.cache\n"
	"  min_group=N               smallest group an activity view shows\n"
	"                            (5 or more; default 5)\n"
	"  partitions=FILE,partition=NAME\n"
	"                            only that partition's members' rows\n"
	"                            (docs/partitions.md)\n"
	"  audit=on|off              record every open in STORE.audit (on;\n"
	"                            off is recorded too: docs/audit.md)\n"
	"  uid=USER, gid=GROUP       files owned by them, mode 0440 (folders\n"
	"                            0550), the kernel checking access; with\n"
	"                            allow_other, for that group's readers\n"
	"\n"
	"  -f            stay in the foreground\n"
	"  -d            FUSE debug output (implies -f)\n"
	"  -h, --help    show this help\n"
	"\n"
	"See docs/tree.md.\n";

#define FUSE_BASE_OPTS \
	"ro,auto_unmount,noatime,fsname=collabfs,subtype=collabfs"

struct mount_args {
	struct tree_options tree;
	int audit;
	long uid, gid;		 /* -1: none given */
	struct buf options_text; /* every -o, for the audit trail */
	struct buf fuse_opts;	 /* the -o options that are not ours */
	int foreground, debug;
};

/* audit=on|off: 1 (taken) or -EINVAL. */
static int audit_option(struct mount_args *a, const char *value, struct err *e)
{
	if (value && strcmp(value, "on") == 0)
		a->audit = 1;
	else if (value && strcmp(value, "off") == 0)
		a->audit = 0;
	else
		return err_set(e, -EINVAL,
			       "option audit: '%s' is not on or off",
			       value ? value : "");
	return 1;
}

static long group_id(const char *name)
{
	struct group g, *found = NULL;
	char buf[16384];

	return getgrnam_r(name, &g, buf, sizeof(buf), &found) == 0 && found
		       ? (long)found->gr_gid
		       : -1;
}

static long user_id(const char *name)
{
	struct passwd pw, *found = NULL;
	char buf[16384];

	return getpwnam_r(name, &pw, buf, sizeof(buf), &found) == 0 && found
		       ? (long)found->pw_uid
		       : -1;
}

/* A user or group, by name or number: its id, or -1. */
static long owner_id(int group, const char *value)
{
	char *end = NULL;
	long id;

	if (!value || !*value)
		return -1;
	errno = 0;
	id = strtol(value, &end, 10);
	if (!*end && !errno && id >= 0 && id < 0x7fffffffL)
		return id;
	return group ? group_id(value) : user_id(value);
}

/* uid=USER or gid=GROUP: 1 (taken) or -EINVAL. */
static int owner_option(struct mount_args *a, int group, const char *value,
			struct err *e)
{
	long id = owner_id(group, value);

	if (id < 0)
		return err_set(e, -EINVAL, "option %s: '%s' is no %s",
			       group ? "gid" : "uid", value ? value : "",
			       group ? "group (a name or a number)"
				     : "user (a name or a number)");
	if (group)
		a->gid = id;
	else
		a->uid = id;
	return 1;
}

/* One NAME[=VALUE] item (eq: its '=', or NULL): 1 ours, 0 FUSE's, or
 * -errno. */
static int take_opt(struct mount_args *a, char *item, char *eq, struct err *e)
{
	int ret;

	if (eq)
		*eq = '\0';
	if (strcmp(item, "audit") == 0)
		ret = audit_option(a, eq ? eq + 1 : NULL, e);
	else if (strcmp(item, "uid") == 0 || strcmp(item, "gid") == 0)
		ret = owner_option(a, item[0] == 'g', eq ? eq + 1 : NULL, e);
	else
		ret = tree_option(&a->tree, item, eq ? eq + 1 : NULL, e);
	if (eq)
		*eq = '=';
	return ret;
}

/* Split one -o list: tree options into a->tree, the rest for FUSE. */
static int split_opts(struct mount_args *a, char *list, struct err *e)
{
	for (char *save = NULL, *item = strtok_r(list, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int ret;

		if (a->options_text.len)
			buf_addch(&a->options_text, ',');
		buf_addstr(&a->options_text, item);
		ret = take_opt(a, item, eq, e);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			buf_addch(&a->fuse_opts, ',');
			buf_addstr(&a->fuse_opts, item);
		}
	}
	return 0;
}

static int make_absolute(char **slot)
{
	char *abs;

	if (!*slot)
		return 0;
	abs = tree_absolute_path(*slot);
	if (!abs)
		return -ENOMEM;
	free(*slot);
	*slot = abs;
	return 0;
}

static int parse_args(int argc, char **argv, struct mount_args *a,
		      struct err *e)
{
	int c;

	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread */
	while ((c = getopt(argc, argv, "o:fdh")) != -1) {
		if (c == 'o') {
			int ret = split_opts(a, optarg, e);

			if (ret)
				return ret;
		} else if (c == 'f') {
			a->foreground = 1;
		} else if (c == 'd') {
			a->debug = a->foreground = 1;
		} else {
			return err_set(e, -EINVAL, "unknown option");
		}
	}
	return 0;
}

int cmd_mount(int argc, char **argv)
{
	struct mount_args a = { .audit = 1,
				.uid = -1,
				.gid = -1,
				.fuse_opts = BUF_INIT(1 << 16),
				.options_text = BUF_INIT(1 << 16) };
	struct err e = ERR_INIT;
	char *store = NULL, *mnt = NULL;
	char prog[] = "collabfs", dash_o[] = "-o", dash_d[] = "-d";
	char *fargv[5] = { prog, dash_o, NULL, dash_d, NULL };
	struct fs_config cfg;
	int ret;

	if (cmd_wants_help(argc, argv))
		return fputs(mount_help, stdout), 0;
	tree_options_init(&a.tree);
	buf_addstr(&a.fuse_opts, FUSE_BASE_OPTS);
	ret = parse_args(argc, argv, &a, &e);
	if (ret && strcmp(e.msg, "unknown option") == 0)
		ret = cmd_usage_error("mount", "unknown option");
	else if (ret)
		ret = cmd_fail(&e);
	else if (argc - optind != 2)
		ret = cmd_usage_error("mount", "needs STORE and MOUNTPOINT");
	if (ret)
		goto out;
	store = tree_absolute_path(argv[optind]);
	mnt = tree_absolute_path(argv[optind + 1]);
	if (a.uid >= 0 || a.gid >= 0) /* the kernel checks the modes */
		buf_addstr(&a.fuse_opts, ",default_permissions");
	if (!store || !mnt || make_absolute(&a.tree.policy) ||
	    make_absolute(&a.tree.key) || make_absolute(&a.tree.cache) ||
	    make_absolute(&a.tree.partitions) || a.fuse_opts.err) {
		fputs("collabfs: out of memory\n", stderr);
		ret = 1;
		goto out;
	}
	fargv[2] = a.fuse_opts.data;
	cfg = (struct fs_config){ store,	   mnt,	    &a.tree,
				  a.debug ? 4 : 3, fargv,   a.foreground,
				  a.debug,	   a.audit, a.options_text.data,
				  a.uid,	   a.gid };
	ret = fs_run(&cfg, &e) ? cmd_fail(&e) : 0;
out:
	free(store);
	free(mnt);
	buf_release(&a.fuse_opts);
	buf_release(&a.options_text);
	tree_options_free(&a.tree);
	return ret;
}
