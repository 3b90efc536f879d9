/* fs.h - the FUSE filesystem: thin low-level callbacks over tree.h.
 *
 * Inode numbers come from the tree (a file's is a function of its path and
 * bytes, so changed bytes get a new inode and the kernel's page cache can
 * never serve old bytes under a new size); fs.c keeps the inodes the kernel
 * knows (with their lookup counts, as the low-level API requires), one
 * shared reader per open inode, and a notifier thread that polls the store
 * and sends the kernel its invalidations (never from a request handler:
 * that deadlocks).  docs/tree.md describes the behaviour.
 */
#ifndef COLLABFS_FS_H
#define COLLABFS_FS_H

#include "err.h"
#include "tree.h"

struct fs_config {
	const char *store;	/* absolute path of the store */
	const char *mountpoint; /* absolute path */
	const struct tree_options *tree;
	int argc; /* FUSE's own arguments (program name first) */
	char **argv;
	int foreground;		  /* -f: do not daemonize */
	int debug;		  /* -d: FUSE debug output (implies -f) */
	int audit;		  /* record every open in the audit trail */
	const char *options_text; /* the -o text, for the audit trail */
	long uid, gid; /* -o uid=, gid=: the files' owner and group, served
			  0440 (folders 0550) with default_permissions;
			  -1: the mounting user's, 0444 (0555) */
};

/* Mount and serve until unmounted or signalled.  Errors found before the
 * filesystem is mounted (bad store, policy, key, mountpoint) are returned
 * with e set, so the command can print them; once it runs as a daemon it
 * logs to syslog.  Returns 0 after a clean unmount. */
int fs_run(const struct fs_config *cfg, struct err *e);

#endif
