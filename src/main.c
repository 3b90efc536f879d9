/* main.c - the collabfs binary: finds the subcommand and runs it. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "audit", cmd_audit,
	  "list or verify the audit trail of reads and syncs" },
	{ "export", cmd_export,
	  "save, list, remove or run exports delivered on every refresh" },
	{ "generate", cmd_generate,
	  "create a store filled with a synthetic organization" },
	{ "import", cmd_import, "load seed-format CSV files as one refresh" },
	{ "info", cmd_info, "show what a store holds and its refreshes" },
	{ "link", cmd_link, "print a read-only link to one synced file" },
	{ "keygen", cmd_keygen,
	  "create a new secret pseudonymization key (mode 0600)" },
	{ "history", cmd_history, "show past sync runs and their status" },
	{ "mount", cmd_mount, "mount the tree of CSV files (read-only FUSE)" },
	{ "sync", cmd_sync, "mirror the tree into an Azure Blob container" },
	{ "tables", cmd_tables, "print the table reference (Markdown)" },
};

static void usage(FILE *f)
{
	fputs("usage: collabfs COMMAND [ARGS...]\n"
	      "       collabfs --version\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nRun 'collabfs COMMAND --help' for a command's options.\n", f);
}

int cmd_parse_duration(const char *s, int64_t *secs)
{
	static const char units[] = "smhd";
	static const int64_t mul[] = { 1, 60, 3600, 86400 };
	const char *u;
	char *end = NULL;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || n <= 0 || !*end || end[1] ||
	    !(u = strchr(units, *end)))
		return -1;
	if (n > (int64_t)3650 * 86400 / mul[u - units])
		return -1;
	*secs = (int64_t)n * mul[u - units];
	return 0;
}

int cmd_fail(const struct err *e)
{
	fprintf(stderr, "collabfs: %s\n", e->msg[0] ? e->msg : "failed");
	return 1;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "collabfs %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'collabfs %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("collabfs %s\n", COLLABFS_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "collabfs: '%s' is not a collabfs command\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
