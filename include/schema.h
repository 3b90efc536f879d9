/* schema.h - the one definition of the exported tables.
 *
 * The nine tables of the Workplace Analytics data export plus FileActivities,
 * described as data.  The store's DDL, import's checks, the CSV headers, the
 * privacy policy's defaults and locks, the tree's folder names and
 * docs/tables.md are all derived from schema_tables[]; a new column is one line
 * in schema.c.
 */
#ifndef COLLABFS_SCHEMA_H
#define COLLABFS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

enum col_type {
	COL_STRING,   /* UTF-8 text */
	COL_BOOL,     /* True / False */
	COL_DATETIME, /* ISO 8601 instant, kept with the offset it came with */
	COL_INT,      /* 64-bit signed integer */
	COL_DOUBLE,   /* IEEE double */
	COL_ENUM,     /* one of column.values, compared without case */
};

enum col_flags {
	COL_KEY = 1 << 0, /* part of the primary key; locked (never excluded) */
	COL_REQUIRED = 1 << 1, /* every row must have a value */
	COL_INSTANT = 1 << 2,  /* its UTC instant places the row in a period */
	COL_SPAN_END = 1 << 3, /* end of the row's validity span (inclusive) */
	COL_PARENT = 1 << 4,   /* the parent table's key (participant tables) */
	COL_PERSON =
		1 << 5, /* a PersonHistoricalId: same pseudonym everywhere */
};

/* What the built-in policy does with a column. */
enum col_privacy {
	PRIV_RAW,     /* written as stored */
	PRIV_HASH,    /* replaced by a keyed pseudonym */
	PRIV_EXCLUDE, /* left out of the file */
};

struct column {
	const char *name; /* seed spelling; also the store's column name */
	enum col_type type;
	unsigned flags;		   /* enum col_flags */
	enum col_privacy privacy;  /* default under the built-in policy */
	const char *const *values; /* COL_ENUM: canonical values, NULL-ended */
	const char *doc;	   /* one line for docs/tables.md */
};

/* How a table's rows get their UTC instant. */
enum table_instant {
	INSTANT_OWN,	  /* the table's own COL_INSTANT column */
	INSTANT_PARENT,	  /* the parent row's instant */
	INSTANT_CHILDREN, /* the earliest COL_INSTANT of its child rows (Calls)
			   */
	INSTANT_SPAN,	  /* valid from COL_INSTANT to COL_SPAN_END (HR rows) */
};

/* What a table of the tree is: the rows of a stored table, or one of the
 * activity views computed from them (activity.h). */
enum table_view {
	VIEW_NONE,	   /* a stored table */
	VIEW_DEPARTMENT,   /* activity_by_department */
	VIEW_ORGANIZATION, /* activity_by_organization */
	VIEW_USER,	   /* activity_by_user */
};

struct table {
	const char
		*name; /* seed name and file stem, e.g. "MeetingParticipants" */
	const char
		*dir; /* tree folder and store table, "meeting_participants" */
	const char *parent; /* seed name of the parent table, or NULL */
	const char *child;  /* seed name of the child table, or NULL */
	const char *scope;  /* scope word (meetings, mail, calls, chat, files),
			       or  NULL for a table in every scope */
	enum table_instant instant;
	bool hr_attributes; /* takes extra string columns (HR attributes) */
	const struct column *cols;
	size_t ncols;
	const char *doc;      /* one paragraph for docs/tables.md */
	const char *file;     /* file stem if not dir (the views share a
				 folder) */
	enum table_view view; /* VIEW_NONE for a stored table */
};

/* Tables in dependency order: a parent comes before its children, so import
 * and generate process them in this order. */
extern const struct table schema_tables[];
extern const size_t schema_ntables;

/* The activity views, in file name order; all in one folder, "activity".
 * Not stored: the tree computes them from the tables. */
extern const struct table schema_views[];
extern const size_t schema_nviews;
/* The stem of t's files, "<stem>_<period>.csv": t->file, else t->dir. */
const char *schema_file_stem(const struct table *t);
/* The table that stands for t's folder: t, or the first view for a view
 * (so that a folder is one node whatever file it was reached from). */
const struct table *schema_folder_table(const struct table *t);

/* The table whose seed name is name (compared without case), or NULL. */
const struct table *schema_table(const char *name);
/* The table stored and shown under folder dir (for "activity", the folder
 * table of the views), or NULL. */
const struct table *schema_table_by_dir(const char *dir);
/* Index of the column named name (compared without case), or -1. */
int schema_column(const struct table *t, const char *name);
/* Index of the first column with all of flags, or -1. */
int schema_column_with(const struct table *t, unsigned flags);
/* Number of key columns (they come first in every table). */
size_t schema_nkeys(const struct table *t);
/* The parent table of t, or NULL. */
const struct table *schema_parent(const struct table *t);
/* Canonical spelling of an enum value (compared without case), or NULL. */
const char *schema_enum_value(const struct column *c, const char *s, size_t n);
/* For "did you mean": the first column of t (or table) whose name is within
 * two edits of name, without case; NULL if none.  Names longer than
 * SCHEMA_NAME_MAX bytes match nothing. */
#define SCHEMA_NAME_MAX 128
const char *schema_near_column(const struct table *t, const char *name);
const char *schema_near_table(const char *name);
/* Can name be an HR attribute of t?  1 to 128 bytes, no control characters
 * or '"', not starting with '_', not a column of t nor a column's "_off"
 * (the store's offset columns), all without case.  UTF-8 validity is the
 * caller's to check. */
int schema_hr_name_ok(const struct table *t, const char *name);
/* "string", "Boolean", "datetime", ... as the seed writes types. */
const char *schema_type_name(enum col_type type);
const char *schema_privacy_name(enum col_privacy p);

#endif
