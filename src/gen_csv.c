/* gen_csv.c - the generator's CSV sink: DIR/<Table>.csv per table, RFC 4180
 * with CRLF, written in 1 MiB blocks.  See gen.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csv.h"
#include "gen.h"

#define CSV_BLOCK   ((size_t)1 << 20) /* write(2) once this much is pending */
#define CSV_MAX_ROW ((size_t)1 << 26)
#define CSV_TABLES  16

struct csv_file {
	int fd;		/* -1 until begin() */
	size_t ncols;	/* fields per record, from begin() */
	struct buf out; /* pending bytes, flushed at CSV_BLOCK */
	char *path;	/* DIR/<Table>.csv (owned) */
};

struct csv_sink {
	char *dir; /* owned */
	struct csv_file f[CSV_TABLES];
};

static int write_all(struct csv_file *f, struct err *e)
{
	const char *p = f->out.data;
	size_t n = f->out.len;

	while (n > 0) {
		ssize_t w = write(f->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err_sys(e, 0, "write", f->path);
		p += w;
		n -= (size_t)w;
	}
	buf_reset(&f->out);
	return 0;
}

static struct csv_file *file_of(struct csv_sink *s, const struct table *t)
{
	size_t i = (size_t)(t - schema_tables);

	return i < CSV_TABLES ? &s->f[i] : NULL;
}

static int put_record(struct csv_file *f, const char *const *fields,
		      const size_t *lens, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addch(&f->out, ',');
		csv_put_field(&f->out, fields[i], lens[i]);
	}
	buf_add(&f->out, "\r\n", 2);
	if (f->out.err)
		return err_set(e, f->out.err, "'%s': row too large", f->path);
	return f->out.len >= CSV_BLOCK ? write_all(f, e) : 0;
}

static int csv_begin(void *ctx, const struct table *t,
		     const char *const *header, size_t ncols, struct err *e)
{
	struct csv_sink *s = ctx;
	struct csv_file *f = file_of(s, t);
	size_t lens[64];
	struct buf path = BUF_INIT(PATH_MAX);

	if (!f || f->fd >= 0 || ncols > 64)
		return err_set(e, -EINVAL, "%s: bad table for the CSV sink",
			       t->name);
	buf_printf(&path, "%s/%s.csv", s->dir, t->name);
	if (path.err)
		return err_set(e, path.err, "%s: path too long", s->dir);
	f->path = buf_detach(&path, NULL);
	f->fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0)
		return err_sys(e, 0, "create", f->path);
	buf_init(&f->out, CSV_MAX_ROW);
	if (buf_grow(&f->out, CSV_BLOCK + 4096))
		return err_set(e, -ENOMEM, "out of memory");
	f->ncols = ncols;
	for (size_t i = 0; i < ncols; i++)
		lens[i] = strlen(header[i]);
	return put_record(f, header, lens, ncols, e);
}

static int csv_row(void *ctx, const struct table *t, const char *const *fields,
		   const size_t *lens, struct err *e)
{
	struct csv_file *f = file_of(ctx, t);

	if (!f || f->fd < 0)
		return err_set(e, -EINVAL, "%s: row before begin", t->name);
	return put_record(f, fields, lens, f->ncols, e);
}

static int csv_end(void *ctx, struct err *e)
{
	struct csv_sink *s = ctx;
	int ret = 0;

	for (size_t i = 0; i < CSV_TABLES && !ret; i++) {
		struct csv_file *f = &s->f[i];

		if (f->fd < 0)
			continue;
		ret = write_all(f, e);
		if (close(f->fd) && !ret)
			ret = err_sys(e, 0, "write", f->path);
		f->fd = -1;
	}
	return ret;
}

int gen_csv_sink_new(const char *dir, struct gen_sink *out, struct err *e)
{
	struct csv_sink *s;

	memset(out, 0, sizeof(*out));
	if (mkdir(dir, 0777) && errno != EEXIST)
		return err_sys(e, 0, "create", dir);
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return err_set(e, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < CSV_TABLES; i++) {
		s->f[i].fd = -1;
		buf_init(&s->f[i].out, CSV_MAX_ROW);
	}
	out->begin = csv_begin;
	out->row = csv_row;
	out->end = csv_end;
	out->ctx = s;
	return 0;
}

void gen_csv_sink_free(struct gen_sink *sink)
{
	struct csv_sink *s = sink ? sink->ctx : NULL;

	if (!s)
		return;
	for (size_t i = 0; i < CSV_TABLES; i++) {
		if (s->f[i].fd >= 0)
			close(s->f[i].fd);
		buf_release(&s->f[i].out);
		free(s->f[i].path);
	}
	free(s->dir);
	free(s);
	sink->ctx = NULL;
}
