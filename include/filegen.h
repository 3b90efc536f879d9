/* filegen.h - the bytes of one table-period file of the tree.
 *
 * A table-period file is the CSV of one table's rows placed in one span of
 * UTC time (a period, clipped to the from/to range): a header of the
 * columns the policy lets out (the seed's names and order, then the HR
 * attributes the policy names, in the store's order), then one record per
 * row in (instant, key) order, each field masked as the policy says.  The
 * bytes are a pure function of (store version, table, span, policy, key):
 * the mount and the sync produce them with this module alone.
 *
 * Under a partition, only the rows spec->rows keeps are written, and a
 * column that could name someone outside it (partition_hides_column) is
 * written empty.
 *
 * An activity view (spec->table one of schema_views) is computed whole
 * when opened (activity.h), then handed out the same way; it has no
 * checkpoints.
 *
 * Rendering is incremental: filegen_fill() appends at least the bytes asked
 * for (whole records), so a reader can stream a file of any size in a
 * bounded buffer, and resume in the middle from a checkpoint (a position
 * the store gave for the record that starts at a known byte offset).
 */
#ifndef COLLABFS_FILEGEN_H
#define COLLABFS_FILEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "partition.h"
#include "policy.h"
#include "pseudo.h"
#include "schema.h"
#include "store.h"

struct filegen_spec {
	const struct table *table; /* a stored table, or an activity view */
	int64_t t0, t1;		   /* rows placed in [t0, t1), UTC seconds */
	const struct policy *policy;
	/* the activity views only (activity.h) */
	int64_t first_day;  /* the period's first day (days since 1970) */
	unsigned areas;	    /* the scope, enum activity_area bits */
	unsigned min_group; /* smallest department shown */
	/* a partition (partition.h): NULL for everyone */
	const struct partition_members *members; /* the activity views */
	const struct partition_rows *rows;	 /* the stored tables */
};

/* Called before the record that starts at byte offset off, once per
 * `every` bytes of output, with the store position of that record. */
typedef int (*filegen_checkpoint_fn)(void *arg, uint64_t off, const char *pos,
				     size_t poslen);

struct filegen;

/* Start rendering the file of spec from store s (which must stay in one
 * snapshot while g is used).  ps hashes the fields the policy hashes; it
 * may be NULL only if the policy hashes nothing.  With at NULL the file
 * starts at byte 0 with its header; otherwise at the record with store
 * position at->pos, which the caller knows to start at byte at->off.
 * Returns 0 and *out (free with filegen_free), or -errno with e set. */
struct filegen_resume {
	const char *pos; /* store position of the record ... */
	size_t poslen;
	uint64_t off; /* ... that starts at this byte */
};
int filegen_open(struct store *s, const struct filegen_spec *spec,
		 struct pseudo *ps, const struct filegen_resume *at,
		 struct filegen **out, struct err *e);

/* Ask for checkpoints every `every` bytes (0: none) through fn. */
void filegen_checkpoints(struct filegen *g, uint64_t every,
			 filegen_checkpoint_fn fn, void *arg);

/* Append whole records to out until it has grown by at least want bytes
 * or the file ends.  Returns 1 if there may be more, 0 at the end of the
 * file, or -errno with e set (out may then hold a partial record). */
int filegen_fill(struct filegen *g, struct buf *out, size_t want,
		 struct err *e);

/* The byte offset of the next record (bytes rendered so far, counting
 * from the start of the file). */
uint64_t filegen_offset(const struct filegen *g);

/* The header line alone (for tests and docs). */
void filegen_header(const struct store *s, const struct filegen_spec *spec,
		    struct buf *out);

void filegen_free(struct filegen *g);

#endif
