/* secrets.h - the credentials of the saved exports: STORE.secrets.
 *
 * A file beside the store, mode 0600, that collabfs alone writes: one
 * section per saved export, with what authorizes its writes (the
 * destination as typed, SAS and all, and the account key or connection
 * string it was saved with).  It is the only place a secret is kept:
 * the exports' definitions (syncstate.h) hold display forms only.
 *
 *   # collabfs saved exports' credentials: keep this file mode 0600
 *   [emea]
 *   dest = https://acct.blob.core.windows.net/emea?sv=...&sig=...
 *   [archive]
 *   dest = azure://orgarchive/collab
 *   key = ...
 *
 * A file that group or others may read is refused.  Saving writes a new
 * file beside it (0600), syncs it and renames it over the old one.
 * Messages name the file and line, never a value.  Memory holding a
 * value is cleansed before it is freed.
 */
#ifndef COLLABFS_SECRETS_H
#define COLLABFS_SECRETS_H

#include <stddef.h>

#include "err.h"

struct secret {
	char *name;		 /* the export's name */
	char *dest;		 /* DEST as given (a URL with its SAS ...) */
	char *account_key;	 /* AZURE_STORAGE_KEY at save time, or NULL */
	char *connection_string; /* AZURE_STORAGE_CONNECTION_STRING, or NULL */
};

struct secrets {
	char *path; /* STORE.secrets */
	struct secret *v;
	size_t n, cap;
};

/* Read STORE.secrets (none yet: empty).  Refuses a file group or others
 * may read, and a malformed one (naming the line). */
int secrets_load(const char *store, struct secrets *s, struct err *e);
/* Parse text (for tests and secrets_load); path names it in messages. */
int secrets_parse(const char *path, const char *text, size_t len,
		  struct secrets *s, struct err *e);
void secrets_free(struct secrets *s);

/* The export's secret, or NULL. */
const struct secret *secrets_find(const struct secrets *s, const char *name);
/* Set (add or replace) name's secret; the values are copied.  A value
 * with a line break is refused. */
int secrets_set(struct secrets *s, const struct secret *x, struct err *e);
/* Drop name's secret: 1 if it had one, else 0. */
int secrets_drop(struct secrets *s, const char *name);
/* Write s to s->path (0600, atomically). */
int secrets_save(const struct secrets *s, struct err *e);

#endif
