/* test_period.c - months, days and Sunday weeks in UTC: boundaries across
 * year ends and leap Februaries, 1969 and years 0001/9999, gap-free chains,
 * name <-> period round trips over the whole range, the option parsers and
 * range overlap at its edges. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "period.h"
#include "value.h"

#define DAY  ((int64_t)86400)
#define WEEK (7 * DAY)

/* Seconds since the epoch of a UTC civil time. */
static int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
	return value_days_from_civil(y, mo, d) * DAY + (int64_t)h * 3600 +
	       (int64_t)mi * 60 + s;
}

static int64_t midnight(int y, unsigned mo, unsigned d)
{
	return utc(y, mo, d, 0, 0, 0);
}

/* period_of(iv, t) is [start, end) and its name is want. */
static void check_of(enum period_interval iv, int64_t t, int64_t start,
		     int64_t end, const char *want)
{
	struct period p = { -1, -1 };
	char name[32];

	period_of(iv, t, &p);
	CHECK_INT(p.start, start);
	CHECK_INT(p.end, end);
	period_name(iv, &p, name, sizeof(name));
	CHECK_STR(name, want);
}

static void test_months(void)
{
	/* across the year end */
	check_of(PERIOD_MONTH, utc(2021, 12, 31, 23, 59, 59),
		 midnight(2021, 12, 1), midnight(2022, 1, 1), "2021-12");
	check_of(PERIOD_MONTH, midnight(2022, 1, 1), midnight(2022, 1, 1),
		 midnight(2022, 2, 1), "2022-01");
	check_of(PERIOD_MONTH, utc(2022, 1, 31, 23, 59, 59),
		 midnight(2022, 1, 1), midnight(2022, 2, 1), "2022-01");
	/* Februaries: leap every 4 years, not in 1900 or 2100, yes in 2000 */
	check_of(PERIOD_MONTH, utc(2024, 2, 29, 12, 0, 0), midnight(2024, 2, 1),
		 midnight(2024, 2, 1) + 29 * DAY, "2024-02");
	check_of(PERIOD_MONTH, utc(2023, 2, 28, 23, 59, 59),
		 midnight(2023, 2, 1), midnight(2023, 2, 1) + 28 * DAY,
		 "2023-02");
	check_of(PERIOD_MONTH, utc(2000, 2, 15, 0, 0, 0), midnight(2000, 2, 1),
		 midnight(2000, 2, 1) + 29 * DAY, "2000-02");
	check_of(PERIOD_MONTH, utc(1900, 2, 15, 0, 0, 0), midnight(1900, 2, 1),
		 midnight(1900, 2, 1) + 28 * DAY, "1900-02");
	check_of(PERIOD_MONTH, utc(2100, 2, 15, 0, 0, 0), midnight(2100, 2, 1),
		 midnight(2100, 2, 1) + 28 * DAY, "2100-02");
	check_of(PERIOD_MONTH, midnight(2024, 3, 1), midnight(2024, 3, 1),
		 midnight(2024, 4, 1), "2024-03");
	/* the epoch itself, as a literal: 2022-01-01 is 1640995200 */
	check_of(PERIOD_MONTH, 1640995200, 1640995200, 1640995200 + 31 * DAY,
		 "2022-01");
}

static void test_days(void)
{
	check_of(PERIOD_DAY, utc(2022, 1, 15, 12, 34, 56),
		 midnight(2022, 1, 15), midnight(2022, 1, 16), "2022-01-15");
	check_of(PERIOD_DAY, midnight(2022, 1, 15), midnight(2022, 1, 15),
		 midnight(2022, 1, 15) + DAY, "2022-01-15");
	check_of(PERIOD_DAY, midnight(2022, 1, 15) - 1, midnight(2022, 1, 14),
		 midnight(2022, 1, 15), "2022-01-14");
	check_of(PERIOD_DAY, utc(2024, 2, 29, 23, 59, 59),
		 midnight(2024, 2, 29), midnight(2024, 3, 1), "2024-02-29");
	check_of(PERIOD_DAY, utc(2021, 12, 31, 23, 59, 59),
		 midnight(2021, 12, 31), midnight(2022, 1, 1), "2021-12-31");
	check_of(PERIOD_DAY, 0, 0, DAY, "1970-01-01");
}

static void test_weeks(void)
{
	int64_t sun = midnight(2022, 1, 9);

	/* 2022-01-09 is a Sunday: its week is 09T00:00:00Z..15T23:59:59Z */
	CHECK_INT(sun, 1641686400);
	check_of(PERIOD_WEEK, sun, sun, sun + WEEK, "2022-01-09");
	check_of(PERIOD_WEEK, utc(2022, 1, 15, 23, 59, 59), sun, sun + WEEK,
		 "2022-01-09");
	check_of(PERIOD_WEEK, utc(2022, 1, 12, 8, 0, 0), sun, sun + WEEK,
		 "2022-01-09");
	check_of(PERIOD_WEEK, midnight(2022, 1, 16), midnight(2022, 1, 16),
		 midnight(2022, 1, 23), "2022-01-16");
	check_of(PERIOD_WEEK, sun - 1, midnight(2022, 1, 2), sun, "2022-01-02");
	/* 2022-01-01 is a Saturday: its week starts 2021-12-26 */
	check_of(PERIOD_WEEK, utc(2022, 1, 1, 12, 0, 0), midnight(2021, 12, 26),
		 midnight(2022, 1, 2), "2021-12-26");
	/* a week across a leap day: Sunday 2024-02-25 to Sunday 2024-03-03 */
	check_of(PERIOD_WEEK, utc(2024, 2, 29, 0, 0, 0), midnight(2024, 2, 25),
		 midnight(2024, 3, 3), "2024-02-25");
}

static void test_negative(void)
{
	/* 1970-01-01 was a Thursday: its week starts Sunday 1969-12-28 */
	int64_t sun = midnight(1969, 12, 28);

	CHECK_INT(sun, -4 * DAY);
	check_of(PERIOD_DAY, -1, -DAY, 0, "1969-12-31");
	check_of(PERIOD_DAY, -DAY, -DAY, 0, "1969-12-31");
	check_of(PERIOD_DAY, -DAY - 1, -2 * DAY, -DAY, "1969-12-30");
	check_of(PERIOD_MONTH, -1, -31 * DAY, 0, "1969-12");
	check_of(PERIOD_MONTH, 0, 0, 31 * DAY, "1970-01");
	check_of(PERIOD_WEEK, -1, sun, sun + WEEK, "1969-12-28");
	check_of(PERIOD_WEEK, 0, sun, sun + WEEK, "1969-12-28");
	check_of(PERIOD_WEEK, sun, sun, sun + WEEK, "1969-12-28");
	check_of(PERIOD_WEEK, sun - 1, sun - WEEK, sun, "1969-12-21");
	check_of(PERIOD_MONTH, utc(1969, 2, 10, 5, 0, 0), midnight(1969, 2, 1),
		 midnight(1969, 3, 1), "1969-02");
}

static void test_bounds(void)
{
	int64_t lo = DATETIME_MIN_MS / 1000, hi = DATETIME_MAX_MS / 1000;
	struct period p;

	/* 0001-01-01 is a Monday; 9999-12-31 a Friday */
	CHECK_INT(lo, midnight(1, 1, 1));
	CHECK_INT(hi, utc(9999, 12, 31, 23, 59, 59));
	check_of(PERIOD_MONTH, lo, lo, midnight(1, 2, 1), "0001-01");
	check_of(PERIOD_DAY, lo, lo, lo + DAY, "0001-01-01");
	check_of(PERIOD_WEEK, lo, lo - DAY, lo + 6 * DAY, "0000-12-31");
	check_of(PERIOD_MONTH, hi, midnight(9999, 12, 1), hi + 1, "9999-12");
	check_of(PERIOD_DAY, hi, midnight(9999, 12, 31), hi + 1, "9999-12-31");
	check_of(PERIOD_WEEK, hi, midnight(9999, 12, 26), hi + 1 + DAY,
		 "9999-12-26");
	/* the names of those edge periods read back; one step out does not */
	CHECK_INT(period_from_name(PERIOD_WEEK, "0000-12-31", &p), 0);
	CHECK_INT(p.start, lo - DAY);
	CHECK_INT(period_from_name(PERIOD_WEEK, "0000-12-24", &p), -ENOENT);
	CHECK_INT(period_from_name(PERIOD_DAY, "0000-12-31", &p), -ENOENT);
	CHECK_INT(period_from_name(PERIOD_MONTH, "0000-12", &p), -ENOENT);
	CHECK_INT(period_from_name(PERIOD_MONTH, "0001-01", &p), 0);
	CHECK_INT(period_from_name(PERIOD_DAY, "9999-12-31", &p), 0);
	CHECK_INT(p.end, hi + 1);
	CHECK_INT(period_from_name(PERIOD_WEEK, "9999-12-26", &p), 0);
	CHECK_INT(period_from_name(PERIOD_MONTH, "9999-12", &p), 0);
	CHECK_INT(period_from_name(PERIOD_MONTH, "10000-01", &p), -ENOENT);
	/* absurd instants are clamped, never undefined */
	period_of(PERIOD_MONTH, INT64_MIN, &p);
	CHECK(p.start < p.end && p.start < lo);
	period_of(PERIOD_WEEK, INT64_MAX, &p);
	CHECK(p.start < p.end && p.end > hi);
	period_of(PERIOD_DAY, INT64_MAX, &p);
	CHECK(p.start < p.end && p.end > hi);
}

/* An independent calendar to compare names with: one day at a time. */
struct ymd {
	int y, m, d;
};

static int month_days(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

static void step(struct ymd *c, int days)
{
	while (days-- > 0) {
		if (++c->d <= month_days(c->y, c->m))
			continue;
		c->d = 1;
		if (++c->m > 12) {
			c->m = 1;
			c->y++;
		}
	}
}

static void step_month(struct ymd *c)
{
	if (++c->m > 12) {
		c->m = 1;
		c->y++;
	}
}

/* Everything that must hold of one period p of a chain whose expected name
 * is from the independent calendar c.  Returns 1 if it all holds. */
static int period_ok(enum period_interval iv, const struct period *p,
		     const struct ymd *c)
{
	char name[32], want[32];
	struct period q, r, s;
	int64_t len = p->end - p->start, mid = p->start + len / 2;

	if (iv == PERIOD_MONTH)
		snprintf(want, sizeof(want), "%04d-%02d", c->y, c->m);
	else
		snprintf(want, sizeof(want), "%04d-%02d-%02d", c->y, c->m,
			 c->d);
	if (period_name(iv, p, name, sizeof(name)) != strlen(want) ||
	    strcmp(name, want) != 0)
		return 0;
	if (period_from_name(iv, name, &q) != 0 || q.start != p->start ||
	    q.end != p->end)
		return 0;
	period_of(iv, p->start, &q);
	period_of(iv, p->end - 1, &r);
	period_of(iv, mid, &s);
	if (q.start != p->start || r.start != p->start || s.end != p->end)
		return 0;
	if (iv == PERIOD_DAY)
		return len == DAY;
	if (iv == PERIOD_WEEK)
		return len == WEEK;
	return len == (int64_t)month_days(c->y, c->m) * DAY;
}

/* Walk with period_next from the first period holding t0 up to the one
 * holding t1: no gap, no overlap, every name right and read back. */
static void check_chain(enum period_interval iv, int64_t t0, int64_t t1,
			struct ymd c, long want)
{
	struct period p, next;
	long n = 0, bad = 0;

	period_of(iv, t0, &p);
	for (;;) {
		n++;
		if (!period_ok(iv, &p, &c) && bad++ == 0)
			fprintf(stderr, "bad period %d: [%lld, %lld)\n",
				(int)iv, (long long)p.start, (long long)p.end);
		if (p.end > t1)
			break;
		period_next(iv, &p, &next);
		if (next.start != p.end)
			bad++;
		p = next;
		if (iv == PERIOD_MONTH)
			step_month(&c);
		else
			step(&c, iv == PERIOD_DAY ? 1 : 7);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(n, want);
}

static void test_chains(void)
{
	int64_t lo = DATETIME_MIN_MS / 1000, hi = DATETIME_MAX_MS / 1000;
	struct ymd first = { 1, 1, 1 }, sunday = { 0, 12, 31 };

	/* every period of the years 0001 to 9999 */
	check_chain(PERIOD_MONTH, lo, hi, first, 9999L * 12);
	/* Sundays 0000-12-31 to 9999-12-26: (2932891 + 719163) / 7 + 1 */
	check_chain(PERIOD_WEEK, lo, hi, sunday, 521723);
	check_chain(PERIOD_DAY, lo, hi, first, 2932896L + 719162 + 1);
	/* a chain from 1969 into 1970 */
	check_chain(PERIOD_DAY, -3 * DAY, 2 * DAY, (struct ymd){ 1969, 12, 29 },
		    6);
}

/* period_of holds its instant, for instants spread over the whole range. */
static void test_instants(void)
{
	int64_t lo = DATETIME_MIN_MS / 1000, span = DATETIME_MAX_MS / 1000 - lo;
	uint64_t x = 88172645463325252ULL;
	long bad = 0;

	for (int i = 0; i < 100000; i++) {
		int64_t t;
		struct period p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = lo + (int64_t)(x % (uint64_t)span);
		for (int iv = PERIOD_MONTH; iv <= PERIOD_WEEK; iv++) {
			period_of((enum period_interval)iv, t, &p);
			if (p.start > t || t >= p.end || p.start % DAY != 0)
				bad++;
		}
	}
	CHECK_INT(bad, 0);
}

static void test_bad_names(void)
{
	static const char *bad_months[] = {
		"2022-1",     "2022-13",  "2022-00",
		"2022-01-01", "2022-01x", "2022-01 ",
		" 2022-01",   "2022/01",  "202201",
		"22-01",      "",	  "2022-",
		"-022-01",    "+2022-01", "２０２２-01",
		"0000-01",    "2022-0a",  "2022-01\n",
		"10000-01",
	};
	static const char *bad_days[] = {
		"2022-01-1",	    "2022-1-15",  "2022-01-15x", "2022-01-15 ",
		"2022-01",	    "2022-13-01", "2022-00-10",	 "2022-01-00",
		"2022-01-32",	    "2022-02-29", "2023-02-29",	 "2022-04-31",
		"2022-01-15T00:00", "20220115",	  "2022_01_15",	 "1900-02-29",
	};
	static const char *bad_weeks[] = {
		"2022-01-10", "2022-01-15", "2022-01-08",  "2022-01-01",
		"2022-01-9",  "2022-01",    "2022-01-09x", "2022-01-32",
		"9999-12-31", "0001-01-01",
	};
	struct period p = { 1, 1 };

	for (size_t i = 0; i < sizeof(bad_months) / sizeof(*bad_months); i++)
		CHECK_INT(period_from_name(PERIOD_MONTH, bad_months[i], &p),
			  -ENOENT);
	for (size_t i = 0; i < sizeof(bad_days) / sizeof(*bad_days); i++)
		CHECK_INT(period_from_name(PERIOD_DAY, bad_days[i], &p),
			  -ENOENT);
	for (size_t i = 0; i < sizeof(bad_weeks) / sizeof(*bad_weeks); i++)
		CHECK_INT(period_from_name(PERIOD_WEEK, bad_weeks[i], &p),
			  -ENOENT);
	CHECK_INT(period_from_name(PERIOD_DAY, NULL, &p), -ENOENT);
	CHECK(p.start == 0 && p.end == 0);
	/* the good ones next to them */
	CHECK_INT(period_from_name(PERIOD_WEEK, "2022-01-09", &p), 0);
	CHECK_INT(p.start, midnight(2022, 1, 9));
	CHECK_INT(p.end, midnight(2022, 1, 16));
	CHECK_INT(period_from_name(PERIOD_DAY, "2024-02-29", &p), 0);
	CHECK_INT(p.end - p.start, DAY);
	CHECK_INT(period_from_name(PERIOD_MONTH, "2022-12", &p), 0);
	CHECK_INT(p.end, midnight(2023, 1, 1));
}

static void test_name_buffer(void)
{
	struct period p;
	char buf[8];

	period_of(PERIOD_DAY, midnight(2022, 1, 15), &p);
	CHECK_INT(period_name(PERIOD_DAY, &p, NULL, 0), 10);
	memset(buf, 'x', sizeof(buf));
	CHECK_INT(period_name(PERIOD_DAY, &p, buf, sizeof(buf)), 10);
	CHECK_STR(buf, "2022-01");
	CHECK_INT(period_name(PERIOD_MONTH, &p, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "2022-01");
	CHECK_INT(period_name(PERIOD_WEEK, &p, buf, 1), 10);
	CHECK_STR(buf, "");
}

static void test_parse_interval(void)
{
	static const char *bad[] = { "Month", "months", "",	"day ",
				     " week", "w",	"year", "WEEK" };
	enum period_interval iv = PERIOD_WEEK;

	CHECK_INT(period_parse_interval("month", &iv), 0);
	CHECK_INT(iv, PERIOD_MONTH);
	CHECK_INT(period_parse_interval("day", &iv), 0);
	CHECK_INT(iv, PERIOD_DAY);
	CHECK_INT(period_parse_interval("week", &iv), 0);
	CHECK_INT(iv, PERIOD_WEEK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK_INT(period_parse_interval(bad[i], &iv), -EINVAL);
	CHECK_INT(period_parse_interval(NULL, &iv), -EINVAL);
}

static void test_parse_date(void)
{
	static const char *bad[] = {
		"2023-02-29",  "0000-12-31", "2022-1-15",   "2022-01-15T00:00",
		"2022-01",     "",	     "abcd-ef-gh",  " 2022-01-15",
		"2022-01-32",  "2022-04-31", "10000-01-01", "-2022-01-15",
		"2022-01-15Z", "2022-00-01", "2022-13-01",  "2022-01-00",
		"2022/01/15",  "1900-02-29",
	};
	int64_t day = 7;

	CHECK_INT(period_parse_date("1970-01-01", &day), 0);
	CHECK_INT(day, 0);
	CHECK_INT(period_parse_date("2022-01-15", &day), 0);
	CHECK_INT(day, 19007);
	CHECK_INT(period_parse_date("1969-12-31", &day), 0);
	CHECK_INT(day, -1);
	CHECK_INT(period_parse_date("2024-02-29", &day), 0);
	CHECK_INT(day, value_days_from_civil(2024, 2, 29));
	CHECK_INT(period_parse_date("2000-02-29", &day), 0);
	CHECK_INT(period_parse_date("0001-01-01", &day), 0);
	CHECK_INT(day, -719162);
	CHECK_INT(period_parse_date("9999-12-31", &day), 0);
	CHECK_INT(day, 2932896);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		day = 7;
		CHECK_INT(period_parse_date(bad[i], &day), -EINVAL);
		CHECK_INT(day, 0);
	}
	CHECK_INT(period_parse_date(NULL, &day), -EINVAL);
}

static int overlaps(enum period_interval iv, const char *name,
		    const struct period_range *r)
{
	struct period p;

	if (period_from_name(iv, name, &p) != 0)
		return -1;
	return period_overlaps(&p, r);
}

static void test_overlaps(void)
{
	struct period_range r = { 0, 0, 1, 1 };

	/* from=2022-01-10 to=2022-01-20 */
	period_parse_date("2022-01-10", &r.from_day);
	period_parse_date("2022-01-20", &r.to_day);
	CHECK_INT(overlaps(PERIOD_MONTH, "2022-01", &r), 1);
	CHECK_INT(overlaps(PERIOD_MONTH, "2021-12", &r), 0);
	CHECK_INT(overlaps(PERIOD_MONTH, "2022-02", &r), 0);
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-09", &r), 0);
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-10", &r), 1);
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-20", &r), 1);
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-21", &r), 0);
	/* weeks 2..8 (out), 9..15 (partly in), 16..22 (partly), 23..29 */
	CHECK_INT(overlaps(PERIOD_WEEK, "2022-01-02", &r), 0);
	CHECK_INT(overlaps(PERIOD_WEEK, "2022-01-09", &r), 1);
	CHECK_INT(overlaps(PERIOD_WEEK, "2022-01-16", &r), 1);
	CHECK_INT(overlaps(PERIOD_WEEK, "2022-01-23", &r), 0);
	/* one side open */
	r.has_to = 0;
	CHECK_INT(overlaps(PERIOD_DAY, "9999-12-31", &r), 1);
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-09", &r), 0);
	r.has_from = 0;
	r.has_to = 1;
	CHECK_INT(overlaps(PERIOD_DAY, "0001-01-01", &r), 1);
	CHECK_INT(overlaps(PERIOD_WEEK, "0000-12-31", &r), 1);
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-21", &r), 0);
	r.has_to = 0;
	CHECK_INT(overlaps(PERIOD_MONTH, "1969-12", &r), 1);
	/* a single day; then an empty range (from after to) */
	r = (struct period_range){ 19007, 19007, 1, 1 };
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-15", &r), 1);
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-14", &r), 0);
	CHECK_INT(overlaps(PERIOD_DAY, "2022-01-16", &r), 0);
	CHECK_INT(overlaps(PERIOD_WEEK, "2022-01-09", &r), 1);
	CHECK_INT(overlaps(PERIOD_MONTH, "2022-01", &r), 1);
	r.from_day = 19008;
	CHECK_INT(overlaps(PERIOD_MONTH, "2022-01", &r), 0);
	/* 1969: the last days before the epoch */
	r = (struct period_range){ -1, -1, 1, 1 };
	CHECK_INT(overlaps(PERIOD_DAY, "1969-12-31", &r), 1);
	CHECK_INT(overlaps(PERIOD_DAY, "1970-01-01", &r), 0);
	CHECK_INT(overlaps(PERIOD_WEEK, "1969-12-28", &r), 1);
	CHECK_INT(overlaps(PERIOD_MONTH, "1970-01", &r), 0);
}

int main(void)
{
	test_months();
	test_days();
	test_weeks();
	test_negative();
	test_bounds();
	test_chains();
	test_instants();
	test_bad_names();
	test_name_buffer();
	test_parse_interval();
	test_parse_date();
	test_overlaps();
	return check_report();
}
