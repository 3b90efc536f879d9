/* test_touch.c - the set of days a refresh touched. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "touch.h"

#define MIN  TOUCH_DAY_MIN
#define MAX  TOUCH_DAY_MAX
#define OPEN TOUCH_OPEN

/* The runs touch_each reports, as "first..last first..open". */
struct runs {
	struct buf text;
	int calls;
	int stop_at; /* return 7 from this call (1-based), 0: never */
	int64_t prev_last;
	int ordered; /* each run starts after the previous one ended + 1 */
};

static int collect(int64_t first, int64_t last, void *arg)
{
	struct runs *r = arg;

	r->calls++;
	if (r->text.len)
		buf_addch(&r->text, ' ');
	if (last == OPEN)
		buf_printf(&r->text, "%lld..open", (long long)first);
	else
		buf_printf(&r->text, "%lld..%lld", (long long)first,
			   (long long)last);
	if (first > last || (r->calls > 1 && first <= r->prev_last + 1))
		r->ordered = 0;
	r->prev_last = last;
	return r->calls == r->stop_at ? 7 : 0;
}

static int runs_of(const struct touch *t, struct runs *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->text, 1 << 20);
	r->ordered = 1;
	return touch_each(t, collect, r);
}

/* Mark the pairs in marks[] (n pairs), then compare the runs with want. */
static void expect_at(int line, const int64_t *marks, size_t n,
		      const char *want)
{
	struct touch t = TOUCH_INIT;
	struct runs r;

	for (size_t i = 0; i < n; i++)
		check_int(__FILE__, line, "touch_mark",
			  touch_mark(&t, marks[2 * i], marks[2 * i + 1]), 0);
	check_int(__FILE__, line, "touch_each", runs_of(&t, &r), 0);
	check_str(__FILE__, line, "runs", r.text.data, want);
	check_at(r.ordered, __FILE__, line, "runs out of order or not maximal");
	buf_release(&r.text);
	touch_release(&t);
	touch_release(&t); /* safe twice */
	check_int(__FILE__, line, "after release", runs_of(&t, &r), 0);
	check_int(__FILE__, line, "calls after release", r.calls, 0);
	buf_release(&r.text);
}

#define EXPECT(want, ...)                                               \
	do {                                                            \
		static const int64_t m_[] = { __VA_ARGS__ };            \
		expect_at(__LINE__, m_, sizeof(m_) / sizeof(m_[0]) / 2, \
			  (want));                                      \
	} while (0)

/* Day numbers as text, for the expectations. */
static char *days(char *dst, size_t n, int64_t a, int64_t b)
{
	if (b == OPEN)
		snprintf(dst, n, "%lld..open", (long long)a);
	else
		snprintf(dst, n, "%lld..%lld", (long long)a, (long long)b);
	return dst;
}

static void test_empty(void)
{
	struct touch t = TOUCH_INIT;
	struct runs r;

	CHECK_INT(runs_of(&t, &r), 0);
	CHECK_INT(r.calls, 0);
	CHECK(t.bits == NULL);
	buf_release(&r.text);
	/* an empty range marks nothing (and allocates nothing) */
	CHECK_INT(touch_mark(&t, 10, 9), 0);
	CHECK_INT(runs_of(&t, &r), 0);
	CHECK_INT(r.calls, 0);
	buf_release(&r.text);
	touch_release(&t);
}

static void test_days(void)
{
	EXPECT("5..5", 5, 5);
	EXPECT("0..0", 0, 0);
	EXPECT("-1..-1", -1, -1);
	EXPECT("5..5 7..7", 5, 5, 7, 7);
	EXPECT("5..5 7..7", 7, 7, 5, 5);
	EXPECT("5..6", 5, 5, 6, 6);
	EXPECT("5..6", 6, 6, 5, 5);
	EXPECT("5..5", 5, 5, 5, 5);
	EXPECT("1..10", 1, 3, 4, 10);
	EXPECT("1..10", 4, 10, 1, 3);
	EXPECT("1..10", 1, 8, 3, 10);
	EXPECT("1..10", 1, 10, 3, 4);
	EXPECT("1..3 5..10", 1, 3, 5, 10);
	EXPECT("-10..-8 -6..-6 19000..19030", 19000, 19030, -6, -6, -10, -8);
	EXPECT("1..3 5..10", 1, 3, 5, 10, 12, 11);
}

/* Bit i of the map is day MIN + i: words end at MIN + 64k - 1. */
static void test_words(void)
{
	char want[200], a[64], b[64];

	EXPECT(days(want, sizeof(want), MIN + 60, MIN + 200), MIN + 60,
	       MIN + 200);
	EXPECT(days(want, sizeof(want), MIN + 63, MIN + 64), MIN + 63,
	       MIN + 64);
	EXPECT(days(want, sizeof(want), MIN + 64, MIN + 127), MIN + 64,
	       MIN + 127);
	EXPECT(days(want, sizeof(want), MIN + 64, MIN + 127), MIN + 64,
	       MIN + 64, MIN + 65, MIN + 126, MIN + 127, MIN + 127);
	EXPECT(days(want, sizeof(want), MIN + 63, MIN + 63), MIN + 63,
	       MIN + 63);
	EXPECT(days(want, sizeof(want), MIN + 64, MIN + 64), MIN + 64,
	       MIN + 64);
	EXPECT(days(want, sizeof(want), MIN + 0, MIN + 1000), MIN, MIN + 1000);
	snprintf(want, sizeof(want), "%s %s",
		 days(a, sizeof(a), MIN + 62, MIN + 62),
		 days(b, sizeof(b), MIN + 64, MIN + 191));
	EXPECT(want, MIN + 62, MIN + 62, MIN + 64, MIN + 191);
	snprintf(want, sizeof(want), "%s %s",
		 days(a, sizeof(a), MIN + 127, MIN + 127),
		 days(b, sizeof(b), MIN + 129, MIN + 129));
	EXPECT(want, MIN + 129, MIN + 129, MIN + 127, MIN + 127);
	/* a run over many whole words */
	EXPECT(days(want, sizeof(want), 1, 100000), 1, 100000);
	/* the whole range */
	EXPECT(days(want, sizeof(want), MIN, MAX), MIN, MAX);
}

static void test_clamp(void)
{
	char want[200], a[64], b[64];

	EXPECT(days(want, sizeof(want), MIN, MIN + 2), MIN - 10, MIN + 2);
	EXPECT(days(want, sizeof(want), MIN, MIN), MIN, MIN);
	EXPECT(days(want, sizeof(want), MAX, MAX), MAX, MAX);
	EXPECT(days(want, sizeof(want), MAX - 1, MAX), MAX - 1, MAX + 100);
	EXPECT(days(want, sizeof(want), MIN, MAX), INT64_MIN, INT64_MAX - 1);
	EXPECT(days(want, sizeof(want), MIN, MAX), MIN - 1, MAX + 1);
	/* wholly outside: the nearest day in range */
	EXPECT(days(want, sizeof(want), MAX, MAX), MAX + 5, MAX + 10);
	EXPECT(days(want, sizeof(want), MIN, MIN), MIN - 10, MIN - 5);
	snprintf(want, sizeof(want), "%s %s", days(a, sizeof(a), MIN, MIN + 1),
		 days(b, sizeof(b), MAX - 1, MAX));
	EXPECT(want, MAX - 1, MAX + 1000, INT64_MIN, MIN + 1);
}

static void test_open(void)
{
	char want[200], a[64], b[64];

	EXPECT("100..open", 100, OPEN);
	EXPECT("50..open", 100, OPEN, 50, OPEN);
	EXPECT("50..open", 50, OPEN, 100, OPEN);
	/* runs before the span are kept */
	EXPECT("10..20 100..open", 10, 20, 100, OPEN);
	EXPECT("10..20 100..open", 100, OPEN, 10, 20);
	EXPECT("10..20 30..40 100..open", 100, OPEN, 30, 40, 10, 20);
	/* a gap of one day keeps a run apart */
	EXPECT("90..98 100..open", 90, 98, 100, OPEN);
	/* a run that reaches the span is absorbed */
	EXPECT("90..open", 90, 99, 100, OPEN);
	EXPECT("90..open", 100, OPEN, 90, 99);
	EXPECT("90..open", 90, 150, 100, OPEN);
	EXPECT("80..open", 80, 89, 90, 99, 100, OPEN);
	EXPECT("10..20 80..open", 10, 20, 80, 89, 90, 99, 100, OPEN);
	/* runs within the span add nothing */
	EXPECT("100..open", 120, 130, 100, OPEN);
	EXPECT("100..open", 100, 100, 100, OPEN);
	EXPECT("100..open", 100, OPEN, 100, 100000);
	EXPECT("5..5 100..open", 5, 5, 100, OPEN, 200, 300, 101, 101);
	/* the span clamped */
	EXPECT(days(want, sizeof(want), MIN, OPEN), MIN - 5, OPEN);
	EXPECT(days(want, sizeof(want), MIN, OPEN), INT64_MIN, OPEN);
	EXPECT(days(want, sizeof(want), MIN, OPEN), MIN, OPEN, MIN, MIN + 5);
	EXPECT(days(want, sizeof(want), MAX, OPEN), MAX, OPEN);
	EXPECT(days(want, sizeof(want), MAX - 3, OPEN), MAX - 3, MAX, MAX,
	       OPEN);
	snprintf(want, sizeof(want), "%s %s", days(a, sizeof(a), 0, 0),
		 days(b, sizeof(b), MAX, OPEN));
	EXPECT(want, 0, 0, MAX + 10, OPEN);
	/* across words */
	snprintf(want, sizeof(want), "%s", days(a, sizeof(a), MIN + 10, OPEN));
	EXPECT(want, MIN + 10, MIN + 63, MIN + 64, MIN + 200, MIN + 201, OPEN);
}

static void test_stop(void)
{
	struct touch t = TOUCH_INIT;
	struct runs r;

	touch_mark(&t, 1, 1);
	touch_mark(&t, 3, 3);
	touch_mark(&t, 5, 5);
	touch_mark(&t, 10, OPEN);
	memset(&r, 0, sizeof(r));
	buf_init(&r.text, 1 << 10);
	r.ordered = 1;
	r.stop_at = 2;
	CHECK_INT(touch_each(&t, collect, &r), 7);
	CHECK_INT(r.calls, 2);
	CHECK_STR(r.text.data, "1..1 3..3");
	buf_release(&r.text);
	/* fn's value comes back from the open span too */
	memset(&r, 0, sizeof(r));
	buf_init(&r.text, 1 << 10);
	r.stop_at = 4;
	CHECK_INT(touch_each(&t, collect, &r), 7);
	CHECK_INT(r.calls, 4);
	CHECK_STR(r.text.data, "1..1 3..3 5..5 10..open");
	buf_release(&r.text);
	touch_release(&t);
	/* an open span alone allocates no bitmap */
	touch_mark(&t, 10, OPEN);
	CHECK(t.bits == NULL);
	CHECK_INT(runs_of(&t, &r), 0);
	CHECK_STR(r.text.data, "10..open");
	buf_release(&r.text);
	touch_release(&t);
}

/* Random marks in a window around a word boundary against a plain array. */
static void test_random(void)
{
	enum { W = 300 };
	int64_t base = MIN + 64 * 1000 - 150;
	uint64_t seed = 0x1234567ULL;
	int bad = 0;

	for (int round = 0; round < 3000 && bad < 3; round++) {
		struct touch t = TOUCH_INIT;
		struct buf want = BUF_INIT(1 << 16);
		unsigned char on[W];
		int64_t open = OPEN;
		int nmarks;
		struct runs r;

		memset(on, 0, sizeof(on));
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		nmarks = (int)(seed >> 60);
		for (int k = 0; k < nmarks; k++) {
			int64_t a, b;

			seed = seed * 6364136223846793005ULL +
			       1442695040888963407ULL;
			a = (int64_t)(seed >> 33) % W;
			b = a + (int64_t)(seed >> 20) % 40 - 5;
			if (b >= W)
				b = W - 1;
			if ((seed >> 10) % 7 == 0) {
				touch_mark(&t, base + a, OPEN);
				open = open < base + a ? open : base + a;
				continue;
			}
			touch_mark(&t, base + a, base + b);
			for (int64_t d = a; d <= b; d++)
				on[d] = 1;
		}
		/* the expected runs */
		for (int64_t d = 0; d < W; d++) {
			int64_t e = d;

			if (!on[d] || base + d >= open)
				continue;
			while (e + 1 < W && on[e + 1])
				e++;
			if (open != OPEN && base + e + 1 >= open)
				break; /* absorbed by the span */
			buf_printf(&want, "%s%lld..%lld", want.len ? " " : "",
				   (long long)(base + d),
				   (long long)(base + e));
			d = e;
		}
		if (open != OPEN) {
			int64_t s = open - base;

			while (s > 0 && on[s - 1])
				s--;
			buf_printf(&want, "%s%lld..open", want.len ? " " : "",
				   (long long)(base + s));
		}
		runs_of(&t, &r);
		if (strcmp(r.text.data, want.data) != 0 && bad++ < 3) {
			check_at(0, __FILE__, __LINE__, "round %d", round);
			fprintf(stderr, "    got:  %s\n    want: %s\n",
				r.text.data, want.data);
		}
		buf_release(&r.text);
		buf_release(&want);
		touch_release(&t);
	}
	CHECK_INT(bad, 0);
}

int main(void)
{
	test_empty();
	test_days();
	test_words();
	test_clamp();
	test_open();
	test_stop();
	test_random();
	return check_report();
}
