/* log.h - diagnostics on stderr, with syslog's levels. */
#ifndef COLLABFS_LOG_H
#define COLLABFS_LOG_H

#include <syslog.h>

/* Messages above this level are dropped; LOG_WARNING by default. */
extern int log_level;

/* Print "collabfs: " and the message if lvl <= log_level. */
void log_at(int lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
