/* manifest.h - the facts of rendered files, kept beside the store.
 *
 * Knowing a file's exact size means rendering it once; the manifest keeps
 * what that rendering learned (size, SHA-256 of the bytes, mtime, and
 * checkpoints for random access) so that a remount, a second `ls -lR` or
 * the next sync do not render again.  Entries are keyed by a digest of
 * everything the bytes depend on besides the data (the store's identity,
 * interval, range, policy, key: tree.c computes it) and the file's path,
 * and carry the store version they were last checked at.
 *
 * It lives in its own directory (mode 0700: masked data is still
 * sensitive, and sizes and hashes tell about it), as one SQLite file,
 * bounded to MANIFEST_MAX_ENTRIES (least recently written go first).  It is
 * a cache: losing it costs time, never correctness.  Thread-safe.
 */
#ifndef COLLABFS_MANIFEST_H
#define COLLABFS_MANIFEST_H

#include <stdint.h>

#include "buf.h"
#include "err.h"

#define MANIFEST_KEY_LEN     32
#define MANIFEST_MAX_ENTRIES 200000

struct manifest;

struct manifest_entry {
	int64_t version;	  /* store version it was checked at */
	uint64_t size;		  /* bytes of the file */
	unsigned char sha256[32]; /* of the bytes */
	int64_t mtime;		  /* UTC seconds */
	struct buf ckpt;	  /* checkpoints, opaque to the manifest */
	unsigned char md5[16];	  /* of the bytes, if has_md5 */
	int has_md5;		  /* worked out for the sync only */
};

/* Open (creating it and dir, mode 0700, if needed) the manifest in dir.
 * Refuses a dir that group or others may access, naming it. */
int manifest_open(const char *dir, struct manifest **out, struct err *e);
void manifest_close(struct manifest *m); /* NULL-safe */

/* 1 and *out filled (out->ckpt replaced) if (key, path) is known, 0 if
 * not, -errno on error. */
int manifest_get(struct manifest *m, const unsigned char key[MANIFEST_KEY_LEN],
		 const char *path, struct manifest_entry *out, struct err *e);
/* Insert or replace the entry of (key, path). */
int manifest_put(struct manifest *m, const unsigned char key[MANIFEST_KEY_LEN],
		 const char *path, const struct manifest_entry *in,
		 struct err *e);
/* Record that the entry is still right at a newer version. */
int manifest_set_version(struct manifest *m,
			 const unsigned char key[MANIFEST_KEY_LEN],
			 const char *path, int64_t version, struct err *e);

#endif
