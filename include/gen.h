/* gen.h - a realistic synthetic organization, deterministic for a seed.
 *
 * The generator makes people (a manager hierarchy, organizations of uneven
 * size, levels, functions, regions and IANA time zones, HR changes over time,
 * external collaborators) and their collaboration (meetings, mail, chat,
 * calls, file activity) in each person's local working hours, and hands
 * every row as seed-format text fields to a sink: the CSV writer
 * (gen_csv_sink) or the importer (cmd_generate.c), so a generated store is
 * written by the same code as an imported one.
 */
#ifndef COLLABFS_GEN_H
#define COLLABFS_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "schema.h"

struct gen_options {
	int people;	 /* measured employees (default 100) */
	int months;	 /* calendar months of activity (default 3) */
	int start_year;	 /* first month (default 2022-01) */
	int start_month; /* 1..12 */
	uint64_t seed;	 /* same seed, same options: same bytes (default 1) */
};

#define GEN_OPTIONS_INIT           \
	{                          \
		100, 3, 2022, 1, 1 \
	}

/* Where generated rows go.  begin() is called once per table, in
 * schema_tables[] order, before any row; header[] names the columns in the
 * order row() gives them (for PersonHistorical the schema's columns, then the
 * HR attributes).  Rows of different tables interleave, but a parent row
 * always comes before its participants, and the participants of one
 * parent are consecutive.  Each callback returns 0 or -errno with e set. */
struct gen_sink {
	int (*begin)(void *ctx, const struct table *t,
		     const char *const *header, size_t ncols, struct err *e);
	int (*row)(void *ctx, const struct table *t, const char *const *fields,
		   const size_t *lens, struct err *e);
	int (*end)(void *ctx, struct err *e);
	void *ctx;
};

struct gen_stats {
	int64_t rows[16]; /* per table, index as in schema_tables[] */
	int64_t total;
};

/* Generate the organization described by o into sink.  Returns 0 or -errno
 * (from the sink, or -EINVAL for bad options) with e set. */
int gen_run(const struct gen_options *o, const struct gen_sink *sink,
	    struct gen_stats *st, struct err *e);

/* A sink writing DIR/<Table>.csv for every table (DIR is created if
 * missing).  Free with gen_csv_sink_free after gen_run. */
int gen_csv_sink_new(const char *dir, struct gen_sink *out, struct err *e);
void gen_csv_sink_free(struct gen_sink *s);

#endif
