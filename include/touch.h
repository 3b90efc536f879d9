/* touch.h - the set of UTC days a refresh touched in one table.
 *
 * A bitmap over every day a datetime can name (years 0001 to 9999, about
 * 450 KiB, allocated on the first mark) plus the start of an open-ended span
 * (an HR row still valid), so memory stays bounded whatever the input order.
 */
#ifndef COLLABFS_TOUCH_H
#define COLLABFS_TOUCH_H

#include <stdint.h>

/* Day numbers (days since 1970-01-01) of 0001-01-01 and 9999-12-31. */
#define TOUCH_DAY_MIN (-719162LL)
#define TOUCH_DAY_MAX (2932896LL)
/* last_day of a span that has no end. */
#define TOUCH_OPEN INT64_MAX

struct touch {
	uint64_t *bits;	   /* NULL until the first mark */
	int64_t open_from; /* first day of an open span, TOUCH_OPEN if none */
};

#define TOUCH_INIT               \
	{                        \
		NULL, TOUCH_OPEN \
	}

/* Mark days [first, last] (last may be TOUCH_OPEN); days outside the range
 * are clamped.  Returns 0 or -ENOMEM. */
int touch_mark(struct touch *t, int64_t first, int64_t last);
/* Call fn for each maximal run of marked days, in order; the open span comes
 * last with last == TOUCH_OPEN.  Stops at fn's first non-zero return and
 * returns it. */
int touch_each(const struct touch *t,
	       int (*fn)(int64_t first, int64_t last, void *arg), void *arg);
/* Free the bitmap; t is empty again.  Safe twice. */
void touch_release(struct touch *t);

#endif
