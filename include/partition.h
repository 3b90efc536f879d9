/* partition.h - partitions: populations named by HR attributes.
 *
 * A partitions file names populations, one section each:
 *
 *	# EMEA's engineers
 *	[emea-eng]
 *	Region = EMEA
 *	Organization = Engineering
 *
 * A person belongs to a partition while their HR row (a PersonHistorical
 * row) matches every line of its section: the row's field equals the value
 * exactly (text as stored; other types as the CSV files write them; an
 * empty value matches an empty field).  An event names the HR row in force
 * (PersonHistoricalId), so membership is decided once per HR row
 * (partition_members_build) and an HR change moves a person in or out from
 * that row's StartDate on.
 *
 * A tree under a partition keeps the rows partition_rows_keep() says: the
 * members' HR rows, participant rows and file activity, and the parent
 * rows (meetings, mails, calls, messages) in which a member took part.
 * docs/partitions.md is the user's manual.
 */
#ifndef COLLABFS_PARTITION_H
#define COLLABFS_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "schema.h"
#include "store.h"
#include "value.h"

struct partition;

/* Parse the partitions file text[0..n) (path names it in messages) and
 * take the section called name.  Refuses, naming path and line: a line
 * that is neither "[name]", "Attribute = value", a comment (# or ;) nor
 * blank; a line before any section; a section named twice; an attribute
 * twice in one section; an empty section; and, naming the file, a name no
 * section has.  Returns 0 and *out (free with partition_free), or -EINVAL
 * (-ENOMEM) with e set. */
int partition_parse(const char *path, const char *text, size_t n,
		    const char *name, struct partition **out, struct err *e);
/* The same, reading the file at path (errors name it). */
int partition_load(const char *path, const char *name, struct partition **out,
		   struct err *e);
void partition_free(struct partition *p); /* NULL-safe */

const char *partition_name(const struct partition *p);
/* Append the definition (name, then each attribute and value) to out, in
 * a form that changes whenever the rows kept could: for cache keys. */
void partition_describe(const struct partition *p, struct buf *out);

/* Check that every attribute of p is a column of PersonHistorical or an
 * HR attribute of store s; -EINVAL naming the file and line otherwise. */
int partition_check(const struct partition *p, const struct store *s,
		    struct err *e);

/* ---- members ---------------------------------------------------------------
 */

/* The HR rows of the members, at one version of a store.  Counted: built
 * with one reference; hold adds one, free drops one (the last frees). */
struct partition_members;

/* Read every HR row of s (in its current snapshot) and keep the ids of
 * those that match p.  Returns 0 and *out, or -errno with e set. */
int partition_members_build(const struct partition *p, struct store *s,
			    struct partition_members **out, struct err *e);
void partition_members_hold(struct partition_members *m);
void partition_members_free(struct partition_members *m); /* NULL-safe */
/* Whether id (a PersonHistoricalId value) is a member's HR row. */
int partition_is_member(const struct partition_members *m,
			const struct value *id);
size_t partition_member_count(const struct partition_members *m);

/* ---- rows ------------------------------------------------------------------
 */

/* Which rows of one table over [t0, t1) a partition keeps.  For a parent
 * table it holds the keys of the parent rows a member took part in, read
 * once from the child table; for the others, the members.  Counted like
 * partition_members. */
struct partition_rows;

/* One table-period file: table t's rows placed in [t0, t1). */
struct partition_span {
	const struct table *table;
	int64_t t0, t1;
};

int partition_rows_open(struct partition_members *m, struct store *s,
			const struct partition_span *sp,
			struct partition_rows **out, struct err *e);
void partition_rows_hold(struct partition_rows *r);
void partition_rows_free(struct partition_rows *r); /* NULL-safe */
/* Whether the row vals (t's columns in schema order, as store_scan_next
 * gives them) is kept.  next (NULL: none) is a reader's own hint, 0 at
 * first: the rows of a parent table are read in the order of its kept
 * keys, so the key after the last one found is tried before the hash. */
int partition_rows_keep(const struct partition_rows *r,
			const struct value *vals, size_t *next);
/* For a parent table whose store lists who took part in each row
 * (store_who_ready): the members as the store's set of people, NULL
 * otherwise.  A reader then takes the rows kept from store_scan_open_who
 * with it, which tests each row inside SQLite, instead of testing every
 * row with partition_rows_keep (which then keeps none: it cannot tell).
 * Borrowed while r is held. */
const struct store_people *partition_rows_people(
	const struct partition_rows *r);
/* Whether column col of table t is written empty under a partition: a
 * person column other than the row's own person (PersonHistorical's
 * ManagerId), which may name someone outside the partition. */
int partition_hides_column(const struct table *t, size_t col);

/* Whether the file of sp keeps any row: reads until the first kept row.
 * 1, 0, or -errno with e set. */
int partition_rows_any(struct partition_members *m, struct store *s,
		       const struct partition_span *sp, struct err *e);

#endif
