/* log.h - diagnostics on stderr, with syslog's levels. */
#ifndef COLLABFS_LOG_H
#define COLLABFS_LOG_H

#include <syslog.h>

/* Messages above this level are dropped; LOG_WARNING by default. */
extern int log_level;

/* From now on, send messages to syslog (a daemon has no terminal). */
void log_use_syslog(void);

/* Print "collabfs: " and the message (one line, no newline needed) if
 * lvl <= log_level. */
void log_at(int lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
