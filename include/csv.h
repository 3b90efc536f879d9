/* csv.h - a strict, streaming RFC 4180 reader, and the CSV field writer.
 *
 * The reader hands out one record at a time; its fields point into the
 * reader's own buffer and stay valid until the next csv_next() call.  Records
 * end in CRLF or LF; quoted fields may hold commas, doubled quotes, CR and LF,
 * kept exactly.  A UTF-8 byte order mark at the start is skipped.  Fields are
 * not checked for UTF-8 here (the importer does it, to name the column).
 */
#ifndef COLLABFS_CSV_H
#define COLLABFS_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"

struct csv_field {
	const char *p; /* borrowed, not NUL-terminated */
	size_t n;
	int quoted; /* 1 if the field was written in quotes */
};

struct csv_reader {
	int fd;		  /* source, read with read(2) */
	const char *name; /* for messages, borrowed */
	char *buf;	  /* raw bytes, [pos, end) not yet parsed */
	size_t cap, pos, end;
	size_t max_record;	 /* a longer record is an error */
	int eof;		 /* read() returned 0 */
	unsigned long line;	 /* physical line where the last record began */
	unsigned long next_line; /* physical line of the next record */
	size_t bad_field; /* after an error: the field it is in (0-based) */
	struct csv_field *fields;
	size_t nfields, fields_cap;
	const unsigned char *mem; /* csv_open_mem: the whole input */
};

/* Start reading fd (not closed by the reader); name is used in messages.
 * Returns 0 or -ENOMEM. */
int csv_open_fd(struct csv_reader *r, int fd, const char *name);
/* Read from memory instead (len bytes at p, borrowed until csv_close). */
int csv_open_mem(struct csv_reader *r, const char *p, size_t len,
		 const char *name);
/* Parse the next record.  Returns 1 with r->fields/r->nfields set, 0 at end
 * of input, or a negative errno with e set to "NAME:LINE: what is wrong"
 * (-EINVAL malformed, -EFBIG record too large, -EIO read error). */
int csv_next(struct csv_reader *r, struct err *e);
/* Free the reader's buffers.  Safe twice. */
void csv_close(struct csv_reader *r);

/* Append one field to b, quoted if it holds a comma, quote, CR or LF. */
void csv_put_field(struct buf *b, const char *p, size_t n);
/* Non-zero if a field with these bytes must be quoted. */
int csv_needs_quote(const char *p, size_t n);

#endif
