/* cmd.h - the subcommands of the collabfs binary.
 *
 * Each takes the arguments after its name (argv[0] is the command's name),
 * prints its own errors as "collabfs: ..." and returns the process exit
 * status: 0 success, 1 failure, 2 bad usage.
 */
#ifndef COLLABFS_CMD_H
#define COLLABFS_CMD_H

#include <stdint.h>

#include "err.h"

struct azure_dest;

#define EXIT_USAGE 2
/* import: the refresh committed, but a saved export failed. */
#define EXIT_EXPORT_FAILED 4

int cmd_audit(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_link(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_tables(int argc, char **argv);

/* Print "collabfs: <e->msg>" on stderr and return 1. */
int cmd_fail(const struct err *e);
/* Print "collabfs <cmd>: <msg>" plus a hint to --help; return EXIT_USAGE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A duration such as 90s, 30m, 12h or 7d (at most 10 years): 0 and
 * *secs, or -1. */
int cmd_parse_duration(const char *s, int64_t *secs);

/* The text of DEST: itself, the first line of @FILE (refused unless mode
 * 0600), or the value of NAME for env:NAME.  malloc'd (cleanse it before
 * free), or NULL with e set. */
char *cmd_dest_text(const char *arg, struct err *e);

/* DEST as sync takes it (the text, @FILE of mode 0600, or env:NAME),
 * with the key from the environment (cmd_sync.c). */
int cmd_parse_dest(const char *arg, struct azure_dest *d, struct err *e);

/* t (unix seconds) as 2022-01-31T19:30:00Z, or "-" for 0 (cmd_history.c). */
void cmd_iso_time(int64_t t, char *dst, size_t n);
/* Print s on stdout as a JSON string, quoted and escaped. */
void cmd_json_str(const char *s);

struct export_outcome;
/* Report one saved export's run (cmd_export.c): a summary line on stdout
 * unless *(int *)quiet, the error on stderr. */
void cmd_export_report(void *quiet, const struct export_outcome *out);

/* Non-zero if argv holds -h or --help (before a "--"). */
int cmd_wants_help(int argc, char **argv);

#endif
