/* log.c - diagnostics on stderr.  See log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

int log_level = LOG_WARNING;

void log_at(int lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_level)
		return;
	fputs("collabfs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
