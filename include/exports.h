/* exports.h - saved exports: a destination and tree options kept with the
 * store, run as incremental syncs on demand and after every import.
 *
 * The definition (name, the destination's display form, the tree options
 * with absolute paths) lives in the sync state (syncstate.h), beside the
 * history it adds to; what authorizes the writes lives in the secrets
 * file alone (secrets.h).  A run is a sync_run (sync.h) of the export's
 * tree to its destination, recorded in the history with the export's
 * name.  See docs/exports.md.
 */
#ifndef COLLABFS_EXPORTS_H
#define COLLABFS_EXPORTS_H

#include <stddef.h>

#include "azure.h"
#include "err.h"
#include "sync.h"
#include "syncstate.h"

/* Save the export name of the store (0), or replace it (1): dest is
 * DEST's text (a URL with its SAS, azure://...), env what the environment
 * holds for it (kept only if dest needs it), options a -o list of tree
 * options.  Everything is checked first (the name, the destination, the
 * options, the tree opened with them); nothing is sent. */
int exports_save(const char *store, const char *name, const char *dest,
		 const struct azure_env *env, const char *options,
		 struct err *e);

/* Remove the export and its secret (its history stays). */
int exports_remove(const char *store, const char *name, struct err *e);

/* Call fn for each saved export, by name, with its latest run (NULL if it
 * never ran). */
typedef int (*export_list_fn)(void *arg, const struct saved_export *x,
			      const struct sync_run *last);
int exports_list(const char *store, export_list_fn fn, void *arg,
		 struct err *e);

/* What one export's run came to, for the caller to report. */
struct export_outcome {
	const char *name;
	const char *dest;	       /* display form */
	const struct sync_result *res; /* zeros if it failed before sending */
	int ret;		       /* 0 or -errno */
	const struct err *e;	       /* the error, if ret */
	double secs;
};
typedef void (*export_done_fn)(void *arg, const struct export_outcome *out);

/* Run the exports named (all of them, by name, if n is 0), one after the
 * other; fn (may be NULL) hears of each.  Returns how many failed (each
 * recorded Failed in the history), or -errno with e set when none could
 * run (an unknown name, an unreadable state). */
int exports_run(const char *store, char *const *names, size_t n,
		export_done_fn fn, void *arg, struct err *e);

#endif
