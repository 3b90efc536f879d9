/* tree_optlist.c - a -o list of tree options, with its paths made
 * absolute, for the commands that keep or log them (sync, saved exports,
 * mount).  See tree.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tree.h"

char *tree_absolute_path(const char *path)
{
	char cwd[PATH_MAX], *r = realpath(path, NULL);
	struct buf b = BUF_INIT((size_t)2 * PATH_MAX);

	if (r || path[0] == '/')
		return r ? r : strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	buf_printf(&b, "%s/%s", cwd, path);
	return buf_detach(&b, NULL);
}

static int is_path(const char *name)
{
	static const char *const paths[] = { "policy", "key", "cache",
					     "partitions" };

	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
		if (strcmp(name, paths[k]) == 0)
			return 1;
	return 0;
}

/* One item, name=value (value NULL if there is no '='). */
static int take(struct tree_options *o, const char *name, const char *value,
		struct buf *text, struct err *e)
{
	char *abs = value && *value && is_path(name) ? tree_absolute_path(value)
						     : NULL;
	const char *v = abs ? abs : value;
	char q[80];
	int ret;

	if (value && *value && is_path(name) && !abs)
		return err_set(e, -ENOMEM, "out of memory");
	ret = tree_option(o, name, v, e);
	if (ret == 0)
		ret = err_set(e, -EINVAL, "-o: unknown tree option %s",
			      err_quote(q, sizeof(q), name, strlen(name)));
	if (ret > 0 && text)
		buf_printf(text, "%s%s%s%s", text->len ? "," : "", name,
			   v ? "=" : "", v ? v : "");
	free(abs);
	return ret < 0 ? ret : 0;
}

int tree_options_parse(struct tree_options *o, const char *list,
		       struct buf *text, struct err *e)
{
	char *copy = strdup(list), *save = NULL;
	int ret = copy ? 0 : err_set(e, -ENOMEM, "out of memory");

	for (char *item = copy ? strtok_r(copy, ",", &save) : NULL;
	     item && !ret; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (eq)
			*eq = '\0';
		ret = take(o, item, eq ? eq + 1 : NULL, text, e);
	}
	free(copy);
	return ret;
}
