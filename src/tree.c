/* tree.c - the live tree over one store: versions, facts, readers.  See
 * tree.h; docs/tree.md explains the design. */
#include "tree.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "filegen.h"
#include "log.h"
#include "manifest.h"
#include "md5.h"
#include "partition.h"
#include "policy.h"
#include "pseudo.h"
#include "store.h"
#include "value.h"

#define DAY_SECS      86400
#define CKPT_EVERY    ((uint64_t)1 << 20) /* a checkpoint per MiB */
#define RENDER_CHUNK  ((size_t)256 << 10) /* bytes rendered per step */
#define WINDOW_MAX    ((size_t)8 << 20)	  /* a reader's rendered bytes */
#define WINDOW_BACK   ((uint64_t)1 << 20) /* kept behind the last read */
#define SKIP_MAX      ((uint64_t)4 << 20) /* render forward, not seek */
#define POOL_IDLE_MAX 8
#define MAX_TABLES    16
#define ROWS_CACHED   4 /* partitions: rows sets kept */

/* A store connection with its pseudonymizer: one thread at a time. */
struct conn {
	struct store *s;
	struct pseudo *ps;
	struct conn *next;
};

struct ckpt {
	uint64_t off;
	size_t pos, len; /* the store position, in the checkpoint blob */
};

enum file_state { FILE_UNKNOWN, FILE_BUSY, FILE_KNOWN };

struct tree_file {
	struct tree *t;
	int refs; /* under t->lock */
	struct tree_node node;
	char path[TREE_PATH_MAX];
	int64_t t0, t1; /* the rows' span: the period inside the range */
	enum file_state state;
	int64_t version; /* store version the facts hold at */
	uint64_t size;
	unsigned char sha[PSEUDO_ID_LEN];
	unsigned char md5[MD5_LEN];
	int has_md5; /* worked out when the tree's md5 is on */
	int64_t mtime;
	uint64_t ino;
	struct buf ckpt_blob; /* [u64 off][u32 len][position] ... */
	struct ckpt *ckpts;
	size_t nckpts;
	char *bytes; /* README.txt: the whole text */
};

/* A partition's rows of one file at one version (parent tables hold a set
 * of keys read from the children: kept for the next reader). */
struct rows_cache {
	const struct table *table;
	int64_t t0, t1, version;
	struct partition_rows *rows; /* NULL: an empty slot */
};

struct view_table {
	const struct table *table;
	struct period *periods; /* in time order */
	struct tree_file **files;
	size_t n;
};

/* The tree's shape at one store version. */
struct view {
	int refs;
	int64_t version, committed;
	struct view_table tables[MAX_TABLES]; /* in schema order */
	size_t ntables;
	struct partition_members *members; /* under a partition, held */
};

struct tree {
	pthread_mutex_t lock; /* view, pool, file states and refs */
	pthread_cond_t facts; /* a file's facts became known */
	pthread_mutex_t updating;
	char *store_path;
	enum period_interval interval;
	struct period_range range;
	unsigned scope;
	int md5; /* work out files' MD5 with their facts */
	unsigned min_group;
	struct policy *policy;
	struct pseudo_key key;
	int has_key;
	struct manifest *man;
	unsigned char digest[MANIFEST_KEY_LEN]; /* of what bytes depend on */
	struct conn *idle;
	size_t nidle;
	struct view *view;
	struct tree_file *readme;
	struct partition *part; /* NULL: everyone */
	/* under t->lock: the members at one version, the latest rows */
	struct partition_members *members;
	int64_t members_version;
	struct rows_cache rows[ROWS_CACHED]; /* most recent first */
};

/* A file's references into the partition caches, while it renders. */
struct part_hold {
	struct partition_members *members;
	struct partition_rows *rows;
};

struct tree_reader {
	atomic_int refs;
	pthread_mutex_t lock;
	struct tree *t;
	struct tree_file *f;
	struct conn *c;	   /* in a snapshot for the reader's life */
	struct filegen *g; /* renders from win_off + win.len on */
	struct part_hold part;
	struct buf win; /* bytes [win_off, win_off + win.len) */
	uint64_t win_off;
};

/* ---- helpers ------------------------------------------------------------- */

static uint64_t ino_of(const char *path, const unsigned char *sha)
{
	unsigned char md[PSEUDO_ID_LEN];
	struct buf b = BUF_INIT(TREE_PATH_MAX + PSEUDO_ID_LEN + 1);
	uint64_t ino = 0;

	buf_addstr(&b, path);
	if (sha) {
		buf_addch(&b, '\0');
		buf_add(&b, sha, PSEUDO_ID_LEN);
	}
	pseudo_sha256(b.data, b.len, md);
	buf_release(&b);
	for (int i = 0; i < 8; i++)
		ino = ino << 8 | md[i];
	ino >>= 1; /* some tools take inode numbers as signed */
	return ino < 2 ? ino + 2 : ino;
}

static int64_t range_start(const struct tree *t)
{
	return t->range.has_from ? t->range.from_day * DAY_SECS
				 : DATETIME_MIN_MS / 1000;
}

static int64_t range_end(const struct tree *t)
{
	return t->range.has_to ? (t->range.to_day + 1) * DAY_SECS
			       : DATETIME_MAX_MS / 1000 + 1;
}

/* The rows' span of a file of period p: the period inside the range. */
static void clip_span(const struct tree *t, const struct period *p, int64_t *t0,
		      int64_t *t1)
{
	*t0 = p->start > range_start(t) ? p->start : range_start(t);
	*t1 = p->end < range_end(t) ? p->end : range_end(t);
}

/* ---- connections ----------------------------------------------------------
 */

static void conn_free(struct conn *c)
{
	if (!c)
		return;
	pseudo_free(c->ps);
	store_close(c->s);
	free(c);
}

static int conn_get(struct tree *t, struct conn **out, struct err *e)
{
	struct conn *c;
	int ret;

	pthread_mutex_lock(&t->lock);
	c = t->idle;
	if (c) {
		t->idle = c->next;
		t->nidle--;
	}
	pthread_mutex_unlock(&t->lock);
	if (c) {
		*out = c;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(e, -ENOMEM, "out of memory");
	ret = store_open(t->store_path, STORE_READONLY, &c->s, NULL, e);
	if (!ret && t->has_key)
		ret = pseudo_new(&t->key, &c->ps, e);
	if (ret) {
		conn_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

static void conn_put(struct tree *t, struct conn *c)
{
	if (!c)
		return;
	store_snapshot_end(c->s);
	pthread_mutex_lock(&t->lock);
	if (t->nidle < POOL_IDLE_MAX) {
		c->next = t->idle;
		t->idle = c;
		t->nidle++;
		c = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	conn_free(c);
}

/* ---- partitions -----------------------------------------------------------
 */

/* The members at version w (c in a snapshot of it), held: built once per
 * version, so once per (HR row, partition). */
static int members_at(struct tree *t, struct conn *c, int64_t w,
		      struct partition_members **out, struct err *e)
{
	struct partition_members *m = NULL, *old = NULL;
	int ret;

	pthread_mutex_lock(&t->lock);
	if (t->members && t->members_version == w) {
		partition_members_hold(t->members);
		*out = t->members;
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	pthread_mutex_unlock(&t->lock);
	ret = partition_members_build(t->part, c->s, &m, e);
	if (ret)
		return ret;
	pthread_mutex_lock(&t->lock);
	if (!t->members || t->members_version < w) {
		old = t->members;
		partition_members_hold(m);
		t->members = m;
		t->members_version = w;
	}
	pthread_mutex_unlock(&t->lock);
	partition_members_free(old);
	*out = m;
	return 0;
}

/* Move slot i of the rows cache to the front (t->lock held). */
static void rows_front(struct tree *t, size_t i)
{
	struct rows_cache hit = t->rows[i];

	memmove(&t->rows[1], &t->rows[0], i * sizeof(t->rows[0]));
	t->rows[0] = hit;
}

static struct partition_rows *rows_cached(struct tree *t,
					  const struct tree_file *f, int64_t w)
{
	struct partition_rows *r = NULL;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < ROWS_CACHED && !r; i++) {
		struct rows_cache *rc = &t->rows[i];

		if (rc->rows && rc->table == f->node.table && rc->t0 == f->t0 &&
		    rc->t1 == f->t1 && rc->version == w) {
			r = rc->rows;
			partition_rows_hold(r);
			rows_front(t, i);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

static void rows_keep(struct tree *t, const struct tree_file *f, int64_t w,
		      struct partition_rows *r)
{
	struct partition_rows *old;

	partition_rows_hold(r);
	pthread_mutex_lock(&t->lock);
	old = t->rows[ROWS_CACHED - 1].rows;
	t->rows[ROWS_CACHED - 1] =
		(struct rows_cache){ f->node.table, f->t0, f->t1, w, r };
	rows_front(t, ROWS_CACHED - 1);
	pthread_mutex_unlock(&t->lock);
	partition_rows_free(old);
}

/* What file f renders under the partition at version w (c in a snapshot
 * of it): its members (a view) or rows (a table), into h. */
static int part_hold(struct tree *t, struct conn *c, const struct tree_file *f,
		     int64_t w, struct part_hold *h, struct err *e)
{
	struct partition_span sp = { f->node.table, f->t0, f->t1 };
	int ret;

	if (!t->part || f->node.kind != TREE_FILE)
		return 0;
	ret = members_at(t, c, w, &h->members, e);
	if (ret || f->node.table->view != VIEW_NONE)
		return ret;
	h->rows = rows_cached(t, f, w);
	if (h->rows)
		return 0;
	ret = partition_rows_open(h->members, c->s, &sp, &h->rows, e);
	if (!ret)
		rows_keep(t, f, w, h->rows);
	return ret;
}

/* The spec of a file rendered with h held. */
static void part_spec(const struct part_hold *h, struct filegen_spec *spec)
{
	spec->members = h->members;
	spec->rows = h->rows;
}

static void part_release(struct part_hold *h)
{
	partition_rows_free(h->rows);
	partition_members_free(h->members);
	h->rows = NULL;
	h->members = NULL;
}

/* ---- files ----------------------------------------------------------------
 */

static struct tree_file *file_new(struct tree *t, const struct tree_node *n)
{
	struct tree_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->t = t;
	f->refs = 1;
	f->node = *n;
	tree_node_path(t->interval, n, f->path, sizeof(f->path));
	buf_init(&f->ckpt_blob, (size_t)1 << 26);
	if (n->kind == TREE_FILE)
		clip_span(t, &n->period, &f->t0, &f->t1);
	return f;
}

static void file_free(struct tree_file *f)
{
	buf_release(&f->ckpt_blob);
	free(f->ckpts);
	free(f->bytes);
	free(f);
}

void tree_file_hold(struct tree_file *f)
{
	pthread_mutex_lock(&f->t->lock);
	f->refs++;
	pthread_mutex_unlock(&f->t->lock);
}

/* Drop a reference with t->lock held; frees at zero. */
static void file_unref_locked(struct tree_file *f)
{
	if (--f->refs == 0)
		file_free(f);
}

void tree_file_put(struct tree_file *f)
{
	struct tree *t;

	if (!f)
		return;
	t = f->t;
	pthread_mutex_lock(&t->lock);
	file_unref_locked(f);
	pthread_mutex_unlock(&t->lock);
}

const struct tree_node *tree_file_node(const struct tree_file *f)
{
	return &f->node;
}

int tree_file_md5(const struct tree_file *f, unsigned char out[MD5_LEN])
{
	if (f->has_md5)
		memcpy(out, f->md5, MD5_LEN);
	return f->has_md5;
}

const unsigned char *tree_file_sha256(const struct tree_file *f)
{
	return f->sha;
}

void tree_file_stat(const struct tree_file *f, struct tree_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->ino = f->ino;
	st->size = f->size;
	st->mtime = f->mtime;
	st->settled = f->node.kind == TREE_FILE &&
		      f->node.period.end + DAY_SECS <= (int64_t)time(NULL);
}

/* Parse the checkpoint blob into f->ckpts. */
static int parse_ckpts(struct tree_file *f)
{
	const unsigned char *p = (const unsigned char *)f->ckpt_blob.data;
	size_t len = f->ckpt_blob.len, at = 0, n = 0;
	struct ckpt *c = NULL;

	free(f->ckpts);
	f->ckpts = NULL;
	f->nckpts = 0;
	while (at + 12 <= len) {
		struct ckpt k = { 0, 0, 0 };
		uint32_t plen = 0;
		struct ckpt *nc;

		for (int i = 0; i < 8; i++)
			k.off |= (uint64_t)p[at + (size_t)i] << (8 * i);
		for (int i = 0; i < 4; i++)
			plen |= (uint32_t)p[at + 8 + (size_t)i] << (8 * i);
		k.pos = at + 12;
		k.len = plen;
		if (k.pos + plen > len)
			break;
		nc = realloc(c, (n + 1) * sizeof(*c));
		if (!nc) {
			free(c);
			return -ENOMEM;
		}
		c = nc;
		c[n++] = k;
		at = k.pos + plen;
	}
	f->ckpts = c;
	f->nckpts = n;
	return 0;
}

static int add_ckpt(void *arg, uint64_t off, const char *pos, size_t len)
{
	struct buf *b = arg;
	unsigned char hdr[12];

	for (int i = 0; i < 8; i++)
		hdr[i] = (unsigned char)(off >> (8 * i));
	for (int i = 0; i < 4; i++)
		hdr[8 + i] = (unsigned char)((uint32_t)len >> (8 * i));
	buf_add(b, hdr, sizeof(hdr));
	buf_add(b, pos, len);
	return b->err;
}

static void spec_of(const struct tree *t, const struct tree_file *f,
		    struct filegen_spec *spec)
{
	spec->table = f->node.table;
	spec->t0 = f->t0;
	spec->t1 = f->t1;
	spec->policy = t->policy;
	spec->first_day = value_day_of_ms(f->node.period.start * 1000);
	spec->areas = t->scope; /* the same bits as enum activity_area */
	spec->min_group = t->min_group;
	spec->members = NULL;
	spec->rows = NULL;
}

/* Where render_facts leaves the bytes it renders, if the caller wants
 * them and they fit. */
struct keep {
	struct buf *bytes; /* NULL: not wanted */
	size_t max;
};

/* The running hashes of a file being rendered. */
struct hashes {
	struct pseudo_digest *sha;
	struct md5 *md5; /* NULL: not wanted */
};

/* Append the next chunk of g to the kept bytes while they fit, else to
 * chunk (reset first); hash what was added. */
static int fill_next(struct filegen *g, struct keep *k, struct buf *chunk,
		     struct hashes *h, struct tree_file *f, struct err *e)
{
	struct buf *dst = k->bytes ? k->bytes : chunk;
	size_t from;
	int ret;

	if (dst == chunk)
		buf_reset(chunk);
	from = dst->len;
	ret = filegen_fill(g, dst, RENDER_CHUNK, e);
	pseudo_digest_add(h->sha, dst->data + from, dst->len - from);
	if (h->md5)
		md5_add(h->md5, dst->data + from, dst->len - from);
	f->size += dst->len - from;
	if (k->bytes && k->bytes->len > k->max) {
		buf_reset(k->bytes); /* too big to keep */
		k->bytes = NULL;
	}
	return ret;
}

/* Render the whole file once: its size, hash and checkpoints (and its
 * bytes in k, when wanted and no more than k->max). */
static int render_facts(struct tree *t, struct conn *c, struct tree_file *f,
			struct keep *k, struct err *e)
{
	struct filegen_spec spec;
	struct filegen *g = NULL;
	struct buf chunk = BUF_INIT(WINDOW_MAX);
	struct hashes h = { pseudo_digest_new(), t->md5 ? md5_new() : NULL };
	struct part_hold ph = { NULL, NULL };
	int ret = 0;

	if (!h.sha || (t->md5 && !h.md5))
		ret = err_set(e, -ENOMEM, "out of memory");
	spec_of(t, f, &spec);
	if (!ret)
		ret = part_hold(t, c, f, f->version, &ph, e);
	part_spec(&ph, &spec);
	buf_reset(&f->ckpt_blob);
	f->size = 0;
	f->has_md5 = 0;
	if (!ret)
		ret = filegen_open(c->s, &spec, c->ps, NULL, &g, e);
	if (!ret) {
		filegen_checkpoints(g, CKPT_EVERY, add_ckpt, &f->ckpt_blob);
		if (k->bytes)
			buf_reset(k->bytes);
		do
			ret = fill_next(g, k, &chunk, &h, f, e);
		while (ret > 0);
	}
	filegen_free(g);
	part_release(&ph);
	buf_release(&chunk);
	if (ret < 0) {
		pseudo_digest_free(h.sha);
		md5_free(h.md5);
		return ret;
	}
	if (h.md5) {
		md5_end(h.md5, f->md5);
		f->has_md5 = 1;
	}
	if (pseudo_digest_end(h.sha, f->sha))
		return err_set(e, -EIO, "cannot hash %s", f->path);
	return parse_ckpts(f) ? err_set(e, -ENOMEM, "out of memory") : 0;
}

/* The days of f's span, for the store's touch records. */
static void file_days(const struct tree_file *f, int64_t *first, int64_t *last)
{
	*first = value_day_of_ms(f->t0 * 1000);
	*last = value_day_of_ms((f->t1 - 1) * 1000);
}

/* The newest refresh in (after, upto] that touched a day of table tb in
 * f's span: hit->refresh 0 if none. */
static int touched(struct conn *c, const struct tree_file *f,
		   struct store_touch_query *q, struct store_touch_hit *hit,
		   struct err *e)
{
	file_days(f, &q->first_day, &q->last_day);
	return store_last_touch(c->s, q, hit, e);
}

/* Whether the bytes of f depend on the rows of table tb: an activity view
 * on every table in scope and the HR rows; under a partition, a table's
 * file on the HR rows too (they say who is a member) and a parent's on its
 * children. */
static int depends_on(const struct tree_file *f, const struct table *tb)
{
	const struct table *ft = f->node.table;

	if (ft->view != VIEW_NONE)
		return tree_in_scope(f->t->scope, tb);
	if (tb == ft)
		return 1;
	return f->t->part && (tb->instant == INSTANT_SPAN ||
			      (ft->child && strcmp(ft->child, tb->name) == 0));
}

/* The same for f: the newest refresh that touched a table f depends on. */
static int changed_since(struct conn *c, const struct tree_file *f,
			 int64_t after, int64_t upto,
			 struct store_touch_hit *hit, struct err *e)
{
	struct store_touch_query q = { f->node.table, 0, 0, after, upto };
	int ret = 0;

	if (f->node.table->view == VIEW_NONE && !f->t->part)
		return touched(c, f, &q, hit, e);
	*hit = (struct store_touch_hit){ 0, 0 };
	for (size_t i = 0; i < schema_ntables && !ret; i++) {
		const struct table *tb = &schema_tables[i];
		struct store_touch_hit h = { 0, 0 };

		if (!depends_on(f, tb))
			continue;
		q.table = tb;
		ret = touched(c, f, &q, &h, e);
		if (!ret && h.refresh > hit->refresh)
			*hit = h;
	}
	return ret;
}

/* The manifest's entry, if it still holds at version w. */
static int from_manifest(struct tree *t, struct conn *c, struct tree_file *f,
			 int64_t w, struct manifest_entry *me, struct err *e)
{
	struct store_touch_hit hit = { 0, 0 };
	int ret;

	me->version = -1; /* not found */
	ret = t->man ? manifest_get(t->man, t->digest, f->path, me, e) : 0;
	if (ret < 0)
		log_at(LOG_WARNING, "%s (rendering instead)", e->msg);
	if (ret <= 0 || me->version > w)
		return 0;
	if (me->version < w) {
		ret = changed_since(c, f, me->version, w, &hit, e);
		if (ret || hit.refresh)
			return ret;
		manifest_set_version(t->man, t->digest, f->path, w, e);
	}
	f->version = w;
	f->size = me->size;
	memcpy(f->sha, me->sha256, sizeof(f->sha));
	f->mtime = me->mtime;
	f->has_md5 = me->has_md5;
	memcpy(f->md5, me->md5, sizeof(f->md5));
	buf_reset(&f->ckpt_blob);
	buf_add(&f->ckpt_blob, me->ckpt.data, me->ckpt.len);
	if (f->ckpt_blob.err || parse_ckpts(f))
		return err_set(e, -ENOMEM, "out of memory");
	return 1;
}

/* The mtime of bytes first seen at version w: the commit time of the
 * newest refresh that touched the file (the previous mtime if the bytes
 * did not change after all). */
static int pick_mtime(struct conn *c, struct tree_file *f, int64_t w,
		      const struct manifest_entry *me, struct err *e)
{
	struct store_touch_hit hit = { 0, 0 };
	int64_t v;
	int ret;

	if (me->version >= 0 &&
	    memcmp(me->sha256, f->sha, sizeof(f->sha)) == 0) {
		f->mtime = me->mtime;
		return 0;
	}
	ret = changed_since(c, f, 0, w, &hit, e);
	if (!ret && !hit.refresh)
		ret = store_version(c->s, &v, &hit.committed, e);
	f->mtime = hit.committed;
	return ret;
}

/* Render f at version w and remember its facts in the manifest. */
/* Render f at version f->version (set by the caller) and remember its
 * facts in the manifest. */
static int fresh_facts(struct tree *t, struct conn *c, struct tree_file *f,
		       struct manifest_entry *me, struct keep *k, struct err *e)
{
	int64_t w = f->version;
	int ret = render_facts(t, c, f, k, e);

	if (!ret)
		ret = pick_mtime(c, f, w, me, e);
	if (ret)
		return ret;
	me->version = w;
	me->size = f->size;
	memcpy(me->sha256, f->sha, sizeof(f->sha));
	me->mtime = f->mtime;
	me->has_md5 = f->has_md5;
	memcpy(me->md5, f->md5, sizeof(me->md5));
	buf_reset(&me->ckpt);
	buf_add(&me->ckpt, f->ckpt_blob.data, f->ckpt_blob.len);
	if (t->man && manifest_put(t->man, t->digest, f->path, me, e))
		log_at(LOG_WARNING, "%s (continuing)", e->msg);
	return 0;
}

static int compute_facts(struct tree *t, struct tree_file *f, struct keep *k,
			 struct err *e)
{
	struct manifest_entry me = { -1,    0, { 0 }, 0, BUF_INIT(1 << 26),
				     { 0 }, 0 };
	struct conn *c = NULL;
	int64_t w = 0;
	int ret = conn_get(t, &c, e);

	if (ret || !c)
		return ret ? ret : -ENOMEM;
	ret = store_snapshot_begin(c->s, &w, e);
	if (!ret)
		ret = from_manifest(t, c, f, w, &me, e);
	if (ret == 0) {
		f->version = w;
		ret = fresh_facts(t, c, f, &me, k, e);
	}
	buf_release(&me.ckpt);
	conn_put(t, c);
	if (ret > 0)
		ret = 0;
	if (!ret)
		f->ino = ino_of(f->path, f->sha);
	return ret;
}

/* ---- views ----------------------------------------------------------------
 */

static void view_unref_locked(struct view *v)
{
	if (!v || --v->refs > 0)
		return;
	for (size_t i = 0; i < v->ntables; i++) {
		struct view_table *vt = &v->tables[i];

		for (size_t j = 0; j < vt->n; j++)
			if (vt->files[j])
				file_unref_locked(vt->files[j]);
		free(vt->periods);
		free(vt->files);
	}
	partition_members_free(v->members);
	free(v);
}

static int add_period(struct view_table *vt, const struct period *p)
{
	struct period *np = realloc(vt->periods, (vt->n + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	vt->periods = np;
	np[vt->n++] = *p;
	return 0;
}

/* Whether the file of vt's table in period p keeps a row under the
 * partition of view v (1 without one). */
static int kept_in(const struct tree *t, struct conn *c, const struct view *v,
		   const struct table *tb, const struct period *p,
		   struct err *e)
{
	int64_t t0, t1;

	if (!v->members)
		return 1;
	clip_span(t, p, &t0, &t1);
	{
		struct partition_span sp = { tb, t0, t1 };

		return partition_rows_any(v->members, c->s, &sp, e);
	}
}

/* The periods in the range that hold rows of table tb. */
static int list_periods(struct tree *t, struct conn *c, const struct view *v,
			struct view_table *vt, struct err *e)
{
	int64_t from = range_start(t), end = range_end(t), x;
	int ret;

	while ((ret = store_next_instant(c->s, vt->table, from, &x, e)) == 0 &&
	       x < end) {
		struct period p;

		period_of(t->interval, x, &p);
		ret = kept_in(t, c, v, vt->table, &p, e);
		if (ret < 0)
			return ret;
		if (ret && add_period(vt, &p))
			return err_set(e, -ENOMEM, "out of memory");
		from = p.end;
	}
	return ret == -ENOENT || ret == 0 ? 0 : ret;
}

/* Whether an HR row is valid at some time of [t0, t1). */
static int hr_in(struct conn *c, const struct table *ph, int64_t t0, int64_t t1,
		 struct err *e)
{
	struct store_scan *sc;
	const struct value *vals;
	int ret = store_scan_open(c->s, ph, t0, t1, &sc, e);

	if (ret)
		return ret;
	ret = store_scan_next(sc, &vals, e);
	store_scan_close(sc);
	return ret;
}

static int cmp_period(const void *a, const void *b)
{
	const struct period *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* All periods of the view's tables, in order, without repeats. */
static int union_periods(const struct view *v, struct view_table *all)
{
	size_t k = 0;

	for (size_t i = 0; i < v->ntables; i++)
		for (size_t j = 0; j < v->tables[i].n; j++)
			if (add_period(all, &v->tables[i].periods[j]))
				return -ENOMEM;
	if (all->n)
		qsort(all->periods, all->n, sizeof(all->periods[0]),
		      cmp_period);
	for (size_t j = 0; j < all->n; j++)
		if (!k || all->periods[j].start != all->periods[k - 1].start)
			all->periods[k++] = all->periods[j];
	all->n = k;
	return 0;
}

/* person_historical: the periods of the other tables that have HR rows. */
static int list_hr_periods(struct tree *t, struct conn *c, struct view *v,
			   struct view_table *vt, struct err *e)
{
	struct view_table all = { NULL, NULL, NULL, 0 };
	int ret = union_periods(v, &all);

	if (ret) {
		free(all.periods);
		return err_set(e, -ENOMEM, "out of memory");
	}
	for (size_t j = 0; j < all.n && !ret; j++) {
		const struct period *p = &all.periods[j];
		int64_t t0, t1;

		clip_span(t, p, &t0, &t1);
		ret = v->members ? kept_in(t, c, v, vt->table, p, e)
				 : hr_in(c, vt->table, t0, t1, e);
		if (ret == 1)
			ret = add_period(vt, p)
				      ? err_set(e, -ENOMEM, "out of memory")
				      : 0;
	}
	free(all.periods);
	return ret;
}

static int view_files(struct view_table *vt)
{
	vt->files = calloc(vt->n ? vt->n : 1, sizeof(struct tree_file *));
	return vt->files ? 0 : -ENOMEM;
}

/* The activity tables in scope that hold rows in the range. */
static int activity_tables(struct tree *t, struct conn *c, struct view *v,
			   struct err *e)
{
	int ret = 0;

	for (size_t i = 0; i < schema_ntables && !ret; i++) {
		const struct table *tb = &schema_tables[i];
		struct view_table vt = { tb, NULL, NULL, 0 };

		if (tb->instant == INSTANT_SPAN || !tree_in_scope(t->scope, tb))
			continue;
		ret = list_periods(t, c, v, &vt, e);
		if (!ret && vt.n)
			v->tables[v->ntables++] = vt;
		else
			free(vt.periods);
	}
	return ret;
}

/* The activity views the policy lets out, each with every period of the
 * tables in scope (v holds those alone). */
static int activity_views(const struct tree *t, struct view *v,
			  struct view_table *views, size_t *n)
{
	struct view_table all = { NULL, NULL, NULL, 0 };

	*n = 0;
	if (union_periods(v, &all))
		goto nomem;
	for (size_t i = 0; i < schema_nviews && all.n; i++) {
		struct view_table *vt = &views[*n];

		if (!activity_view_shown(&schema_views[i], t->policy,
					 t->has_key))
			continue;
		*vt = (struct view_table){
			&schema_views[i],
			malloc(all.n * sizeof(all.periods[0])), NULL, all.n
		};
		if (!vt->periods)
			goto nomem;
		memcpy(vt->periods, all.periods,
		       all.n * sizeof(all.periods[0]));
		(*n)++;
	}
	free(all.periods);
	return 0;
nomem:
	free(all.periods);
	for (size_t i = 0; i < *n; i++)
		free(views[i].periods);
	*n = 0;
	return -ENOMEM;
}

/* The tables in scope with their periods, at c's snapshot;
 * person_historical first, as in schema order, then the activity views. */
static int view_tables(struct tree *t, struct conn *c, struct view *v,
		       struct err *e)
{
	struct view_table hr = { schema_table("PersonHistorical"), NULL, NULL,
				 0 };
	struct view_table views[4];
	size_t nviews = 0;
	int ret = activity_tables(t, c, v, e);

	if (!ret && activity_views(t, v, views, &nviews))
		ret = err_set(e, -ENOMEM, "out of memory");

	if (!ret && hr.table)
		ret = list_hr_periods(t, c, v, &hr, e);
	if (!ret && hr.n) {
		memmove(&v->tables[1], &v->tables[0],
			v->ntables * sizeof(struct view_table));
		v->tables[0] = hr;
		v->ntables++;
	} else {
		free(hr.periods);
	}
	for (size_t i = 0; i < nviews; i++)
		v->tables[v->ntables++] = views[i];
	for (size_t i = 0; i < v->ntables && !ret; i++)
		if (view_files(&v->tables[i]))
			ret = err_set(e, -ENOMEM, "out of memory");
	return ret;
}

static int build_view(struct tree *t, struct view **out, struct err *e)
{
	struct view *v = calloc(1, sizeof(*v));
	struct conn *c = NULL;
	int ret;

	*out = NULL;
	if (!v)
		return err_set(e, -ENOMEM, "out of memory");
	v->refs = 1;
	ret = conn_get(t, &c, e);
	if (!ret)
		ret = store_snapshot_begin(c->s, &v->version, e);
	if (!ret)
		ret = store_version(c->s, &v->version, &v->committed, e);
	if (!ret && t->part)
		ret = members_at(t, c, v->version, &v->members, e);
	if (!ret)
		ret = view_tables(t, c, v, e);
	conn_put(t, c);
	if (ret) {
		pthread_mutex_lock(&t->lock);
		view_unref_locked(v);
		pthread_mutex_unlock(&t->lock);
		return ret;
	}
	*out = v;
	return 0;
}

static struct view_table *view_table_of(const struct view *v,
					const struct table *tb)
{
	for (size_t i = 0; i < v->ntables; i++)
		if (v->tables[i].table == tb)
			return (struct view_table *)&v->tables[i];
	return NULL;
}

/* The first table of v shown in the folder of tb (for the activity
 * folder: any view shown), or NULL. */
static struct view_table *folder_of(const struct view *v,
				    const struct table *tb)
{
	for (size_t i = 0; i < v->ntables; i++)
		if (schema_folder_table(v->tables[i].table) == tb)
			return (struct view_table *)&v->tables[i];
	return NULL;
}

/* Index of period start in vt, or -1. */
static long find_period(const struct view_table *vt, int64_t start)
{
	size_t lo = 0, hi = vt->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vt->periods[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < vt->n && vt->periods[lo].start == start ? (long)lo : -1;
}

/* ---- update ---------------------------------------------------------------
 */

struct change_ctx {
	tree_change_fn fn;
	void *arg;
};

static void tell(struct change_ctx *cc, const struct tree_node *n)
{
	struct tree_node parent;

	if (!cc->fn)
		return;
	tree_node_parent(n, &parent);
	cc->fn(cc->arg, &parent, n);
}

/* Tell about every period (and its file) of vt missing from other. */
static void tell_missing(struct change_ctx *cc, const struct view_table *vt,
			 const struct view_table *other)
{
	for (size_t j = 0; j < vt->n; j++) {
		struct tree_node n = { TREE_PERIOD,
				       schema_folder_table(vt->table),
				       vt->periods[j] };

		if (other && find_period(other, vt->periods[j].start) >= 0)
			continue;
		tell(cc, &n);
		n.kind = TREE_FILE;
		n.table = vt->table;
		tell(cc, &n);
	}
}

/* Carry the unchanged files of old into v; tell about the rest. */
struct carry {
	struct conn *c;
	const struct view *old;
	struct view *v;
	struct change_ctx *cc;
	struct err *e;
};

/* Period j of vt: old's file object if its bytes cannot have changed. */
static int carry_file(struct carry *cr, const struct view_table *ot,
		      struct view_table *vt, size_t j)
{
	long k = find_period(ot, vt->periods[j].start);
	struct tree_node fn = { TREE_FILE, vt->table, vt->periods[j] };
	struct store_touch_hit hit = { 0, 0 };
	struct tree_file *of = k >= 0 ? ot->files[k] : NULL;
	int ret;

	if (!of) /* a new period (told already), or never looked up */
		return 0;
	ret = changed_since(cr->c, of, cr->old->version, cr->v->version, &hit,
			    cr->e);
	if (ret)
		return ret;
	if (hit.refresh) {
		tell(cr->cc, &fn);
		return 0;
	}
	tree_file_hold(of);
	vt->files[j] = of;
	return 0;
}

static int carry_over(struct carry *cr)
{
	int ret = 0;

	for (size_t i = 0; i < cr->v->ntables && !ret; i++) {
		struct view_table *vt = &cr->v->tables[i];
		const struct view_table *ot = view_table_of(cr->old, vt->table);
		struct tree_node tn = { TREE_TABLE,
					schema_folder_table(vt->table),
					{ 0, 0 } };

		if (!ot)
			tell(cr->cc, &tn);
		tell_missing(cr->cc, vt, ot);
		for (size_t j = 0; ot && j < vt->n && !ret; j++)
			ret = carry_file(cr, ot, vt, j);
	}
	for (size_t i = 0; i < cr->old->ntables; i++) {
		const struct view_table *ot = &cr->old->tables[i];
		const struct view_table *vt = view_table_of(cr->v, ot->table);
		struct tree_node tn = { TREE_TABLE,
					schema_folder_table(ot->table),
					{ 0, 0 } };

		if (!vt)
			tell(cr->cc, &tn);
		tell_missing(cr->cc, ot, vt);
	}
	return ret;
}

/* Build the view of the store's newest version and put it in place. */
static int new_view(struct tree *t, struct conn *c, struct view *old,
		    struct change_ctx *cc, struct err *e)
{
	struct carry cr = { c, old, NULL, cc, e };
	int ret = build_view(t, &cr.v, e);

	if (!ret && cr.v)
		ret = carry_over(&cr);
	pthread_mutex_lock(&t->lock);
	if (!ret) {
		view_unref_locked(t->view);
		t->view = cr.v;
	} else {
		view_unref_locked(cr.v);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int tree_update(struct tree *t, tree_change_fn fn, void *arg, int *changed,
		struct err *e)
{
	struct change_ctx cc = { fn, arg };
	struct conn *c = NULL;
	int64_t now = 0, have;
	int ret;

	*changed = 0;
	pthread_mutex_lock(&t->updating);
	ret = conn_get(t, &c, e);
	if (!ret && c)
		ret = store_version(c->s, &now, NULL, e);
	pthread_mutex_lock(&t->lock);
	have = t->view->version;
	pthread_mutex_unlock(&t->lock);
	if (!ret && c && now != have) {
		/* only this thread replaces t->view (t->updating) */
		ret = new_view(t, c, t->view, &cc, e);
		*changed = !ret;
	}
	conn_put(t, c);
	pthread_mutex_unlock(&t->updating);
	return ret;
}

/* ---- open and close -------------------------------------------------------
 */

static void readme_text(const struct tree *t, const struct tree_options *o,
			struct buf *b)
{
	static const char *const iv_names[] = { "month", "day", "week" };
	char day[16];

	buf_addstr(b, "collabfs: collaboration data as privacy-masked CSV "
		      "files\r\n\r\n");
	buf_printf(b, "interval: %s (UTC; weeks start on Sunday)\r\n",
		   iv_names[t->interval]);
	if (o->range.has_from) {
		struct period p;

		period_of(PERIOD_DAY, o->range.from_day * DAY_SECS, &p);
		period_name(PERIOD_DAY, &p, day, sizeof(day));
		buf_printf(b, "from: %s\r\n", day);
	}
	if (o->range.has_to) {
		struct period p;

		period_of(PERIOD_DAY, o->range.to_day * DAY_SECS, &p);
		period_name(PERIOD_DAY, &p, day, sizeof(day));
		buf_printf(b, "to: %s (inclusive)\r\n", day);
	}
	buf_addstr(b, "tables:");
	for (size_t i = 0; i < schema_ntables; i++)
		if (tree_in_scope(t->scope, &schema_tables[i]))
			buf_printf(b, " %s", schema_tables[i].dir);
	buf_printf(b, " %s (min_group %u)", schema_views[0].dir, t->min_group);
	if (t->part)
		buf_printf(b,
			   "\r\npartition: %s (the rows of its members "
			   "alone; ManagerId left empty)",
			   partition_name(t->part));
	buf_addstr(b, "\r\n\r\nLayout: /<table>/<period>/<table>_<period>.csv. "
		      "A period folder exists\r\nwhere the table has rows in "
		      "it.  Rows are placed by their UTC instant;\r\n"
		      "participants sit in their parent's period, HR rows in "
		      "every period they\r\nare valid in.\r\n\r\n"
		      "Field privacy (columns not listed are written as "
		      "stored):\r\n");
	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *tb = &schema_tables[i];

		for (size_t j = 0; j < tb->ncols; j++) {
			enum col_privacy p = policy_column(t->policy, tb, j);

			if (p != PRIV_RAW)
				buf_printf(b, "  %s.%s = %s\r\n", tb->name,
					   tb->cols[j].name,
					   schema_privacy_name(p));
		}
	}
	buf_addstr(b, "  HR attributes not named in the policy are "
		      "excluded.\r\n");
	buf_addstr(b, "Hashed fields are keyed HMAC-SHA256 pseudonyms: the "
		      "same value has the same\r\npseudonym in every file "
		      "made with the same key.\r\n");
}

static int make_readme(struct tree *t, const struct tree_options *o,
		       struct err *e)
{
	struct tree_node n = { TREE_README, NULL, { 0, 0 } };
	struct tree_file *f = file_new(t, &n);
	struct buf b = BUF_INIT(1 << 20);

	if (!f)
		return err_set(e, -ENOMEM, "out of memory");
	readme_text(t, o, &b);
	f->size = b.len;
	f->bytes = buf_detach(&b, NULL);
	if (!f->bytes) {
		file_free(f);
		return err_set(e, -ENOMEM, "out of memory");
	}
	pseudo_sha256(f->bytes, f->size, f->sha);
	f->ino = ino_of(f->path, f->sha);
	f->state = FILE_KNOWN;
	t->readme = f;
	return 0;
}

static int first_refresh(const struct store_refresh_info *ri, void *arg)
{
	*(int64_t *)arg = ri->committed;
	return 1; /* the first is enough */
}

/* README.txt's mtime: when the store got its first data, so that it stays
 * the same across refreshes and remounts (its text depends on the options
 * only). */
static int readme_mtime(struct tree *t, struct conn *c, struct err *e)
{
	int ret = store_each_refresh(c->s, first_refresh, &t->readme->mtime, e);

	return ret > 0 ? 0 : ret;
}

/* The name of a hashed column, for the missing-key message. */
static const char *hashed_column(const struct policy *p, char *buf, size_t size)
{
	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *tb = &schema_tables[i];

		for (size_t j = 0; j < tb->ncols; j++)
			if (policy_column(p, tb, j) == PRIV_HASH) {
				snprintf(buf, size, "%s.%s", tb->name,
					 tb->cols[j].name);
				return buf;
			}
	}
	snprintf(buf, size, "an HR attribute");
	return buf;
}

static int load_privacy(struct tree *t, const struct tree_options *o,
			struct err *e)
{
	char col[2 * SCHEMA_NAME_MAX];
	int ret = policy_load(o->policy, &t->policy, e);

	if (ret)
		return ret;
	if (o->key) {
		ret = pseudo_key_load(o->key, &t->key, e);
		t->has_key = !ret;
		return ret;
	}
	if (policy_needs_key(t->policy))
		return err_set(e, -EINVAL,
			       "the %s hashes %s: give the key with -o "
			       "key=FILE (make one with 'collabfs keygen "
			       "FILE')",
			       o->policy ? "policy" : "built-in policy",
			       hashed_column(t->policy, col, sizeof(col)));
	return 0;
}

/* The partition of options o, checked against the store's HR columns. */
static int load_partition(struct tree *t, struct conn *c,
			  const struct tree_options *o, struct err *e)
{
	int ret;

	if (!o->partitions && !o->partition)
		return 0;
	if (!o->partitions)
		return err_set(e, -EINVAL,
			       "option partition=%s needs the partitions "
			       "file: -o partitions=FILE",
			       o->partition);
	if (!o->partition)
		return err_set(e, -EINVAL,
			       "option partitions=%s needs the partition to "
			       "show: -o partition=NAME",
			       o->partitions);
	ret = partition_load(o->partitions, o->partition, &t->part, e);
	return ret ? ret : partition_check(t->part, c->s, e);
}

/* The digest of everything the bytes depend on besides the data. */
static int make_digest(struct tree *t, struct conn *c, struct err *e)
{
	unsigned char pd[POLICY_DIGEST_LEN], kid[PSEUDO_ID_LEN];
	struct buf b = BUF_INIT(1 << 16);
	int ret = store_identity(c->s, &b, e);

	if (ret)
		return ret;
	memset(kid, 0, sizeof(kid));
	if (policy_digest(t->policy, pd) ||
	    (t->has_key && pseudo_key_id(&t->key, kid))) {
		buf_release(&b);
		return err_set(e, -EIO, "cannot hash the policy or the key");
	}
	/* the scope and the minimum group: the activity views' bytes */
	buf_printf(&b,
		   "\ncollabfs-files-2 %d %d %" PRId64 " %d %" PRId64
		   " %u %u\n",
		   (int)t->interval, t->range.has_from, t->range.from_day,
		   t->range.has_to, t->range.to_day, t->scope, t->min_group);
	buf_add(&b, pd, sizeof(pd));
	buf_add(&b, kid, sizeof(kid));
	if (t->part) /* who the rows are of */
		partition_describe(t->part, &b);
	ret = b.err ? err_set(e, -ENOMEM, "out of memory")
		    : pseudo_sha256(b.data, b.len, t->digest);
	buf_release(&b);
	return ret;
}

static int open_manifest(struct tree *t, const struct tree_options *o,
			 struct err *e)
{
	struct buf dir = BUF_INIT(4096);
	int ret;

	if (o->cache)
		buf_addstr(&dir, o->cache);
	else
		buf_printf(&dir, "%s.cache", t->store_path);
	ret = dir.err ? err_set(e, -ENOMEM, "out of memory")
		      : manifest_open(dir.data, &t->man, e);
	buf_release(&dir);
	return ret;
}

static int check_range(const struct tree_options *o, struct err *e)
{
	if (o->range.has_from && o->range.has_to &&
	    o->range.from_day > o->range.to_day)
		return err_set(e, -EINVAL,
			       "option from is after option to: the range "
			       "holds no day");
	return 0;
}

int tree_open(const char *store_path, const struct tree_options *o,
	      struct tree **out, struct err *e)
{
	struct tree *t = calloc(1, sizeof(*t));
	struct conn *c = NULL;
	int ret;

	*out = NULL;
	if (!t || !(t->store_path = strdup(store_path))) {
		free(t);
		return err_set(e, -ENOMEM, "out of memory");
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_init(&t->updating, NULL);
	pthread_cond_init(&t->facts, NULL);
	t->interval = o->interval;
	t->range = o->range;
	t->scope = o->scope;
	t->md5 = o->facts_md5;
	t->min_group = o->min_group;
	ret = check_range(o, e);
	if (!ret)
		ret = load_privacy(t, o, e);
	if (!ret)
		ret = conn_get(t, &c, e);
	if (!ret)
		ret = load_partition(t, c, o, e);
	if (!ret)
		ret = make_digest(t, c, e);
	if (!ret)
		ret = open_manifest(t, o, e);
	if (!ret)
		ret = make_readme(t, o, e);
	if (!ret)
		ret = readme_mtime(t, c, e);
	conn_put(t, c);
	if (!ret)
		ret = build_view(t, &t->view, e);
	if (ret) {
		tree_close(t);
		return ret;
	}
	*out = t;
	return 0;
}

void tree_close(struct tree *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	view_unref_locked(t->view);
	if (t->readme)
		file_unref_locked(t->readme);
	pthread_mutex_unlock(&t->lock);
	while (t->idle) {
		struct conn *c = t->idle;

		t->idle = c->next;
		conn_free(c);
	}
	manifest_close(t->man);
	partition_members_free(t->members);
	for (size_t i = 0; i < ROWS_CACHED; i++)
		partition_rows_free(t->rows[i].rows);
	partition_free(t->part);
	policy_free(t->policy);
	pseudo_key_wipe(&t->key);
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->updating);
	pthread_cond_destroy(&t->facts);
	free(t->store_path);
	free(t);
}

/* ---- the namespace --------------------------------------------------------
 */

/* The slot of file node n in the current view, with t->lock held. */
static struct tree_file **file_slot(struct tree *t, const struct tree_node *n,
				    long *idx, struct view_table **vtp)
{
	struct view_table *vt = view_table_of(t->view, n->table);
	long k = vt ? find_period(vt, n->period.start) : -1;

	*idx = k;
	*vtp = vt;
	return k >= 0 ? &vt->files[k] : NULL;
}

int tree_exists(struct tree *t, const struct tree_node *n)
{
	struct view_table *vt;
	int ok;
	long k;

	if (n->kind == TREE_ROOT || n->kind == TREE_README)
		return 1;
	pthread_mutex_lock(&t->lock);
	vt = folder_of(t->view, n->table);
	if (n->kind == TREE_TABLE)
		ok = vt != NULL;
	else if (n->kind == TREE_PERIOD)
		ok = vt && find_period(vt, n->period.start) >= 0;
	else
		ok = file_slot(t, n, &k, &vt) != NULL;
	pthread_mutex_unlock(&t->lock);
	return ok;
}

/* A copy of the names to list, so fn runs without the lock. */
struct listing {
	struct tree_node *nodes;
	size_t n;
};

static int listing_add(struct listing *l, const struct tree_node *n)
{
	struct tree_node *nn = realloc(l->nodes, (l->n + 1) * sizeof(*nn));

	if (!nn)
		return -ENOMEM;
	l->nodes = nn;
	nn[l->n++] = *n;
	return 0;
}

/* The files of period folder dir: its table's, or each view's. */
static int collect_files(const struct view *v, const struct tree_node *dir,
			 struct listing *l)
{
	int ret = 0, any = 0;

	for (size_t i = 0; i < v->ntables && !ret; i++) {
		const struct view_table *vt = &v->tables[i];
		struct tree_node n = *dir;

		if (schema_folder_table(vt->table) != dir->table ||
		    find_period(vt, dir->period.start) < 0)
			continue;
		n.kind = TREE_FILE;
		n.table = vt->table;
		ret = listing_add(l, &n);
		any = 1;
	}
	return ret ? ret : any ? 0 : -ENOENT;
}

static int collect(struct tree *t, const struct tree_node *dir,
		   struct listing *l)
{
	struct tree_node n = { TREE_README, NULL, { 0, 0 } };
	struct view *v = t->view;
	struct view_table *vt;
	int ret = 0;

	if (dir->kind == TREE_ROOT) {
		ret = listing_add(l, &n);
		for (size_t i = 0; i < v->ntables && !ret; i++) {
			const struct table *tb = v->tables[i].table;

			if (folder_of(v, schema_folder_table(tb)) !=
			    &v->tables[i])
				continue; /* a folder once */
			n = (struct tree_node){ TREE_TABLE,
						schema_folder_table(tb),
						{ 0, 0 } };
			ret = listing_add(l, &n);
		}
		return ret;
	}
	if (dir->kind == TREE_PERIOD)
		return collect_files(v, dir, l);
	vt = folder_of(v, dir->table);
	if (!vt)
		return -ENOENT;
	for (size_t j = 0; j < vt->n && !ret; j++) {
		n = (struct tree_node){ TREE_PERIOD, dir->table,
					vt->periods[j] };
		ret = listing_add(l, &n);
	}
	return ret;
}

static int cmp_name(const void *a, const void *b)
{
	const struct tree_node *x = a, *y = b;
	const char *nx = x->kind == TREE_README ? "README.txt" : x->table->dir;
	const char *ny = y->kind == TREE_README ? "README.txt" : y->table->dir;

	return strcmp(nx, ny);
}

int tree_list(struct tree *t, const struct tree_node *dir, tree_list_fn fn,
	      void *arg)
{
	struct listing l = { NULL, 0 };
	char name[TREE_PATH_MAX];
	int ret;

	pthread_mutex_lock(&t->lock);
	ret = collect(t, dir, &l);
	pthread_mutex_unlock(&t->lock);
	if (!ret && dir->kind == TREE_ROOT && l.n)
		qsort(l.nodes, l.n, sizeof(*l.nodes), cmp_name);
	for (size_t i = 0; i < l.n && !ret; i++) {
		tree_node_name(t->interval, &l.nodes[i], name, sizeof(name));
		ret = fn(arg, &l.nodes[i], name);
	}
	free(l.nodes);
	return ret;
}

void tree_dir_stat(struct tree *t, const struct tree_node *n,
		   struct tree_stat *st)
{
	char path[TREE_PATH_MAX];

	memset(st, 0, sizeof(*st));
	tree_node_path(t->interval, n, path, sizeof(path));
	st->ino = n->kind == TREE_ROOT ? 1 : ino_of(path, NULL);
	st->is_dir = 1;
	pthread_mutex_lock(&t->lock);
	st->mtime = t->view->committed;
	pthread_mutex_unlock(&t->lock);
}

/* The file object of n in the current view (made if needed), held. */
static int file_ref(struct tree *t, const struct tree_node *n,
		    struct tree_file **out)
{
	struct view_table *vt;
	struct tree_file **slot;
	long k;

	if (n->kind == TREE_README) {
		t->readme->refs++;
		*out = t->readme;
		return 0;
	}
	slot = file_slot(t, n, &k, &vt);
	if (!slot)
		return -ENOENT;
	if (!*slot) {
		*slot = file_new(t, n);
		if (!*slot)
			return -ENOMEM;
	}
	(*slot)->refs++;
	*out = *slot;
	return 0;
}

static int file_get(struct tree *t, const struct tree_node *n,
		    struct tree_file **out, struct keep *k, struct err *e)
{
	struct tree_file *f = NULL;
	int ret;

	*out = NULL;
	pthread_mutex_lock(&t->lock);
	ret = file_ref(t, n, &f);
	while (!ret && f->state == FILE_BUSY)
		pthread_cond_wait(&t->facts, &t->lock);
	if (!ret && f->state == FILE_UNKNOWN) {
		f->state = FILE_BUSY;
		pthread_mutex_unlock(&t->lock);
		ret = compute_facts(t, f, k, e);
		pthread_mutex_lock(&t->lock);
		f->state = ret ? FILE_UNKNOWN : FILE_KNOWN;
		pthread_cond_broadcast(&t->facts);
	}
	if (ret && f)
		file_unref_locked(f);
	pthread_mutex_unlock(&t->lock);
	if (ret == -ENOENT)
		return err_set(e, ret, "no such file");
	if (ret == -ENOMEM)
		return err_set(e, ret, "out of memory");
	if (!ret)
		*out = f;
	return ret;
}

int tree_file_get(struct tree *t, const struct tree_node *n,
		  struct tree_file **out, struct err *e)
{
	struct keep none = { NULL, 0 };

	return file_get(t, n, out, &none, e);
}

int tree_file_get_kept(struct tree *t, const struct tree_node *n,
		       struct tree_file **out, struct buf *bytes, size_t max,
		       struct err *e)
{
	struct keep k = { bytes, max };

	buf_reset(bytes);
	return file_get(t, n, out, &k, e);
}

/* ---- readers --------------------------------------------------------------
 */

int tree_reader_open(struct tree *t, struct tree_file *f,
		     struct tree_reader **out, struct err *e)
{
	struct tree_reader *r = calloc(1, sizeof(*r));
	struct store_touch_hit hit = { 0, 0 };
	int64_t w = 0;
	int ret = 0;

	*out = NULL;
	if (!r)
		return err_set(e, -ENOMEM, "out of memory");
	atomic_init(&r->refs, 1);
	pthread_mutex_init(&r->lock, NULL);
	r->t = t;
	r->f = f;
	buf_init(&r->win, WINDOW_MAX + RENDER_CHUNK + (1 << 20));
	if (f->node.kind == TREE_FILE) {
		ret = conn_get(t, &r->c, e);
		if (!ret)
			ret = store_snapshot_begin(r->c->s, &w, e);
		if (!ret && w != f->version)
			ret = changed_since(r->c, f, f->version, w, &hit, e);
		if (!ret && hit.refresh)
			ret = err_set(e, -ESTALE,
				      "%s changed since it was looked up",
				      f->path);
		if (!ret)
			ret = part_hold(t, r->c, f, w, &r->part, e);
	}
	if (ret) {
		part_release(&r->part);
		conn_put(t, r->c);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return ret;
	}
	tree_file_hold(f);
	*out = r;
	return 0;
}

/* The checkpoint at or before off, or NULL for the start of the file. */
static const struct ckpt *ckpt_before(const struct tree_file *f, uint64_t off)
{
	size_t lo = 0, hi = f->nckpts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->ckpts[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &f->ckpts[lo - 1] : NULL;
}

uint64_t tree_file_restart_at(const struct tree_file *f, uint64_t off)
{
	const struct ckpt *k = ckpt_before(f, off);

	return k ? k->off : 0;
}

/* Restart rendering at the last checkpoint at or before off. */
static int reposition(struct tree_reader *r, uint64_t off, struct err *e)
{
	const struct tree_file *f = r->f;
	const struct ckpt *k = ckpt_before(f, off);
	struct filegen_resume at;
	struct filegen_spec spec;

	filegen_free(r->g);
	r->g = NULL;
	buf_reset(&r->win);
	r->win_off = k ? k->off : 0;
	spec_of(r->t, f, &spec);
	part_spec(&r->part, &spec);
	if (!k)
		return filegen_open(r->c->s, &spec, r->c->ps, NULL, &r->g, e);
	at = (struct filegen_resume){ f->ckpt_blob.data + k->pos, k->len,
				      k->off };
	return filegen_open(r->c->s, &spec, r->c->ps, &at, &r->g, e);
}

/* Forget rendered bytes well behind off, keeping the window bounded. */
static void slide(struct tree_reader *r, uint64_t off)
{
	uint64_t keep = off > WINDOW_BACK ? off - WINDOW_BACK : 0;
	size_t drop;

	if (r->win.len + RENDER_CHUNK < WINDOW_MAX || keep <= r->win_off)
		return;
	drop = (size_t)(keep - r->win_off);
	if (drop > r->win.len)
		drop = r->win.len;
	memmove(r->win.data, r->win.data + drop, r->win.len - drop);
	r->win.len -= drop;
	r->win_off += drop;
}

/* Make the window hold [off, end). */
static int cover(struct tree_reader *r, uint64_t off, uint64_t end,
		 struct err *e)
{
	int ret = 0;

	if (!r->g || off < r->win_off ||
	    off > r->win_off + r->win.len + SKIP_MAX)
		ret = reposition(r, off, e);
	while (!ret && r->win_off + r->win.len < end) {
		slide(r, off);
		ret = filegen_fill(r->g, &r->win, RENDER_CHUNK, e);
		if (ret == 0 && r->win_off + r->win.len < end)
			ret = err_set(e, -EIO,
				      "%s: rendered %" PRIu64
				      " bytes, expected %" PRIu64,
				      r->f->path, r->win_off + r->win.len,
				      r->f->size);
		ret = ret > 0 ? 0 : ret;
	}
	return ret;
}

int tree_reader_serve(struct tree_reader *r, size_t size, uint64_t off,
		      tree_serve_fn fn, void *arg, struct err *e)
{
	const struct tree_file *f = r->f;
	uint64_t end;
	int ret;

	if (off >= f->size || size == 0)
		return fn(arg, "", 0);
	end = off + size < f->size ? off + size : f->size;
	if (f->bytes)
		return fn(arg, f->bytes + off, (size_t)(end - off));
	pthread_mutex_lock(&r->lock);
	ret = cover(r, off, end, e);
	if (!ret)
		ret = fn(arg, r->win.data + (off - r->win_off),
			 (size_t)(end - off));
	pthread_mutex_unlock(&r->lock);
	return ret;
}

struct copy_to {
	char *dst;
	size_t *got;
};

static int copy_out(void *arg, const char *p, size_t n)
{
	struct copy_to *to = arg;

	if (n)
		memcpy(to->dst, p, n);
	*to->got = n;
	return 0;
}

int tree_reader_read(struct tree_reader *r, char *dst, size_t size,
		     uint64_t off, size_t *got, struct err *e)
{
	struct copy_to to = { dst, got };

	*got = 0;
	return tree_reader_serve(r, size, off, copy_out, &to, e);
}

/* Render the bytes before off into the window (none if off is a restart
 * point); *more is 0 if the file ended. */
static int skip_to(struct tree_reader *r, uint64_t off, int *more,
		   struct err *e)
{
	int ret = 0;

	while (!ret && *more && r->win_off + r->win.len < off) {
		r->win_off += r->win.len;
		buf_reset(&r->win);
		ret = filegen_fill(r->g, &r->win, RENDER_CHUNK, e);
		*more = ret > 0;
		ret = ret > 0 ? 0 : ret;
	}
	return ret;
}

/* Render from the restart point at or before off until out holds n bytes
 * from off (rows are whole, so the generator runs past: it is dropped). */
static int render_range(struct tree_reader *r, struct buf *out, uint64_t off,
			size_t n, struct err *e)
{
	size_t start = out->len;
	int more = 1, ret = reposition(r, off, e);

	if (!ret)
		ret = skip_to(r, off, &more, e);
	if (!ret && r->win_off + r->win.len >= off)
		buf_add(out, r->win.data + (off - r->win_off),
			(size_t)(r->win_off + r->win.len - off));
	while (!ret && more && out->len - start < n) {
		ret = filegen_fill(r->g, out, n - (out->len - start), e);
		more = ret > 0;
		ret = ret > 0 ? 0 : ret;
	}
	if (!ret && out->err)
		ret = err_set(e, out->err, "out of memory");
	else if (!ret && out->len - start < n)
		ret = err_set(e, -EIO, "%s ended before byte %" PRIu64,
			      r->f->path, off + n);
	out->len = ret ? start : start + n;
	if (out->cap)
		out->data[out->len] = '\0';
	filegen_free(r->g); /* it ran past off + n */
	r->g = NULL;
	buf_reset(&r->win);
	return ret;
}

int tree_reader_render(struct tree_reader *r, struct buf *out, uint64_t off,
		       size_t n, struct err *e)
{
	const struct tree_file *f = r->f;
	int ret;

	if (off > f->size || n > f->size - off)
		return err_set(e, -EIO,
			       "%s has %" PRIu64 " bytes, not %" PRIu64,
			       f->path, f->size, off + n);
	if (f->bytes) {
		buf_add(out, f->bytes + off, n);
		return out->err ? err_set(e, out->err, "out of memory") : 0;
	}
	pthread_mutex_lock(&r->lock);
	ret = render_range(r, out, off, n, e);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void tree_reader_ref(struct tree_reader *r)
{
	atomic_fetch_add(&r->refs, 1);
}

void tree_reader_close(struct tree_reader *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) > 1)
		return;
	filegen_free(r->g);
	part_release(&r->part);
	conn_put(r->t, r->c);
	buf_release(&r->win);
	tree_file_put(r->f);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
