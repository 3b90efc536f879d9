/* fs.c - the FUSE low-level callbacks.  See fs.h. */
#define FUSE_USE_VERSION 314
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"

#define FS_BUCKETS     4096
#define TTL_SHORT      1.0    /* seconds: the current period, directories */
#define TTL_SETTLED    3600.0 /* a period long over */
#define POLL_NS	       500000000L
#define FS_MAX_THREADS 16
#define FS_BLKSIZE     131072L

struct fs_inode {
	uint64_t ino;
	struct tree_node node;
	struct tree_file
		*file; /* files only: the facts this inode stands for */
	uint64_t nlookup;
	int opens;
	struct tree_reader *reader; /* shared by the inode's open handles */
	pthread_mutex_t open_lock;
	struct fs_inode *next;
};

/* An invalidation for the notifier thread. */
struct fs_inval {
	uint64_t parent;
	char name[TREE_PATH_MAX];
};

struct fs {
	struct tree *t;
	struct audit *audit; /* NULL: audit=off */
	uid_t uid;	     /* what stat shows: owner, group, */
	gid_t gid;
	mode_t fmode, dmode; /* permissions of files and folders */
	enum period_interval iv;
	struct fuse_session *se;
	pthread_mutex_t lock; /* the inode table */
	struct fs_inode *buckets[FS_BUCKETS];
	pthread_mutex_t qlock; /* the invalidation queue */
	struct fs_inval *queue;
	size_t nqueue;
	pthread_t notifier;
	int stop;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
};

static struct fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* ---- inode table ----------------------------------------------------------
 */

static struct fs_inode **slot_of(struct fs *fs, uint64_t ino)
{
	struct fs_inode **p = &fs->buckets[ino % FS_BUCKETS];

	while (*p && (*p)->ino != ino)
		p = &(*p)->next;
	return p;
}

static struct fs_inode *inode_get(struct fs *fs, uint64_t ino)
{
	struct fs_inode *in;

	pthread_mutex_lock(&fs->lock);
	in = *slot_of(fs, ino);
	pthread_mutex_unlock(&fs->lock);
	return in;
}

static void inode_free(struct fs_inode *in)
{
	tree_reader_close(in->reader);
	tree_file_put(in->file);
	pthread_mutex_destroy(&in->open_lock);
	free(in);
}

/* Count a lookup of (ino, node, file); file's reference passes to the
 * table.  Returns 0 or -ENOMEM. */
static int inode_remember(struct fs *fs, uint64_t ino,
			  const struct tree_node *node, struct tree_file *file)
{
	struct fs_inode **p, *in;

	pthread_mutex_lock(&fs->lock);
	p = slot_of(fs, ino);
	if (*p) {
		(*p)->nlookup++;
		pthread_mutex_unlock(&fs->lock);
		tree_file_put(file);
		return 0;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		pthread_mutex_unlock(&fs->lock);
		tree_file_put(file);
		return -ENOMEM;
	}
	in->ino = ino;
	in->node = *node;
	in->file = file;
	in->nlookup = 1;
	pthread_mutex_init(&in->open_lock, NULL);
	*p = in;
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

/* Drop n lookups and, once neither the kernel nor a handle uses it, the
 * inode. */
static void inode_forget(struct fs *fs, uint64_t ino, uint64_t n)
{
	struct fs_inode **p, *in = NULL;

	if (ino == FUSE_ROOT_ID)
		return;
	pthread_mutex_lock(&fs->lock);
	p = slot_of(fs, ino);
	if (*p) {
		(*p)->nlookup = (*p)->nlookup > n ? (*p)->nlookup - n : 0;
		if ((*p)->nlookup == 0 && (*p)->opens == 0) {
			in = *p;
			*p = in->next;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	if (in)
		inode_free(in);
}

/* ---- attributes -----------------------------------------------------------
 */

static void fill_stat(const struct fs *fs, const struct tree_stat *ts,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ts->ino;
	st->st_mode = ts->is_dir ? S_IFDIR | fs->dmode : S_IFREG | fs->fmode;
	st->st_nlink = ts->is_dir ? 2 : 1;
	st->st_size = (off_t)ts->size;
	st->st_blocks = (blkcnt_t)((ts->size + 511) / 512);
	st->st_blksize = FS_BLKSIZE;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_mtim.tv_sec = ts->mtime;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}

static double ttl_of(const struct tree_stat *ts)
{
	return ts->settled ? TTL_SETTLED : TTL_SHORT;
}

/* Stat node, taking its file's facts (held) for a file. */
static int stat_node(struct fs *fs, const struct tree_node *n,
		     struct tree_stat *ts, struct tree_file **file)
{
	struct err e = ERR_INIT;
	int ret;

	*file = NULL;
	if (tree_node_is_dir(n)) {
		tree_dir_stat(fs->t, n, ts);
		return 0;
	}
	ret = tree_file_get(fs->t, n, file, &e);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		log_at(LOG_ERR, "%s", e.msg);
		return -EIO;
	}
	tree_file_stat(*file, ts);
	return 0;
}

/* The existing child name of parent: its node, stat and facts. */
static int child_of(struct fs *fs, fuse_ino_t parent, const char *name,
		    struct tree_node *n, struct tree_stat *ts,
		    struct tree_file **file)
{
	struct fs_inode *p = inode_get(fs, parent);

	*file = NULL;
	if (!p)
		return -ENOENT;
	if (tree_child(fs->iv, &p->node, name, strlen(name), n))
		return -ENOENT;
	if (!tree_exists(fs->t, n))
		return -ENOENT;
	return stat_node(fs, n, ts, file);
}

static void entry_of(const struct fs *fs, const struct tree_stat *ts,
		     struct fuse_entry_param *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->ino = ts->ino;
	fill_stat(fs, ts, &ep->attr);
	ep->attr_timeout = ttl_of(ts);
	ep->entry_timeout = ttl_of(ts);
}

/* ---- callbacks ------------------------------------------------------------
 */

#define FS_READAHEAD (16u << 20)

static void fs_init(void *data, struct fuse_conn_info *conn)
{
	(void)data;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
	/* Readers stream whole files: let the kernel ask for big spans ahead
	 * (as the FUSE ceiling's reference file system does). */
	conn->max_readahead = FS_READAHEAD;
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fs_of(req);
	struct fuse_entry_param ep;
	struct tree_node n;
	struct tree_stat ts;
	struct tree_file *file;
	int ret = child_of(fs, parent, name, &n, &ts, &file);

	if (!ret)
		ret = inode_remember(fs, ts.ino, &n, file);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	entry_of(fs, &ts, &ep);
	if (fuse_reply_entry(req, &ep))
		inode_forget(fs, ts.ino, 1);
}

static void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	inode_forget(fs_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void fs_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		inode_forget(fs_of(req), forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void fs_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *in = inode_get(fs, ino);
	struct tree_stat ts;
	struct stat st;

	(void)fi;
	if (!in) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (in->file)
		tree_file_stat(in->file, &ts);
	else
		tree_dir_stat(fs->t, &in->node, &ts);
	fill_stat(fs, &ts, &st);
	fuse_reply_attr(req, &st, ttl_of(&ts));
}

/* A directory listing, taken at opendir so that offsets stay valid. */
struct fs_dir {
	struct tree_node *nodes;
	char (*names)[TREE_PATH_MAX];
	size_t n;
};

static int dir_add(void *arg, const struct tree_node *child, const char *name)
{
	struct fs_dir *d = arg;
	struct tree_node *nn = realloc(d->nodes, (d->n + 1) * sizeof(*nn));
	char(*na)[TREE_PATH_MAX];

	if (!nn)
		return -ENOMEM;
	d->nodes = nn;
	na = realloc(d->names, (d->n + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	d->names = na;
	nn[d->n] = *child;
	snprintf(na[d->n], sizeof(*na), "%s", name);
	d->n++;
	return 0;
}

static void dir_free(struct fs_dir *d)
{
	if (!d)
		return;
	free(d->nodes);
	free(d->names);
	free(d);
}

static void fs_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *in = inode_get(fs, ino);
	struct fs_dir *d;
	int ret;

	if (!in) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ret = tree_list(fs->t, &in->node, dir_add, d);
	if (ret) {
		dir_free(d);
		fuse_reply_err(req, -ret);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	if (fuse_reply_open(req, fi))
		dir_free(d);
}

static void fs_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	dir_free((struct fs_dir *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* A readdir reply being filled: "." and ".." at offsets 0 and 1, then the
 * listing's entries; each entry's offset is the next one's. */
struct fs_fill {
	fuse_req_t req;
	struct fs *fs;
	char *buf;
	size_t size, used;
	int plus;
};

/* Add one entry; returns 0, or 1 once the buffer is full. */
static int fill_add(struct fs_fill *fl, const char *name,
		    const struct fuse_entry_param *ep, off_t next)
{
	char *p = fl->buf + fl->used;
	size_t rem = fl->size - fl->used, n;

	if (fl->plus)
		n = fuse_add_direntry_plus(fl->req, p, rem, name, ep, next);
	else
		n = fuse_add_direntry(fl->req, p, rem, name, &ep->attr, next);
	if (n > rem)
		return 1;
	fl->used += n;
	return 0;
}

static int fill_dot(struct fs_fill *fl, fuse_ino_t ino, off_t i)
{
	struct fuse_entry_param ep;

	memset(&ep, 0, sizeof(ep));
	ep.attr.st_mode = S_IFDIR | fl->fs->dmode;
	ep.attr.st_ino = i == 0 ? ino : FUSE_ROOT_ID;
	return fill_add(fl, i == 0 ? "." : "..", &ep, i + 1);
}

/* Add child cn; readdirplus counts as a lookup of it. */
static int fill_child(struct fs_fill *fl, const struct tree_node *cn,
		      const char *name, off_t next)
{
	struct tree_stat ts;
	struct tree_file *file;
	struct fuse_entry_param ep;

	if (stat_node(fl->fs, cn, &ts, &file))
		return 0; /* gone since opendir, or failed (logged) */
	entry_of(fl->fs, &ts, &ep);
	if (fill_add(fl, name, &ep, next)) {
		tree_file_put(file);
		return 1;
	}
	if (!fl->plus) {
		tree_file_put(file);
		return 0;
	}
	return inode_remember(fl->fs, ts.ino, cn, file) ? 1 : 0;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, int plus)
{
	struct fs_dir *d = (struct fs_dir *)(uintptr_t)fi->fh;
	struct fs_fill fl = { req, fs_of(req), malloc(size), size, 0, plus };
	int full = 0;

	if (!fl.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (off_t i = off; i < (off_t)d->n + 2 && !full; i++)
		full = i < 2 ? fill_dot(&fl, ino, i)
			     : fill_child(&fl, &d->nodes[i - 2],
					  d->names[i - 2], i + 1);
	fuse_reply_buf(req, fl.buf, fl.used);
	free(fl.buf);
}

static void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, 0);
}

static void fs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, 1);
}

static void queue_change(void *arg, const struct tree_node *parent,
			 const struct tree_node *node);

/* The store changed a file since it was looked up: bring the tree up to
 * date now (the kernel looks the name up again after ESTALE). */
static void refresh_now(struct fs *fs)
{
	struct err e = ERR_INIT;
	int changed;

	if (tree_update(fs->t, queue_change, fs, &changed, &e))
		log_at(LOG_ERR, "%s", e.msg);
}

/* After a refresh: a reader of the file's newest facts if its bytes are
 * still the inode's (a refresh touched its days but changed nothing in
 * it), else -ESTALE (the kernel looks the name up again). */
static int reader_of_fresh(struct fs *fs, struct fs_inode *in, struct err *e)
{
	struct tree_file *f = NULL;
	struct tree_stat ts;
	int ret = tree_file_get(fs->t, &in->node, &f, e);

	if (ret)
		return ret == -ENOENT ? -ESTALE : ret;
	tree_file_stat(f, &ts);
	ret = ts.ino == in->ino ? tree_reader_open(fs->t, f, &in->reader, e)
				: -ESTALE;
	tree_file_put(f); /* the reader holds its own reference */
	return ret;
}

/* The inode's reader (one for all its handles), and one more open. */
static int open_reader(struct fs *fs, struct fs_inode *in, struct err *e)
{
	int ret = 0;

	pthread_mutex_lock(&in->open_lock);
	if (!in->reader)
		ret = tree_reader_open(fs->t, in->file, &in->reader, e);
	if (ret == -ESTALE) {
		refresh_now(fs);
		ret = reader_of_fresh(fs, in, e);
	}
	if (!ret) {
		pthread_mutex_lock(&fs->lock);
		in->opens++;
		pthread_mutex_unlock(&fs->lock);
	}
	pthread_mutex_unlock(&in->open_lock);
	return ret;
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *in = inode_get(fs, ino);
	struct err e = ERR_INIT;
	int ret = 0;

	if ((fi->flags & O_ACCMODE) != O_RDONLY ||
	    (fi->flags & (O_TRUNC | O_CREAT))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (!in || !in->file) {
		fuse_reply_err(req, in ? EISDIR : ENOENT);
		return;
	}
	ret = open_reader(fs, in, &e);
	if (ret && ret != -ESTALE) {
		log_at(LOG_ERR, "%s", e.msg);
		ret = -EIO;
	}
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	fi->keep_cache = 1; /* the inode stands for these bytes only */
	fi->noflush = 1;
	if (fs->audit) {
		const struct fuse_ctx *ctx = fuse_req_ctx(req);
		char path[TREE_PATH_MAX];

		tree_node_path(fs->iv, &in->node, path, sizeof(path));
		audit_open_event(fs->audit, ctx->uid, ctx->pid, path);
	}
	if (fuse_reply_open(req, fi)) {
		pthread_mutex_lock(&fs->lock);
		in->opens--;
		pthread_mutex_unlock(&fs->lock);
	}
}

/* Reply with the bytes in place: fuse_reply_buf hands them to the kernel
 * before it returns. */
static int reply_bytes(void *arg, const char *p, size_t n)
{
	fuse_reply_buf(arg, p, n);
	return 0;
}

/* The reply goes out from the reader's window, under its lock, and lets
 * the reading process close the file at once: our reference keeps the
 * reader alive until we are done with it. */
static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *in = inode_get(fs, ino);
	struct tree_reader *r = in ? in->reader : NULL;
	struct err e = ERR_INIT;

	(void)fi;
	if (!r) {
		fuse_reply_err(req, EBADF);
		return;
	}
	tree_reader_ref(r);
	if (tree_reader_serve(r, size, (uint64_t)off, reply_bytes, req, &e)) {
		log_at(LOG_ERR, "%s", e.msg);
		fuse_reply_err(req, EIO);
	}
	tree_reader_close(r);
}

static void fs_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *in = inode_get(fs, ino);
	struct tree_reader *done = NULL;

	(void)fi;
	if (in) {
		pthread_mutex_lock(&in->open_lock);
		pthread_mutex_lock(&fs->lock);
		if (--in->opens == 0) {
			done = in->reader;
			in->reader = NULL;
		}
		pthread_mutex_unlock(&fs->lock);
		pthread_mutex_unlock(&in->open_lock);
		tree_reader_close(done);
		inode_forget(fs, ino, 0);
	}
	fuse_reply_err(req, 0);
}

static void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = FS_BLKSIZE;
	sv.f_frsize = 512;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

static void fs_erofs(fuse_req_t req)
{
	fuse_reply_err(req, EROFS);
}

static void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	(void)ino, (void)attr, (void)to_set, (void)fi;
	fs_erofs(req);
}

static void fs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent, (void)name, (void)mode, (void)rdev;
	fs_erofs(req);
}

static void fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	(void)parent, (void)name, (void)mode;
	fs_erofs(req);
}

static void fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent, (void)name;
	fs_erofs(req);
}

static void fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	(void)parent, (void)name, (void)newparent, (void)newname, (void)flags;
	fs_erofs(req);
}

static void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	(void)parent, (void)name, (void)mode, (void)fi;
	fs_erofs(req);
}

static const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.forget = fs_forget,
	.forget_multi = fs_forget_multi,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.mknod = fs_mknod,
	.mkdir = fs_mkdir,
	.unlink = fs_unlink,
	.rmdir = fs_unlink,
	.rename = fs_rename,
	.open = fs_open,
	.read = fs_read,
	.release = fs_release,
	.opendir = fs_opendir,
	.readdir = fs_readdir,
	.readdirplus = fs_readdirplus,
	.releasedir = fs_releasedir,
	.statfs = fs_statfs,
	.create = fs_create,
};

/* ---- the notifier thread --------------------------------------------------
 */

static void queue_change(void *arg, const struct tree_node *parent,
			 const struct tree_node *node)
{
	struct fs *fs = arg;
	struct tree_stat ts;
	struct fs_inval *nq;

	tree_dir_stat(fs->t, parent, &ts);
	pthread_mutex_lock(&fs->qlock);
	nq = realloc(fs->queue, (fs->nqueue + 1) * sizeof(*nq));
	if (nq) {
		fs->queue = nq;
		nq[fs->nqueue].parent = ts.ino;
		tree_node_name(fs->iv, node, nq[fs->nqueue].name,
			       sizeof(nq[0].name));
		fs->nqueue++;
	}
	pthread_mutex_unlock(&fs->qlock);
}

/* Send the queued invalidations (from this thread only). */
static void flush_queue(struct fs *fs)
{
	struct fs_inval *q;
	size_t n;

	pthread_mutex_lock(&fs->qlock);
	q = fs->queue;
	n = fs->nqueue;
	fs->queue = NULL;
	fs->nqueue = 0;
	pthread_mutex_unlock(&fs->qlock);
	for (size_t i = 0; i < n; i++) {
		int ret = fuse_lowlevel_notify_inval_entry(
			fs->se, q[i].parent, q[i].name, strlen(q[i].name));

		if (ret && ret != -ENOENT && ret != -EBADF && ret != -ENODEV)
			log_at(LOG_WARNING, "invalidating %s: error %d",
			       q[i].name, -ret);
	}
	free(q);
}

static void *notifier(void *arg)
{
	struct fs *fs = arg;

	pthread_mutex_lock(&fs->stop_lock);
	while (!fs->stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += POLL_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&fs->stop_cond, &fs->stop_lock, &until);
		if (fs->stop)
			break;
		pthread_mutex_unlock(&fs->stop_lock);
		refresh_now(fs);
		flush_queue(fs);
		pthread_mutex_lock(&fs->stop_lock);
	}
	pthread_mutex_unlock(&fs->stop_lock);
	return NULL;
}

/* ---- running --------------------------------------------------------------
 */

static void fs_free(struct fs *fs)
{
	for (size_t i = 0; i < FS_BUCKETS; i++) {
		while (fs->buckets[i]) {
			struct fs_inode *in = fs->buckets[i];

			fs->buckets[i] = in->next;
			inode_free(in);
		}
	}
	free(fs->queue);
	tree_close(fs->t);
	pthread_mutex_destroy(&fs->lock);
	pthread_mutex_destroy(&fs->qlock);
	pthread_mutex_destroy(&fs->stop_lock);
	pthread_cond_destroy(&fs->stop_cond);
	free(fs);
}

static struct fs *fs_new(void)
{
	struct fs *fs = calloc(1, sizeof(*fs));
	struct tree_node root = { TREE_ROOT, NULL, { 0, 0 } };

	if (!fs)
		return NULL;
	pthread_mutex_init(&fs->lock, NULL);
	pthread_mutex_init(&fs->qlock, NULL);
	pthread_mutex_init(&fs->stop_lock, NULL);
	pthread_cond_init(&fs->stop_cond, NULL);
	if (inode_remember(fs, FUSE_ROOT_ID, &root, NULL)) {
		fs_free(fs);
		return NULL;
	}
	return fs;
}

static int serve(struct fs *fs)
{
	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	int ret;

	if (!lc)
		return -ENOMEM;
	fuse_loop_cfg_set_max_threads(lc, FS_MAX_THREADS);
	fuse_loop_cfg_set_clone_fd(lc, 0);
	if (pthread_create(&fs->notifier, NULL, notifier, fs)) {
		fuse_loop_cfg_destroy(lc);
		return -EAGAIN;
	}
	ret = fuse_session_loop_mt(fs->se, lc);
	pthread_mutex_lock(&fs->stop_lock);
	fs->stop = 1;
	pthread_cond_signal(&fs->stop_cond);
	pthread_mutex_unlock(&fs->stop_lock);
	pthread_join(fs->notifier, NULL);
	fuse_loop_cfg_destroy(lc);
	return ret;
}

static int run(const struct fs_config *cfg, struct fuse_args *args,
	       struct err *e);

/* A mount's start or end in the audit trail; with audit=off, written at
 * once, so that the log says reads went unrecorded. */
static void record_mount(struct fs *fs, const struct fs_config *cfg,
			 const char *event)
{
	struct buf b = BUF_INIT(1 << 16);
	struct audit_item it = { "", NULL };
	struct err e = ERR_INIT;

	audit_str(&b, "event", event);
	audit_who(&b);
	audit_str(&b, "mountpoint", cfg->mountpoint);
	audit_str(&b, "options", cfg->options_text ? cfg->options_text : "");
	audit_str(&b, "audit", cfg->audit ? "on" : "off");
	if (b.err) {
		buf_release(&b);
		return;
	}
	if (fs->audit) {
		audit_add(fs->audit, b.data);
	} else if (!cfg->audit) {
		audit_stamp(it.time);
		it.fields = b.data;
		if (audit_log_append(cfg->store, &it, 1, &e))
			log_at(LOG_ERR, "audit trail: %s", e.msg);
	}
	buf_release(&b);
}

int fs_run(const struct fs_config *cfg, struct err *e)
{
	struct fuse_args args = FUSE_ARGS_INIT(cfg->argc, cfg->argv);
	int ret = run(cfg, &args, e);

	fuse_opt_free_args(&args); /* on every path: FUSE may add to args */
	return ret;
}

/* What can be wrong with the store, policy, key or audit trail, found
 * before mounting, where the user sees the message. */
static int check_before_mount(const struct fs_config *cfg, struct err *e)
{
	struct tree *check = NULL;
	int ret = tree_open(cfg->store, cfg->tree, &check, e);

	tree_close(check);
	return ret ? ret : audit_log_check(cfg->store, e);
}

/* The daemon's own connections and threads (after the fork), and the
 * serving, recorded in the audit trail from start to end. */
static int serve_daemon(struct fs *fs, const struct fs_config *cfg,
			struct err *e)
{
	int ret = tree_open(cfg->store, cfg->tree, &fs->t, e);

	/* -o uid=,gid=: readable by that owner and group alone, the kernel
	 * checking (default_permissions) */
	fs->uid = cfg->uid >= 0 ? (uid_t)cfg->uid : getuid();
	fs->gid = cfg->gid >= 0 ? (gid_t)cfg->gid : getgid();
	fs->fmode = cfg->uid >= 0 || cfg->gid >= 0 ? 0440 : 0444;
	fs->dmode = cfg->uid >= 0 || cfg->gid >= 0 ? 0550 : 0555;
	if (!ret && cfg->audit)
		ret = audit_open(cfg->store, &fs->audit, e);
	record_mount(fs, cfg, "mount");
	if (!ret)
		ret = serve(fs) ? -EIO : 0;
	if (ret && !e->code)
		err_set(e, ret, "%s: serving failed", cfg->mountpoint);
	if (ret)
		log_at(LOG_ERR, "%s", e->msg);
	record_mount(fs, cfg, "unmount");
	audit_close(fs->audit);
	fs->audit = NULL;
	return ret;
}

static int run(const struct fs_config *cfg, struct fuse_args *args,
	       struct err *e)
{
	struct fs *fs = fs_new();
	struct stat st;
	int ret;

	if (!fs)
		return err_set(e, -ENOMEM, "out of memory");
	fs->iv = cfg->tree->interval;
	if (stat(cfg->mountpoint, &st) || !S_ISDIR(st.st_mode)) {
		fs_free(fs);
		return err_set(e, -ENOTDIR, "%s: no such directory to mount on",
			       cfg->mountpoint);
	}
	/* FUSE's options first (it names a bad one on stderr), then
	 * everything that can be wrong with the store, policy or key, before
	 * mounting, where the user sees the message. */
	fs->se = fuse_session_new(args, &fs_ops, sizeof(fs_ops), fs);
	if (!fs->se) {
		fs_free(fs);
		return err_set(e, -EINVAL,
			       "a mount option is not a tree option nor one "
			       "FUSE knows (see above)");
	}
	ret = check_before_mount(cfg, e);
	if (ret) {
		fuse_session_destroy(fs->se);
		fs_free(fs);
		return ret;
	}
	if (fuse_set_signal_handlers(fs->se) ||
	    fuse_session_mount(fs->se, cfg->mountpoint)) {
		fuse_session_destroy(fs->se);
		fs_free(fs);
		return err_set(e, -EIO, "%s: cannot mount (see above)",
			       cfg->mountpoint);
	}
	if (!cfg->foreground) {
		log_use_syslog();
		fuse_daemonize(0);
	}
	ret = serve_daemon(fs, cfg, e);
	fuse_session_unmount(fs->se);
	fuse_remove_signal_handlers(fs->se);
	fuse_session_destroy(fs->se);
	fs_free(fs);
	return ret;
}
