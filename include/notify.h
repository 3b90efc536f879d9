/* notify.h - telling a web hook that something happened: one POST of a
 * JSON document (libcurl).  The hook's URL may hold a token: messages name
 * it without its query string. */
#ifndef COLLABFS_NOTIFY_H
#define COLLABFS_NOTIFY_H

#include "err.h"

/* Check that url is http:// or https:// with a host: 0 or -EINVAL (before
 * any work, so that a typo is caught at start). */
int notify_check(const char *url, struct err *e);

/* POST json (Content-Type: application/json) to url; a 2xx answer is
 * success.  Waits at most 10 s; tries up to 3 times on a failed
 * connection or a 5xx.  Needs azure_global_init (curl's global state). */
int notify_post(const char *url, const char *json, struct err *e);

#endif
