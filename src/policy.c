/* policy.c - field privacy settings.  See policy.h and docs/privacy.md. */
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pseudo.h"
#include "value.h"

#define LINE_MAX_LEN 1024 /* a setting (comment excluded) longer is refused */
#define CANON_HEADER "collabfs policy 1\n"

_Static_assert(POLICY_DIGEST_LEN == PSEUDO_ID_LEN, "a SHA-256 digest");

struct policy_hr {
	char *name;	       /* as written in the file (owned) */
	char *lower;	       /* ASCII lower case, for the canonical text */
	enum col_privacy priv; /* what to do with it */
	unsigned long line;    /* the line that set it */
};

struct policy {
	size_t *off;	     /* schema_tables[i]'s first entry in priv, line */
	unsigned char *priv; /* enum col_privacy of every schema column */
	unsigned long *line; /* the line that set it, 0 for the default */
	struct policy_hr *hr;
	size_t nhr, hr_cap;
};

/* One "Table.Column = value" line, split in place (NUL-terminated). */
struct setting {
	const char *file;   /* for messages */
	unsigned long line; /* 1-based */
	char *table, *column, *value;
};

/* err_set is variadic, which the static analyzer does not follow: helpers
 * that return a constant keep its view of the error paths right. */
static int nomem(struct err *e)
{
	err_set(e, -ENOMEM, "out of memory");
	return -ENOMEM;
}

static size_t table_index(const struct table *t)
{
	for (size_t i = 0; i < schema_ntables; i++)
		if (&schema_tables[i] == t)
			return i;
	return schema_ntables;
}

int policy_default(struct policy **out, struct err *e)
{
	struct policy *p = calloc(1, sizeof(*p));
	size_t n = 0;

	*out = NULL;
	if (!p)
		return nomem(e);
	for (size_t i = 0; i < schema_ntables; i++)
		n += schema_tables[i].ncols;
	if (n == 0) { /* cannot happen: schema.c has ten tables */
		free(p);
		err_set(e, -EINVAL, "the schema has no columns");
		return -EINVAL;
	}
	p->off = calloc(schema_ntables, sizeof(*p->off));
	p->priv = calloc(n, sizeof(*p->priv));
	p->line = calloc(n, sizeof(*p->line));
	if (!p->off || !p->priv || !p->line) {
		policy_free(p);
		return nomem(e);
	}
	n = 0;
	for (size_t i = 0; i < schema_ntables; i++) {
		p->off[i] = n;
		for (size_t c = 0; c < schema_tables[i].ncols; c++)
			p->priv[n++] =
				(unsigned char)schema_tables[i].cols[c].privacy;
	}
	*out = p;
	return 0;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nhr; i++) {
		free(p->hr[i].name);
		free(p->hr[i].lower);
	}
	free(p->hr);
	free(p->off);
	free(p->priv);
	free(p->line);
	free(p);
}

/* ---- parsing ------------------------------------------------------------ */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trim blanks from both ends of s (in place); returns s's new start. */
static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static char ascii_lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

static int malformed(const struct setting *s, struct err *e)
{
	err_set(e, -EINVAL,
		"%s:%lu: expected Table.Column = raw, hash or exclude", s->file,
		s->line);
	return -EINVAL;
}

/* Split line (comment removed, NUL-terminated, no control characters) into
 * s->table, s->column, s->value.  Returns 0, 1 for a blank line, or
 * -EINVAL. */
static int split_line(char *line, struct setting *s, struct err *e)
{
	char *eq, *dot;

	line = trim(line);
	if (!*line)
		return 1;
	eq = strchr(line, '=');
	if (!eq)
		return malformed(s, e);
	*eq = '\0';
	dot = strchr(line, '.');
	if (!dot)
		return malformed(s, e);
	*dot = '\0';
	s->table = trim(line);
	s->column = trim(dot + 1);
	s->value = trim(eq + 1);
	if (!*s->table || !*s->column || !*s->value)
		return malformed(s, e);
	return 0;
}

static int parse_value(const struct setting *s, enum col_privacy *out,
		       struct err *e)
{
	static const enum col_privacy all[] = { PRIV_RAW, PRIV_HASH,
						PRIV_EXCLUDE };
	char q[80];

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcasecmp(s->value, schema_privacy_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return err_set(e, -EINVAL,
		       "%s:%lu: %s.%s: %s is not raw, hash or exclude", s->file,
		       s->line, s->table, s->column,
		       err_quote(q, sizeof(q), s->value, strlen(s->value)));
}

/* Set column col of table ti (index in schema_tables). */
static int set_column(struct policy *p, const struct setting *s, size_t ti,
		      size_t col, enum col_privacy priv, struct err *e)
{
	const struct table *t = &schema_tables[ti];
	const struct column *c = &t->cols[col];
	size_t at = p->off[ti] + col;

	if (p->line[at])
		return err_set(e, -EINVAL,
			       "%s:%lu: %s.%s is set twice (first on line %lu)",
			       s->file, s->line, t->name, c->name, p->line[at]);
	if ((c->flags & COL_KEY) && priv == PRIV_EXCLUDE)
		return err_set(e, -EINVAL,
			       "%s:%lu: %s.%s: %s is a key: it can be raw or "
			       "hash, never exclude",
			       s->file, s->line, t->name, c->name, c->name);
	p->priv[at] = (unsigned char)priv;
	p->line[at] = s->line;
	return 0;
}

/* Can name (not a seed column of t) be an HR attribute of t?  The store
 * refuses other names (schema_hr_name_ok), so a policy naming one would
 * silently never apply. */
static int check_hr_name(const struct setting *s, const struct table *t,
			 struct err *e)
{
	const char *name = s->column, *near = schema_near_column(t, name);
	char q[200];

	if (near)
		return err_set(e, -EINVAL,
			       "%s:%lu: %s.%s: no such column in %s (did you "
			       "mean %s? an HR attribute may not look like a "
			       "column of %s)",
			       s->file, s->line, s->table, name, t->name, near,
			       t->name);
	if (!schema_hr_name_ok(t, name) ||
	    value_check_utf8(name, strlen(name), NULL))
		return err_set(e, -EINVAL,
			       "%s:%lu: %s cannot be an HR attribute name",
			       s->file, s->line,
			       err_quote(q, sizeof(q), name, strlen(name)));
	return 0;
}

static char *lower_dup(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		d[i] = ascii_lower(s[i]);
	return d;
}

/* Add a setting of the HR attribute s->column of t (PersonHistorical). */
static int set_hr(struct policy *p, const struct setting *s,
		  const struct table *t, enum col_privacy priv, struct err *e)
{
	struct policy_hr *h;
	int ret = check_hr_name(s, t, e);

	if (ret)
		return ret;
	for (size_t i = 0; i < p->nhr; i++)
		if (strcasecmp(p->hr[i].name, s->column) == 0)
			return err_set(e, -EINVAL,
				       "%s:%lu: %s.%s is set twice (first on "
				       "line %lu)",
				       s->file, s->line, t->name, s->column,
				       p->hr[i].line);
	if (p->nhr == p->hr_cap) {
		size_t cap = p->hr_cap ? 2 * p->hr_cap : 8;
		struct policy_hr *nh = realloc(p->hr, cap * sizeof(*nh));

		if (!nh)
			return nomem(e);
		p->hr = nh;
		p->hr_cap = cap;
	}
	h = &p->hr[p->nhr];
	h->name = strdup(s->column);
	h->lower = lower_dup(s->column);
	h->priv = priv;
	h->line = s->line;
	if (!h->name || !h->lower) {
		free(h->name);
		free(h->lower);
		return nomem(e);
	}
	p->nhr++;
	return 0;
}

/* Apply one split setting to p. */
static int apply(struct policy *p, const struct setting *s, struct err *e)
{
	const struct table *t = schema_table(s->table);
	enum col_privacy priv = PRIV_RAW;
	const char *near;
	int col, ret;

	if (!t) {
		near = schema_near_table(s->table);
		return err_set(e, -EINVAL, "%s:%lu: %s.%s: no such table%s%s%s",
			       s->file, s->line, s->table, s->column,
			       near ? " (did you mean " : "", near ? near : "",
			       near ? "?)" : "");
	}
	ret = parse_value(s, &priv, e);
	if (ret)
		return ret;
	col = schema_column(t, s->column);
	if (col >= 0)
		return set_column(p, s, table_index(t), (size_t)col, priv, e);
	if (t->hr_attributes)
		return set_hr(p, s, t, priv, e);
	near = schema_near_column(t, s->column);
	return err_set(e, -EINVAL, "%s:%lu: %s.%s: no such column in %s%s%s%s",
		       s->file, s->line, s->table, s->column, t->name,
		       near ? " (did you mean " : "", near ? near : "",
		       near ? "?)" : "");
}

/* Parse line number lineno of file, text[0..n) (no newline), into p. */
static int parse_line(struct policy *p, const char *file, unsigned long lineno,
		      const char *text, size_t n, struct err *e)
{
	struct setting s = { file, lineno, NULL, NULL, NULL };
	/* zeroed: clang's analyzer cannot tell that line[n] ends it */
	char line[LINE_MAX_LEN + 1] = { 0 };
	const char *hash = memchr(text, '#', n);
	int ret;

	if (hash)
		n = (size_t)(hash - text);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)text[i] >= 0x20 || is_blank(text[i]))
			continue;
		err_set(e, -EINVAL,
			"%s:%lu: a control character (byte 0x%02x) in the line",
			file, lineno, (unsigned char)text[i]);
		return -EINVAL;
	}
	if (n > LINE_MAX_LEN) {
		err_set(e, -EINVAL, "%s:%lu: line too long (over %d bytes)",
			file, lineno, LINE_MAX_LEN);
		return -EINVAL;
	}
	memcpy(line, text, n);
	line[n] = '\0';
	ret = split_line(line, &s, e);
	if (ret)
		return ret > 0 ? 0 : ret;
	return apply(p, &s, e);
}

static int cmp_hr(const void *a, const void *b)
{
	const struct policy_hr *x = a, *y = b;

	return strcasecmp(x->name, y->name);
}

int policy_parse(const char *name, const char *text, size_t len,
		 struct policy **out, struct err *e)
{
	struct policy *p = NULL;
	unsigned long lineno = 0;
	size_t at = 0;
	int ret;

	*out = NULL;
	ret = policy_default(&p, e);
	if (ret)
		return ret;
	/* a UTF-8 byte order mark, as some editors write */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		at = 3;
	while (at < len && !ret) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;

		ret = parse_line(p, name, ++lineno, text + at, n, e);
		at += n + 1;
	}
	if (ret) {
		policy_free(p);
		return ret;
	}
	/* sorted without case: for policy_hr's search and the canonical
	 * text (names are unique without case, so the order is total) */
	if (p->nhr > 1)
		qsort(p->hr, p->nhr, sizeof(*p->hr), cmp_hr);
	*out = p;
	return 0;
}

/* Read the file at path into b (limit POLICY_FILE_MAX, b's max). */
static int read_file(const char *path, struct buf *b, struct err *e)
{
	char why[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int code;

	if (fd < 0) {
		code = errno ? -errno : -EIO;
	} else {
		code = buf_read_fd(b, fd);
		close(fd);
	}
	if (code == -EFBIG)
		return err_set(e, code,
			       "policy file '%s' is too large (over %d "
			       "bytes)",
			       path, POLICY_FILE_MAX);
	if (!code)
		return 0;
	if (strerror_r(-code, why, sizeof(why)))
		snprintf(why, sizeof(why), "error %d", -code);
	return err_set(e, code, "cannot read policy file '%s': %s", path, why);
}

int policy_load(const char *path, struct policy **out, struct err *e)
{
	struct buf b = BUF_INIT(POLICY_FILE_MAX);
	int ret;

	*out = NULL;
	if (!path)
		return policy_default(out, e);
	ret = read_file(path, &b, e);
	if (!ret)
		ret = policy_parse(path, b.data, b.len, out, e);
	buf_release(&b);
	return ret;
}

/* ---- queries ------------------------------------------------------------ */

enum col_privacy policy_column(const struct policy *p, const struct table *t,
			       size_t col)
{
	size_t ti = table_index(t);

	/* a table or column we do not know: the safe answer */
	if (ti == schema_ntables || col >= t->ncols)
		return PRIV_EXCLUDE;
	return (enum col_privacy)p->priv[p->off[ti] + col];
}

enum col_privacy policy_hr(const struct policy *p, const char *attr)
{
	const struct table *t = schema_table("PersonHistorical");
	int col = t ? schema_column(t, attr) : -1;
	struct policy_hr key = { (char *)attr, NULL, PRIV_EXCLUDE, 0 };
	const struct policy_hr *h;

	if (col >= 0)
		return policy_column(p, t, (size_t)col);
	if (p->nhr == 0)
		return PRIV_EXCLUDE;
	h = bsearch(&key, p->hr, p->nhr, sizeof(*p->hr), cmp_hr);
	return h ? h->priv : PRIV_EXCLUDE;
}

int policy_needs_key(const struct policy *p)
{
	size_t n = 0;

	for (size_t i = 0; i < schema_ntables; i++)
		n += schema_tables[i].ncols;
	for (size_t i = 0; i < n; i++)
		if (p->priv[i] == PRIV_HASH)
			return 1;
	for (size_t i = 0; i < p->nhr; i++)
		if (p->hr[i].priv == PRIV_HASH)
			return 1;
	return 0;
}

void policy_canonical(const struct policy *p, struct buf *out)
{
	buf_addstr(out, CANON_HEADER);
	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *t = &schema_tables[i];

		for (size_t c = 0; c < t->ncols; c++)
			buf_printf(out, "%s.%s=%s\n", t->name, t->cols[c].name,
				   schema_privacy_name(policy_column(p, t, c)));
	}
	/* p->hr is sorted without case, the same order as by lower */
	for (size_t i = 0; i < p->nhr; i++)
		if (p->hr[i].priv != PRIV_EXCLUDE)
			buf_printf(out, "PersonHistorical.%s=%s\n",
				   p->hr[i].lower,
				   schema_privacy_name(p->hr[i].priv));
}

int policy_digest(const struct policy *p, unsigned char out[POLICY_DIGEST_LEN])
{
	struct buf b = BUF_INIT(64 << 20);
	int ret;

	policy_canonical(p, &b);
	ret = b.err ? b.err : pseudo_sha256(b.data, b.len, out);
	if (b.err)
		memset(out, 0, POLICY_DIGEST_LEN);
	buf_release(&b);
	return ret;
}
