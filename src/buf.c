/* buf.c - growable byte buffer.  See buf.h. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char buf_slop[1];

void buf_init(struct buf *b, size_t max)
{
	b->data = buf_slop;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = 0;
}

int buf_grow(struct buf *b, size_t n)
{
	size_t want;
	char *p;

	if (b->err)
		return b->err;
	if (n > b->max || b->len > b->max - n) {
		b->err = -EFBIG;
		return b->err;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	if (want < b->cap * 2)
		want = b->cap * 2;
	if (want < 64)
		want = 64;
	if (b->max < SIZE_MAX && want > b->max + 1)
		want = b->max + 1; /* keeps buf_add's fast path within max */
	p = realloc(b->cap ? b->data : NULL, want);
	if (!p) {
		b->err = -ENOMEM;
		return b->err;
	}
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = want;
	return 0;
}

void buf_add_slow(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || buf_grow(b, n)) /* p may be NULL when n is 0 */
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->cap)
		b->data[0] = '\0';
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	b->data = buf_slop;
	b->len = 0;
	b->cap = 0;
	b->err = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (b->err) {
		buf_release(b);
		return NULL;
	}
	p = b->cap ? b->data : strdup("");
	if (len)
		*len = b->len;
	b->data = buf_slop;
	b->len = 0;
	b->cap = 0;
	return p;
}

int array_room(void *arrayp, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t ncap = *cap ? *cap * 2 : first;
	void *v, *nv;

	if (n < *cap)
		return 0;
	if (ncap < n + 1 || ncap > SIZE_MAX / size)
		return -ENOMEM;
	memcpy(&v, arrayp, sizeof(v));
	nv = realloc(v, ncap * size);
	if (!nv)
		return -ENOMEM;
	memcpy(arrayp, &nv, sizeof(nv)); /* the caller's pointer now */
	*cap = ncap;
	// cppcheck-suppress memleak ; nv is stored through arrayp
	return 0;
}

int buf_read_fd(struct buf *b, int fd)
{
	char chunk[16384];

	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno ? -errno : -EIO;
		if (r == 0)
			return 0;
		buf_add(b, chunk, (size_t)r);
		if (b->err)
			return b->err;
	}
}
