/* test_tz.c - the built-in time zone rules: US, EU and Sydney daylight
 * saving transitions (to the second), fixed zones, local to UTC. */
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "tz.h"
#include "value.h"

/* Seconds since the epoch of a UTC civil time. */
static int64_t utc(int y, unsigned mo, unsigned d, int h, int mi)
{
	return value_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
	       (int64_t)mi * 60;
}

static int off_at(const char *zone, int64_t t)
{
	const struct tz *z = tz_find(zone);

	return z ? tz_offset_minutes(z, t) : 9999;
}

/* The offset is before one second ahead of t and after from t on. */
static void check_change(const char *zone, int64_t t, int before, int after)
{
	CHECK_INT(off_at(zone, t - 1), before);
	CHECK_INT(off_at(zone, t), after);
}

static void test_find(void)
{
	CHECK(tz_find("America/New_York") != NULL);
	CHECK(tz_find("Asia/Kolkata") != NULL);
	CHECK(tz_find("UTC") != NULL);
	CHECK(tz_find("Mars/Olympus_Mons") == NULL);
	CHECK(tz_find("america/new_york") == NULL);
	for (size_t i = 0; i < tz_nzones; i++)
		CHECK(tz_find(tz_zones[i].name) == &tz_zones[i]);
}

static void test_us(void)
{
	/* 2022: 13 March 02:00 EST = 07:00Z, 6 November 02:00 EDT = 06:00Z */
	check_change("America/New_York", utc(2022, 3, 13, 7, 0), -300, -240);
	check_change("America/New_York", utc(2022, 11, 6, 6, 0), -240, -300);
	check_change("America/Chicago", utc(2022, 3, 13, 8, 0), -360, -300);
	check_change("America/Los_Angeles", utc(2022, 11, 6, 9, 0), -420, -480);
	/* 2024: 10 March and 3 November */
	check_change("America/New_York", utc(2024, 3, 10, 7, 0), -300, -240);
	check_change("America/New_York", utc(2024, 11, 3, 6, 0), -240, -300);
	CHECK_INT(off_at("America/New_York", utc(2022, 1, 31, 14, 30)), -300);
	CHECK_INT(off_at("America/New_York", utc(2022, 7, 15, 14, 30)), -240);
	CHECK_INT(off_at("America/Phoenix", utc(2022, 7, 15, 14, 30)), -420);
}

static void test_eu(void)
{
	/* 2022: 27 March and 30 October, 01:00Z everywhere */
	check_change("Europe/London", utc(2022, 3, 27, 1, 0), 0, 60);
	check_change("Europe/London", utc(2022, 10, 30, 1, 0), 60, 0);
	check_change("Europe/Berlin", utc(2022, 3, 27, 1, 0), 60, 120);
	check_change("Europe/Paris", utc(2022, 10, 30, 1, 0), 120, 60);
	/* 2023: 26 March and 29 October */
	check_change("Europe/Berlin", utc(2023, 3, 26, 1, 0), 60, 120);
	check_change("Europe/Berlin", utc(2023, 10, 29, 1, 0), 120, 60);
}

static void test_sydney(void)
{
	/* 2022: ends 3 April 03:00 AEDT = 2 April 16:00Z, starts 2 October
	 * 02:00 AEST = 1 October 16:00Z */
	check_change("Australia/Sydney", utc(2022, 4, 2, 16, 0), 660, 600);
	check_change("Australia/Sydney", utc(2022, 10, 1, 16, 0), 600, 660);
	CHECK_INT(off_at("Australia/Sydney", utc(2022, 1, 10, 0, 0)), 660);
	CHECK_INT(off_at("Australia/Sydney", utc(2022, 7, 10, 0, 0)), 600);
	CHECK_INT(off_at("Australia/Sydney", utc(2022, 12, 31, 23, 0)), 660);
}

static void test_fixed(void)
{
	int64_t t[] = { utc(2022, 1, 15, 12, 0), utc(2022, 7, 15, 12, 0),
			utc(1970, 1, 1, 0, 0), utc(2099, 12, 31, 23, 59) };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_INT(off_at("Asia/Kolkata", t[i]), 330);
		CHECK_INT(off_at("Asia/Tokyo", t[i]), 540);
		CHECK_INT(off_at("Asia/Singapore", t[i]), 480);
		CHECK_INT(off_at("America/Sao_Paulo", t[i]), -180);
		CHECK_INT(off_at("UTC", t[i]), 0);
	}
}

static void test_span(void)
{
	const struct tz *ny = tz_find("America/New_York");
	const struct tz *syd = tz_find("Australia/Sydney");
	int64_t from, until;

	CHECK_INT(tz_offset_span(ny, utc(2022, 7, 1, 0, 0), &from, &until),
		  -240);
	CHECK_INT(from, utc(2022, 3, 13, 7, 0));
	CHECK_INT(until, utc(2022, 11, 6, 6, 0));
	CHECK_INT(tz_offset_span(ny, utc(2022, 1, 1, 0, 0), &from, &until),
		  -300);
	CHECK_INT(from, utc(2021, 11, 7, 6, 0));
	CHECK_INT(until, utc(2022, 3, 13, 7, 0));
	CHECK_INT(tz_offset_span(syd, utc(2022, 1, 1, 0, 0), &from, &until),
		  660);
	CHECK_INT(from, utc(2021, 10, 2, 16, 0));
	CHECK_INT(until, utc(2022, 4, 2, 16, 0));
	CHECK_INT(tz_offset_span(tz_find("Asia/Tokyo"), 0, &from, &until), 540);
	CHECK(from == INT64_MIN && until == INT64_MAX);
}

static void test_local(void)
{
	const struct tz *ny = tz_find("America/New_York");
	const struct tz *ber = tz_find("Europe/Berlin");
	int64_t local = utc(2022, 1, 31, 9, 30); /* read as a wall clock */

	CHECK_INT(tz_local_to_utc(ny, local), utc(2022, 1, 31, 14, 30));
	CHECK_INT(tz_local_to_utc(ny, utc(2022, 7, 1, 9, 30)),
		  utc(2022, 7, 1, 13, 30));
	/* 02:30 does not exist on 13 March 2022: read as 03:30 EDT */
	CHECK_INT(tz_local_to_utc(ny, utc(2022, 3, 13, 2, 30)),
		  utc(2022, 3, 13, 7, 30));
	/* 01:30 happens twice on 6 November 2022: the EST one */
	CHECK_INT(tz_local_to_utc(ny, utc(2022, 11, 6, 1, 30)),
		  utc(2022, 11, 6, 6, 30));
	CHECK_INT(tz_local_to_utc(ber, utc(2022, 7, 1, 9, 0)),
		  utc(2022, 7, 1, 7, 0));
	CHECK_INT(
		tz_local_to_utc(tz_find("Asia/Kolkata"), utc(2022, 7, 1, 9, 0)),
		utc(2022, 7, 1, 3, 30));
}

int main(void)
{
	test_find();
	test_us();
	test_eu();
	test_sydney();
	test_fixed();
	test_span();
	test_local();
	return check_report();
}
