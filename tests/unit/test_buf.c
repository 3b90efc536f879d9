/* test_buf.c - array_room: arrays that double as they fill; buf_read_fd. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"

struct pair {
	int a;
	long b;
};

/* Bytes written to a pipe come back whole; past the max, -EFBIG. */
static void test_read_fd(void)
{
	struct buf b = BUF_INIT(64), small = BUF_INIT(8);
	int fd[2];

	if (pipe(fd))
		return;
	CHECK_INT(write(fd[1], "0123456789abcdef", 16), 16);
	close(fd[1]);
	CHECK_INT(buf_read_fd(&b, fd[0]), 0);
	CHECK_INT(b.len, 16);
	CHECK_INT(memcmp(b.data, "0123456789abcdef", 16), 0);
	close(fd[0]);
	if (pipe(fd))
		return;
	CHECK_INT(write(fd[1], "0123456789", 10), 10);
	close(fd[1]);
	CHECK_INT(buf_read_fd(&small, fd[0]), -EFBIG);
	close(fd[0]);
	CHECK_INT(buf_read_fd(&b, -1), -EBADF);
	buf_release(&b);
	buf_release(&small);
}

int main(void)
{
	test_read_fd();
	struct pair *v = NULL;
	size_t cap = 0, n = 0;
	int bad = 0;

	for (int i = 0; i < 1000; i++) {
		if (array_room(&v, &cap, n, sizeof(*v), 4))
			break;
		v[n++] = (struct pair){ i, -i };
	}
	CHECK_INT(n, 1000);
	CHECK_INT(cap, 1024); /* 4, 8, ... 1024 */
	for (size_t i = 0; i < n; i++)
		bad += v[i].a != (int)i || v[i].b != -(long)i;
	CHECK_INT(bad, 0);
	CHECK_INT(array_room(&v, &cap, 10, sizeof(*v), 4), 0); /* room */
	CHECK_INT(cap, 1024);
	{ /* a size that would overflow: refused, the array kept */
		struct pair *keep = v;
		size_t big = SIZE_MAX / 4;

		CHECK_INT(array_room(&v, &big, big, sizeof(*v), 4), -ENOMEM);
		CHECK(v == keep);
	}
	free(v);
	return check_report();
}
