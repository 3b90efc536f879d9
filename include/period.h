/* period.h - the periods of the tree: months, days or weeks, in UTC.
 *
 * A period is a half-open span [start, end) of UTC seconds since
 * 1970-01-01T00:00:00Z that begins at midnight UTC: a calendar month, a day,
 * or a week from Sunday 00:00 to the next Sunday 00:00 (the tree option
 * interval=month|day|week).  Its name is the tree's period folder name and
 * the period part of file names: "2022-01" for a month, "2022-01-15" for a
 * day, and for a week the Sunday that starts it, "2022-01-09".
 *
 * Pure functions: no I/O, no allocation, no time zone (never the host's TZ).
 * The store holds instants of years 0001 to 9999 (DATETIME_MIN_MS ..
 * DATETIME_MAX_MS in value.h); the week that holds 0001-01-01 starts on
 * Sunday 0000-12-31, so that is the one name with year 0000.
 */
#ifndef COLLABFS_PERIOD_H
#define COLLABFS_PERIOD_H

#include <stddef.h>
#include <stdint.h>

enum period_interval {
	PERIOD_MONTH, /* calendar months, the default */
	PERIOD_DAY,   /* UTC days */
	PERIOD_WEEK,  /* Sunday 00:00 UTC to the next Sunday 00:00 UTC */
};

struct period {
	int64_t start; /* first second, always a UTC midnight */
	int64_t end;   /* first second after it (exclusive) */
};

/* The days selected by the tree options from and to, both inclusive. */
struct period_range {
	int64_t from_day; /* days since 1970-01-01, meaningful if has_from */
	int64_t to_day;	  /* days since 1970-01-01, meaningful if has_to */
	int has_from;	  /* 0: no lower bound (the store's whole range) */
	int has_to;	  /* 0: no upper bound */
};

/* Parse the interval option: exactly "month", "day" or "week".  Returns 0,
 * or -EINVAL for anything else (NULL too), with *out set to PERIOD_MONTH. */
int period_parse_interval(const char *s, enum period_interval *out);

/* Parse a from/to option: exactly YYYY-MM-DD, a valid calendar date of the
 * years 0001 to 9999, nothing before or after it.  Sets *day to its day
 * number (days since 1970-01-01, negative before).  Returns 0, or -EINVAL
 * (NULL too) with *day set to 0. */
int period_parse_date(const char *s, int64_t *day);

/* The period of interval iv that holds the instant t (seconds since
 * 1970-01-01T00:00:00Z): start <= t < end, rounding down for negative t too
 * (t = -1 lies in 1969-12-31).  Exact for every instant of years 0001 to
 * 9999 and far beyond; instants further than about 700 million years from
 * 1970 are clamped to that distance, so the result is always defined. */
void period_of(enum period_interval iv, int64_t t, struct period *out);

/* The period of interval iv that follows p (a period that period_of or
 * period_from_name gave for the same iv): out->start == p->end, so a chain
 * of period_next calls covers time without gaps or overlaps.  out may be
 * p. */
void period_next(enum period_interval iv, const struct period *p,
		 struct period *out);

/* Write the name of p into buf (size bytes, may be 0 and buf NULL then),
 * NUL-terminated and truncated like snprintf: "YYYY-MM" for a month,
 * "YYYY-MM-DD" for a day, the Sunday that starts it for a week.  Returns
 * the length of the whole name, without the NUL (7 or 10); a return >=
 * size means it was truncated. */
size_t period_name(enum period_interval iv, const struct period *p, char *buf,
		   size_t size);

/* The inverse of period_name: the period of interval iv whose name is
 * exactly name.  Returns 0, or -ENOENT (with *out set to {0, 0}) if name is
 * not the canonical name of a period of iv that holds an instant of the
 * years 0001 to 9999: a wrong shape ("2022-1", "2022-01-15" for a month,
 * leading or trailing text), no such date (month 13, 2022-02-29), or for a
 * week a day that is not a Sunday.  name may be NULL (-ENOENT). */
int period_from_name(enum period_interval iv, const char *name,
		     struct period *out);

/* Whether p has at least one day in r: 1 or 0.  A period only partly inside
 * the range counts (a month when from is its 10th), so the tree shows that
 * period; its files then hold only the rows whose instants fall on the days
 * inside the range (the rendering enforces that, not this function).  An
 * empty range (from_day > to_day) overlaps nothing. */
int period_overlaps(const struct period *p, const struct period_range *r);

#endif
