/* sync.c - mirroring the tree into a container.  See sync.h. */
#include "sync.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "syncstate.h"

#define READ_STEP    ((size_t)1 << 20) /* bytes asked of a reader at once */
#define BLOCK_SIZE   ((size_t)8 << 20) /* 50,000 blocks: 390 GiB a file */
#define BLOCK_ID_LEN 14		       /* "blk-0000000000" */
#define JOBS_MAX     64

struct sync_file {
	struct tree_node node;
	char path[TREE_PATH_MAX];
};

/* A blob of the container's listing (--check, --delete). */
struct listed {
	char *name;
	uint64_t size;
	unsigned char md5[16];
	int has_md5;
};

struct listing {
	struct listed *v;
	size_t n, cap;
};

struct sync_ctx {
	const struct sync_opts *o;
	struct tree *t;
	struct syncstate *st;
	int64_t dest;
	struct sync_file *files;
	size_t n, cap;
	atomic_size_t next;
	atomic_int stop;      /* a failure every file would hit (403, 404) */
	struct listing list;  /* sorted by name */
	pthread_mutex_t lock; /* res, first */
	struct sync_result *res;
	struct err first;
};

/* ---- the files of the tree ----------------------------------------------- */

struct children {
	struct tree_node *v;
	size_t n, cap;
};

static int add_child(void *arg, const struct tree_node *child, const char *name)
{
	struct children *c = arg;

	(void)name;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct tree_node *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *child;
	return 0;
}

static int add_file(struct sync_ctx *x, const struct tree_node *n)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		struct sync_file *v = realloc(x->files, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		x->files = v;
		x->cap = cap;
	}
	x->files[x->n].node = *n;
	tree_node_path(x->o->tree->interval, n, x->files[x->n].path,
		       sizeof(x->files[x->n].path));
	x->n++;
	return 0;
}

/* Every file under dir, depth first, in name order. */
static int collect(struct sync_ctx *x, const struct tree_node *dir)
{
	struct children c = { NULL, 0, 0 };
	int ret = tree_list(x->t, dir, add_child, &c);

	for (size_t i = 0; !ret && i < c.n; i++)
		ret = tree_node_is_dir(&c.v[i]) ? collect(x, &c.v[i])
						: add_file(x, &c.v[i]);
	free(c.v);
	return ret;
}

/* ---- the container's listing ---------------------------------------------
 */

static int add_listed(void *arg, const struct azure_item *it)
{
	struct listing *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct listed *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = (struct listed){
		strdup(it->name), it->size, { 0 }, it->has_md5
	};
	memcpy(l->v[l->n].md5, it->md5, sizeof(it->md5));
	if (!l->v[l->n].name)
		return -ENOMEM;
	l->n++;
	return 0;
}

static int cmp_listed(const void *x, const void *y)
{
	return strcmp(((const struct listed *)x)->name,
		      ((const struct listed *)y)->name);
}

static const struct listed *find_listed(const struct listing *l,
					const char *name)
{
	struct listed key = { (char *)(uintptr_t)name, 0, { 0 }, 0 };

	return l->n ? bsearch(&key, l->v, l->n, sizeof(key), cmp_listed) : NULL;
}

static void free_listing(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

static int list_container(struct sync_ctx *x, struct err *e)
{
	struct azure *a = NULL;
	int ret = azure_new(x->o->dest, &x->o->net, &a, e);

	if (!ret)
		ret = azure_list(a, add_listed, &x->list, e);
	if (ret == -ENOMEM)
		err_set(e, ret, "out of memory");
	else if (ret == -EACCES)
		err_prefix(e, "--check and --delete need list permission");
	azure_free(a);
	if (!ret)
		qsort(x->list.v, x->list.n, sizeof(x->list.v[0]), cmp_listed);
	return ret;
}

/* --check: whether the container holds what the state says was committed
 * as name (same size and MD5). */
static int still_there(const struct sync_ctx *x, const char *name,
		       const struct sync_blob *was)
{
	const struct listed *l = find_listed(&x->list, name);

	return l && l->size == was->size && l->has_md5 &&
	       memcmp(l->md5, was->md5, sizeof(l->md5)) == 0;
}

/* ---- sending one file ---------------------------------------------------- */

/* Fill p with up to n bytes of the file from off; *got is what came. */
static int read_at(struct tree_reader *r, char *p, size_t n, uint64_t off,
		   size_t *got, struct err *e)
{
	size_t have = 0, k = 0;
	int ret = 0;

	/* in steps a reader's window holds whatever the request size */
	while (!ret && have < n) {
		size_t step = n - have < READ_STEP ? n - have : READ_STEP;

		ret = tree_reader_read(r, p + have, step, off + have, &k, e);
		if (!ret && k == 0)
			break;
		have += k;
	}
	*got = have;
	return ret;
}

static int send_whole(struct azure *a, struct tree_reader *r, const char *name,
		      uint64_t size, struct sync_blob *b, struct err *e)
{
	char *p = malloc(size ? size : 1);
	size_t got = 0;
	int ret;

	if (!p)
		return err_set(e, -ENOMEM, "out of memory");
	ret = read_at(r, p, size, 0, &got, e);
	if (!ret && got != size)
		ret = err_set(e, -EIO,
			      "%s: rendered %zu bytes, expected %" PRIu64, name,
			      got, size);
	if (!ret) {
		struct azure_body body = { p, size, { 0 } };

		azure_md5(p, size, body.md5);
		memcpy(b->md5, body.md5, sizeof(b->md5));
		ret = azure_put_blob(a, name, &body, b->etag, e);
	}
	free(p);
	return ret;
}

/* Blocks of block bytes, then the block list. */
static int send_blocks(struct azure *a, struct tree_reader *r, const char *name,
		       size_t block, struct sync_blob *b, struct err *e)
{
	size_t nblocks = (size_t)((b->size + block - 1) / block);
	char(*ids)[BLOCK_ID_LEN + 1] = calloc(nblocks, sizeof(*ids));
	const char **idp = calloc(nblocks, sizeof(char *));
	struct azure_md5 *whole = azure_md5_new();
	char *p = malloc(block);
	int ret = ids && idp && whole && p ? 0 : -ENOMEM;

	if (ret)
		err_set(e, ret, "out of memory");
	for (size_t i = 0; !ret && i < nblocks; i++) {
		struct azure_body body = { p, 0, { 0 } };
		size_t got = 0;

		ret = read_at(r, p, block, (uint64_t)i * block, &got, e);
		if (!ret && got == 0)
			ret = err_set(e, -EIO, "%s: ended early", name);
		if (ret)
			break;
		snprintf(ids[i], sizeof(ids[i]), "blk-%010u", (unsigned)i);
		idp[i] = ids[i];
		body.n = got;
		azure_md5(p, got, body.md5);
		azure_md5_add(whole, p, got);
		ret = azure_put_block(a, name, ids[i], &body, e);
	}
	if (whole)
		azure_md5_end(whole, b->md5);
	if (!ret) {
		struct azure_blocks bl = { idp, nblocks, { 0 } };

		memcpy(bl.md5, b->md5, sizeof(bl.md5));
		ret = azure_put_block_list(a, name, &bl, b->etag, e);
	}
	free(p);
	free(ids);
	free(idp);
	return ret;
}

static void note_sent(struct sync_ctx *x, const char *name, uint64_t size)
{
	pthread_mutex_lock(&x->lock);
	x->res->sent++;
	x->res->bytes += size;
	if (x->o->dry_run)
		printf("would send %s (%" PRIu64 " bytes)\n", name, size);
	else if (x->o->verbose)
		printf("sent %s (%" PRIu64 " bytes)\n", name, size);
	pthread_mutex_unlock(&x->lock);
}

/* Render and send file f as name, then record it (b: its facts). */
static int send_file(struct sync_ctx *x, struct azure *a, struct tree_file *f,
		     const char *name, struct sync_blob *b, struct err *e)
{
	struct tree_reader *r = NULL;
	int ret = tree_reader_open(x->t, f, &r, e);

	if (!ret)
		ret = b->size <= x->o->upload_cutoff
			      ? send_whole(a, r, name, b->size, b, e)
			      : send_blocks(a, r, name,
					    x->o->upload_cutoff < BLOCK_SIZE
						    ? x->o->upload_cutoff
						    : BLOCK_SIZE,
					    b, e);
	tree_reader_close(r);
	b->synced = (int64_t)time(NULL);
	if (!ret)
		ret = syncstate_put(x->st, x->dest, name, b, e);
	if (!ret)
		note_sent(x, name, b->size);
	return ret;
}

/* Send one file if its bytes differ from what the destination holds. */
static int sync_file(struct sync_ctx *x, struct azure *a,
		     const struct sync_file *sf, struct err *e)
{
	const char *name = sf->path + 1;
	struct tree_file *f = NULL;
	struct sync_blob was, b;
	struct tree_stat ts;
	int ret = tree_file_get(x->t, &sf->node, &f, e);

	if (ret)
		return ret;
	tree_file_stat(f, &ts);
	memset(&b, 0, sizeof(b));
	b.size = ts.size;
	memcpy(b.sha256, tree_file_sha256(f), sizeof(b.sha256));
	int same = syncstate_get(x->st, x->dest, name, &was) &&
		   was.size == b.size &&
		   memcmp(was.sha256, b.sha256, sizeof(b.sha256)) == 0;

	if (same && x->o->check && !still_there(x, name, &was)) {
		same = 0;
		pthread_mutex_lock(&x->lock);
		x->res->repaired++;
		pthread_mutex_unlock(&x->lock);
	}
	if (same) {
		pthread_mutex_lock(&x->lock);
		x->res->skipped++;
		pthread_mutex_unlock(&x->lock);
	} else if (x->o->dry_run) {
		note_sent(x, name, b.size);
	} else {
		ret = send_file(x, a, f, name, &b, e);
	}
	tree_file_put(f);
	return ret;
}

static void *worker(void *arg)
{
	struct sync_ctx *x = arg;
	struct azure *a = NULL;
	struct err e = ERR_INIT;
	uint64_t req = 0, retries = 0;
	size_t i;
	int ret = x->o->dry_run ? 0 : azure_new(x->o->dest, &x->o->net, &a, &e);

	while (!ret && !atomic_load(&x->stop) &&
	       (i = atomic_fetch_add(&x->next, 1)) < x->n) {
		int r = sync_file(x, a, &x->files[i], &e);

		if (!r)
			continue;
		pthread_mutex_lock(&x->lock);
		x->res->failed++;
		if (!x->first.code)
			x->first = e;
		pthread_mutex_unlock(&x->lock);
		if (r == -EACCES || r == -ENOENT || r == -ENOMEM)
			atomic_store(&x->stop, 1); /* every file would fail */
	}
	if (ret) {
		pthread_mutex_lock(&x->lock);
		if (!x->first.code)
			x->first = e;
		pthread_mutex_unlock(&x->lock);
		atomic_store(&x->stop, 1);
	}
	if (a)
		azure_counts(a, &req, &retries);
	pthread_mutex_lock(&x->lock);
	x->res->requests += req;
	x->res->retries += retries;
	pthread_mutex_unlock(&x->lock);
	azure_free(a);
	return NULL;
}

static int run_workers(struct sync_ctx *x, struct err *e)
{
	pthread_t th[JOBS_MAX];
	int jobs = x->o->jobs < 1	   ? 1
		   : x->o->jobs > JOBS_MAX ? JOBS_MAX
					   : x->o->jobs;
	int started = 0;

	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, worker, x))
			break;
	if (started == 0)
		return err_set(e, -EAGAIN, "cannot start a thread");
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	x->res->files = x->n;
	if (x->first.code) {
		*e = x->first;
		if (x->res->failed > 1)
			err_prefix(e,
				   "%" PRIu64 " of %zu files not sent; first",
				   x->res->failed, x->n);
		return e->code;
	}
	return x->res->failed ? err_set(e, -EIO, "some files were not sent")
			      : 0;
}

/* A wrong SAS or a missing container fails the run at once, even when
 * nothing is to be sent. */
static int probe(struct sync_ctx *x, struct err *e)
{
	struct azure *a = NULL;
	int ret;

	if (x->o->dry_run)
		return 0;
	ret = azure_new(x->o->dest, &x->o->net, &a, e);
	if (!ret)
		ret = azure_probe(a, "README.txt", e);
	if (a) {
		uint64_t req, retries;

		azure_counts(a, &req, &retries);
		x->res->requests += req;
		x->res->retries += retries;
	}
	azure_free(a);
	return ret;
}

static int cmp_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Delete one blob that is not in the tree (or say it would). */
static int delete_one(struct sync_ctx *x, struct azure *a, const char *name,
		      struct err *e)
{
	int ret = 0;

	if (x->o->dry_run) {
		printf("would delete %s\n", name);
	} else {
		ret = azure_delete(a, name, e);
		if (!ret)
			ret = syncstate_forget(x->st, x->dest, name, e);
		if (!ret && x->o->verbose)
			printf("deleted %s\n", name);
	}
	x->res->deleted += !ret;
	return ret;
}

/* --delete: each listed blob that is not a file of the tree. */
static int delete_extra(struct sync_ctx *x, struct err *e)
{
	const char **names = calloc(x->n + 1, sizeof(char *));
	struct azure *a = NULL;
	int ret = 0;

	if (!names)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < x->n; i++)
		names[i] = x->files[i].path + 1;
	qsort(names, x->n, sizeof(names[0]), cmp_name);
	if (!x->o->dry_run)
		ret = azure_new(x->o->dest, &x->o->net, &a, e);
	for (size_t i = 0; !ret && i < x->list.n; i++) {
		const char *name = x->list.v[i].name;

		if (!bsearch(&name, names, x->n, sizeof(names[0]), cmp_name))
			ret = delete_one(x, a, name, e);
	}
	azure_free(a);
	free(names);
	return ret;
}

/* ---- one run ------------------------------------------------------------- */

static void run_end(struct sync_ctx *x, struct sync_run *run, int ret,
		    const struct err *e)
{
	struct err ignore = ERR_INIT;

	if (x->o->dry_run || !run->id)
		return;
	run->finished = (int64_t)time(NULL);
	run->status = ret ? RUN_FAILED : RUN_COMPLETED;
	snprintf(run->error, sizeof(run->error), "%s", ret ? e->msg : "");
	run->files_sent = x->res->sent;
	run->bytes_sent = x->res->bytes;
	run->skipped = x->res->skipped;
	run->failed = x->res->failed;
	run->deleted = x->res->deleted;
	syncstate_run_update(x->st, run, &ignore);
}

static int run_begin(struct sync_ctx *x, struct sync_run *run, struct err *e)
{
	const struct sync_opts *o = x->o;
	int ret;

	memset(run, 0, sizeof(*run));
	snprintf(run->dest, sizeof(run->dest), "%s", o->dest->display);
	snprintf(run->options, sizeof(run->options), "%s",
		 o->options_text ? o->options_text : "");
	run->requested = (int64_t)time(NULL);
	run->status = RUN_PENDING;
	ret = o->dry_run ? 0 : syncstate_run_new(x->st, run, e);
	if (!ret)
		ret = syncstate_lock(x->st, o->dest->display, e);
	if (!ret)
		ret = syncstate_dest(x->st, o->dest->display, &x->dest, e);
	if (!ret && !o->dry_run) {
		run->started = (int64_t)time(NULL);
		run->status = RUN_PROCESSING;
		ret = syncstate_run_update(x->st, run, e);
	}
	x->res->run_id = run->id;
	return ret;
}

int sync_run(const struct sync_opts *o, struct sync_result *res, struct err *e)
{
	struct sync_ctx x = { .o = o, .res = res };
	struct tree_node root = { TREE_ROOT, NULL, { 0, 0 } };
	struct sync_run run;
	int ret;

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	pthread_mutex_init(&x.lock, NULL);
	ret = syncstate_open(o->store, &x.st, e);
	if (!ret)
		ret = run_begin(&x, &run, e);
	if (!ret)
		ret = tree_open(o->store, o->tree, &x.t, e);
	if (!ret)
		ret = probe(&x, e);
	if (!ret)
		ret = collect(&x, &root) ? err_set(e, -ENOMEM, "out of memory")
					 : 0;
	if (!ret && (o->check || o->delete))
		ret = list_container(&x, e);
	if (!ret)
		ret = run_workers(&x, e);
	if (!ret && o->delete)
		ret = delete_extra(&x, e);
	if (x.st)
		run_end(&x, &run, ret, e);
	tree_close(x.t);
	syncstate_close(x.st);
	free(x.files);
	free_listing(&x.list);
	pthread_mutex_destroy(&x.lock);
	return ret;
}
