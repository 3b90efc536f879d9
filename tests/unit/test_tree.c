/* test_tree.c - the tree without a mount: paths and their inverse; the
 * listing of a generated store; every file's size and hash equal to the
 * bytes its reader serves, sequentially, backwards and at random offsets;
 * facts kept across a reopen (the manifest); a refresh that changes one
 * file gives -ESTALE to its old facts, a new inode, and leaves the others
 * alone; a hashing policy without a key is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "gen.h"
#include "import.h"
#include "pseudo.h"
#include "tree.h"

static char dir[64], db[128], key[128], cache[128];

static void test_paths(void)
{
	static const char *const good[] = {
		"/",
		"/README.txt",
		"/meetings",
		"/meetings/2022-01",
		"/meetings/2022-01/meetings_2022-01.csv",
		"/person_historical/2021-12/person_historical_2021-12.csv",
	};
	static const char *const bad[] = {
		"",
		"meetings",
		"//",
		"/meetings/",
		"/meetings/2022-1",
		"/meetings/2022-01-01",
		"/meetings/2022-13",
		"/meetings/2022-01/mails_2022-01.csv",
		"/meetings/2022-01/meetings_2022-02.csv",
		"/meetings/2022-01/meetings_2022-01.csv/x",
		"/README.txt/x",
		"/nope",
		"/meetings/2022-01/./meetings_2022-01.csv",
	};
	struct tree_node n;
	char back[TREE_PATH_MAX];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_INT(tree_parse_path(PERIOD_MONTH, good[i], &n), 0);
		tree_node_path(PERIOD_MONTH, &n, back, sizeof(back));
		CHECK_STR(back, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(tree_parse_path(PERIOD_MONTH, bad[i], &n) < 0);
	CHECK_INT(tree_parse_path(PERIOD_WEEK, "/mails/2022-01-09", &n), 0);
	CHECK(tree_parse_path(PERIOD_WEEK, "/mails/2022-01-10", &n) < 0);
	CHECK_INT(tree_parse_path(PERIOD_DAY, "/mails/2022-01-10", &n), 0);
}

static void test_options(void)
{
	struct tree_options o;
	struct err e = ERR_INIT;

	tree_options_init(&o);
	CHECK_INT(tree_option(&o, "interval", "week", &e), 1);
	CHECK_INT(o.interval, PERIOD_WEEK);
	CHECK_INT(tree_option(&o, "interval", "year", &e), -EINVAL);
	CHECK(strstr(e.msg, "interval: \"year\"") != NULL);
	CHECK_INT(tree_option(&o, "from", "2022-02-30", &e), -EINVAL);
	CHECK_INT(tree_option(&o, "scope", "meetings+chat", &e), 1);
	CHECK(tree_in_scope(o.scope, &schema_tables[1]));  /* Meetings */
	CHECK(!tree_in_scope(o.scope, &schema_tables[3])); /* Mails */
	CHECK(tree_in_scope(o.scope, &schema_tables[0]));  /* HR rows */
	CHECK_INT(tree_option(&o, "scope", "meetings+", &e), -EINVAL);
	CHECK_INT(tree_option(&o, "ro", NULL, &e), 0);
	CHECK_INT(tree_option(&o, "key", "", &e), -EINVAL);
	tree_options_free(&o);
}

struct collect {
	struct tree_node nodes[64];
	size_t n;
};

static int collect(void *arg, const struct tree_node *child, const char *name)
{
	struct collect *c = arg;

	(void)name;
	if (c->n < 64)
		c->nodes[c->n++] = *child;
	return 0;
}

/* The whole file through a reader, in chunks of step bytes. */
static char *read_all(struct tree *t, struct tree_file *f, size_t size,
		      size_t step)
{
	struct tree_reader *r = NULL;
	struct err e = ERR_INIT;
	char *all = malloc(size + 1);
	size_t got = 0;

	CHECK_INT(tree_reader_open(t, f, &r, &e), 0);
	for (uint64_t off = 0; r && all && off < size; off += got) {
		CHECK_INT(tree_reader_read(r, all + off, step, off, &got, &e),
			  0);
		if (!got)
			break;
	}
	tree_reader_close(r);
	return all;
}

/* Reads at backward and random offsets equal the sequential bytes. */
static void check_random(struct tree *t, struct tree_file *f, const char *all,
			 size_t size)
{
	struct tree_reader *r = NULL;
	struct err e = ERR_INIT;
	char buf[70000];
	size_t got;
	int bad = 0;

	CHECK_INT(tree_reader_open(t, f, &r, &e), 0);
	for (int i = 0; r && i < 60; i++) {
		uint64_t off = i < 20 ? (size * (uint64_t)(19 - i)) / 20
				      : (uint64_t)rand() % size;
		size_t want = (size_t)rand() % sizeof(buf) + 1;

		tree_reader_read(r, buf, want, off, &got, &e);
		bad += got != (off + want > size ? size - off : want) ||
		       memcmp(buf, all + off, got) != 0;
	}
	CHECK_INT(bad, 0);
	if (r) {
		CHECK_INT(tree_reader_read(r, buf, 10, size, &got, &e), 0);
		CHECK_INT((int)got, 0);
	}
	tree_reader_close(r);
}

/* Ranges rendered straight into a buffer (as the sync does), from restart
 * points and from anywhere, equal the sequential bytes; past the end is
 * refused. */
static void check_render(struct tree *t, struct tree_file *f, const char *all,
			 size_t size)
{
	struct tree_reader *r = NULL;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT(SIZE_MAX / 2);
	int bad = 0;

	CHECK_INT(tree_reader_open(t, f, &r, &e), 0);
	for (int i = 0; r && i < 40; i++) {
		uint64_t off = (uint64_t)rand() % size;
		size_t n = (size_t)rand() % (3u << 20);

		if (i % 2)
			off = tree_file_restart_at(f, off);
		n = n > size - off ? (size_t)(size - off) : n;
		buf_reset(&b);
		buf_addstr(&b, "x"); /* appended after what is there */
		bad += tree_reader_render(r, &b, off, n, &e) != 0 ||
		       b.len != n + 1 || memcmp(b.data + 1, all + off, n) != 0;
	}
	CHECK_INT(bad, 0);
	if (r) {
		buf_reset(&b);
		CHECK_INT(tree_reader_render(r, &b, size - 1, 2, &e), -EIO);
		CHECK_INT((int)b.len, 0);
		CHECK_INT(tree_reader_render(r, &b, size, 0, &e), 0);
	}
	buf_release(&b);
	tree_reader_close(r);
}

struct facts {
	uint64_t ino, size;
	int64_t mtime;
};

/* Check every file of the tree; return the facts of the first n. */
/* Check one file: its bytes hash to its facts; large ones are read at
 * random too.  Returns whether it was large. */
static int check_file(struct tree *t, const struct tree_node *fnode,
		      struct facts *fa)
{
	struct err e = ERR_INIT;
	struct tree_file *f = NULL;
	struct tree_stat st;
	unsigned char sha[PSEUDO_ID_LEN];
	char *all;
	int big = 0;

	CHECK_INT(tree_file_get(t, fnode, &f, &e), 0);
	if (!f)
		return 0;
	tree_file_stat(f, &st);
	all = read_all(t, f, st.size, 100000);
	pseudo_sha256(all, st.size, sha);
	CHECK(memcmp(sha, tree_file_sha256(f), 32) == 0);
	if (st.size > (2u << 20)) {
		check_random(t, f, all, st.size);
		check_render(t, f, all, st.size);
		big = 1;
	}
	*fa = (struct facts){ st.ino, st.size, st.mtime };
	free(all);
	tree_file_put(f);
	return big;
}

/* Check every file of the tree; return the facts of the first n. */
static size_t check_files(struct tree *t, struct facts *out, size_t n)
{
	struct tree_node root = { TREE_ROOT, NULL, { 0, 0 } };
	struct collect tables = { .n = 0 }, periods, files;
	size_t k = 0, big = 0;

	tree_list(t, &root, collect, &tables);
	/* README.txt, ten tables and the activity views' folder */
	CHECK_INT((int)tables.n, 12);
	for (size_t i = 1; i < tables.n; i++) {
		periods.n = 0;
		tree_list(t, &tables.nodes[i], collect, &periods);
		CHECK(periods.n >= 2);
		for (size_t j = 0; j < periods.n; j++) {
			files.n = 0;
			tree_list(t, &periods.nodes[j], collect, &files);
			CHECK(files.n == 1 || files.n == 3);
			for (size_t f = 0; f < files.n; f++) {
				struct facts fa;

				big += (size_t)check_file(t, &files.nodes[f],
							  &fa);
				if (k < n)
					out[k++] = fa;
			}
		}
	}
	CHECK(big > 0); /* random access past checkpoints was tried */
	return k;
}

static struct tree *open_tree(const char *keypath, struct err *e)
{
	struct tree_options o;
	struct tree *t = NULL;

	tree_options_init(&o);
	o.key = keypath ? strdup(keypath) : NULL;
	o.cache = strdup(cache);
	tree_open(db, &o, &t, e);
	tree_options_free(&o);
	return t;
}

static void changes(void *arg, const struct tree_node *parent,
		    const struct tree_node *node)
{
	char path[TREE_PATH_MAX];

	(void)parent;
	tree_node_path(PERIOD_MONTH, node, path, sizeof(path));
	if (strcmp(path, "/meetings/2022-01/meetings_2022-01.csv") == 0)
		(*(int *)arg)++;
	else if (strstr(path, "mails_"))
		(*(int *)arg) += 100; /* untouched: must not be told */
}

static void test_refresh(struct tree *t)
{
	struct tree_node m, mail;
	struct tree_file *f = NULL, *g = NULL, *mf = NULL, *mg = NULL;
	struct tree_reader *r = NULL;
	struct tree_stat a, b;
	struct err e = ERR_INIT;
	struct import_stats ist;
	char in[160], *paths[1];
	FILE *fp;
	int told = 0, changed = 0;

	tree_parse_path(PERIOD_MONTH, "/meetings/2022-01/meetings_2022-01.csv",
			&m);
	tree_parse_path(PERIOD_MONTH, "/mails/2022-01/mails_2022-01.csv",
			&mail);
	CHECK_INT(tree_file_get(t, &m, &f, &e), 0);
	CHECK_INT(tree_file_get(t, &mail, &mf, &e), 0);
	snprintf(in, sizeof(in), "%s/Meetings.csv", dir);
	fp = fopen(in, "w");
	if (fp) {
		fputs("MeetingId,ICalUid,Subject,IsRecurring,IsCanceled,"
		      "StartTime,DurationMinutes\r\nMZZZ,U,,False,False,"
		      "2022-01-10T10:00:00Z,30\r\n",
		      fp);
		fclose(fp);
	}
	paths[0] = in;
	CHECK_INT(import_paths(db, paths, 1, &ist, &e), 0);
	CHECK_INT(tree_reader_open(t, f, &r, &e), -ESTALE);
	tree_reader_close(r);
	CHECK_INT(tree_update(t, changes, &told, &changed, &e), 0);
	CHECK_INT(changed, 1);
	CHECK_INT(told, 1);
	CHECK_INT(tree_file_get(t, &m, &g, &e), 0);
	CHECK_INT(tree_file_get(t, &mail, &mg, &e), 0);
	if (f && g) {
		tree_file_stat(f, &a);
		tree_file_stat(g, &b);
		CHECK(b.ino != a.ino);
		CHECK(b.size > a.size);
		CHECK(b.mtime >= a.mtime);
	}
	CHECK(mf == mg); /* untouched: the same facts, the same inode */
	tree_file_put(f);
	tree_file_put(g);
	tree_file_put(mf);
	tree_file_put(mg);
}

static void make_store(void)
{
	struct gen_options o = GEN_OPTIONS_INIT;
	struct gen_sink sink;
	struct gen_stats gst;
	struct import_stats ist;
	struct err e = ERR_INIT;
	char csv[160], *paths[1];

	o.people = 60;
	o.months = 2;
	snprintf(csv, sizeof(csv), "%s/csv", dir);
	CHECK_INT(gen_csv_sink_new(csv, &sink, &e), 0);
	CHECK_INT(gen_run(&o, &sink, &gst, &e), 0);
	gen_csv_sink_free(&sink);
	paths[0] = csv;
	CHECK_INT(import_paths(db, paths, 1, &ist, &e), 0);
	CHECK_INT(pseudo_keygen(key, &e), 0);
}

int main(void)
{
	struct facts first[40] = { { 0, 0, 0 } }, second[40] = { { 0, 0, 0 } };
	struct err e = ERR_INIT;
	struct tree *t;
	struct stat st;
	char cmd[160];
	size_t n;

	test_paths();
	test_options();
	snprintf(dir, sizeof(dir), "/tmp/collabfs-tree-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof(db), "%s/s.db", dir);
	snprintf(key, sizeof(key), "%s/key", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	make_store();

	t = open_tree(NULL, &e);
	CHECK(t == NULL);
	CHECK(strstr(e.msg, "key=FILE") != NULL);

	t = open_tree(key, &e);
	CHECK(t != NULL);
	n = t ? check_files(t, first, 40) : 0;
	tree_close(t);
	CHECK_INT(stat(cache, &st), 0);
	CHECK_INT((int)(st.st_mode & 0777), 0700);

	t = open_tree(key, &e); /* facts from the manifest: the same */
	CHECK(t != NULL);
	CHECK_INT((int)(t ? check_files(t, second, 40) : 0), (int)n);
	CHECK(memcmp(first, second, n * sizeof(first[0])) == 0);
	if (t)
		test_refresh(t);
	tree_close(t);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report();
}
