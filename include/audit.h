/* audit.h - the audit trail: who read or exported what, and when.
 *
 * STORE.audit is an append-only log beside the store, one JSON object per
 * line (JSON Lines), mode 0600:
 *
 *   {"seq":7,"time":"2026-11-24T10:00:00.123Z","event":"open","uid":0,
 *    "pid":812,"process":"cat","path":"/meetings/2022-01/...",
 *    "prev":"<64 hex>","hash":"<64 hex>"}
 *
 * seq counts from 1; prev is the hash of the entry before (64 zeros for the
 * first); hash is the SHA-256 of the line's text up to (not including)
 * ',"hash":'.  So an edited entry no longer matches its hash, and an
 * inserted or deleted one breaks the chain of prev and seq.  STORE.audit.head
 * holds the last entry's seq and hash, so that entries cut off the end are
 * found too.  Several writers (mounts, syncs) share the log under an
 * exclusive flock, each chaining to what the file holds.
 *
 * Two halves: the log (audit_log.c: append a batch, verify, read back; no
 * threads) and the recorder (audit.c): audit_add queues an entry and
 * returns; a thread appends the queue in batches, off the read path.
 * docs/audit.md describes the behaviour.
 */
#ifndef COLLABFS_AUDIT_H
#define COLLABFS_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

#define AUDIT_HASH_HEX 64
#define AUDIT_TIME_MAX 32

/* ---- the log (audit_log.c) ------------------------------------------------
 */

/* The log's and the head's paths for a store (malloc'd, caller frees). */
char *audit_log_path(const char *store);

/* Make sure the log can be written (creating it, mode 0600): a mount or
 * sync checks this before it starts, so the user sees the error. */
int audit_log_check(const char *store, struct err *e);

/* One entry waiting to be written: its time and its members (JSON, without
 * braces, e.g. "\"event\":\"open\",\"uid\":0"). */
struct audit_item {
	char time[AUDIT_TIME_MAX];
	char *fields;
};

/* Now, as the log writes times: 2026-11-24T10:00:00.123Z. */
void audit_stamp(char out[AUDIT_TIME_MAX]);

/* Append items[0..n) to the store's log under its lock, each chained to
 * the one before, and update the head. */
int audit_log_append(const char *store, const struct audit_item *items,
		     size_t n, struct err *e);

/* One member of an entry as read back: key and value (strings unescaped,
 * numbers as written). */
struct audit_member {
	char key[32];
	char *value;
};

#define AUDIT_MEMBERS_MAX 24

struct audit_entry {
	size_t line;	  /* 1-based line in the log */
	const char *text; /* the whole line, as stored */
	struct audit_member m[AUDIT_MEMBERS_MAX];
	size_t n;
};

/* The value of member key, or NULL. */
const char *audit_get(const struct audit_entry *en, const char *key);

/* Read the log, calling fn for each entry in order (fn returning non-zero
 * stops; that value is returned).  A line that is not an entry fails with
 * a message naming its line. */
typedef int (*audit_each_fn)(void *arg, const struct audit_entry *en);
int audit_log_each(const char *store, audit_each_fn fn, void *arg,
		   struct err *e);

/* Check the chain.  fn (may be NULL) gets each problem, one line naming
 * the entry; *problems counts them, *entries the entries read, head the
 * last entry's hash.  Returns 0 when the log could be read (problems or
 * not), -errno otherwise. */
struct audit_verdict {
	size_t entries;
	size_t problems;
	char head[AUDIT_HASH_HEX + 1];
};
int audit_log_verify(const char *store, void (*fn)(void *, const char *),
		     void *arg, struct audit_verdict *v, struct err *e);

/* Append "key":"value" (JSON-escaped) or "key":number to b, with a
 * leading comma unless b is empty. */
void audit_str(struct buf *b, const char *key, const char *value);
void audit_int(struct buf *b, const char *key, int64_t value);

/* ---- the recorder (audit.c) -----------------------------------------------
 */

struct audit;

/* Start recording to the store's log: a thread writes what audit_add
 * queues, at least once a second.  Call after any fork. */
int audit_open(const char *store, struct audit **out, struct err *e);
/* Write what is queued and stop.  NULL-safe. */
void audit_close(struct audit *a);

/* Queue an entry (fields as in struct audit_item), stamped now.  Never
 * blocks on the disk; waits only if the writer is far behind. */
void audit_add(struct audit *a, const char *fields);

/* The usual entry: an open of path by a process (its name is looked up
 * now, while it runs). */
void audit_open_event(struct audit *a, uid_t uid, pid_t pid, const char *path);

/* Members naming who runs this process: uid, user, pid. */
void audit_who(struct buf *b);

/* Entries the writer could not write (the log is then not complete;
 * logged, too). */
uint64_t audit_failures(const struct audit *a);

#endif
