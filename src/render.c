/* render.c - typed values as CSV text.  See render.h. */
#include "render.h"

#include <errno.h>

#include "csv.h"

int render_masked(struct buf *out, const struct column *c, enum col_privacy p,
		  const struct value *v, struct pseudo *ps, struct buf *scratch)
{
	const char *in, *pn;
	size_t n;

	if (p == PRIV_RAW || v->kind == VAL_NULL) {
		render_field(out, c, v);
		return 0;
	}
	if (v->kind == VAL_TEXT) {
		in = v->u.s.p;
		n = v->u.s.n;
	} else {
		buf_reset(scratch);
		render_field(scratch, c, v);
		in = scratch->data;
		n = scratch->len;
	}
	pn = ps ? pseudo_of(ps, in, n) : NULL;
	if (!pn)
		return -EIO;
	buf_add(out, pn, PSEUDO_LEN);
	return 0;
}

void render_field(struct buf *b, const struct column *c, const struct value *v)
{
	switch (v->kind) {
	case VAL_NULL:
		return;
	case VAL_INT:
		if (c && c->type == COL_BOOL)
			buf_addstr(b, v->u.i ? "True" : "False");
		else
			value_format_int(b, v->u.i);
		return;
	case VAL_REAL:
		value_format_double(b, v->u.d);
		return;
	case VAL_TIME:
		value_format_datetime(b, &v->u.t);
		return;
	case VAL_TEXT:
		csv_put_field(b, v->u.s.p, v->u.s.n);
		return;
	}
}

void render_record(struct buf *b, const struct column *const *cols,
		   const struct value *vals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addch(b, ',');
		render_field(b, cols[i], &vals[i]);
	}
	buf_add(b, "\r\n", 2);
}
