/* err.c - error reports.  See err.h. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_vset(struct err *e, int code, const char *fmt, va_list ap)
{
	if (!e)
		return;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char head[ERR_MSG_MAX];
	char tail[ERR_MSG_MAX];
	va_list ap;

	if (!e)
		return 0;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(tail, e->msg, sizeof(tail));
	snprintf(e->msg, sizeof(e->msg), "%.400s: %.600s", head, tail);
	return e->code;
}

int err_sys(struct err *e, int code, const char *what, const char *path)
{
	char why[128];

	if (!code)
		code = errno ? -errno : -EIO;
	if (strerror_r(-code, why, sizeof(why)))
		snprintf(why, sizeof(why), "error %d", -code);
	return err_set(e, code, "cannot %s '%s': %s", what, path, why);
}

const char *err_quote(char *dst, size_t dstsz, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	size_t limit = dstsz > 8 ? dstsz - 6 : 0; /* room for ...", NUL */

	if (dstsz < 8) {
		if (dstsz)
			dst[0] = '\0';
		return dst;
	}
	dst[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int esc = c < 0x20 || c == 0x7f || c == '"' || c == '\\';

		if (o + (esc ? 4 : 1) > limit) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (!esc) {
			dst[o++] = (char)c;
		} else if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}
