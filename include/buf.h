/* buf.h - one growable byte buffer (after git's strbuf and curl's dynbuf).
 *
 * data is never NULL (it points at a static empty string until the first
 * append), the contents are always NUL-terminated, growth beyond max fails
 * with -EFBIG and errors are sticky in err: append a whole row, check once.
 */
#ifndef COLLABFS_BUF_H
#define COLLABFS_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* contents, NUL-terminated; never NULL */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated, 0 while data is the static slop */
	size_t max; /* hard limit on len */
	int err;    /* 0, or the first -errno (-ENOMEM, -EFBIG) */
};

extern char buf_slop[1];

#define BUF_INIT(maxlen)                    \
	{                                   \
		buf_slop, 0, 0, (maxlen), 0 \
	}

void buf_init(struct buf *b, size_t max);
/* Make room for n more bytes.  Returns 0 or the sticky error. */
int buf_grow(struct buf *b, size_t n);
/* The slow paths of buf_add and buf_addch (growth, errors). */
void buf_add_slow(struct buf *b, const void *p, size_t n);
void buf_addstr(struct buf *b, const char *s);

/* Append p[0..n) (p may be NULL when n is 0).  Inline: the renderers call
 * it for every field, and room is there nearly always (cap <= max + 1, so
 * fitting under cap is fitting under max). */
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	if (n && n < b->cap - b->len) {
		__builtin_memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	buf_add_slow(b, p, n);
}

static inline void buf_addch(struct buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	buf_add_slow(b, &c, 1);
}
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Empty the buffer, keep the allocation, clear the error. */
void buf_reset(struct buf *b);
/* Free the contents; the buffer is then empty and reusable.  Safe twice. */
void buf_release(struct buf *b);
/* Hand the contents over (caller frees with free()); b is left empty.  Returns
 * NULL if the buffer is in error. */
char *buf_detach(struct buf *b, size_t *len);

/* Append everything left to read from fd to b (read() retried on EINTR).
 * Returns 0, -errno from read(), or b->err (-EFBIG past b's max). */
int buf_read_fd(struct buf *b, int fd);

/* Room for element n of the array *arrayp (a pointer to the array's
 * pointer) of *cap elements of size bytes: doubles it when full (first:
 * the first allocation's count).  Returns 0 or -ENOMEM (the array is then
 * as it was). */
int array_room(void *arrayp, size_t *cap, size_t n, size_t size, size_t first);

#endif
