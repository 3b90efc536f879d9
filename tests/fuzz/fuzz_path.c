/* fuzz_path.c - the tree's path parser and option setter on any input: the
 * first byte picks the interval and whether the rest is a path or a
 * "name=value" option.  A path that parses must be the canonical name of
 * its node (formatting the node gives the input back, byte for byte), so
 * two spellings never reach one file; nothing may crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(enum period_interval iv, const char *path)
{
	struct tree_node n, again, parent;
	char back[TREE_PATH_MAX];

	if (tree_parse_path(iv, path, &n) != 0)
		return;
	if (tree_node_path(iv, &n, back, sizeof(back)) >= sizeof(back) ||
	    strcmp(back, path) != 0)
		abort();
	if (tree_parse_path(iv, back, &again) != 0 || again.kind != n.kind ||
	    again.table != n.table || again.period.start != n.period.start)
		abort();
	tree_node_parent(&n, &parent);
	if (!tree_node_is_dir(&parent))
		abort();
}

static void check_option(char *text)
{
	struct tree_options o;
	struct err e = ERR_INIT;
	char *eq = strchr(text, '=');
	int ret;

	tree_options_init(&o);
	if (eq)
		*eq = '\0';
	ret = tree_option(&o, text, eq ? eq + 1 : NULL, &e);
	if (ret < 0 && (!e.msg[0] || strchr(e.msg, '\n')))
		abort();
	tree_options_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 4)
		check_option(text);
	else
		check_path((enum period_interval)(data[0] % 3), text);
	free(text);
	return 0;
}
