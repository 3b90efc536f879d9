/* err.h - an error report that travels up to the command that prints it.
 *
 * Functions below main.c never print and never exit: they fill the caller's
 * struct err and return a negative errno.  main.c prints "collabfs: <msg>".
 */
#ifndef COLLABFS_ERR_H
#define COLLABFS_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define ERR_MSG_MAX 1024

struct err {
	int code;	       /* 0, or the negative errno that was returned */
	char msg[ERR_MSG_MAX]; /* one line, no "collabfs: " prefix, no newline
				*/
};

#define ERR_INIT          \
	{                 \
		0,        \
		{         \
			0 \
		}         \
	}

/* Fill e (which may be NULL) with code and a printf-style message. */
void err_vset(struct err *e, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* err_vset, returning code, so that "report and return" is one statement.
 * Inline so that callers (and their static analysis) see what it returns. */
static inline __attribute__((format(printf, 3, 4))) int err_set(struct err *e,
								int code,
								const char *fmt,
								...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

/* Prepend "prefix: " to the message already in e (for context added on the way
 * up, e.g. the file name).  Returns e->code. */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report a failed system call: "cannot WHAT 'PATH': <errno's text>", with
 * code (a negative errno; 0 takes errno, or -EIO).  Returns the code. */
int err_sys(struct err *e, int code, const char *what, const char *path);

/* Write a printable, quoted and shortened copy of s[0..n) into dst (size
 * dstsz), for quoting user input in a message: "abc", control characters as
 * \xNN, long values cut with "...".  Returns dst. */
const char *err_quote(char *dst, size_t dstsz, const char *s, size_t n);

#endif
