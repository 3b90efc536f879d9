/* syncstate.h - what the sync knows of each destination, and its history.
 *
 * STORE.sync/ (mode 0700) holds state.db (SQLite): per destination, each
 * blob this tool committed there (name, size, SHA-256 and MD5 of the
 * bytes, ETag, when), so that a write-only SAS, which cannot list, still
 * gets incremental syncs; and one row per sync run (the history).  Beside
 * it, one lock file per destination makes a second sync to the same
 * destination fail at once, naming the running one.  No secret is ever
 * stored: destinations are kept by their display form (azure.h).
 *
 * Thread-safe (one connection behind a mutex): sync workers record each
 * blob as soon as it is committed, so a killed sync resumes without
 * re-sending it.
 */
#ifndef COLLABFS_SYNCSTATE_H
#define COLLABFS_SYNCSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct syncstate;

struct sync_blob {
	uint64_t size;
	unsigned char sha256[32];
	unsigned char md5[16];
	char etag[80];
	int64_t synced; /* unix seconds */
};

/* Expired is never stored: a Completed run whose links have expired is
 * shown so (syncstate_status_at). */
enum run_status {
	RUN_PENDING,
	RUN_PROCESSING,
	RUN_COMPLETED,
	RUN_FAILED,
	RUN_EXPIRED
};

struct sync_run {
	int64_t id;
	char dest[512];
	int64_t requested, started, finished; /* unix seconds, 0: not yet */
	enum run_status status;
	char error[1024];
	char options[2048];
	char export_name[80]; /* the saved export it ran for, or "" */
	uint64_t files_sent, bytes_sent, skipped, deleted, failed;
	int64_t expires;  /* unix seconds its links expire, 0: no links */
	char links[1024]; /* path of its links manifest, or "" */
};

const char *syncstate_status_name(enum run_status s);
/* The run's status as of now (unix seconds): Expired for a Completed run
 * whose links have expired. */
enum run_status syncstate_status_at(const struct sync_run *r, int64_t now);

/* Open (creating) STORE.sync/state.db.  Refuses a directory others may
 * read. */
int syncstate_open(const char *store_path, struct syncstate **out,
		   struct err *e);
void syncstate_close(struct syncstate *st); /* releases the lock too */

/* STORE.sync, the state's folder (mode 0700). */
const char *syncstate_dir(const struct syncstate *st);

/* Take the destination's lock (display names it): -EBUSY with a message
 * naming the running sync's pid and start time if another holds it. */
int syncstate_lock(struct syncstate *st, const char *display, struct err *e);

/* The destination's id (created on first use). */
int syncstate_dest(struct syncstate *st, const char *display, int64_t *id,
		   struct err *e);

/* What was committed as name at the destination: 1 (and *out), 0 none. */
int syncstate_get(struct syncstate *st, int64_t dest, const char *name,
		  struct sync_blob *out);
int syncstate_put(struct syncstate *st, int64_t dest, const char *name,
		  const struct sync_blob *b, struct err *e);

/* Forget name at the destination (a deleted blob). */
int syncstate_forget(struct syncstate *st, int64_t dest, const char *name,
		     struct err *e);

/* History: a run is recorded Pending at request, Processing once it holds
 * the lock, then Completed or Failed with its counters and error. */
int syncstate_run_new(struct syncstate *st, struct sync_run *r, struct err *e);
int syncstate_run_update(struct syncstate *st, const struct sync_run *r,
			 struct err *e);
/* Call fn for each run, oldest first. */
int syncstate_runs(struct syncstate *st,
		   int (*fn)(void *arg, const struct sync_run *r), void *arg,
		   struct err *e);

/* ---- saved exports (exports.h): their definitions, without secrets ---- */

#define EXPORT_NAME_MAX 64

struct saved_export {
	char name[EXPORT_NAME_MAX + 1];
	char dest[512];	    /* the destination's display form */
	char options[2048]; /* the tree options, paths absolute */
	int64_t created;    /* unix seconds */
};

/* A transaction around several changes (BEGIN IMMEDIATE: writers wait). */
int syncstate_begin(struct syncstate *st, struct err *e);
int syncstate_commit(struct syncstate *st, struct err *e);
void syncstate_rollback(struct syncstate *st);

/* Save x (replacing the export of that name: *replaced 1).  -EEXIST with
 * a message naming the export if another one has x's destination. */
int syncstate_export_put(struct syncstate *st, const struct saved_export *x,
			 int *replaced, struct err *e);
/* 1 and *out if name is saved, 0 if not, -errno with e set. */
int syncstate_export_get(struct syncstate *st, const char *name,
			 struct saved_export *out, struct err *e);
/* 1 if removed, 0 if there was none. */
int syncstate_export_remove(struct syncstate *st, const char *name,
			    struct err *e);
/* Call fn for each saved export, by name. */
int syncstate_exports(struct syncstate *st,
		      int (*fn)(void *arg, const struct saved_export *x),
		      void *arg, struct err *e);
/* The export's latest run: 1 and *out, 0 if it never ran. */
int syncstate_last_run(struct syncstate *st, const char *name,
		       struct sync_run *out, struct err *e);

#endif
