/* pseudo.h - keyed pseudonyms (HMAC-SHA256) and the secret key file.
 *
 * A pseudonym is the lowercase hex of the first 16 bytes of
 * HMAC-SHA256(key, value): 32 characters.  Only the value's bytes go into the
 * MAC (no table or column), so one value has one pseudonym in every table,
 * file, mount and sync that uses the same key, and joins keep working.
 * Without the key nobody can compute a pseudonym, so nobody can test a guess
 * ("is this alice@example.com?") the way a bare hash would allow.
 *
 * This is OpenSSL's home (with azure.c): its errors become -errno here.
 *
 * Threads: a struct pseudo belongs to one thread (it holds a MAC context and
 * a cache, and has no lock).  Give each thread its own, from the same key.
 * struct pseudo_key is plain data and may be shared read-only.
 */
#ifndef COLLABFS_PSEUDO_H
#define COLLABFS_PSEUDO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PSEUDO_KEY_LEN 32 /* bytes of secret key */
#define PSEUDO_LEN     32 /* characters of a pseudonym (16 bytes in hex) */
#define PSEUDO_ID_LEN  32 /* bytes of pseudo_key_id() and pseudo_sha256() */

struct pseudo_key {
	unsigned char bytes[PSEUDO_KEY_LEN]; /* the secret: never log it */
};

/* Create a new key file at path: 32 random bytes from OpenSSL's RAND_bytes,
 * written as 64 lowercase hex digits and a newline (65 bytes), mode 0600.
 * Never overwrites: an existing path (even a dangling symlink) gives
 * -EEXIST.  On failure nothing is left at path.  Returns 0 or -errno with e
 * set (-EEXIST, -ENOENT for a missing directory, -EACCES, -EIO, ...). */
int pseudo_keygen(const char *path, struct err *e);

/* Read the key file at path into *key.  Refuses (-EPERM) a file that group
 * or others may read or write (mode & 077), and (-EINVAL) one that is not
 * a regular file or does not hold exactly 64 hex digits (either case), an
 * optional newline and nothing else.  Messages name the path, never the
 * key.  *key is zeroed on every failure.  Returns 0 or -errno with e set. */
int pseudo_key_load(const char *path, struct pseudo_key *key, struct err *e);

/* Overwrite *key with zeros (in a way the compiler keeps). */
void pseudo_key_wipe(struct pseudo_key *key);

/* SHA-256 of the key bytes into out: names a key (for caches keyed by it,
 * for "which key made these files") without revealing it.  Returns 0 or
 * -EIO (OpenSSL failed; out is then zeroed). */
int pseudo_key_id(const struct pseudo_key *key,
		  unsigned char out[PSEUDO_ID_LEN]);

/* SHA-256 of p[0..n) into out (for digests elsewhere, e.g. the policy's,
 * so that OpenSSL keeps one home).  Returns 0 or -EIO (out is then
 * zeroed). */
int pseudo_sha256(const void *p, size_t n, unsigned char out[PSEUDO_ID_LEN]);

/* An incremental SHA-256 (content hashes of whole files).  new returns
 * NULL when out of memory; end writes the digest, frees d and returns 0,
 * or -EIO (out zeroed).  free drops an unfinished one (NULL-safe). */
struct pseudo_digest;
struct pseudo_digest *pseudo_digest_new(void);
void pseudo_digest_add(struct pseudo_digest *d, const void *p, size_t n);
int pseudo_digest_end(struct pseudo_digest *d,
		      unsigned char out[PSEUDO_ID_LEN]);
void pseudo_digest_free(struct pseudo_digest *d);

/* A pseudonymizer: the key's HMAC state, computed once, and a bounded cache
 * of recent values.  Returns 0 with *out set (free with pseudo_free), or
 * -errno (-ENOMEM, -EIO) with e set and *out NULL.  The key is copied into
 * OpenSSL's context; key may be wiped afterwards. */
struct pseudo;
int pseudo_new(const struct pseudo_key *key, struct pseudo **out,
	       struct err *e);

/* The pseudonym of p[0..n) (any bytes; n may be 0): PSEUDO_LEN lowercase hex
 * characters, NUL-terminated.  The pointer is borrowed from ps and valid
 * until the next pseudo_of() or pseudo_free() on ps; copy it to keep it.
 * A value seen recently costs a hash-table probe, not a MAC.  Returns NULL
 * only if OpenSSL fails (which it does not on a working system).  Whether an
 * empty field is hashed or kept empty is the caller's choice. */
const char *pseudo_of(struct pseudo *ps, const char *p, size_t n);

/* Cache counters since pseudo_new (for tests and benchmarks). */
void pseudo_stats(const struct pseudo *ps, uint64_t *hits, uint64_t *misses);

/* Free ps and wipe its key state.  NULL-safe. */
void pseudo_free(struct pseudo *ps);

#endif
