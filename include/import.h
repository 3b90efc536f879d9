/* import.h - load seed-format CSV files into the store as one refresh.
 *
 * Files are named after their table (Meetings.csv, ..., FileActivities.csv,
 * without regard to case); a directory stands for every such file in it.
 * Tables are loaded parents first, whatever the order given.  Every field is
 * checked; the first error names FILE:LINE: COLUMN: "VALUE" and what is wrong,
 * and nothing is written (all or nothing).
 */
#ifndef COLLABFS_IMPORT_H
#define COLLABFS_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "schema.h"
#include "store.h"

/* A source of CSV records for one table. */
struct import_source {
	const struct table *table;
	char *path;    /* file to read (owned) */
	char *display; /* name used in messages: the path as given (owned) */
	dev_t dev;     /* the file's identity: one file named twice is */
	ino_t ino;     /* loaded once */
};

struct import_stats {
	int64_t refresh; /* id of the committed refresh */
	int64_t rows;	 /* rows loaded */
	int64_t bytes;	 /* CSV bytes read */
	size_t files;
};

/* Import paths[0..npaths) into the store at store_path (created if it does
 * not exist; removed again if the import fails).  Returns 0 or -errno with e
 * set. */
int import_paths(const char *store_path, char *const *paths, size_t npaths,
		 struct import_stats *stats, struct err *e);

struct csv_reader;
/* Load every record of cr (header first) into table t of refresh r; adds
 * the number of rows to *rows.  Messages name cr->name and the line. */
int import_reader(struct store_refresh *r, const struct table *t,
		  struct csv_reader *cr, int64_t *rows, struct err *e);

/* Feeding records one at a time, for the generator: the same checks and the
 * same store writes as a CSV file.  Begin a table with its header (column
 * names as in the file, NULL-terminated; source names the rows in messages
 * and in the refresh's record), then give each record's fields in header
 * order. */
struct import_table;
int import_table_begin(struct store_refresh *r, const struct table *t,
		       const char *source, const char *const *header,
		       struct import_table **out, struct err *e);
/* fields[i], lens[i] for i < ncols; line is the record's line for messages. */
int import_table_row(struct import_table *it, const char *const *fields,
		     const size_t *lens, unsigned long line, struct err *e);
/* Finish the table and free it (NULL-safe on error paths via abort). */
int import_table_end(struct import_table *it, struct err *e);
void import_table_abort(struct import_table *it);

#endif
