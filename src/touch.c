/* touch.c - days touched by a refresh.  See touch.h. */
#include "touch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NDAYS  ((uint64_t)(TOUCH_DAY_MAX - TOUCH_DAY_MIN + 1))
#define NWORDS ((NDAYS + 63) / 64)

static uint64_t clamp(int64_t day)
{
	if (day < TOUCH_DAY_MIN)
		return 0;
	if (day > TOUCH_DAY_MAX)
		return NDAYS - 1;
	return (uint64_t)(day - TOUCH_DAY_MIN);
}

static void set_range(uint64_t *w, uint64_t a, uint64_t b)
{
	uint64_t wa = a / 64, wb = b / 64;
	uint64_t ma = ~0ULL << (a % 64);
	uint64_t mb = ~0ULL >> (63 - b % 64);

	if (wa == wb) {
		w[wa] |= ma & mb;
		return;
	}
	w[wa] |= ma;
	for (uint64_t i = wa + 1; i < wb; i++)
		w[i] = ~0ULL;
	w[wb] |= mb;
}

int touch_mark(struct touch *t, int64_t first, int64_t last)
{
	if (last == TOUCH_OPEN) {
		if (first < t->open_from)
			t->open_from = first;
		return 0;
	}
	if (last < first)
		return 0;
	if (!t->bits) {
		t->bits = calloc(NWORDS, sizeof(uint64_t));
		if (!t->bits)
			return -ENOMEM;
	}
	set_range(t->bits, clamp(first), clamp(last));
	return 0;
}

static int bit(const uint64_t *w, uint64_t i)
{
	return (int)((w[i / 64] >> (i % 64)) & 1);
}

/* Next set (want=1) or clear (want=0) bit at or after i; NDAYS if none. */
static uint64_t next_bit(const uint64_t *w, uint64_t i, int want)
{
	while (i < NDAYS) {
		uint64_t word = want ? w[i / 64] : ~w[i / 64];

		word &= ~0ULL << (i % 64);
		if (word) {
			uint64_t j =
				i / 64 * 64 + (uint64_t)__builtin_ctzll(word);

			return j < NDAYS ? j : NDAYS;
		}
		i = (i / 64 + 1) * 64;
	}
	return NDAYS;
}

int touch_each(const struct touch *t,
	       int (*fn)(int64_t first, int64_t last, void *arg), void *arg)
{
	uint64_t stop =
		t->open_from == TOUCH_OPEN ? NDAYS : clamp(t->open_from);
	uint64_t i = 0;
	int ret;

	while (t->bits && i < stop) {
		uint64_t a = next_bit(t->bits, i, 1), b;

		if (a >= stop)
			break;
		b = next_bit(t->bits, a, 0);
		if (b >= stop && stop < NDAYS)
			break; /* runs into the open span: merged there */
		ret = fn((int64_t)a + TOUCH_DAY_MIN,
			 (int64_t)b - 1 + TOUCH_DAY_MIN, arg);
		if (ret)
			return ret;
		i = b;
	}
	if (t->open_from == TOUCH_OPEN)
		return 0;
	/* A run that reaches into the open span starts it earlier. */
	for (i = stop; t->bits && i > 0 && bit(t->bits, i - 1);)
		i--;
	return fn((int64_t)i + TOUCH_DAY_MIN, TOUCH_OPEN, arg);
}

void touch_release(struct touch *t)
{
	free(t->bits);
	t->bits = NULL;
	t->open_from = TOUCH_OPEN;
}
