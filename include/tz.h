/* tz.h - built-in UTC offsets for the IANA time zones the generator uses.
 *
 * Our own rules, independent of the host's tzdata and TZ variable, so that
 * generated data is the same on every machine.  Each zone is a standard
 * offset plus one of four rules, applied to every year (the rules in force
 * since 2007 in the US, 1996 in the EU, 2008 in New South Wales):
 *
 *   TZ_FIXED  no daylight saving time
 *   TZ_US     +1 h from the 2nd Sunday of March 02:00 local standard time
 *             to the 1st Sunday of November 02:00 local daylight time
 *   TZ_EU     +1 h from the last Sunday of March 01:00 UTC
 *             to the last Sunday of October 01:00 UTC
 *   TZ_AU     +1 h from the 1st Sunday of October 02:00 local standard time
 *             to the 1st Sunday of April 03:00 local daylight time
 *
 * Times are seconds since 1970-01-01T00:00:00Z; offsets are minutes east of
 * UTC (New York in winter is -300).
 */
#ifndef COLLABFS_TZ_H
#define COLLABFS_TZ_H

#include <stddef.h>
#include <stdint.h>

enum tz_rule {
	TZ_FIXED, /* standard time all year */
	TZ_US,	  /* United States and Canada */
	TZ_EU,	  /* European Union and the United Kingdom */
	TZ_AU,	  /* south-eastern Australia */
};

struct tz {
	const char *name;  /* IANA name, e.g. "America/New_York" */
	int std;	   /* standard offset, minutes east of UTC */
	enum tz_rule rule; /* when daylight saving time (+60) applies */
};

/* Every built-in zone (static storage), tz_nzones of them. */
extern const struct tz tz_zones[];
extern const size_t tz_nzones;

/* The zone called name (exact IANA spelling, "UTC" and "Etc/UTC" too), or
 * NULL if it is not built in.  The result is static; never free it. */
const struct tz *tz_find(const char *name);

/* Offset from UTC, in minutes, of zone z at instant t. */
int tz_offset_minutes(const struct tz *z, int64_t t);

/* Offset of z at t, like tz_offset_minutes, and the span [*from, *until)
 * of instants around t that have that same offset (so a caller can cache
 * it; INT64_MIN / INT64_MAX for a fixed zone).  from and until may be NULL.
 */
int tz_offset_span(const struct tz *z, int64_t t, int64_t *from,
		   int64_t *until);

/* The UTC instant at which the wall clock of z shows local (seconds since
 * 1970-01-01T00:00:00 local).  A wall time skipped by the spring change is
 * read with the standard offset (02:30 becomes 03:30 daylight time); one
 * repeated by the autumn change gives the later, standard-time instant. */
int64_t tz_local_to_utc(const struct tz *z, int64_t local);

#endif
