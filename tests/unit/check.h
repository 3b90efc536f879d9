/* check.h - a tiny header-only test harness (after redis's testhelp.h).
 *
 * CHECK(cond) records a pass or a failure (printed with file:line and the
 * condition); the CHECK_* forms also print both values on failure.  End
 * main() with "return check_report();": it prints "N passed, M failed" alone
 * on a line and returns non-zero if anything failed.
 */
#ifndef COLLABFS_CHECK_H
#define COLLABFS_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_passed;
static int check_failed;

static inline int check_at(int ok, const char *file, int line, const char *fmt,
			   ...) __attribute__((format(printf, 4, 5)));

/* Record one result; on failure print file:line and the message. */
static inline int check_at(int ok, const char *file, int line, const char *fmt,
			   ...)
{
	va_list ap;

	if (ok) {
		check_passed++;
		return 1;
	}
	check_failed++;
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 0;
}

/* Print a byte string readably (for failure messages). */
static inline void check_show(const char *p, size_t n)
{
	fputc('"', stderr);
	for (size_t i = 0; p && i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputc('"', stderr);
}

static inline int check_int(const char *file, int line, const char *expr,
			    long long got, long long want)
{
	return check_at(got == want, file, line, "%s == %lld, expected %lld",
			expr, got, want);
}

static inline int check_mem(const char *file, int line, const char *expr,
			    const char *got, size_t gotn, const char *want,
			    size_t wantn)
{
	int ok = got && gotn == wantn && memcmp(got, want, wantn) == 0;

	if (check_at(ok, file, line, "%s differs", expr))
		return 1;
	fprintf(stderr, "    got:      ");
	check_show(got, got ? gotn : 0);
	fprintf(stderr, "\n    expected: ");
	check_show(want, wantn);
	fputc('\n', stderr);
	return 0;
}

static inline int check_str(const char *file, int line, const char *expr,
			    const char *got, const char *want)
{
	return check_mem(file, line, expr, got, got ? strlen(got) : 0, want,
			 strlen(want));
}

static inline int check_has(const char *file, int line, const char *expr,
			    const char *hay, const char *needle)
{
	int ok = hay && strstr(hay, needle) != NULL;

	if (check_at(ok, file, line, "%s does not contain \"%s\"", expr,
		     needle))
		return 1;
	fprintf(stderr, "    it is: ");
	check_show(hay, hay ? strlen(hay) : 0);
	fputc('\n', stderr);
	return 0;
}

#define CHECK(cond) check_at(!!(cond), __FILE__, __LINE__, "%s", #cond)
/* Integers (compared as long long). */
#define CHECK_INT(got, want) \
	check_int(__FILE__, __LINE__, #got, (long long)(got), (long long)(want))
/* NUL-terminated strings; got may be NULL (a failure). */
#define CHECK_STR(got, want) check_str(__FILE__, __LINE__, #got, (got), (want))
/* Bytes got[0..gotn) equal the string literal or C string want. */
#define CHECK_MEM(got, gotn, want) \
	check_mem(__FILE__, __LINE__, #got, (got), (gotn), (want), strlen(want))
/* Bytes got[0..gotn) equal want[0..wantn) (may hold NUL bytes). */
#define CHECK_BYTES(got, gotn, want, wantn) \
	check_mem(__FILE__, __LINE__, #got, (got), (gotn), (want), (wantn))
/* The string hay contains needle. */
#define CHECK_HAS(hay, needle) \
	check_has(__FILE__, __LINE__, #hay, (hay), (needle))

static inline int check_report(void)
{
	fflush(stderr);
	printf("%d passed, %d failed\n", check_passed, check_failed);
	fflush(stdout);
	return check_failed ? 1 : 0;
}

#endif
