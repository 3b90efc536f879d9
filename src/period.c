/* period.c - months, days and weeks in UTC, their names and ranges. */
#include "period.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "value.h"

#define DAY_SECS 86400

/* Day numbers further than this from 1970 are clamped: about 750 million
 * years, so civil years still fit an int and seconds an int64_t. */
#define DAY_LIMIT ((int64_t)1 << 38)

/* 0001-01-01 and 9999-12-31, the days the store can hold. */
#define FIRST_DAY (-719162)
#define LAST_DAY  2932896

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b < 0) ? q - 1 : q;
}

static int64_t clamp_day(int64_t day)
{
	if (day < -DAY_LIMIT)
		return -DAY_LIMIT;
	if (day > DAY_LIMIT)
		return DAY_LIMIT;
	return day;
}

/* Day numbers [*first, *last_excl) of the period of iv that holds day. */
static void days_of(enum period_interval iv, int64_t day, int64_t *first,
		    int64_t *last_excl)
{
	int y;
	unsigned m, d;

	switch (iv) {
	case PERIOD_DAY:
		*first = day;
		*last_excl = day + 1;
		return;
	case PERIOD_WEEK:
		/* 1970-01-01 was a Thursday (4 with Sunday as 0) */
		*first = day - (day % 7 + 11) % 7;
		*last_excl = *first + 7;
		return;
	case PERIOD_MONTH:
	default:
		value_civil_from_days(day, &y, &m, &d);
		*first = value_days_from_civil(y, m, 1);
		*last_excl = m == 12 ? value_days_from_civil(y + 1, 1, 1)
				     : value_days_from_civil(y, m + 1, 1);
		return;
	}
}

static void period_of_day(enum period_interval iv, int64_t day,
			  struct period *out)
{
	int64_t first, last_excl;

	days_of(iv, clamp_day(day), &first, &last_excl);
	out->start = first * DAY_SECS;
	out->end = last_excl * DAY_SECS;
}

void period_of(enum period_interval iv, int64_t t, struct period *out)
{
	period_of_day(iv, floor_div(t, DAY_SECS), out);
}

void period_next(enum period_interval iv, const struct period *p,
		 struct period *out)
{
	period_of_day(iv, floor_div(p->end, DAY_SECS), out);
}

size_t period_name(enum period_interval iv, const struct period *p, char *buf,
		   size_t size)
{
	int y, n;
	unsigned m, d;

	value_civil_from_days(floor_div(p->start, DAY_SECS), &y, &m, &d);
	if (iv == PERIOD_MONTH)
		n = snprintf(buf, size, "%04d-%02u", y, m);
	else
		n = snprintf(buf, size, "%04d-%02u-%02u", y, m, d);
	return n < 0 ? 0 : (size_t)n;
}

int period_parse_interval(const char *s, enum period_interval *out)
{
	static const struct {
		const char *name;
		enum period_interval iv;
	} names[] = {
		{ "month", PERIOD_MONTH },
		{ "day", PERIOD_DAY },
		{ "week", PERIOD_WEEK },
	};

	*out = PERIOD_MONTH;
	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].iv;
			return 0;
		}
	}
	return -EINVAL;
}

/* Read exactly n ASCII digits at *s and advance past them; -1 if any of
 * them is not a digit (a NUL stops it, so it never reads past the end). */
static int digits(const char **s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*s)[i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*s += n;
	return v;
}

/* Parse exactly "YYYY-MM" (with_day 0) or "YYYY-MM-DD" (with_day 1), a real
 * date of the years 0000 to 9999, into its day number (the 1st for a
 * month).  Returns 0 or -EINVAL. */
static int parse_civil(const char *s, int with_day, int64_t *day)
{
	int y, m, d = 1, cy;
	unsigned cm, cd;

	if (!s)
		return -EINVAL;
	y = digits(&s, 4);
	if (y < 0 || *s++ != '-')
		return -EINVAL;
	m = digits(&s, 2);
	if (m < 1 || m > 12)
		return -EINVAL;
	if (with_day) {
		if (*s++ != '-')
			return -EINVAL;
		d = digits(&s, 2);
		if (d < 1)
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	/* A day past the month's end comes back as another date. */
	*day = value_days_from_civil(y, (unsigned)m, (unsigned)d);
	value_civil_from_days(*day, &cy, &cm, &cd);
	if (cy != y || cm != (unsigned)m || cd != (unsigned)d)
		return -EINVAL;
	return 0;
}

int period_parse_date(const char *s, int64_t *day)
{
	int64_t n;

	*day = 0;
	if (parse_civil(s, 1, &n) < 0 || n < FIRST_DAY || n > LAST_DAY)
		return -EINVAL;
	*day = n;
	return 0;
}

int period_from_name(enum period_interval iv, const char *name,
		     struct period *out)
{
	int64_t day, first, last_excl;

	out->start = 0;
	out->end = 0;
	if (parse_civil(name, iv != PERIOD_MONTH, &day) < 0)
		return -ENOENT;
	days_of(iv, day, &first, &last_excl);
	/* A name is the period's first day (a week's Sunday), and the period
	 * holds a day the store can hold: only weeks reach into year 0000. */
	if (first != day || last_excl <= FIRST_DAY || first > LAST_DAY)
		return -ENOENT;
	out->start = first * DAY_SECS;
	out->end = last_excl * DAY_SECS;
	return 0;
}

int period_overlaps(const struct period *p, const struct period_range *r)
{
	int64_t first = floor_div(p->start, DAY_SECS);
	int64_t last = floor_div(p->end - 1, DAY_SECS);

	if (r->has_from && last < r->from_day)
		return 0;
	if (r->has_to && first > r->to_day)
		return 0;
	if (r->has_from && r->has_to && r->from_day > r->to_day)
		return 0;
	return 1;
}
