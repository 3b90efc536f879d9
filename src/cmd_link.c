/* cmd_link.c - `collabfs link DEST PATH [--expires 7d]`: one read-only,
 * expiring URL of a synced file. */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "azure.h"
#include "buf.h"
#include "cmd.h"

#define LINK_DEFAULT_SECS ((int64_t)7 * 86400)

static const char link_help[] =
	"usage: collabfs link DEST PATH [--expires DURATION]\n"
	"\n"
	"Print a read-only URL of the blob PATH (a tree path, e.g.\n"
	"meetings/2022-01/meetings_2022-01.csv, under DEST's prefix) that works\n"
	"until it expires: a service SAS signed with the account key, so DEST\n"
	"must carry the key (azure://ACCOUNT/CONTAINER[/PREFIX] with\n"
	"AZURE_STORAGE_KEY, or a connection string with AccountKey).  DEST is\n"
	"given as for sync (also @FILE, env:NAME).  Nothing is sent; the blob\n"
	"is not checked.\n"
	"\n"
	"  --expires DURATION  how long the URL works: 90s, 30m, 12h, 7d\n"
	"                      (default 7d, at most 3650d)\n"
	"  -h, --help          show this help\n"
	"\n"
	"See docs/sync.md.\n";

int cmd_link(int argc, char **argv)
{
	static const struct option opts[] = { { "expires", required_argument,
						NULL, 'x' },
					      { NULL, 0, NULL, 0 } };
	int64_t secs = LINK_DEFAULT_SECS;
	struct buf url = BUF_INIT(1 << 16);
	struct azure_dest d;
	struct err e = ERR_INIT;
	const char *path;
	int c, ret;

	if (cmd_wants_help(argc, argv))
		return fputs(link_help, stdout), 0;
	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): no threads here */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'x')
			return cmd_usage_error("link", "unknown option");
		if (cmd_parse_duration(optarg, &secs))
			return cmd_usage_error("link",
					       "--expires '%s': not a duration "
					       "(90s, 30m, 12h, 7d; at most "
					       "3650d)",
					       optarg);
	}
	if (argc - optind != 2)
		return cmd_usage_error("link", "needs DEST and PATH");
	path = argv[optind + 1];
	while (*path == '/')
		path++;
	if (!*path)
		return cmd_usage_error("link", "PATH is empty");
	if (cmd_parse_dest(argv[optind], &d, &e))
		return cmd_fail(&e);
	ret = azure_read_url(&d, path, (int64_t)time(NULL) + secs, &url, &e);
	azure_dest_free(&d);
	if (!ret)
		puts(url.data);
	buf_release(&url);
	return ret ? cmd_fail(&e) : 0;
}
