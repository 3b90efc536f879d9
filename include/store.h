/* store.h - the collabfs data store: one SQLite file in WAL mode.
 *
 * The only module that speaks SQLite.  Tables and columns come from
 * schema.h; each datetime column C is stored as C (UTC milliseconds) and
 * C_off (offset minutes, NULL for Z), and every row carries _t (its UTC
 * instant in seconds, for partitioning; _t_end for HR spans) and _refresh
 * (the refresh that last wrote it).  docs/store.md describes the layout.
 *
 * Writes happen only inside a refresh: one transaction, recorded with its
 * time, files, row counts and the (table, day range) pairs it touched.
 */
#ifndef COLLABFS_STORE_H
#define COLLABFS_STORE_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "schema.h"
#include "value.h"

/* The store format this collabfs writes; a store with a higher version is
 * refused. */
#define STORE_SCHEMA_VERSION 1

struct store;
struct store_refresh;
struct store_loader;

enum store_open_flags {
	STORE_READONLY = 1 << 0, /* never write (mount, sync) */
	STORE_CREATE = 1 << 1,	 /* create the file if it does not exist */
};

/* Open the store at path.  Refuses, with a message naming path, a file that
 * is not a collabfs store, a store made by a newer collabfs, and (for
 * writing) a read-only file.  *created tells whether the file was new (may
 * be NULL).  Returns 0 and *out (free with store_close) or -errno. */
int store_open(const char *path, unsigned flags, struct store **out,
	       int *created, struct err *e);
/* Close the store (NULL-safe). */
void store_close(struct store *s);
/* Delete the store file at path with its -wal and -shm companions: for a
 * store that a failed command had just created. */
void store_remove(const char *path);
const char *store_path(const struct store *s);

/* The HR attribute columns of PersonHistorical, in the order they were first
 * imported.  names[] is borrowed until the next refresh commits. */
size_t store_hr_count(const struct store *s);
const char *store_hr_name(const struct store *s, size_t i);

/* Begin a refresh (kind: "import" or "generate").  Only one writer at a
 * time: a second one waits up to a few seconds, then fails with -EBUSY. */
int store_refresh_begin(struct store *s, const char *kind,
			struct store_refresh **out, struct err *e);

/* Start loading rows of table t.  hr[0..nhr) are the extra HR attribute columns
 * the rows will carry (only for a table with hr_attributes); new ones are added
 * to the store.  Several loaders may be open at once (the generator interleaves
 * tables); a participant's parent must have been put first.  Returns 0 and
 * *out, or -errno (-EINVAL for a bad HR attribute name). */
int store_loader_open(struct store_refresh *r, const struct table *t,
		      const char *const *hr, size_t nhr,
		      struct store_loader **out, struct err *e);

/* Add one row: vals[] holds the table's columns in schema order, then the
 * nhr HR attributes.  Key columns must not be NULL.  A row whose key is
 * already in the store replaces it; a key put before in this refresh gives
 * -EEXIST; a participant whose parent is missing gives -ENOENT.  Messages
 * name the key, not the file or line (the caller adds those). */
int store_loader_put(struct store_loader *l, const struct value *vals,
		     struct err *e);

/* Add nrows rows (vals holds nrows times the values of store_loader_put),
 * several to an SQL statement where it can.  On error *bad is the index of
 * the row that failed, and the rows before it are in. */
int store_loader_put_rows(struct store_loader *l, const struct value *vals,
			  size_t nrows, size_t *bad, struct err *e);

/* Finish the table: records source (a file name, or "generated <Table>")
 * and the row count in the refresh, frees l.  On error the refresh must be
 * aborted. */
int store_loader_close(struct store_loader *l, const char *source,
		       struct err *e);
/* After store_loader_close failed with -EEXIST: the key found twice when a
 * bulk load built the table's key index (its values in key column order,
 * borrowed until the refresh ends), so the caller can find its line.
 * Returns the number of values, 0 if none. */
size_t store_refresh_dup(const struct store_refresh *r,
			 const char *const **key);

/* In a bulk load that put the table's key index off: build it now, so a
 * key repeated among the rows put so far is found (-EEXIST, with
 * store_refresh_dup).  0 otherwise.  For error paths: a repeat on an
 * earlier line is the error to report. */
int store_loader_check_keys(struct store_loader *l, struct err *e);

/* Free l without recording it (NULL-safe); for error paths. */
void store_loader_free(struct store_loader *l);

/* Commit the refresh; *id gets its number (may be NULL).  On error the
 * refresh is rolled back.  Either way r is freed. */
int store_refresh_commit(struct store_refresh *r, int64_t *id, struct err *e);
/* Roll back and free (NULL-safe). */
void store_refresh_abort(struct store_refresh *r);

/* Reading the rows of one table in one time range. */
struct store_scan;

/* Rows of t whose instant is in [t0, t1) (UTC seconds) -- for a table of
 * validity spans (PersonHistorical), rows whose span overlaps it -- in
 * (_t, key) order, which is the order they are stored in: a range of the
 * table, no sort.  Returns 0 and *out (close with store_scan_close). */
int store_scan_open(struct store *s, const struct table *t, int64_t t0,
		    int64_t t1, struct store_scan **out, struct err *e);
/* The same rows with only the columns pick[0..npick) (an index of t's
 * columns, or t->ncols + j for HR attribute j), their values in that
 * order: for a reader that needs a few of many.  Not for positions. */
struct store_pick {
	const struct table *table;
	int64_t t0, t1;	 /* as store_scan_open */
	const int *cols; /* the columns wanted */
	size_t ncols;
};
int store_scan_open_pick(struct store *s, const struct store_pick *p,
			 struct store_scan **out, struct err *e);
/* Each of the same rows handed to fn (its values as store_scan_next gives
 * them, borrowed for the call) from inside SQLite, in the same order: for
 * a reader that looks at every row once and keeps little, no row is
 * handed out of SQLite.  fn returns 0 to go on, or -errno with e set to
 * stop; store_scan_visit returns 0 or that -errno. */
typedef int (*store_visit_fn)(void *arg, const struct value *vals,
			      struct err *e);
int store_scan_visit(struct store *s, const struct store_pick *p,
		     store_visit_fn fn, void *arg, struct err *e);
/* The next row: 1 with *vals set (the table's columns in schema order,
 * then the store's HR attributes; borrowed until the next call), 0 at the
 * end, or -errno. */
int store_scan_next(struct store_scan *sc, const struct value **vals,
		    struct err *e);
/* NULL-safe. */
void store_scan_close(struct store_scan *sc);

/* The rows of child (a participant table) whose parent is one parent row,
 * with the columns cols[0..ncols) as store_scan_open_pick: a scan that
 * reads nothing until store_scan_rekey() names the parent's key; each
 * rekey restarts it (one seek of the child's key index).  For a parent
 * whose children are not placed with it (Calls). */
int store_scan_open_children(struct store *s, const struct table *child,
			     const int *cols, size_t ncols,
			     struct store_scan **out, struct err *e);
int store_scan_rekey(struct store_scan *sc, const struct value *key,
		     struct err *e);

/* Positions, so that a scan can resume in the middle (random access to a
 * rendered file): store_scan_pos() appends to out an opaque position of
 * the row store_scan_next() returned last; store_scan_open_at() opens a
 * scan like store_scan_open() that starts at the row with that position
 * (or the first after it).  A position stays valid for the same version
 * of the store.  store_scan_open_at() returns -EINVAL for a malformed
 * position. */
void store_scan_pos(const struct store_scan *sc, struct buf *out);
struct store_scan_from {
	const struct table *table;
	int64_t t0, t1;	 /* as store_scan_open */
	const char *pos; /* a position from store_scan_pos */
	size_t poslen;
};
int store_scan_open_at(struct store *s, const struct store_scan_from *from,
		       struct store_scan **out, struct err *e);

/* Who took part in a parent row.  Each row of a parent table (meetings,
 * mails, calls, messages) also lists the people of its participant rows
 * (their PersonHistoricalId values, as the store's small person numbers),
 * brought up to date by every refresh for the days it touched.  A reader
 * that wants the parent rows in which someone of a set took part tests
 * that list inside SQLite, instead of reading the participant rows: a row
 * left out costs no column.  docs/store.md, "Who took part". */

/* A set of people: bit n set when the person numbered n is in it. */
struct store_people {
	uint64_t *bits;
	size_t nwords;
};

/* Whether the lists are up to date in s's current snapshot: 1 when the
 * refresh of that version kept them; 0 for a store made or last written
 * by an older collabfs (its next import brings them up to date), where a
 * reader reads the participant rows instead; or -errno. */
int store_who_ready(struct store *s, struct err *e);
/* The set of the people (every PersonHistoricalId the participant rows
 * name) for whom is_in(arg, id, n) returns non-zero.  0 and *out (release
 * with store_people_release), or -errno. */
int store_people_of(struct store *s,
		    int (*is_in)(void *arg, const char *id, size_t n),
		    void *arg, struct store_people *out, struct err *e);
void store_people_release(struct store_people *p); /* safe twice */
/* A scan like store_scan_open (from->pos NULL) or store_scan_open_at of
 * parent table from->table that returns only the rows in which one of who
 * took part (store_who_ready must be 1).  who is borrowed until the scan
 * is closed. */
int store_scan_open_who(struct store *s, const struct store_scan_from *from,
			const struct store_people *who, struct store_scan **out,
			struct err *e);

/* The earliest instant >= from (UTC seconds) that a row of t is placed at
 * (for a table of spans, where a row's validity starts); a call without
 * participants has none.  One index seek, so listing the periods that hold
 * rows costs a seek per period.  Returns 0 and *out, -ENOENT if there is
 * none, or -errno. */
int store_next_instant(struct store *s, const struct table *t, int64_t from,
		       int64_t *out, struct err *e);

/* A consistent version of the store, for readers (the mount, the sync).
 *
 * A store's version is the number of its last committed refresh (0 for a
 * store with none): it only grows, and equal versions hold equal data.
 * store_snapshot_begin() starts a read transaction, so that every read on
 * s until store_snapshot_end() sees that version, whatever refreshes
 * commit meanwhile; it reloads the HR attribute list too (a refresh may
 * have added one).  One snapshot per struct store at a time. */
int store_snapshot_begin(struct store *s, int64_t *version, struct err *e);
/* End the snapshot (harmless without one). */
void store_snapshot_end(struct store *s);
/* The latest version now (outside a snapshot: the newest commit), and the
 * UTC second it was committed (0 for version 0). */
int store_version(struct store *s, int64_t *version, int64_t *committed,
		  struct err *e);

/* The newest refresh in (after, upto] that touched a day of
 * [first_day, last_day] in table (days since 1970-01-01); for a table of HR
 * rows, a refresh that added an HR attribute counts too (every file's
 * header may change).  out->refresh is 0 if there is none. */
struct store_touch_query {
	const struct table *table;
	int64_t first_day, last_day;
	int64_t after, upto;
};
struct store_touch_hit {
	int64_t refresh;
	int64_t committed; /* its commit time, UTC seconds */
};
int store_last_touch(struct store *s, const struct store_touch_query *q,
		     struct store_touch_hit *out, struct err *e);

/* Append the store's identity to out: a random id made when the store was
 * created (for stores older than it, the times of its first refresh), so
 * that caches of one store are never taken for another's at the same
 * path. */
int store_identity(struct store *s, struct buf *out, struct err *e);

/* Summary for `collabfs info`. */
struct store_table_info {
	const struct table *table;
	int64_t rows;
	int64_t first_t, last_t; /* UTC seconds of the first and last instant,
				    valid if rows > 0 and have_range */
	int have_range;
};
int store_table_info(struct store *s, const struct table *t,
		     struct store_table_info *out, struct err *e);

struct store_refresh_info {
	int64_t id;
	int64_t started, committed; /* UTC seconds */
	char kind[16];
	int64_t rows;  /* rows written */
	int64_t files; /* sources loaded */
};
/* Call fn for each refresh, oldest first.  fn returning non-zero stops. */
int store_each_refresh(struct store *s,
		       int (*fn)(const struct store_refresh_info *, void *),
		       void *arg, struct err *e);

/* Call fn for each (table, first_day, last_day) the refresh touched; last_day
 * is INT64_MAX for an open-ended span.  Days count from 1970-01-01 (UTC). */
int store_each_touch(struct store *s, int64_t refresh_id,
		     int (*fn)(const char *table, int64_t first_day,
			       int64_t last_day, void *),
		     void *arg, struct err *e);

/* ---- activity tallies -----------------------------------------------------
 *
 * Bytes the activity module keeps per (interval, period start, HR row id)
 * so that a view need not read every event of its period (activity_tally.h
 * gives them a meaning; the store only keeps them).  They are current when
 * the meta record activity_tally is "<layout> <last refresh>": a refresh
 * by a collabfs that does not keep them leaves the record behind, and
 * readers then compute from the rows.
 */
struct store_tally {
	int interval;  /* enum period_interval */
	int64_t start; /* the period's first second */
	const char *hr;
	size_t nhr; /* PersonHistoricalId the events name */
	const void *data;
	size_t len; /* the tally, encoded */
};

/* Called for each tally read; non-zero stops and is returned. */
typedef int (*store_tally_fn)(void *arg, const struct store_tally *t);

/* 1 if the tallies of layout are current at the version s reads, 0 if not
 * (none, another layout, or a later refresh did not update them). */
int store_tally_current(struct store *s, int64_t layout, struct err *e);
/* The tallies of key's (interval, start), ordered by hr, to fn. */
int store_tally_read(struct store *s, const struct store_tally *key,
		     store_tally_fn fn, void *arg, struct err *e);

/* For a refresh keeping the tallies: its store (to read the rows it
 * wrote), and the runs of days it touched in table t (touch_each's fn). */
struct store *store_refresh_store(struct store_refresh *r);
int store_refresh_touched(const struct store_refresh *r, const struct table *t,
			  int (*fn)(int64_t first, int64_t last, void *arg),
			  void *arg);
/* 1 if the tallies of layout were current before this refresh, 0 if they
 * must be rebuilt (the table is created here for an older store). */
int store_tally_was_current(struct store_refresh *r, int64_t layout,
			    struct err *e);
/* Remove the tallies of one period; interval < 0: all of them. */
int store_tally_clear(struct store_refresh *r, int interval, int64_t start,
		      struct err *e);
/* Add (or replace) one tally. */
int store_tally_put(struct store_refresh *r, const struct store_tally *t,
		    struct err *e);
/* Record the tallies of layout as current as of this refresh. */
int store_tally_mark(struct store_refresh *r, int64_t layout, struct err *e);

#endif
