/* tree.h - the tree of files that the mount shows and the sync uploads.
 *
 *	/README.txt
 *	/<table dir>/<period>/<table dir>_<period>.csv
 *
 * for each table in scope and each period (of the interval, inside the
 * from/to range) that holds rows of it; person_historical has a period
 * wherever another table in scope has one and an HR row is valid in it.
 * docs/tree.md is the user's manual.
 *
 * Two halves.  The pure one (tree_path.c) parses the tree options and
 * paths, and names nodes: no I/O, a fuzz target.  The live one (tree.c)
 * answers for one store: which nodes exist at its current version, each
 * file's facts (exact size, content hash, mtime, inode number: rendered
 * once, then kept in the manifest beside the store), and readers that
 * serve any byte range of a file from a snapshot of the store, so that a
 * file opened before a refresh keeps its bytes.  fs.c (the FUSE
 * callbacks) and the sync are thin layers over these functions.
 *
 * Thread-safe: the FUSE worker threads call it concurrently.
 */
#ifndef COLLABFS_TREE_H
#define COLLABFS_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "period.h"
#include "schema.h"

/* ---- options --------------------------------------------------------------
 */

#define TREE_SCOPE_ALL 0x1fu /* the five scope words */
#define TREE_MIN_GROUP 5     /* the smallest group an activity view shows */

struct tree_options {
	enum period_interval interval;
	struct period_range range;
	unsigned scope;	    /* bit i: scope word i of tree_scope_words */
	char *policy;	    /* policy file, NULL for the built-in policy */
	char *key;	    /* key file, NULL for none */
	char *cache;	    /* manifest directory, NULL for "<store>.cache" */
	unsigned min_group; /* activity views: smallest department shown */
	char *partitions;   /* partitions file (partition.h), NULL for none */
	char *partition;    /* the partition the tree is for, NULL: everyone */
	int facts_md5;	    /* work out each file's MD5 with its facts (the
			       sync's: Azure stores it); not a user option */
};

void tree_options_init(struct tree_options *o);
void tree_options_free(struct tree_options *o);

/* Set the tree option name to value.  Returns 1 if name is a tree option
 * (set), 0 if it is not one of ours (the mount passes it to FUSE), or
 * -EINVAL for a bad value, with a message naming the option and value. */
int tree_option(struct tree_options *o, const char *name, const char *value,
		struct err *e);

/* A -o list ("name=value" items joined by commas) of tree options only:
 * each is set in o; a path (policy, key, cache, partitions) is made
 * absolute (tree_absolute_path).  text (may be NULL) receives the items
 * as set, absolute paths and all: what the history shows.  An unknown
 * option or a bad value: -EINVAL with e naming it (tree_optlist.c). */
int tree_options_parse(struct tree_options *o, const char *list,
		       struct buf *text, struct err *e);

/* An absolute version of path (which need not exist: then made from the
 * working directory), malloc'd; NULL when out of memory. */
char *tree_absolute_path(const char *path);

/* Parse the scope option: "all", or scope words joined by '+'.  Returns 0
 * with *out, or -EINVAL. */
int tree_scope_parse(const char *s, unsigned *out);
/* Whether table t is shown under scope (PersonHistorical always is). */
int tree_in_scope(unsigned scope, const struct table *t);

/* ---- nodes and paths ------------------------------------------------------
 */

enum tree_kind {
	TREE_ROOT,
	TREE_README, /* /README.txt */
	TREE_TABLE,  /* /meetings */
	TREE_PERIOD, /* /meetings/2022-01 */
	TREE_FILE,   /* /meetings/2022-01/meetings_2022-01.csv */
};

struct tree_node {
	enum tree_kind kind;
	const struct table *table; /* TREE_TABLE, TREE_PERIOD, TREE_FILE */
	struct period period;	   /* TREE_PERIOD, TREE_FILE */
};

#define TREE_PATH_MAX 128 /* longer than any path of the tree */

/* The child of dir called name[0..n) as the tree would name it, whether or
 * not it exists in a store: 0 with *out, or -ENOENT (not a name the tree
 * ever has, e.g. "2022-1", a file of another period, "x.csv") or -ENOTDIR
 * (dir is a file). */
int tree_child(enum period_interval iv, const struct tree_node *dir,
	       const char *name, size_t n, struct tree_node *out);
/* The node of an absolute path ("/", "/meetings/2022-01", ...; no "." or
 * "..", no doubled or trailing '/'), by tree_child() from the root. */
int tree_parse_path(enum period_interval iv, const char *path,
		    struct tree_node *out);
/* The node's name in its parent (the root's is ""), and its absolute path;
 * NUL-terminated, truncated like snprintf; return the whole length. */
size_t tree_node_name(enum period_interval iv, const struct tree_node *n,
		      char *buf, size_t size);
size_t tree_node_path(enum period_interval iv, const struct tree_node *n,
		      char *buf, size_t size);
/* The node's parent (the root's parent is the root). */
void tree_node_parent(const struct tree_node *n, struct tree_node *out);
/* Whether the node is a directory. */
int tree_node_is_dir(const struct tree_node *n);

/* ---- a live tree over one store -------------------------------------------
 */

struct tree;

/* Open the tree of the store at store_path with options o: opens the store
 * read-only, loads the policy and the key (refusing a policy that hashes
 * without a key), opens the manifest.  Errors name the file at fault. */
int tree_open(const char *store_path, const struct tree_options *o,
	      struct tree **out, struct err *e);
void tree_close(struct tree *t); /* NULL-safe */

/* Bring the tree to the store's newest version.  For each node whose
 * presence or bytes may differ from the previous version's, fn is called
 * (with the node and its parent); *changed tells whether the version moved.
 * The caller (the mount's notifier thread) turns them into kernel
 * invalidations. */
typedef void (*tree_change_fn)(void *arg, const struct tree_node *parent,
			       const struct tree_node *node);
int tree_update(struct tree *t, tree_change_fn fn, void *arg, int *changed,
		struct err *e);

/* Whether node exists at the current version. */
int tree_exists(struct tree *t, const struct tree_node *n);

/* Call fn for each child of dir at the current version, in name order
 * (fn returning non-zero stops; that value is returned). */
typedef int (*tree_list_fn)(void *arg, const struct tree_node *child,
			    const char *name);
int tree_list(struct tree *t, const struct tree_node *dir, tree_list_fn fn,
	      void *arg);

/* What stat shows.  Files: the exact size, mtime the commit time of the
 * refresh that last changed the bytes, ino a function of (path, bytes).
 * Directories: ino a function of the path, mtime the store version's. */
struct tree_stat {
	uint64_t ino;
	uint64_t size;
	int64_t mtime;
	int is_dir;
	int settled; /* a period that ended more than a day ago: kernels may
			cache it long */
};

/* The facts of a file (TREE_FILE or TREE_README) at the current version,
 * rendering it first if the manifest does not know them; two callers for
 * one file render it once.  A reference: release with tree_file_put. */
struct tree_file;
int tree_file_get(struct tree *t, const struct tree_node *n,
		  struct tree_file **out, struct err *e);
/* The same; and when this call is the one that renders the file (its
 * facts were not known) and it is no more than max bytes, its bytes are
 * left in bytes (else bytes is left empty), so a caller that needs them
 * renders the file once: bytes->len == size tells. */
int tree_file_get_kept(struct tree *t, const struct tree_node *n,
		       struct tree_file **out, struct buf *bytes, size_t max,
		       struct err *e);
void tree_file_hold(struct tree_file *f);
void tree_file_put(struct tree_file *f); /* NULL-safe */
void tree_file_stat(const struct tree_file *f, struct tree_stat *st);
const struct tree_node *tree_file_node(const struct tree_file *f);
/* SHA-256 of the file's bytes. */
const unsigned char *tree_file_sha256(const struct tree_file *f);
/* MD5 of the file's bytes into out, if known (1; else 0): worked out with
 * the facts by a tree opened with facts_md5, kept in the manifest. */
int tree_file_md5(const struct tree_file *f, unsigned char out[16]);
/* The last offset at or before off where a reader can start rendering
 * (a checkpoint: one per MiB or so; 0 is the start), so that a read from
 * there renders nothing it throws away.  The sync cuts blocks there. */
uint64_t tree_file_restart_at(const struct tree_file *f, uint64_t off);

void tree_dir_stat(struct tree *t, const struct tree_node *n,
		   struct tree_stat *st);

/* A reader of one file's bytes, at the store version its facts were taken
 * at: -ESTALE if the store has changed that file's bytes since (the caller
 * looks the file up again). */
struct tree_reader;
int tree_reader_open(struct tree *t, struct tree_file *f,
		     struct tree_reader **out, struct err *e);
/* Copy up to size bytes from offset off into dst; *got is 0 at or past
 * the end.  Any offset, any order, from any thread. */
int tree_reader_read(struct tree_reader *r, char *dst, size_t size,
		     uint64_t off, size_t *got, struct err *e);
/* Hand up to size bytes from offset off to fn, in place (no copy): p is
 * valid only during the call, which runs under the reader's lock, so fn
 * must not call back into r.  n is 0 at or past the end.  Returns fn's
 * result, or -errno with e set (fn not called). */
typedef int (*tree_serve_fn)(void *arg, const char *p, size_t n);
int tree_reader_serve(struct tree_reader *r, size_t size, uint64_t off,
		      tree_serve_fn fn, void *arg, struct err *e);
/* Append bytes [off, off + n) of the file to out, rendering straight into
 * it rather than through the reader's window: for a caller that reads a
 * range once (the sync's blocks).  Cheapest when off is a restart point
 * (tree_file_restart_at).  Fails with -EIO if the file ends before
 * off + n. */
int tree_reader_render(struct tree_reader *r, struct buf *out, uint64_t off,
		       size_t n, struct err *e);
/* Readers are counted: open gives one reference, ref adds one, close
 * drops one and frees the reader with the last.  A thread that may be
 * racing the last close (a FUSE READ whose reply lets the reading process
 * close the file) holds its own reference while it serves. */
void tree_reader_ref(struct tree_reader *r);
void tree_reader_close(struct tree_reader *r); /* NULL-safe */

#endif
