/* value.h - typed values: parsing CSV text strictly, formatting it back.
 *
 * Parsers take a field as (pointer, length), not NUL-terminated, and return 0
 * or -EINVAL; on -EINVAL they set *why to a static phrase that completes the
 * sentence '"<value>" ...', e.g. "is not an ISO 8601 datetime".
 */
#ifndef COLLABFS_VALUE_H
#define COLLABFS_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "schema.h"

/* A datetime: the UTC instant and the offset it was written with. */
struct datetime {
	int64_t ms;   /* milliseconds since 1970-01-01T00:00:00Z */
	int16_t off;  /* minutes east of UTC, meaningful if has_off */
	bool has_off; /* false: written with Z or with no zone (UTC) */
};

enum value_kind { VAL_NULL, VAL_INT, VAL_REAL, VAL_TEXT, VAL_TIME };

/* One typed field.  Text is borrowed from the parsed record. */
struct value {
	enum value_kind kind;
	union {
		int64_t i; /* VAL_INT: integers, booleans (0/1) */
		double d;  /* VAL_REAL */
		struct {
			const char *p; /* VAL_TEXT: not NUL-terminated */
			size_t n;
		} s;
		struct datetime t; /* VAL_TIME */
	} u;
};

/* Limits of an accepted datetime: years 0001 to 9999. */
#define DATETIME_MIN_MS (-62135596800000LL)
#define DATETIME_MAX_MS (253402300799999LL)

int value_parse_bool(const char *s, size_t n, bool *out, const char **why);
int value_parse_int(const char *s, size_t n, int64_t *out, const char **why);
int value_parse_double(const char *s, size_t n, double *out, const char **why);
/* ISO 8601: YYYY-MM-DD, optionally followed by T (or a space) and
 * HH:MM[:SS[.fraction]], then Z, +HH:MM, +HHMM, +HH or nothing (UTC).
 * Fractions finer than a millisecond must be zeros. */
int value_parse_datetime(const char *s, size_t n, struct datetime *out,
			 const char **why);
/* Check that s[0..n) is well-formed UTF-8 (no overlongs, no surrogates).
 * Returns 0 or -EILSEQ with *bad set to the offset of the first bad byte. */
int value_check_utf8(const char *s, size_t n, size_t *bad);

/* Parse a field of column c into v.  An empty field is VAL_NULL (the caller
 * decides whether NULL is allowed).  Enum text is the canonical spelling
 * (static storage).  Returns 0 or -EINVAL with *why set. */
int value_parse(const struct column *c, const char *s, size_t n,
		struct value *v, const char **why);

/* Append the text form of a value, as the CSV files write it:
 * True/False, integers in decimal, doubles in the shortest form that reads
 * back to the same double, datetimes as YYYY-MM-DDTHH:MM:SS[.mmm] plus Z or
 * the original offset.  NULL appends nothing. */
void value_format_datetime(struct buf *b, const struct datetime *t);
void value_format_double(struct buf *b, double d);
void value_format_int(struct buf *b, int64_t i);

/* Days since 1970-01-01 of the UTC day that holds ms (floor). */
int64_t value_day_of_ms(int64_t ms);
/* p[0..n) as 2n lowercase hex digits at dst (no NUL added). */
void value_hex(const unsigned char *p, size_t n, char *dst);
/* Unix seconds as "2026-11-24T10:00:00Z" (UTC), the form every command
 * prints times in. */
#define VALUE_UTC_MAX 32
void value_format_utc(int64_t secs, char out[VALUE_UTC_MAX]);
/* Civil date of a day number. */
void value_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
/* Day number of a civil date (no range check). */
int64_t value_days_from_civil(int y, unsigned m, unsigned d);

#endif
