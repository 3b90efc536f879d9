/* sync.c - mirroring the tree into a container.  See sync.h. */
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "md5.h"
#include "syncstate.h"
#include "value.h"

#define BLOCK_SIZE   ((size_t)8 << 20) /* 50,000 blocks: 390 GiB a file */
#define BLOCK_ID_LEN 14		       /* "blk-0000000000" */
#define JOBS_MAX     64

/* A file of the tree; from the plan on, what the send needs of it. */
struct sync_file {
	struct tree_node node;
	char path[TREE_PATH_MAX];
	struct tree_file *f;   /* to send: held from the plan to the end */
	struct sync_blob blob; /* size and SHA-256; MD5 and ETag once sent */
	/* sent as blocks: under sync_ctx.lock, but whole (the MD5 of the
	   blocks added so far) is touched by the block whose turn it is */
	size_t nblocks, done, md5_next;
	struct md5 *whole;
	int failed;
	int early;   /* sent by the plan, from the bytes it rendered */
	int has_md5; /* blob.md5 known from the facts */
};

#define UNIT_WHOLE SIZE_MAX

/* What a worker takes at once: a whole file, or one block of one. */
struct unit {
	size_t file;
	size_t block; /* UNIT_WHOLE, or the block's index */
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
	struct unit *units;
	size_t nunits;
	size_t block;	      /* bytes of a block */
	atomic_size_t next;   /* the next file (plan) or unit (send) */
	atomic_int stop;      /* a failure every file would hit (403, 404) */
	struct listing list;  /* sorted by name */
	pthread_mutex_t lock; /* what follows */
	pthread_cond_t turn;  /* a block was added to its blob's MD5 */
	pthread_cond_t wake;  /* a worker ended */
	int running;	      /* workers */
	struct sync_result *res;
	struct err first;
	uint64_t files_total, files_done, bytes_total, bytes_done;
};

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* ---- the files of the tree ----------------------------------------------- */

struct children {
	struct tree_node *v;
	size_t n, cap;
};

static int add_child(void *arg, const struct tree_node *child, const char *name)
{
	struct children *c = arg;

	(void)name;
	if (array_room(&c->v, &c->cap, c->n, sizeof(*c->v), 64))
		return -ENOMEM;
	c->v[c->n++] = *child;
	return 0;
}

static int add_file(struct sync_ctx *x, const struct tree_node *n)
{
	if (array_room(&x->files, &x->cap, x->n, sizeof(*x->files), 256))
		return -ENOMEM;
	memset(&x->files[x->n], 0, sizeof(x->files[x->n]));
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

	if (array_room(&l->v, &l->cap, l->n, sizeof(*l->v), 256))
		return -ENOMEM;
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

/* ---- workers ---------------------------------------------------------------
 */

/* One worker thread of a phase: its connection, its buffer (reused from
 * unit to unit, so a run does not fault in fresh pages for every file),
 * its error. */
struct worker {
	struct sync_ctx *x;
	int (*fn)(struct worker *w, size_t i);
	size_t count;
	struct azure *a; /* none in a dry run */
	struct buf buf;
	struct err e;
};

static void count_failure(struct sync_ctx *x, int ret, const struct err *e)
{
	if (ret == -ECANCELED) /* a later block of a file already failed */
		return;
	pthread_mutex_lock(&x->lock);
	x->res->failed++;
	if (!x->first.code)
		x->first = *e;
	pthread_mutex_unlock(&x->lock);
	if (ret == -EACCES || ret == -ENOENT || ret == -ENOMEM)
		atomic_store(&x->stop, 1); /* every file would fail */
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sync_ctx *x = w->x;
	size_t i;

	while (!atomic_load(&x->stop) &&
	       (i = atomic_fetch_add(&x->next, 1)) < w->count) {
		int ret = w->fn(w, i);

		if (ret)
			count_failure(x, ret, &w->e);
	}
	pthread_mutex_lock(&x->lock);
	x->running--;
	pthread_cond_broadcast(&x->wake);
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

static void progress_line(struct sync_ctx *x, double secs, int last);

/* Run fn(w, i) for i in [0, count) on the workers; the calling thread
 * shows progress meanwhile (the send phase, on a terminal). */
static int run_pool(struct sync_ctx *x, struct worker *ws, int jobs,
		    int (*fn)(struct worker *, size_t), size_t count,
		    int progress)
{
	pthread_t th[JOBS_MAX];
	struct timespec t0;
	int started = 0;

	atomic_store(&x->next, 0);
	x->running = jobs;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (; started < jobs; started++) {
		ws[started].fn = fn;
		ws[started].count = count;
		if (pthread_create(&th[started], NULL, worker_main,
				   &ws[started]))
			break;
	}
	pthread_mutex_lock(&x->lock);
	x->running -= jobs - started;
	while (x->running > 0) {
		struct timespec now, until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 500000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&x->wake, &x->lock, &until);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (progress)
			progress_line(x, elapsed(&t0, &now), 0);
	}
	pthread_mutex_unlock(&x->lock);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (progress)
		progress_line(x, 0, 1);
	return started ? 0 : -EAGAIN;
}

/* ---- the plan: which files differ from what the destination holds -------- */

static int send_kept(struct worker *w, struct sync_file *sf);

/* Whether sf differs from what the destination holds; a file the plan had
 * to render (facts not known) and that is to be sent whole goes at once,
 * from the bytes just rendered. */
static int plan_file(struct worker *w, size_t i)
{
	struct sync_ctx *x = w->x;
	struct sync_file *sf = &x->files[i];
	const char *name = sf->path + 1;
	struct tree_file *f = NULL;
	struct sync_blob was;
	struct tree_stat ts;
	int ret = x->o->dry_run
			  ? tree_file_get(x->t, &sf->node, &f, &w->e)
			  : tree_file_get_kept(x->t, &sf->node, &f, &w->buf,
					       x->o->upload_cutoff, &w->e);

	if (ret)
		return ret;
	tree_file_stat(f, &ts);
	sf->blob.size = ts.size;
	memcpy(sf->blob.sha256, tree_file_sha256(f), sizeof(sf->blob.sha256));
	sf->has_md5 = tree_file_md5(f, sf->blob.md5);
	int same = syncstate_get(x->st, x->dest, name, &was) &&
		   was.size == sf->blob.size &&
		   memcmp(was.sha256, sf->blob.sha256, 32) == 0;
	int repair = same && x->o->check && !still_there(x, name, &was);

	pthread_mutex_lock(&x->lock);
	x->res->repaired += (uint64_t)repair;
	x->res->skipped += (uint64_t)(same && !repair);
	pthread_mutex_unlock(&x->lock);
	if (same && !repair) {
		tree_file_put(f);
		return 0;
	}
	sf->f = f; /* to send */
	return w->buf.len == ts.size && ts.size > 0 ? send_kept(w, sf) : 0;
}

/* ---- sending ----------------------------------------------------------------
 */

/* Render n bytes of sf from off into the worker's buffer, with their MD5
 * (known already for a whole file whose facts have it). */
static int render(struct worker *w, struct sync_file *sf, uint64_t off,
		  size_t n, struct azure_body *body)
{
	struct tree_reader *r = NULL;
	int ret = tree_reader_open(w->x->t, sf->f, &r, &w->e);

	buf_reset(&w->buf);
	if (!ret)
		ret = tree_reader_render(r, &w->buf, off, n, &w->e);
	tree_reader_close(r);
	if (!ret) {
		*body = (struct azure_body){ w->buf.data, n, { 0 } };
		if (sf->has_md5 && n == sf->blob.size)
			memcpy(body->md5, sf->blob.md5, sizeof(body->md5));
		else
			md5_of(w->buf.data, n, body->md5);
	}
	return ret;
}

static void note_sent(struct sync_ctx *x, const struct sync_file *sf)
{
	pthread_mutex_lock(&x->lock);
	x->res->sent++;
	x->res->bytes += sf->blob.size;
	x->files_done++;
	if (x->o->verbose)
		printf("sent %s (%" PRIu64 " bytes)\n", sf->path + 1,
		       sf->blob.size);
	pthread_mutex_unlock(&x->lock);
}

static void note_bytes(struct sync_ctx *x, size_t n)
{
	pthread_mutex_lock(&x->lock);
	x->bytes_done += n;
	pthread_mutex_unlock(&x->lock);
}

/* A file sent or deleted, in the audit trail. */
static void audit_file(struct sync_ctx *x, const char *event, const char *name,
		       const struct sync_blob *b)
{
	struct buf f = BUF_INIT(1 << 16);
	char sha[65];

	if (!x->o->audit)
		return;
	audit_str(&f, "event", event);
	audit_int(&f, "run", x->res->run_id);
	audit_str(&f, "destination", x->o->dest->display);
	audit_str(&f, "blob", name);
	if (b) {
		value_hex(b->sha256, 32, sha);
		sha[64] = '\0';
		audit_int(&f, "size", (int64_t)b->size);
		audit_str(&f, "sha256", sha);
	}
	if (!f.err)
		audit_add(x->o->audit, f.data);
	buf_release(&f);
}

/* The blob is committed: record it at once (a killed sync resumes after
 * it), then count it. */
static int committed(struct worker *w, struct sync_file *sf)
{
	int ret;

	sf->blob.synced = (int64_t)time(NULL);
	ret = syncstate_put(w->x->st, w->x->dest, sf->path + 1, &sf->blob,
			    &w->e);
	if (!ret) {
		note_sent(w->x, sf);
		audit_file(w->x, "sent", sf->path + 1, &sf->blob);
	}
	return ret;
}

/* Put the whole of sf from body. */
static int put_whole(struct worker *w, struct sync_file *sf,
		     const struct azure_body *body)
{
	int ret;

	memcpy(sf->blob.md5, body->md5, sizeof(body->md5));
	ret = azure_put_blob(w->a, sf->path + 1, body, sf->blob.etag, &w->e);
	if (!ret)
		note_bytes(w->x, body->n);
	return ret ? ret : committed(w, sf);
}

static int send_whole(struct worker *w, struct sync_file *sf)
{
	struct azure_body body;
	int ret = render(w, sf, 0, (size_t)sf->blob.size, &body);

	return ret ? ret : put_whole(w, sf, &body);
}

/* Count sf in what the run is to send (the progress line's totals). */
static void count_to_send(struct sync_ctx *x, const struct sync_file *sf)
{
	pthread_mutex_lock(&x->lock);
	x->bytes_total += sf->blob.size;
	x->files_total++;
	pthread_mutex_unlock(&x->lock);
}

/* Send sf whole from the bytes the plan left in the worker's buffer. */
static int send_kept(struct worker *w, struct sync_file *sf)
{
	struct azure_body body = { w->buf.data, w->buf.len, { 0 } };

	sf->early = 1;
	count_to_send(w->x, sf);
	if (sf->has_md5)
		memcpy(body.md5, sf->blob.md5, sizeof(body.md5));
	else
		md5_of(body.p, body.n, body.md5);
	return put_whole(w, sf, &body);
}

static void block_id(size_t i, char id[BLOCK_ID_LEN + 1])
{
	snprintf(id, BLOCK_ID_LEN + 1, "blk-%010u", (unsigned)i);
}

/* Add block i to the blob's MD5, after block i - 1 (units are taken in
 * order, so the oldest block in flight never waits).  -ECANCELED when an
 * earlier block failed. */
static int add_in_order(struct sync_ctx *x, struct sync_file *sf, size_t i,
			const struct azure_body *body)
{
	pthread_mutex_lock(&x->lock);
	while (sf->md5_next != i && !sf->failed)
		pthread_cond_wait(&x->turn, &x->lock);
	int failed = sf->failed;

	pthread_mutex_unlock(&x->lock);
	if (failed)
		return -ECANCELED;
	md5_add(sf->whole, body->p, body->n); /* ours alone: our turn */
	pthread_mutex_lock(&x->lock);
	sf->md5_next++;
	pthread_cond_broadcast(&x->turn);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

/* Commit the block list: every block is in. */
static int commit_blocks(struct worker *w, struct sync_file *sf)
{
	char(*ids)[BLOCK_ID_LEN + 1] = calloc(sf->nblocks, sizeof(*ids));
	const char **idp = calloc(sf->nblocks, sizeof(char *));
	int ret = 0;

	if (!ids || !idp) {
		free(ids);
		free(idp);
		return err_set(&w->e, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < sf->nblocks; i++) {
		block_id(i, ids[i]);
		idp[i] = ids[i];
	}
	{
		struct azure_blocks bl = { idp, sf->nblocks, { 0 } };

		memcpy(bl.md5, sf->blob.md5, sizeof(bl.md5));
		ret = azure_put_block_list(w->a, sf->path + 1, &bl,
					   sf->blob.etag, &w->e);
	}
	free(ids);
	free(idp);
	return ret ? ret : committed(w, sf);
}

/* Block i is in (ret 0) or failed: the last block of a file commits it. */
static int block_end(struct worker *w, struct sync_file *sf, int ret)
{
	struct sync_ctx *x = w->x;
	int last, failed;

	pthread_mutex_lock(&x->lock);
	if (ret && sf->failed)
		ret = -ECANCELED; /* the file's failure is counted once */
	sf->failed |= ret != 0;
	last = ++sf->done == sf->nblocks;
	failed = sf->failed;
	pthread_cond_broadcast(&x->turn);
	pthread_mutex_unlock(&x->lock);
	if (!last)
		return ret;
	if (sf->whole)
		md5_end(sf->whole, sf->blob.md5);
	sf->whole = NULL;
	return failed ? ret : commit_blocks(w, sf);
}

static int file_failed(struct sync_ctx *x, const struct sync_file *sf)
{
	int failed;

	pthread_mutex_lock(&x->lock);
	failed = sf->failed;
	pthread_mutex_unlock(&x->lock);
	return failed;
}

/* Where block i of sf starts: near i blocks in, at a point where a reader
 * can start rendering (blocks then differ a little in size). */
static uint64_t block_start(const struct sync_ctx *x,
			    const struct sync_file *sf, size_t i)
{
	uint64_t at = (uint64_t)i * x->block, k;

	if (i == 0)
		return 0;
	if (i >= sf->nblocks)
		return sf->blob.size;
	k = tree_file_restart_at(sf->f, at);
	return k > at - x->block ? k : at;
}

static int send_block(struct worker *w, struct sync_file *sf, size_t i)
{
	uint64_t off = block_start(w->x, sf, i);
	size_t n = (size_t)(block_start(w->x, sf, i + 1) - off);
	char id[BLOCK_ID_LEN + 1];
	struct azure_body body;
	int ret = file_failed(w->x, sf) ? -ECANCELED
					: render(w, sf, off, n, &body);

	if (!ret && !sf->has_md5) /* else known from the facts */
		ret = add_in_order(w->x, sf, i, &body);
	if (!ret) {
		block_id(i, id);
		ret = azure_put_block(w->a, sf->path + 1, id, &body, &w->e);
	}
	if (!ret)
		note_bytes(w->x, n);
	return block_end(w, sf, ret);
}

static int send_unit(struct worker *w, size_t i)
{
	const struct unit *u = &w->x->units[i];
	struct sync_file *sf = &w->x->files[u->file];

	return u->block == UNIT_WHOLE ? send_whole(w, sf)
				      : send_block(w, sf, u->block);
}

/* Whether sf waits for the send phase: to be sent, and not sent (or tried)
 * by the plan already. */
static int to_send(const struct sync_file *sf)
{
	return sf->f && !sf->early;
}

/* A file to send: count it, say so in a dry run; how many units it is. */
static size_t plan_file_units(struct sync_ctx *x, struct sync_file *sf)
{
	count_to_send(x, sf);
	sf->nblocks =
		sf->blob.size > x->o->upload_cutoff
			? (size_t)((sf->blob.size + x->block - 1) / x->block)
			: 0;
	if (x->o->dry_run) {
		printf("would send %s (%" PRIu64 " bytes)\n", sf->path + 1,
		       sf->blob.size);
		x->res->sent++;
		x->res->bytes += sf->blob.size;
	}
	return sf->nblocks ? sf->nblocks : 1;
}

/* Add the units of file i: it whole, or its blocks (with the running MD5
 * of the blob where the facts do not have it). */
static int add_units(struct sync_ctx *x, size_t i, struct err *e)
{
	struct sync_file *sf = &x->files[i];

	if (!sf->nblocks) {
		x->units[x->nunits++] = (struct unit){ i, UNIT_WHOLE };
		return 0;
	}
	if (!sf->has_md5 && !(sf->whole = md5_new()))
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t b = 0; b < sf->nblocks; b++)
		x->units[x->nunits++] = (struct unit){ i, b };
	return 0;
}

/* The units of the files to send, in file order: a whole file up to the
 * cutoff, else its blocks.  A dry run says what it would send instead. */
static int plan_units(struct sync_ctx *x, struct err *e)
{
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < x->n; i++)
		if (to_send(&x->files[i]))
			n += plan_file_units(x, &x->files[i]);
	if (x->o->dry_run || n == 0)
		return 0;
	x->units = calloc(n, sizeof(*x->units));
	if (!x->units)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < x->n && !ret; i++)
		if (to_send(&x->files[i]))
			ret = add_units(x, i, e);
	return ret;
}

/* Count the workers' requests, free their connections and buffers. */
static void end_workers(struct sync_ctx *x, struct worker *ws, int jobs)
{
	for (int i = 0; i < jobs; i++) {
		uint64_t req = 0, retries = 0;

		if (ws[i].a)
			azure_counts(ws[i].a, &req, &retries);
		x->res->requests += req;
		x->res->retries += retries;
		azure_free(ws[i].a);
		buf_release(&ws[i].buf);
	}
}

/* The run's error: the first failure, with how many files failed. */
static int first_failure(struct sync_ctx *x, struct err *e)
{
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

/* The plan on every file, then the units on connections of their own. */
static int run_workers(struct sync_ctx *x, struct err *e)
{
	struct worker ws[JOBS_MAX];
	int jobs = x->o->jobs < 1	   ? 1
		   : x->o->jobs > JOBS_MAX ? JOBS_MAX
					   : x->o->jobs;
	int ret = 0;

	memset(ws, 0, sizeof(ws));
	for (int i = 0; i < jobs; i++) {
		ws[i].x = x;
		ws[i].e = (struct err)ERR_INIT;
		buf_init(&ws[i].buf, SIZE_MAX / 2);
	}
	for (int i = 0; !ret && !x->o->dry_run && i < jobs; i++)
		ret = azure_new(x->o->dest, &x->o->net, &ws[i].a, e);
	if (!ret && run_pool(x, ws, jobs, plan_file, x->n, x->o->progress))
		ret = err_set(e, -EAGAIN, "cannot start a thread");
	if (!ret && !atomic_load(&x->stop))
		ret = plan_units(x, e);
	if (!ret && x->nunits &&
	    run_pool(x, ws, jobs, send_unit, x->nunits, x->o->progress))
		ret = err_set(e, -EAGAIN, "cannot start a thread");
	end_workers(x, ws, jobs);
	x->res->files = x->n;
	return ret ? ret : first_failure(x, e);
}

/* ---- progress on a terminal ------------------------------------------------
 */

static void progress_line(struct sync_ctx *x, double secs, int last)
{
	double rate = secs > 0 ? (double)x->bytes_done / secs : 0;
	double left = (double)(x->bytes_total - x->bytes_done);

	if (last) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr,
		"\r\033[K%" PRIu64 "/%" PRIu64 " files, %.1f/%.1f MB, "
		"%.1f MB/s",
		x->files_done, x->files_total, (double)x->bytes_done / 1e6,
		(double)x->bytes_total / 1e6, rate / 1e6);
	if (rate > 0)
		fprintf(stderr, ", ETA %.0f s", left / rate);
	fflush(stderr);
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
		if (!ret)
			audit_file(x, "deleted", name, NULL);
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

void sync_audit_run(struct audit *a, const struct sync_run *run)
{
	struct buf f = BUF_INIT(1 << 16);

	if (!a)
		return;
	audit_str(&f, "event", "sync");
	audit_who(&f);
	audit_int(&f, "run", run->id);
	audit_str(&f, "destination", run->dest);
	audit_str(&f, "options", run->options);
	if (run->export_name[0])
		audit_str(&f, "export", run->export_name);
	audit_str(&f, "status", syncstate_status_name(run->status));
	audit_int(&f, "files_sent", (int64_t)run->files_sent);
	audit_int(&f, "bytes_sent", (int64_t)run->bytes_sent);
	audit_int(&f, "unchanged", (int64_t)run->skipped);
	audit_int(&f, "deleted", (int64_t)run->deleted);
	audit_int(&f, "failed", (int64_t)run->failed);
	if (run->error[0])
		audit_str(&f, "error", run->error);
	if (!f.err)
		audit_add(a, f.data);
	buf_release(&f);
}

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
	sync_audit_run(x->o->audit, run);
}

static int run_begin(struct sync_ctx *x, struct sync_run *run, struct err *e)
{
	const struct sync_opts *o = x->o;
	int ret;

	memset(run, 0, sizeof(*run));
	snprintf(run->dest, sizeof(run->dest), "%s", o->dest->display);
	snprintf(run->options, sizeof(run->options), "%s",
		 o->options_text ? o->options_text : "");
	snprintf(run->export_name, sizeof(run->export_name), "%s",
		 o->export_name ? o->export_name : "");
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

/* --links: STORE.sync/links-RUN.csv (mode 0600: the URLs let anyone read
 * the files), a row per file of the tree: path, size, sha256, url,
 * expires. */
static int write_links(struct sync_ctx *x, struct sync_run *run, struct err *e)
{
	struct buf out = BUF_INIT((size_t)1 << 30);
	int64_t until = (int64_t)time(NULL) + x->o->links;
	char path[1024], when[VALUE_UTC_MAX], sha[65];
	int fd, ret = 0;

	value_format_utc(until, when);
	snprintf(path, sizeof(path), "%s/links-%" PRId64 ".csv",
		 syncstate_dir(x->st), run->id);
	buf_addstr(&out, "path,size,sha256,url,expires\n");
	for (size_t i = 0; i < x->n && !ret; i++) {
		const struct sync_file *sf = &x->files[i];

		value_hex(sf->blob.sha256, 32, sha);
		sha[64] = '\0';
		buf_printf(&out, "%s,%" PRIu64 ",%s,", sf->path + 1,
			   sf->blob.size, sha);
		ret = azure_read_url(x->o->dest, sf->path + 1, until, &out, e);
		buf_printf(&out, ",%s\n", when);
	}
	if (!ret && out.err)
		ret = err_set(e, out.err, "out of memory");
	fd = ret ? -1
		 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!ret &&
	    (fd < 0 || write(fd, out.data, out.len) != (ssize_t)out.len))
		ret = err_sys(e, 0, "write the links manifest", path);
	if (fd >= 0)
		close(fd);
	buf_release(&out);
	if (!ret) {
		run->expires = until;
		snprintf(run->links, sizeof(run->links), "%s", path);
		snprintf(x->res->links, sizeof(x->res->links), "%s", path);
		x->res->expires = until;
	}
	return ret;
}

/* Once every file is there: --delete, then --links. */
static int after_send(struct sync_ctx *x, struct sync_run *run, struct err *e)
{
	int ret = x->o->delete ? delete_extra(x, e) : 0;

	if (!ret && x->o->links && !x->o->dry_run)
		ret = write_links(x, run, e);
	return ret;
}

static void release(struct sync_ctx *x)
{
	for (size_t i = 0; i < x->n; i++) {
		tree_file_put(x->files[i].f);
		md5_free(x->files[i].whole); /* a file the run did not finish */
	}
	free(x->files);
	free(x->units);
	free_listing(&x->list);
}

int sync_run(const struct sync_opts *o, struct sync_result *res, struct err *e)
{
	struct sync_ctx x = { .o = o, .res = res };
	struct tree_node root = { TREE_ROOT, NULL, { 0, 0 } };
	struct sync_run run;
	int ret;

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	x.block = o->upload_cutoff < BLOCK_SIZE ? o->upload_cutoff : BLOCK_SIZE;
	pthread_mutex_init(&x.lock, NULL);
	pthread_cond_init(&x.turn, NULL);
	pthread_cond_init(&x.wake, NULL);
	ret = access(o->store, F_OK)
		      ? err_set(e, -ENOENT, "%s: no such store", o->store)
		      : syncstate_open(o->store, &x.st, e);
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
	if (!ret)
		ret = after_send(&x, &run, e);
	if (x.st)
		run_end(&x, &run, ret, e);
	release(&x);
	tree_close(x.t);
	syncstate_close(x.st);
	pthread_cond_destroy(&x.wake);
	pthread_cond_destroy(&x.turn);
	pthread_mutex_destroy(&x.lock);
	return ret;
}
