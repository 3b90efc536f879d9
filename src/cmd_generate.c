/* cmd_generate.c - `collabfs generate STORE [...]`: the generator's rows go
 * through the importer (import_table_*), so a generated store is written by
 * the same code as an imported one. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activity_tally.h"
#include "cmd.h"
#include "gen.h"
#include "import.h"

static const char generate_help[] =
	"usage: collabfs generate [OPTIONS] STORE\n"
	"       collabfs generate [OPTIONS] --csv DIR\n"
	"\n"
	"Create a synthetic organization: people with a manager hierarchy and\n"
	"HR history, and their meetings, mail, chat, calls and file activity.\n"
	"The same options and seed always give the same data.\n"
	"\n"
	"  --people N      measured employees (default 100)\n"
	"  --months M      months of activity (default 3)\n"
	"  --start YYYY-MM first month (default 2022-01)\n"
	"  --seed S        random seed (default 1)\n"
	"  --csv DIR       write seed-format CSV files into DIR instead of a store\n"
	"  -q, --quiet     print nothing on success\n"
	"  -h, --help      show this help\n";

struct store_sink {
	struct store_refresh *r;
	struct import_table *it[16];
	unsigned long line[16];
};

static int sink_begin(void *ctx, const struct table *t,
		      const char *const *header, size_t ncols, struct err *e)
{
	struct store_sink *s = ctx;
	size_t i = (size_t)(t - schema_tables);
	const char **names = calloc(ncols + 1, sizeof(*names));
	char source[64];
	int ret;

	if (!names)
		return err_set(e, -ENOMEM, "out of memory");
	memcpy((void *)names, header, ncols * sizeof(*names));
	snprintf(source, sizeof(source), "generated %s", t->name);
	s->line[i] = 1;
	ret = import_table_begin(s->r, t, source, names, &s->it[i], e);
	free((void *)names);
	return ret;
}

static int sink_row(void *ctx, const struct table *t, const char *const *fields,
		    const size_t *lens, struct err *e)
{
	struct store_sink *s = ctx;
	size_t i = (size_t)(t - schema_tables);

	return import_table_row(s->it[i], fields, lens, ++s->line[i], e);
}

static int sink_end(void *ctx, struct err *e)
{
	struct store_sink *s = ctx;
	int ret = 0;

	for (size_t i = 0; i < schema_ntables; i++) {
		if (!ret && s->it[i])
			ret = import_table_end(s->it[i], e);
		else
			import_table_abort(s->it[i]);
		s->it[i] = NULL;
	}
	return ret;
}

static int generate_store(const char *path, const struct gen_options *o,
			  struct gen_stats *st, struct err *e)
{
	struct store_sink ss;
	struct gen_sink sink = { sink_begin, sink_row, sink_end, &ss };
	struct store *s = NULL;
	int created = 0, ret;

	memset(&ss, 0, sizeof(ss));
	ret = store_open(path, STORE_CREATE, &s, &created, e);
	if (!ret)
		ret = store_refresh_begin(s, "generate", &ss.r, e);
	if (!ret)
		ret = gen_run(o, &sink, st, e);
	if (ret)
		sink_end(&ss, NULL);
	if (!ret)
		ret = activity_tally_update(ss.r, e);
	if (!ret) {
		ret = store_refresh_commit(ss.r, NULL, e);
		ss.r = NULL;
	}
	store_refresh_abort(ss.r);
	store_close(s);
	if (ret && created)
		store_remove(path);
	return ret;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < lo || *out > hi ? -1 : 0;
}

static int parse_start(const char *arg, struct gen_options *o)
{
	char *end;
	long y = strtol(arg, &end, 10), m;

	if (end != arg + 4 || *end != '-' || parse_long(end + 1, 1, 12, &m) ||
	    y < 1970 || y > 9998)
		return cmd_usage_error("generate",
				       "--start: \"%s\" is not a month like "
				       "2022-01",
				       arg);
	o->start_year = (int)y;
	o->start_month = (int)m;
	return 0;
}

static int parse_seed(const char *arg, struct gen_options *o)
{
	char *end;

	errno = 0;
	o->seed = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-')
		return cmd_usage_error("generate",
				       "--seed: \"%s\" is not a "
				       "number",
				       arg);
	return 0;
}

static int parse_count(const char *opt, const char *arg, long max, int *out)
{
	long v;

	if (parse_long(arg, 1, max, &v))
		return cmd_usage_error(
			"generate", "%s: \"%s\" is not a number from 1 to %ld",
			opt, arg, max);
	*out = (int)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct gen_options *o,
		      const char **csv, int *quiet)
{
	static const struct option opts[] = {
		{ "people", required_argument, NULL, 'p' },
		{ "months", required_argument, NULL, 'm' },
		{ "start", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "csv", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret = 0;

	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread */
	while (!ret && (c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		if (c == 'p')
			ret = parse_count("--people", optarg, 1000000,
					  &o->people);
		else if (c == 'm')
			ret = parse_count("--months", optarg, 240, &o->months);
		else if (c == 's')
			ret = parse_start(optarg, o);
		else if (c == 'S')
			ret = parse_seed(optarg, o);
		else if (c == 'c')
			*csv = optarg;
		else if (c == 'q')
			*quiet = 1;
		else
			ret = cmd_usage_error("generate", "unknown option");
	}
	return ret;
}

int cmd_generate(int argc, char **argv)
{
	struct gen_options o = GEN_OPTIONS_INIT;
	struct gen_stats st;
	struct err e = ERR_INIT;
	struct timespec t0, t1;
	const char *csv = NULL;
	int quiet = 0, ret;
	double secs;

	if (cmd_wants_help(argc, argv))
		return fputs(generate_help, stdout), 0;
	ret = parse_args(argc, argv, &o, &csv, &quiet);
	if (ret)
		return ret;
	if ((csv != NULL) == (argc - optind == 1) || argc - optind > 1)
		return cmd_usage_error("generate",
				       "needs either a STORE or --csv DIR");
	memset(&st, 0, sizeof(st));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (csv) {
		struct gen_sink sink = { NULL, NULL, NULL, NULL };

		ret = gen_csv_sink_new(csv, &sink, &e);
		if (!ret)
			ret = gen_run(&o, &sink, &st, &e);
		gen_csv_sink_free(&sink);
	} else {
		ret = generate_store(argv[optind], &o, &st, &e);
	}
	if (ret)
		return cmd_fail(&e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (!quiet)
		printf("generated %" PRId64
		       " rows (%d people, %d months from %04d-%02d, seed %" PRIu64
		       ") in %.2f s (%.0f rows/s)\n",
		       st.total, o.people, o.months, o.start_year,
		       o.start_month, o.seed, secs,
		       secs > 0 ? (double)st.total / secs : 0.0);
	return 0;
}
