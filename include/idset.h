/* idset.h - a set of byte strings (ids), for membership tests on hot paths.
 *
 * Open addressing over one arena that holds the keys: an insert copies the
 * key, a lookup hashes and compares, nothing is freed one by one.  Keys are
 * numbered in the order they were added (idset_index, idset_key), so that
 * a reader going through them in that order may check the next one first
 * and skip the hash.  Used for
 * a partition's member HR rows and for the parent rows its members took
 * part in (partition.h).
 */
#ifndef COLLABFS_IDSET_H
#define COLLABFS_IDSET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct idset {
	struct idslot *slots;
	size_t cap, n;	 /* cap: a power of two, or 0 */
	struct buf keys; /* the keys, back to back, in the order added */
	size_t *ends;	 /* [n]: where key i ends in keys */
	size_t ends_cap;
};

/* An empty set (no allocation). */
void idset_init(struct idset *s);
/* Add p[0..n) (a copy); adding a key twice keeps one.  0 or -ENOMEM. */
int idset_add(struct idset *s, const char *p, size_t n);
/* Whether p[0..n) is in the set. */
int idset_has(const struct idset *s, const char *p, size_t n);
/* The index of p[0..n) (0 for the first key added, ...), or -1. */
ptrdiff_t idset_index(const struct idset *s, const char *p, size_t n);
/* Key i (i < idset_count(s)): a pointer to its bytes and *n, its length;
 * valid until the next idset_add. */
const char *idset_key(const struct idset *s, size_t i, size_t *n);
static inline size_t idset_count(const struct idset *s)
{
	return s->n;
}
/* Free the contents; the set is empty again (safe twice). */
void idset_release(struct idset *s);

#endif
