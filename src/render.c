/* render.c - typed values as CSV text.  See render.h. */
#include "render.h"

#include "csv.h"

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
