/* render.h - typed values as the CSV text of the exported files.
 *
 * The one place that decides how a stored value is written: Booleans as
 * True/False, integers in decimal, doubles in the shortest form that reads
 * back the same, datetimes in ISO 8601 with the offset they came with (Z
 * for UTC), NULL as an empty field, text quoted per RFC 4180 when needed.
 */
#ifndef COLLABFS_RENDER_H
#define COLLABFS_RENDER_H

#include <stddef.h>

#include "buf.h"
#include "pseudo.h"
#include "schema.h"
#include "value.h"

/* Append value v of column c (NULL c: a string, e.g. an HR attribute). */
void render_field(struct buf *b, const struct column *c, const struct value *v);

/* Append value v of column c as privacy p writes it: as render_field for
 * PRIV_RAW (and NULL, which stays empty), else the pseudonym from ps of
 * the value (text as stored, other values as rendered, in scratch).
 * Returns 0, or -EIO when there is no pseudonym (ps NULL, or OpenSSL
 * failing).  The one masking rule of every file of the tree. */
int render_masked(struct buf *out, const struct column *c, enum col_privacy p,
		  const struct value *v, struct pseudo *ps,
		  struct buf *scratch);

/* Append one CSV record of n values (columns cols[i], NULL for strings),
 * comma-separated, ending in CRLF.  Errors are sticky in b. */
void render_record(struct buf *b, const struct column *const *cols,
		   const struct value *vals, size_t n);

#endif
