/* tz.c - built-in time zone rules.  See tz.h. */
#include "tz.h"

#include <string.h>

#include "value.h"

#define DAY  INT64_C(86400)
#define HOUR INT64_C(3600)

const struct tz tz_zones[] = {
	{ "UTC", 0, TZ_FIXED },
	{ "Etc/UTC", 0, TZ_FIXED },
	{ "America/New_York", -300, TZ_US },
	{ "America/Toronto", -300, TZ_US },
	{ "America/Chicago", -360, TZ_US },
	{ "America/Denver", -420, TZ_US },
	{ "America/Phoenix", -420, TZ_FIXED },
	{ "America/Los_Angeles", -480, TZ_US },
	{ "America/Mexico_City", -360, TZ_FIXED }, /* no DST since 2022 */
	{ "America/Bogota", -300, TZ_FIXED },
	{ "America/Sao_Paulo", -180, TZ_FIXED }, /* no DST since 2019 */
	{ "America/Argentina/Buenos_Aires", -180, TZ_FIXED },
	{ "Europe/London", 0, TZ_EU },
	{ "Europe/Dublin", 0, TZ_EU },
	{ "Europe/Lisbon", 0, TZ_EU },
	{ "Europe/Berlin", 60, TZ_EU },
	{ "Europe/Paris", 60, TZ_EU },
	{ "Europe/Madrid", 60, TZ_EU },
	{ "Europe/Amsterdam", 60, TZ_EU },
	{ "Europe/Stockholm", 60, TZ_EU },
	{ "Europe/Warsaw", 60, TZ_EU },
	{ "Europe/Helsinki", 120, TZ_EU },
	{ "Africa/Johannesburg", 120, TZ_FIXED },
	{ "Asia/Dubai", 240, TZ_FIXED },
	{ "Asia/Kolkata", 330, TZ_FIXED },
	{ "Asia/Shanghai", 480, TZ_FIXED },
	{ "Asia/Singapore", 480, TZ_FIXED },
	{ "Asia/Tokyo", 540, TZ_FIXED },
	{ "Australia/Brisbane", 600, TZ_FIXED },
	{ "Australia/Sydney", 600, TZ_AU },
	{ "Australia/Melbourne", 600, TZ_AU },
};

const size_t tz_nzones = sizeof(tz_zones) / sizeof(tz_zones[0]);

const struct tz *tz_find(const char *name)
{
	for (size_t i = 0; i < tz_nzones; i++)
		if (strcmp(tz_zones[i].name, name) == 0)
			return &tz_zones[i];
	return NULL;
}

/* Day number of the n-th Sunday (n >= 1) of month m of year y. */
static int64_t nth_sunday(int y, unsigned m, int n)
{
	int64_t first = value_days_from_civil(y, m, 1);
	int64_t wday = ((first + 4) % 7 + 7) % 7; /* 0 = Sunday */

	return first + (7 - wday) % 7 + 7 * (int64_t)(n - 1);
}

/* Day number of the last Sunday of month m (not December) of year y. */
static int64_t last_sunday(int y, unsigned m)
{
	int64_t last = value_days_from_civil(y, m + 1, 1) - 1;
	int64_t wday = ((last + 4) % 7 + 7) % 7;

	return last - wday;
}

/* The UTC instants at which daylight saving time starts and ends in year y
 * (for TZ_AU the start is in October, after the end in April). */
static void dst_bounds(const struct tz *z, int y, int64_t *start, int64_t *end)
{
	int64_t std = (int64_t)z->std * 60, dst = std + HOUR;

	switch (z->rule) {
	case TZ_US:
		*start = nth_sunday(y, 3, 2) * DAY + 2 * HOUR - std;
		*end = nth_sunday(y, 11, 1) * DAY + 2 * HOUR - dst;
		break;
	case TZ_EU:
		*start = last_sunday(y, 3) * DAY + HOUR;
		*end = last_sunday(y, 10) * DAY + HOUR;
		break;
	case TZ_AU:
		*start = nth_sunday(y, 10, 1) * DAY + 2 * HOUR - std;
		*end = nth_sunday(y, 4, 1) * DAY + 3 * HOUR - dst;
		break;
	default:
		*start = INT64_MAX;
		*end = INT64_MAX;
		break;
	}
}

static int year_of(int64_t t)
{
	int64_t day = t / DAY - (t % DAY < 0);
	unsigned m, d;
	int y;

	value_civil_from_days(day, &y, &m, &d);
	return y;
}

static int set_span(int64_t lo, int64_t hi, int off, int64_t *from,
		    int64_t *until)
{
	if (from)
		*from = lo;
	if (until)
		*until = hi;
	return off;
}

/* Northern hemisphere: daylight time inside [start, end) of each year. */
static int span_north(const struct tz *z, int y, int64_t t, int64_t *from,
		      int64_t *until)
{
	int64_t s, e, s2, e2;

	dst_bounds(z, y, &s, &e);
	if (t >= s && t < e)
		return set_span(s, e, z->std + 60, from, until);
	if (t < s) {
		dst_bounds(z, y - 1, &s2, &e2);
		return set_span(e2, s, z->std, from, until);
	}
	dst_bounds(z, y + 1, &s2, &e2);
	return set_span(e, s2, z->std, from, until);
}

/* Southern hemisphere: standard time inside [end, start) of each year. */
static int span_south(const struct tz *z, int y, int64_t t, int64_t *from,
		      int64_t *until)
{
	int64_t s, e, s2, e2;

	dst_bounds(z, y, &s, &e);
	if (t >= e && t < s)
		return set_span(e, s, z->std, from, until);
	if (t < e) {
		dst_bounds(z, y - 1, &s2, &e2);
		return set_span(s2, e, z->std + 60, from, until);
	}
	dst_bounds(z, y + 1, &s2, &e2);
	return set_span(s, e2, z->std + 60, from, until);
}

int tz_offset_span(const struct tz *z, int64_t t, int64_t *from, int64_t *until)
{
	if (z->rule == TZ_FIXED)
		return set_span(INT64_MIN, INT64_MAX, z->std, from, until);
	if (z->rule == TZ_AU)
		return span_south(z, year_of(t), t, from, until);
	return span_north(z, year_of(t), t, from, until);
}

int tz_offset_minutes(const struct tz *z, int64_t t)
{
	return tz_offset_span(z, t, NULL, NULL);
}

int64_t tz_local_to_utc(const struct tz *z, int64_t local)
{
	int64_t guess = local - (int64_t)z->std * 60;
	int off = tz_offset_minutes(z, guess);
	int64_t t = local - (int64_t)off * 60;

	/* Inconsistent only in the spring gap: keep the standard reading. */
	return tz_offset_minutes(z, t) == off ? t : guess;
}
