/* tree_path.c - tree options, node names and paths: the pure half of
 * tree.h (no I/O). */
#include "tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const scope_words[] = { "meetings", "mail", "calls", "chat",
					   "files" };
#define NSCOPES (sizeof(scope_words) / sizeof(scope_words[0]))

void tree_options_init(struct tree_options *o)
{
	memset(o, 0, sizeof(*o));
	o->interval = PERIOD_MONTH;
	o->scope = TREE_SCOPE_ALL;
	o->min_group = TREE_MIN_GROUP;
}

void tree_options_free(struct tree_options *o)
{
	free(o->policy);
	free(o->key);
	free(o->cache);
	free(o->partitions);
	free(o->partition);
	tree_options_init(o);
}

static int scope_bit(const char *w, size_t n)
{
	for (size_t i = 0; i < NSCOPES; i++)
		if (strlen(scope_words[i]) == n &&
		    memcmp(scope_words[i], w, n) == 0)
			return (int)i;
	return -1;
}

int tree_scope_parse(const char *s, unsigned *out)
{
	unsigned scope = 0;

	*out = TREE_SCOPE_ALL;
	if (!s || !*s)
		return -EINVAL;
	if (strcmp(s, "all") == 0)
		return 0;
	for (const char *p = s;;) {
		const char *plus = strchr(p, '+');
		size_t n = plus ? (size_t)(plus - p) : strlen(p);
		int bit = scope_bit(p, n);

		if (bit < 0)
			return -EINVAL;
		scope |= 1u << bit;
		if (!plus)
			break;
		p = plus + 1;
	}
	*out = scope;
	return 0;
}

int tree_in_scope(unsigned scope, const struct table *t)
{
	int bit;

	if (!t->scope)
		return 1;
	bit = scope_bit(t->scope, strlen(t->scope));
	return bit >= 0 && (scope & (1u << bit));
}

/* value, quoted and made printable for a message. */
static const char *quoted(char *buf, size_t size, const char *value)
{
	return err_quote(buf, size, value ? value : "",
			 value ? strlen(value) : 0);
}

/* Set *slot to a copy of value; an empty value is refused with need. */
static int set_text(char **slot, const char *value, const char *need,
		    struct err *e)
{
	char *copy;

	if (!value || !*value)
		return err_set(e, -EINVAL, "%s", need);
	copy = strdup(value);
	if (!copy)
		return err_set(e, -ENOMEM, "out of memory");
	free(*slot);
	*slot = copy;
	return 1;
}

static int set_path(char **slot, const char *name, const char *value,
		    struct err *e)
{
	char need[96];

	snprintf(need, sizeof(need), "option %s needs a path (%s=FILE)", name,
		 name);
	return set_text(slot, value, need, e);
}

static int set_day(struct tree_options *o, int to, const char *value,
		   struct err *e)
{
	char q[80];
	int64_t day;

	if (period_parse_date(value, &day))
		return err_set(e, -EINVAL,
			       "option %s: %s is not a date (YYYY-MM-DD, e.g. "
			       "2022-01-31)",
			       to ? "to" : "from", quoted(q, sizeof(q), value));
	if (to) {
		o->range.to_day = day;
		o->range.has_to = 1;
	} else {
		o->range.from_day = day;
		o->range.has_from = 1;
	}
	return 1;
}

static int set_interval(struct tree_options *o, const char *value,
			struct err *e)
{
	char q[80];

	if (period_parse_interval(value, &o->interval))
		return err_set(e, -EINVAL,
			       "option interval: %s is not month, day or week",
			       quoted(q, sizeof(q), value));
	return 1;
}

static int set_scope(struct tree_options *o, const char *value, struct err *e)
{
	char q[80];

	if (tree_scope_parse(value, &o->scope))
		return err_set(e, -EINVAL,
			       "option scope: %s is not all, or meetings, "
			       "mail, calls, chat, files joined by '+'",
			       quoted(q, sizeof(q), value));
	return 1;
}

static int set_min_group(struct tree_options *o, const char *value,
			 struct err *e)
{
	char q[80], *end = NULL;
	unsigned long n;

	errno = 0;
	n = value && *value >= '0' && *value <= '9' ? strtoul(value, &end, 10)
						    : 0;
	if (!end || *end || errno || n > 1000000)
		return err_set(e, -EINVAL,
			       "option min_group: %s is not a number of people",
			       quoted(q, sizeof(q), value));
	if (n < TREE_MIN_GROUP)
		return err_set(
			e, -EINVAL,
			"option min_group: %lu is below %d, the smallest "
			"group the activity views may show",
			n, TREE_MIN_GROUP);
	o->min_group = (unsigned)n;
	return 1;
}

int tree_option(struct tree_options *o, const char *name, const char *value,
		struct err *e)
{
	if (strcmp(name, "interval") == 0)
		return set_interval(o, value, e);
	if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0)
		return set_day(o, name[0] == 't', value, e);
	if (strcmp(name, "scope") == 0)
		return set_scope(o, value, e);
	if (strcmp(name, "policy") == 0)
		return set_path(&o->policy, name, value, e);
	if (strcmp(name, "key") == 0)
		return set_path(&o->key, name, value, e);
	if (strcmp(name, "cache") == 0)
		return set_path(&o->cache, name, value, e);
	if (strcmp(name, "partitions") == 0)
		return set_path(&o->partitions, name, value, e);
	if (strcmp(name, "partition") == 0)
		return set_text(
			&o->partition, value,
			"option partition needs a name (partition=NAME, "
			"a section of the partitions file)",
			e);
	if (strcmp(name, "min_group") == 0)
		return set_min_group(o, value, e);
	return 0;
}

/* ---- nodes ----------------------------------------------------------------
 */

static int child_of_root(const char *name, struct tree_node *out)
{
	const struct table *t;

	if (strcmp(name, "README.txt") == 0) {
		out->kind = TREE_README;
		return 0;
	}
	t = schema_table_by_dir(name);
	if (!t)
		return -ENOENT;
	out->kind = TREE_TABLE;
	out->table = t;
	return 0;
}

/* The file called name in period folder dir: its table's, or for the
 * activity folder one of the views'. */
static int file_of_period(enum period_interval iv, const struct tree_node *dir,
			  const char *name, struct tree_node *out)
{
	const struct table *one = dir->table;
	size_t n = one->view != VIEW_NONE ? schema_nviews : 1;
	char want[TREE_PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		*out = *dir;
		out->kind = TREE_FILE;
		out->table = one->view != VIEW_NONE ? &schema_views[i] : one;
		tree_node_name(iv, out, want, sizeof(want));
		if (strcmp(name, want) == 0)
			return 0;
	}
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

int tree_child(enum period_interval iv, const struct tree_node *dir,
	       const char *name, size_t n, struct tree_node *out)
{
	char copy[TREE_PATH_MAX];

	memset(out, 0, sizeof(*out));
	if (!tree_node_is_dir(dir))
		return -ENOTDIR;
	if (n == 0 || n >= sizeof(copy) || memchr(name, '\0', n))
		return -ENOENT;
	memcpy(copy, name, n);
	copy[n] = '\0';
	switch (dir->kind) {
	case TREE_ROOT:
		return child_of_root(copy, out);
	case TREE_TABLE:
		if (period_from_name(iv, copy, &out->period))
			return -ENOENT;
		out->kind = TREE_PERIOD;
		out->table = dir->table;
		return 0;
	default: /* TREE_PERIOD */
		return file_of_period(iv, dir, copy, out);
	}
}

int tree_parse_path(enum period_interval iv, const char *path,
		    struct tree_node *out)
{
	struct tree_node cur = { TREE_ROOT, NULL, { 0, 0 } };
	const char *p = path;

	memset(out, 0, sizeof(*out));
	if (!path || *p != '/')
		return -ENOENT;
	if (strcmp(p, "/") == 0) {
		*out = cur;
		return 0;
	}
	while (*p == '/') {
		const char *name = p + 1, *slash = strchr(name, '/');
		size_t n = slash ? (size_t)(slash - name) : strlen(name);
		struct tree_node next;
		int ret = tree_child(iv, &cur, name, n, &next);

		if (ret)
			return ret;
		cur = next;
		p = name + n;
	}
	if (*p)
		return -ENOENT;
	*out = cur;
	return 0;
}

size_t tree_node_name(enum period_interval iv, const struct tree_node *n,
		      char *buf, size_t size)
{
	char per[16];

	switch (n->kind) {
	case TREE_ROOT:
		return (size_t)snprintf(buf, size, "%s", "");
	case TREE_README:
		return (size_t)snprintf(buf, size, "README.txt");
	case TREE_TABLE:
		return (size_t)snprintf(buf, size, "%s", n->table->dir);
	case TREE_PERIOD:
		period_name(iv, &n->period, per, sizeof(per));
		return (size_t)snprintf(buf, size, "%s", per);
	default:
		period_name(iv, &n->period, per, sizeof(per));
		return (size_t)snprintf(buf, size, "%s_%s.csv",
					schema_file_stem(n->table), per);
	}
}

size_t tree_node_path(enum period_interval iv, const struct tree_node *n,
		      char *buf, size_t size)
{
	char per[16], name[TREE_PATH_MAX];

	if (n->kind == TREE_ROOT)
		return (size_t)snprintf(buf, size, "/");
	if (n->kind == TREE_README || n->kind == TREE_TABLE) {
		tree_node_name(iv, n, name, sizeof(name));
		return (size_t)snprintf(buf, size, "/%s", name);
	}
	period_name(iv, &n->period, per, sizeof(per));
	if (n->kind == TREE_PERIOD)
		return (size_t)snprintf(buf, size, "/%s/%s", n->table->dir,
					per);
	return (size_t)snprintf(buf, size, "/%s/%s/%s_%s.csv", n->table->dir,
				per, schema_file_stem(n->table), per);
}

void tree_node_parent(const struct tree_node *n, struct tree_node *out)
{
	*out = *n;
	switch (n->kind) {
	case TREE_FILE:
		out->kind = TREE_PERIOD;
		out->table = schema_folder_table(n->table);
		return;
	case TREE_PERIOD:
		out->kind = TREE_TABLE;
		out->period = (struct period){ 0, 0 };
		return;
	default:
		memset(out, 0, sizeof(*out));
		out->kind = TREE_ROOT;
		return;
	}
}

int tree_node_is_dir(const struct tree_node *n)
{
	return n->kind == TREE_ROOT || n->kind == TREE_TABLE ||
	       n->kind == TREE_PERIOD;
}
