/* md5.h - MD5 of bytes, at once or in pieces (OpenSSL underneath).
 *
 * Azure Blob Storage checks and stores a blob's MD5 (Content-MD5): the
 * sync sends it with every request, and the tree can work it out with a
 * file's other facts so that the sync need not hash the bytes again.
 */
#ifndef COLLABFS_MD5_H
#define COLLABFS_MD5_H

#include <stddef.h>

#define MD5_LEN 16

/* MD5 of p[0..n). */
void md5_of(const void *p, size_t n, unsigned char out[MD5_LEN]);

/* An incremental one: new (NULL when out of memory), add, end (writes the
 * digest and frees m).  md5_free drops one unfinished (NULL-safe). */
struct md5;
struct md5 *md5_new(void);
void md5_add(struct md5 *m, const void *p, size_t n);
void md5_end(struct md5 *m, unsigned char out[MD5_LEN]);
void md5_free(struct md5 *m);

#endif
