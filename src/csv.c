/* csv.c - strict streaming RFC 4180 reader and field writer.  See csv.h.
 *
 * The reader parses a record in one pass, remembering field offsets, and
 * touches the bytes only once the record is known to be complete: when the
 * buffered data ends inside a record, it refills and parses the record again
 * (once per buffer refill), so no state survives a refill.
 */
#include "csv.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CSV_CHUNK      (1u << 20)  /* bytes read at a time */
#define CSV_MAX_RECORD (64u << 20) /* longest record accepted */

/* Bytes that end or break an unquoted field. */
static const unsigned char special[256] = {
	['\0'] = 1, ['\n'] = 1, ['\r'] = 1, [','] = 1, ['"'] = 1,
};

int csv_open_fd(struct csv_reader *r, int fd, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name;
	r->max_record = CSV_MAX_RECORD;
	r->next_line = 1;
	r->cap = CSV_CHUNK;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -ENOMEM;
}

int csv_open_mem(struct csv_reader *r, const char *p, size_t len,
		 const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->name = name;
	r->max_record = CSV_MAX_RECORD;
	r->next_line = 1;
	r->buf = malloc(len + 1);
	if (!r->buf)
		return -ENOMEM;
	memcpy(r->buf, p, len);
	r->cap = len + 1;
	r->end = len;
	r->eof = 1;
	return 0;
}

void csv_close(struct csv_reader *r)
{
	free(r->buf);
	free(r->fields);
	r->buf = NULL;
	r->fields = NULL;
	r->cap = r->pos = r->end = 0;
	r->nfields = r->fields_cap = 0;
}

/* Move unparsed bytes to the front and read more; grow the buffer when it is
 * full.  Returns 0, or -EFBIG / -EIO / -ENOMEM. */
static int refill(struct csv_reader *r)
{
	ssize_t got;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->end == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : CSV_CHUNK;
		char *nb;

		if (r->cap >= r->max_record)
			return -EFBIG;
		nb = realloc(r->buf, ncap);
		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->cap = ncap;
	}
	do
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -EIO;
	if (got == 0)
		r->eof = 1;
	r->end += (size_t)got;
	return 0;
}

static int add_field(struct csv_reader *r, size_t start, size_t n, int quoted)
{
	if (r->nfields == r->fields_cap) {
		size_t ncap = r->fields_cap ? r->fields_cap * 2 : 64;
		struct csv_field *nf = realloc(r->fields, ncap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		r->fields = nf;
		r->fields_cap = ncap;
	}
	/* Offsets for now; turned into pointers when the record is done. */
	r->fields[r->nfields].p = (const char *)(uintptr_t)start;
	r->fields[r->nfields].n = n;
	r->fields[r->nfields].quoted = quoted;
	r->nfields++;
	return 0;
}

enum scan {
	SCAN_FIELD,  /* a field ended with a comma: another follows */
	SCAN_RECORD, /* the record ended (line end or end of input) */
	SCAN_MORE,   /* the buffered data ended inside the record */
	SCAN_BAD,    /* malformed; *why says how */
};

/* Scan a quoted field whose opening quote is at *i. */
static enum scan scan_quoted(struct csv_reader *r, size_t *i,
			     unsigned long *lines, const char **why)
{
	const char *b = r->buf;
	size_t start = *i + 1, j = start;

	for (;;) {
		const char *q = memchr(b + j, '"', r->end - j);

		if (!q)
			return SCAN_MORE;
		j = (size_t)(q - b);
		if (j + 1 >= r->end && !r->eof)
			return SCAN_MORE;
		if (j + 1 < r->end && b[j + 1] == '"') {
			j += 2;
			continue;
		}
		break;
	}
	for (size_t k = start; k < j; k++)
		*lines += b[k] == '\n';
	if (add_field(r, start, j - start, 1))
		return (*why = "out of memory"), SCAN_BAD;
	*i = j + 1;
	if (*i == r->end)
		return SCAN_RECORD; /* eof is set, checked above */
	if (b[*i] == ',') {
		(*i)++;
		return SCAN_FIELD;
	}
	if (b[*i] == '\n' || b[*i] == '\r')
		return SCAN_RECORD;
	r->bad_field = r->nfields - 1;
	*why = "text after the closing quote of a field";
	return SCAN_BAD;
}

static enum scan scan_plain(struct csv_reader *r, size_t *i, const char **why)
{
	const unsigned char *b = (const unsigned char *)r->buf;
	size_t start = *i, j = start;

	while (j < r->end && !special[b[j]])
		j++;
	if (j == r->end && !r->eof)
		return SCAN_MORE;
	if (j < r->end && b[j] == '"') {
		r->bad_field = r->nfields;
		*why = "a quote inside an unquoted field";
		return SCAN_BAD;
	}
	if (j < r->end && b[j] == '\0') {
		r->bad_field = r->nfields;
		*why = "a NUL byte";
		return SCAN_BAD;
	}
	if (add_field(r, start, j - start, 0))
		return (*why = "out of memory"), SCAN_BAD;
	*i = j;
	if (j < r->end && b[j] == ',') {
		(*i)++;
		return SCAN_FIELD;
	}
	return SCAN_RECORD;
}

/* Consume the line end at *i (CRLF or LF; nothing at end of input). */
static enum scan end_record(struct csv_reader *r, size_t *i, const char **why)
{
	if (*i == r->end)
		return SCAN_RECORD;
	if (r->buf[*i] == '\n') {
		(*i)++;
		return SCAN_RECORD;
	}
	if (*i + 1 >= r->end && !r->eof)
		return SCAN_MORE;
	if (*i + 1 < r->end && r->buf[*i + 1] == '\n') {
		*i += 2;
		return SCAN_RECORD;
	}
	r->bad_field = r->nfields ? r->nfields - 1 : 0;
	*why = "a carriage return not followed by a line feed";
	return SCAN_BAD;
}

/* Try to scan one whole record starting at r->pos. */
static enum scan scan_record(struct csv_reader *r, size_t *endpos,
			     unsigned long *lines, const char **why)
{
	size_t i = r->pos;
	enum scan s;

	r->nfields = 0;
	*lines = 1;
	do {
		if (i == r->end && !r->eof)
			return SCAN_MORE;
		if (i < r->end && r->buf[i] == '"')
			s = scan_quoted(r, &i, lines, why);
		else
			s = scan_plain(r, &i, why);
	} while (s == SCAN_FIELD);
	if (s == SCAN_RECORD)
		s = end_record(r, &i, why);
	*endpos = i;
	return s;
}

/* Undouble the quotes of a quoted field in place; returns its new length. */
static size_t undouble(char *p, size_t n)
{
	size_t o = 0;

	for (size_t j = 0; j < n; j++) {
		p[o++] = p[j];
		if (p[j] == '"')
			j++;
	}
	return o;
}

/* Turn the fields' offsets into pointers and undouble quoted fields. */
static void finish_fields(struct csv_reader *r)
{
	for (size_t k = 0; k < r->nfields; k++) {
		struct csv_field *f = &r->fields[k];
		char *p = r->buf + (uintptr_t)f->p;

		f->p = p;
		if (f->quoted && memchr(p, '"', f->n))
			f->n = undouble(p, f->n);
	}
}

static int skip_bom(struct csv_reader *r)
{
	while (r->end < 3 && !r->eof)
		if (refill(r))
			return -EIO;
	if (r->end >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0)
		r->pos = 3;
	return 0;
}

/* The buffered data ended inside a record: read more, or say why not. */
static int more_input(struct csv_reader *r, struct err *e)
{
	int ret;

	if (r->eof) {
		r->bad_field = r->nfields; /* the field its quote opened */
		return err_set(e, -EINVAL, "%s:%lu: unterminated quoted field",
			       r->name, r->next_line);
	}
	ret = refill(r);
	if (ret == -EFBIG)
		return err_set(e, ret, "%s:%lu: record longer than %zu MiB",
			       r->name, r->next_line, r->max_record >> 20);
	if (ret)
		return err_set(e, ret, "%s:%lu: %s", r->name, r->next_line,
			       ret == -EIO ? "read error" : "out of memory");
	return 0;
}

int csv_next(struct csv_reader *r, struct err *e)
{
	const char *why = NULL;
	unsigned long lines;
	size_t endpos;
	enum scan s;
	int ret;

	if (r->next_line == 1 && r->pos == 0 && skip_bom(r))
		return err_set(e, -EIO, "%s: read error", r->name);
	for (;;) {
		if (r->pos == r->end && r->eof)
			return 0;
		s = scan_record(r, &endpos, &lines, &why);
		if (s == SCAN_BAD)
			return err_set(e, -EINVAL, "%s:%lu: %s", r->name,
				       r->next_line, why);
		if (s != SCAN_MORE)
			break;
		ret = more_input(r, e);
		if (ret)
			return ret;
	}
	finish_fields(r);
	r->line = r->next_line;
	/* lines counts the record's line breaks inside quotes, plus one */
	r->next_line += lines;
	if (endpos == r->pos || r->buf[endpos - 1] != '\n')
		r->next_line--; /* the last record had no line end */
	r->pos = endpos;
	return 1;
}

/* Bytes that force a field into quotes. */
static const unsigned char needs_quote[256] = {
	['\n'] = 1,
	['\r'] = 1,
	[','] = 1,
	['"'] = 1,
};

int csv_needs_quote(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;

	for (size_t i = 0; i < n; i++)
		if (needs_quote[u[i]])
			return 1;
	return 0;
}

void csv_put_field(struct buf *b, const char *p, size_t n)
{
	const char *q;

	if (!csv_needs_quote(p, n)) {
		buf_add(b, p, n);
		return;
	}
	buf_addch(b, '"');
	while ((q = memchr(p, '"', n)) != NULL) {
		size_t k = (size_t)(q - p) + 1;

		buf_add(b, p, k);
		buf_addch(b, '"');
		p += k;
		n -= k;
	}
	buf_add(b, p, n);
	buf_addch(b, '"');
}
