/* log.c - diagnostics on stderr, or syslog for a daemon.  See log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

int log_level = LOG_WARNING;
static int use_syslog;

void log_use_syslog(void)
{
	openlog("collabfs", LOG_PID, LOG_DAEMON);
	use_syslog = 1;
}

void log_at(int lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(lvl, fmt, ap);
	} else {
		fputs("collabfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
