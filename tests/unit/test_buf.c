/* test_buf.c - array_room: arrays that double as they fill. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"

struct pair {
	int a;
	long b;
};

int main(void)
{
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
