/* value.c - strict parsing and canonical formatting of typed fields.
 * See value.h. */
#include "value.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Calendar arithmetic on the proleptic Gregorian calendar, after the
 * well-known days-from-civil algorithm (eras of 400 years). */
int64_t value_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t mp = (int64_t)(m > 2 ? m - 3 : m + 9);
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void value_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	unsigned dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);

	*y = (int)(yoe + era * 400 + (mm <= 2));
	*m = mm;
	*d = dd;
}

void value_hex(const unsigned char *p, size_t n, char *dst)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[p[i] >> 4];
		dst[2 * i + 1] = digits[p[i] & 15];
	}
}

void value_format_utc(int64_t secs, char out[VALUE_UTC_MAX])
{
	int64_t day = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t rest = secs - day * 86400;
	unsigned m = 0, d = 0;
	int y = 0;

	value_civil_from_days(day, &y, &m, &d);
	snprintf(out, VALUE_UTC_MAX, "%04d-%02u-%02uT%02u:%02u:%02uZ", y, m, d,
		 (unsigned)(rest / 3600), (unsigned)(rest / 60 % 60),
		 (unsigned)(rest % 60));
}

int64_t value_day_of_ms(int64_t ms)
{
	int64_t q = ms / 86400000;

	return (ms % 86400000 < 0) ? q - 1 : q;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int y, unsigned m)
{
	static const unsigned char dim[] = { 31, 28, 31, 30, 31, 30,
					     31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Read exactly n decimal digits at s[*i]; -1 if they are not all digits. */
static int digits(const char *s, size_t len, size_t *i, size_t n)
{
	int v = 0;

	if (len - *i < n)
		return -1;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[*i + k];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += n;
	return v;
}

static int expect(const char *s, size_t n, size_t *i, char c)
{
	if (*i >= n || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

/* Parse the zone suffix at s[*i..n): Z, +HH:MM, +HHMM, +HH or nothing. */
static int parse_zone(const char *s, size_t n, size_t *i, struct datetime *t)
{
	int sign, hh, mm = 0;

	t->has_off = false;
	t->off = 0;
	if (*i == n)
		return 0;
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		return 0;
	}
	if (s[*i] != '+' && s[*i] != '-')
		return -1;
	sign = s[*i] == '-' ? -1 : 1;
	(*i)++;
	hh = digits(s, n, i, 2);
	if (hh < 0)
		return -1;
	if (*i < n) {
		if (s[*i] == ':')
			(*i)++;
		mm = digits(s, n, i, 2);
		if (mm < 0)
			return -1;
	}
	if (hh > 18 || mm > 59 || hh * 60 + mm > 18 * 60)
		return -1;
	t->has_off = true;
	t->off = (int16_t)(sign * (hh * 60 + mm));
	return 0;
}

/* Parse [.fraction] into milliseconds; finer digits must be zeros. */
static int parse_fraction(const char *s, size_t n, size_t *i, int *ms,
			  const char **why)
{
	size_t k = 0;

	*ms = 0;
	if (*i >= n || (s[*i] != '.' && s[*i] != ','))
		return 0;
	(*i)++;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		int dg = s[*i] - '0';

		if (k < 3)
			*ms = *ms * 10 + dg;
		else if (dg != 0)
			*why = "has more precision than a millisecond";
		k++;
		(*i)++;
	}
	if (k == 0 || k > 9)
		return -1;
	for (; k < 3; k++)
		*ms *= 10;
	return *why ? -1 : 0;
}

static int parse_clock(const char *s, size_t n, size_t *i, int64_t *secs,
		       int *ms, const char **why)
{
	int hh, mi, ss = 0;

	hh = digits(s, n, i, 2);
	if (hh < 0 || expect(s, n, i, ':'))
		return -1;
	mi = digits(s, n, i, 2);
	if (mi < 0)
		return -1;
	if (*i < n && s[*i] == ':') {
		(*i)++;
		ss = digits(s, n, i, 2);
		if (ss < 0)
			return -1;
		if (parse_fraction(s, n, i, ms, why))
			return -1;
	}
	if (hh > 23 || mi > 59 || ss > 59) {
		*why = "is not a valid time of day";
		return -1;
	}
	*secs = hh * 3600 + mi * 60 + ss;
	return 0;
}

int value_parse_datetime(const char *s, size_t n, struct datetime *out,
			 const char **why)
{
	size_t i = 0;
	int y, mo, d, ms = 0;
	int64_t secs = 0;

	*why = NULL;
	y = digits(s, n, &i, 4);
	if (y < 0 || expect(s, n, &i, '-') || (mo = digits(s, n, &i, 2)) < 0 ||
	    expect(s, n, &i, '-') || (d = digits(s, n, &i, 2)) < 0)
		goto bad;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    (unsigned)d > days_in_month(y, (unsigned)mo)) {
		*why = "is not a valid calendar date";
		return -EINVAL;
	}
	if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
		i++;
		if (parse_clock(s, n, &i, &secs, &ms, why) ||
		    parse_zone(s, n, &i, out))
			goto bad;
	} else {
		out->has_off = false;
		out->off = 0;
	}
	if (i != n)
		goto bad;
	secs += value_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
	secs -= (int64_t)out->off * 60;
	out->ms = secs * 1000 + ms;
	if (out->ms < DATETIME_MIN_MS || out->ms > DATETIME_MAX_MS) {
		*why = "is out of range (years 0001 to 9999)";
		return -EINVAL;
	}
	return 0;
bad:
	if (!*why)
		*why = "is not an ISO 8601 datetime";
	return -EINVAL;
}

int value_parse_bool(const char *s, size_t n, bool *out, const char **why)
{
	if (n == 4 && strncasecmp(s, "true", 4) == 0) {
		*out = true;
		return 0;
	}
	if (n == 5 && strncasecmp(s, "false", 5) == 0) {
		*out = false;
		return 0;
	}
	*why = "is not a Boolean (True or False)";
	return -EINVAL;
}

int value_parse_int(const char *s, size_t n, int64_t *out, const char **why)
{
	size_t i = 0;
	int neg = 0;
	uint64_t v = 0;
	uint64_t limit;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == n)
		goto bad;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned c = (unsigned char)s[i] - '0';

		if (c > 9)
			goto bad;
		if (v > (limit - c) / 10) {
			*why = "is out of range for a 64-bit integer";
			return -EINVAL;
		}
		v = v * 10 + c;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
bad:
	*why = "is not an integer";
	return -EINVAL;
}

/* Skip decimal digits at s[*i]; returns how many. */
static size_t skip_digits(const char *s, size_t n, size_t *i)
{
	size_t start = *i;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i - start;
}

static void skip_sign(const char *s, size_t n, size_t *i)
{
	if (*i < n && (s[*i] == '+' || s[*i] == '-'))
		(*i)++;
}

/* Decimal syntax only: [+-]digits[.digits][e[+-]digits], or .digits. */
static int double_syntax_ok(const char *s, size_t n)
{
	size_t i = 0, mant;

	skip_sign(s, n, &i);
	mant = skip_digits(s, n, &i);
	if (i < n && s[i] == '.') {
		i++;
		mant += skip_digits(s, n, &i);
	}
	if (!mant)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		skip_sign(s, n, &i);
		if (!skip_digits(s, n, &i))
			return 0;
	}
	return i == n;
}

/* Does the mantissa of a decimal number have a non-zero digit? */
static int nonzero(const char *s)
{
	for (; *s && *s != 'e' && *s != 'E'; s++)
		if (*s >= '1' && *s <= '9')
			return 1;
	return 0;
}

int value_parse_double(const char *s, size_t n, double *out, const char **why)
{
	char tmp[128];
	char *end;

	if (n >= sizeof(tmp) || !double_syntax_ok(s, n)) {
		*why = "is not a number";
		return -EINVAL;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, &end);
	if (isinf(*out) || end != tmp + n || (*out == 0.0 && nonzero(tmp))) {
		*why = "is out of range for a double"; /* over- or underflow */
		return -EINVAL;
	}
	return 0;
}

/* The length of the UTF-8 sequence led by c, 0 if c cannot lead one. */
static size_t utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

static int utf8_seq_ok(const unsigned char *p, size_t len)
{
	for (size_t k = 1; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if (len == 3 &&
	    ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
		return 0; /* overlong, or a surrogate */
	if (len == 4 &&
	    ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
		return 0; /* overlong, or above U+10FFFF */
	return 1;
}

/* Length of the run of ASCII bytes at p (a multiple of 8, or 0). */
static size_t ascii_run(const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t w;

	while (n - i >= 8) {
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
		i += 8;
	}
	return i;
}

int value_check_utf8(const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t len;

		i += ascii_run(p + i, n - i);
		if (i == n)
			break;
		len = utf8_len(p[i]);
		if (!len || n - i < len || !utf8_seq_ok(p + i, len)) {
			if (bad)
				*bad = i;
			return -EILSEQ;
		}
		i += len;
	}
	return 0;
}

int value_parse(const struct column *c, const char *s, size_t n,
		struct value *v, const char **why)
{
	bool b;
	const char *canon;

	if (n == 0) {
		v->kind = VAL_NULL;
		return 0;
	}
	switch (c->type) {
	case COL_BOOL:
		v->kind = VAL_INT;
		if (value_parse_bool(s, n, &b, why))
			return -EINVAL;
		v->u.i = b;
		return 0;
	case COL_INT:
		v->kind = VAL_INT;
		return value_parse_int(s, n, &v->u.i, why);
	case COL_DOUBLE:
		v->kind = VAL_REAL;
		return value_parse_double(s, n, &v->u.d, why);
	case COL_DATETIME:
		v->kind = VAL_TIME;
		return value_parse_datetime(s, n, &v->u.t, why);
	case COL_ENUM:
		canon = schema_enum_value(c, s, n);
		if (!canon) {
			*why = "is not one of the column's values";
			return -EINVAL;
		}
		v->kind = VAL_TEXT;
		v->u.s.p = canon;
		v->u.s.n = strlen(canon);
		return 0;
	case COL_STRING:
		break;
	}
	v->kind = VAL_TEXT;
	v->u.s.p = s;
	v->u.s.n = n;
	return 0;
}

static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* "YYYY-MM-DD" of a day number into dst (10 bytes).  Rows come in time
 * order, so the last day's text is kept per thread and nearly always
 * reused. */
static void put_date(char *dst, int64_t day)
{
	static _Thread_local int64_t last_day = INT64_MIN;
	static _Thread_local char last[10];
	unsigned m, d;
	int y;

	if (day != last_day) {
		value_civil_from_days(day, &y, &m, &d);
		put2(last, (unsigned)y / 100);
		put2(last + 2, (unsigned)y % 100);
		last[4] = '-';
		put2(last + 5, m);
		last[7] = '-';
		put2(last + 8, d);
		last_day = day;
	}
	memcpy(dst, last, 10);
}

void value_format_datetime(struct buf *b, const struct datetime *t)
{
	char tmp[40], *p = tmp;
	int64_t local = t->ms + (t->has_off ? (int64_t)t->off * 60000 : 0);
	int64_t day = value_day_of_ms(local);
	int64_t in_day = local - day * 86400000;
	unsigned secs = (unsigned)(in_day / 1000),
		 ms = (unsigned)(in_day % 1000);
	unsigned off;

	put_date(p, day);
	p += 10;
	*p++ = 'T';
	p = put2(p, secs / 3600);
	*p++ = ':';
	p = put2(p, secs / 60 % 60);
	*p++ = ':';
	p = put2(p, secs % 60);
	if (ms) {
		*p++ = '.';
		*p++ = (char)('0' + ms / 100);
		p = put2(p, ms % 100);
	}
	if (!t->has_off) {
		*p++ = 'Z';
	} else {
		*p++ = t->off < 0 ? '-' : '+';
		off = (unsigned)(t->off < 0 ? -t->off : t->off);
		p = put2(p, off / 60);
		*p++ = ':';
		p = put2(p, off % 60);
	}
	buf_add(b, tmp, (size_t)(p - tmp));
}

/* The common case fast: d = N / 10^k exactly for some k <= 3 and
 * 0.001 <= |d| < 1e15 (durations, hours, counts).  N / 10^k, computed in
 * double, is the correctly rounded value of that decimal, as strtod() of
 * it is; and "%.15g" prints that decimal (15 digits hold it), so this gives
 * the bytes the general path would.  Returns the length, 0 if d is not such
 * a number. */
static size_t format_decimal(char *tmp, double d)
{
	static const double p10[] = { 1.0, 10.0, 100.0, 1000.0 };
	double a = fabs(d);
	char digits[24], *p = digits + sizeof(digits), *out = tmp;
	uint64_t n = 0;
	int k = 0, len;

	if (!(a >= 0.001 && a < 1e15))
		return 0;
	for (; k < 4; k++) {
		double sc = a * p10[k];

		n = (uint64_t)sc;
		if (sc < 9007199254740992.0 && (double)n == sc &&
		    (double)n / p10[k] == a)
			break;
	}
	if (k == 4)
		return 0;
	for (; k > 0 && n % 10 == 0; k--)
		n /= 10;
	for (int i = 0; i < k; i++) {
		*--p = (char)('0' + n % 10);
		n /= 10;
	}
	if (k)
		*--p = '.';
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	if (d < 0)
		*out++ = '-';
	len = (int)(digits + sizeof(digits) - p);
	memcpy(out, p, (size_t)len);
	return (size_t)(out - tmp) + (size_t)len;
}

/* The shortest "%.Ng" (N from 15 to 17) that reads back as d, into dst
 * (40 bytes); returns the length. */
static size_t format_shortest(char *dst, double d)
{
	/* 15 digits are the shortest form of almost every double; subnormals
	 * carry fewer significant digits and may need as few as one. */
	int prec = d != 0.0 && fabs(d) < DBL_MIN ? 1 : 15, n = 0;

	for (; prec <= 17; prec++) {
		n = snprintf(dst, 40, "%.*g", prec, d);
		if (prec == 17 || strtod(dst, NULL) == d)
			break;
	}
	return (size_t)n;
}

/* format_shortest through a small per-thread cache: the values that need
 * it (a minute in hours, 0.004166666666666667) repeat row after row, and
 * each costs up to three printf and three strtod calls (a fifth of a
 * mail_participants file's rendering before the cache). */
#define DCACHE_SLOTS 256

static size_t format_shortest_cached(char *dst, double d)
{
	static _Thread_local struct {
		uint64_t bits;
		unsigned char len; /* 0: empty */
		char text[31];
	} cache[DCACHE_SLOTS];
	uint64_t bits, h;
	size_t n;

	memcpy(&bits, &d, sizeof(bits));
	h = (bits * 0x9e3779b97f4a7c15ULL) >> 56;
	if (cache[h].len && cache[h].bits == bits) {
		memcpy(dst, cache[h].text, cache[h].len);
		return cache[h].len;
	}
	n = format_shortest(dst, d);
	if (n < sizeof(cache[h].text)) {
		cache[h].bits = bits;
		cache[h].len = (unsigned char)n;
		memcpy(cache[h].text, dst, n);
	}
	return n;
}

void value_format_double(struct buf *b, double d)
{
	char tmp[40];
	int n;

	if (d == 0.0) { /* what "%.15g" gives, without printf */
		buf_addstr(b, signbit(d) ? "-0" : "0");
		return;
	}
	n = (int)format_decimal(tmp, d);
	if (n) {
		buf_add(b, tmp, (size_t)n);
		return;
	}
	n = (int)format_shortest_cached(tmp, d);
	buf_add(b, tmp, (size_t)n);
}

void value_format_int(struct buf *b, int64_t i)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (i < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}
