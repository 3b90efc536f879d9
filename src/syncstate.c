/* syncstate.c - the sync's state and history.  See syncstate.h. */
#include "syncstate.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "value.h"

#define MAX_LOCKS 8

struct syncstate {
	pthread_mutex_t lock; /* db and the statements */
	sqlite3 *db;
	/* the per-file statements, prepared once (a sync asks per file) */
	sqlite3_stmt *get, *put, *forget;
	char *dir;
	int lock_fd[MAX_LOCKS];
	size_t nlocks;
};

static const char state_ddl[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS dest(id INTEGER PRIMARY KEY, "
	"display TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS blob(dest INTEGER NOT NULL, name TEXT NOT "
	"NULL, size INTEGER NOT NULL, sha256 BLOB NOT NULL, md5 BLOB NOT NULL, "
	"etag TEXT NOT NULL, synced INTEGER NOT NULL, PRIMARY KEY(dest, name)) "
	"WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS run(id INTEGER PRIMARY KEY, dest TEXT NOT "
	"NULL, requested INTEGER NOT NULL, started INTEGER, finished INTEGER, "
	"status TEXT NOT NULL, error TEXT, options TEXT, files_sent INTEGER, "
	"bytes_sent INTEGER, skipped INTEGER, deleted INTEGER, failed "
	"INTEGER, expires INTEGER, links TEXT, export TEXT);"
	"CREATE TABLE IF NOT EXISTS export(name TEXT PRIMARY KEY, dest TEXT "
	"NOT NULL UNIQUE, options TEXT NOT NULL, created INTEGER NOT NULL);";

static const char *const status_names[] = { "Pending", "Processing",
					    "Completed", "Failed", "Expired" };

const char *syncstate_status_name(enum run_status s)
{
	return status_names[s];
}

const char *syncstate_dir(const struct syncstate *st)
{
	return st->dir;
}

enum run_status syncstate_status_at(const struct sync_run *r, int64_t now)
{
	if (r->status == RUN_COMPLETED && r->expires && now >= r->expires)
		return RUN_EXPIRED;
	return r->status;
}

static int db_fail(struct syncstate *st, struct err *e, const char *what)
{
	return err_set(e, -EIO, "%s/state.db: cannot %s: %s", st->dir, what,
		       sqlite3_errmsg(st->db));
}

/* *q, prepared from sql the first time; reset and unbound after each use
 * (done_with).  Called under st->lock.  NULL if SQLite refused it. */
static sqlite3_stmt *kept(struct syncstate *st, sqlite3_stmt **q,
			  const char *sql)
{
	if (!*q &&
	    sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q,
			       NULL) != SQLITE_OK)
		*q = NULL;
	return *q;
}

static void done_with(sqlite3_stmt *q)
{
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

static int sys_fail(const char *path, const char *what, struct err *e)
{
	int code = -errno;
	char why[128];

	if (strerror_r(-code, why, sizeof(why)))
		snprintf(why, sizeof(why), "error %d", -code);
	return err_set(e, code, "%s: %s: %s", path, what, why);
}

static int check_dir(const char *dir, struct err *e)
{
	struct stat sb;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return sys_fail(dir, "cannot create the sync state directory",
				e);
	if (stat(dir, &sb))
		return sys_fail(dir, "cannot use the sync state directory", e);
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, -ENOTDIR, "%s: not a directory", dir);
	if (sb.st_mode & 077)
		return err_set(e, -EPERM,
			       "%s: the sync state may be read by others "
			       "(mode %03o): chmod 700 it",
			       dir, (unsigned)(sb.st_mode & 0777));
	return 0;
}

int syncstate_open(const char *store_path, struct syncstate **out,
		   struct err *e)
{
	struct syncstate *st = calloc(1, sizeof(*st));
	struct buf path = BUF_INIT(8192);
	int ret;

	*out = NULL;
	if (!st)
		return err_set(e, -ENOMEM, "out of memory");
	pthread_mutex_init(&st->lock, NULL);
	buf_printf(&path, "%s.sync", store_path);
	st->dir = buf_detach(&path, NULL);
	ret = st->dir ? check_dir(st->dir, e) : -ENOMEM;
	if (!ret) {
		buf_printf(&path, "%s/state.db", st->dir);
		if (sqlite3_open(path.data, &st->db) != SQLITE_OK ||
		    sqlite3_busy_timeout(st->db, 10000) != SQLITE_OK ||
		    sqlite3_exec(st->db, state_ddl, NULL, NULL, NULL) !=
			    SQLITE_OK)
			ret = db_fail(st, e, "open");
		/* a state from before the links: the runs gain their columns
		   (an error says they have them already) */
		sqlite3_exec(st->db,
			     "ALTER TABLE run ADD COLUMN expires INTEGER", NULL,
			     NULL, NULL);
		sqlite3_exec(st->db, "ALTER TABLE run ADD COLUMN links TEXT",
			     NULL, NULL, NULL);
		sqlite3_exec(st->db, "ALTER TABLE run ADD COLUMN export TEXT",
			     NULL, NULL, NULL);
	}
	buf_release(&path);
	if (ret) {
		syncstate_close(st);
		return ret == -ENOMEM ? err_set(e, ret, "out of memory") : ret;
	}
	*out = st;
	return 0;
}

void syncstate_close(struct syncstate *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nlocks; i++)
		close(st->lock_fd[i]); /* releases the flock */
	sqlite3_finalize(st->get);
	sqlite3_finalize(st->put);
	sqlite3_finalize(st->forget);
	sqlite3_close(st->db);
	pthread_mutex_destroy(&st->lock);
	free(st->dir);
	free(st);
}

/* FNV-1a of the display form: a lock file name per destination. */
static uint64_t dest_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int lock_busy(int fd, const char *display, struct err *e)
{
	char who[256] = "";
	ssize_t n = pread(fd, who, sizeof(who) - 1, 0);

	who[n > 0 ? n : 0] = '\0';
	who[strcspn(who, "\n")] = '\0';
	close(fd);
	return err_set(e, -EBUSY,
		       "another sync to %s is running (%s): wait for it to "
		       "finish",
		       display, who[0] ? who : "pid unknown");
}

int syncstate_lock(struct syncstate *st, const char *display, struct err *e)
{
	struct buf path = BUF_INIT(8192), who = BUF_INIT(256);
	char when[VALUE_UTC_MAX];
	int fd;

	if (st->nlocks == MAX_LOCKS)
		return err_set(e, -EMFILE, "too many destinations at once");
	buf_printf(&path, "%s/lock-%016llx", st->dir,
		   (unsigned long long)dest_hash(display));
	fd = path.err ? -1
		      : open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		int ret = sys_fail(path.data, "cannot open the lock", e);

		buf_release(&path);
		return ret;
	}
	buf_release(&path);
	if (flock(fd, LOCK_EX | LOCK_NB))
		return lock_busy(fd, display, e);
	value_format_utc((int64_t)time(NULL), when);
	buf_printf(&who, "pid %ld, started %s\n", (long)getpid(), when);
	if (ftruncate(fd, 0) == 0 && pwrite(fd, who.data, who.len, 0) < 0)
		who.err = -EIO; /* only informative */
	buf_release(&who);
	st->lock_fd[st->nlocks++] = fd;
	return 0;
}

int syncstate_dest(struct syncstate *st, const char *display, int64_t *id,
		   struct err *e)
{
	sqlite3_stmt *q = NULL;
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO dest(display) VALUES(?1) ON "
			       "CONFLICT(display) DO UPDATE SET display = "
			       "excluded.display RETURNING id",
			       -1, &q, NULL) != SQLITE_OK)
		ret = db_fail(st, e, "record the destination");
	if (!ret) {
		sqlite3_bind_text(q, 1, display, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			*id = sqlite3_column_int64(q, 0);
		else
			ret = db_fail(st, e, "record the destination");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static void copy_blob(sqlite3_stmt *q, int col, void *dst, size_t n)
{
	const void *p = sqlite3_column_blob(q, col);

	if (p && (size_t)sqlite3_column_bytes(q, col) == n)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

int syncstate_get(struct syncstate *st, int64_t dest, const char *name,
		  struct sync_blob *out)
{
	sqlite3_stmt *q;
	int found = 0;

	pthread_mutex_lock(&st->lock);
	q = kept(st, &st->get,
		 "SELECT size, sha256, md5, etag, synced FROM blob WHERE "
		 "dest = ?1 AND name = ?2");
	if (q) {
		sqlite3_bind_int64(q, 1, dest);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			found = 1;
			out->size = (uint64_t)sqlite3_column_int64(q, 0);
			copy_blob(q, 1, out->sha256, sizeof(out->sha256));
			copy_blob(q, 2, out->md5, sizeof(out->md5));
			snprintf(out->etag, sizeof(out->etag), "%s",
				 (const char *)sqlite3_column_text(q, 3));
			out->synced = sqlite3_column_int64(q, 4);
		}
		done_with(q);
	}
	pthread_mutex_unlock(&st->lock);
	return found;
}

int syncstate_put(struct syncstate *st, int64_t dest, const char *name,
		  const struct sync_blob *b, struct err *e)
{
	sqlite3_stmt *q;
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	q = kept(st, &st->put,
		 "INSERT OR REPLACE INTO blob VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
		 "?7)");
	if (!q) {
		ret = db_fail(st, e, "record a blob");
	} else {
		sqlite3_bind_int64(q, 1, dest);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)b->size);
		sqlite3_bind_blob(q, 4, b->sha256, sizeof(b->sha256),
				  SQLITE_STATIC);
		sqlite3_bind_blob(q, 5, b->md5, sizeof(b->md5), SQLITE_STATIC);
		sqlite3_bind_text(q, 6, b->etag, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 7, b->synced);
		if (sqlite3_step(q) != SQLITE_DONE)
			ret = db_fail(st, e, "record a blob");
		done_with(q);
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int syncstate_forget(struct syncstate *st, int64_t dest, const char *name,
		     struct err *e)
{
	sqlite3_stmt *q;
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	q = kept(st, &st->forget,
		 "DELETE FROM blob WHERE dest = ?1 AND name = ?2");
	if (!q) {
		ret = db_fail(st, e, "forget a blob");
	} else {
		sqlite3_bind_int64(q, 1, dest);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE)
			ret = db_fail(st, e, "forget a blob");
		done_with(q);
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static void bind_run(sqlite3_stmt *q, const struct sync_run *r)
{
	sqlite3_bind_text(q, 1, r->dest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, r->requested);
	if (r->started)
		sqlite3_bind_int64(q, 3, r->started);
	if (r->finished)
		sqlite3_bind_int64(q, 4, r->finished);
	sqlite3_bind_text(q, 5, status_names[r->status], -1, SQLITE_STATIC);
	if (r->error[0])
		sqlite3_bind_text(q, 6, r->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, r->options, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, (sqlite3_int64)r->files_sent);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)r->bytes_sent);
	sqlite3_bind_int64(q, 10, (sqlite3_int64)r->skipped);
	sqlite3_bind_int64(q, 11, (sqlite3_int64)r->deleted);
	sqlite3_bind_int64(q, 12, (sqlite3_int64)r->failed);
	sqlite3_bind_int64(q, 13, r->id);
	if (r->expires)
		sqlite3_bind_int64(q, 14, r->expires);
	if (r->links[0])
		sqlite3_bind_text(q, 15, r->links, -1, SQLITE_STATIC);
	if (r->export_name[0])
		sqlite3_bind_text(q, 16, r->export_name, -1, SQLITE_STATIC);
}

static int run_exec(struct syncstate *st, const char *sql,
		    const struct sync_run *r, int64_t *id, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		ret = db_fail(st, e, "record the run");
	} else {
		bind_run(q, r);
		if (sqlite3_step(q) != SQLITE_DONE)
			ret = db_fail(st, e, "record the run");
		else if (id)
			*id = sqlite3_last_insert_rowid(st->db);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int syncstate_run_new(struct syncstate *st, struct sync_run *r, struct err *e)
{
	return run_exec(st,
			"INSERT INTO run(dest, requested, started, finished, "
			"status, error, options, files_sent, bytes_sent, "
			"skipped, deleted, failed, expires, links, export) "
			"VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
			"?12, ?14, ?15, ?16)",
			r, &r->id, e);
}

int syncstate_run_update(struct syncstate *st, const struct sync_run *r,
			 struct err *e)
{
	return run_exec(st,
			"UPDATE run SET dest = ?1, requested = ?2, started = "
			"?3, finished = ?4, status = ?5, error = ?6, options = "
			"?7, files_sent = ?8, bytes_sent = ?9, skipped = ?10, "
			"deleted = ?11, failed = ?12, expires = ?14, links = "
			"?15, export = ?16 WHERE id = ?13",
			r, NULL, e);
}

static void text_col(sqlite3_stmt *q, int col, char *dst, size_t n)
{
	const unsigned char *p = sqlite3_column_text(q, col);

	snprintf(dst, n, "%s", p ? (const char *)p : "");
}

/* The columns read_run reads, in its order. */
#define RUN_SELECT                                                       \
	"SELECT id, dest, requested, started, finished, status, error, " \
	"options, files_sent, bytes_sent, skipped, deleted, failed, "    \
	"expires, links, export FROM run"

static void read_run(sqlite3_stmt *q, struct sync_run *r)
{
	const unsigned char *s;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(q, 0);
	text_col(q, 1, r->dest, sizeof(r->dest));
	r->requested = sqlite3_column_int64(q, 2);
	r->started = sqlite3_column_int64(q, 3);
	r->finished = sqlite3_column_int64(q, 4);
	s = sqlite3_column_text(q, 5);
	for (int k = 0; s && k < 4; k++)
		if (strcmp((const char *)s, status_names[k]) == 0)
			r->status = (enum run_status)k;
	text_col(q, 6, r->error, sizeof(r->error));
	text_col(q, 7, r->options, sizeof(r->options));
	r->files_sent = (uint64_t)sqlite3_column_int64(q, 8);
	r->bytes_sent = (uint64_t)sqlite3_column_int64(q, 9);
	r->skipped = (uint64_t)sqlite3_column_int64(q, 10);
	r->deleted = (uint64_t)sqlite3_column_int64(q, 11);
	r->failed = (uint64_t)sqlite3_column_int64(q, 12);
	r->expires = sqlite3_column_int64(q, 13);
	text_col(q, 14, r->links, sizeof(r->links));
	text_col(q, 15, r->export_name, sizeof(r->export_name));
}

int syncstate_runs(struct syncstate *st,
		   int (*fn)(void *arg, const struct sync_run *r), void *arg,
		   struct err *e)
{
	sqlite3_stmt *q = NULL;
	struct sync_run r;
	int ret = 0, rc = SQLITE_DONE;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, RUN_SELECT " ORDER BY id", -1, &q,
			       NULL) != SQLITE_OK)
		ret = db_fail(st, e, "read the history");
	while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		read_run(q, &r);
		ret = fn(arg, &r);
	}
	if (!ret && q && rc != SQLITE_DONE)
		ret = db_fail(st, e, "read the history");
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

/* ---- saved exports -------------------------------------------------------
 */

static int exec_sql(struct syncstate *st, const char *sql, const char *what,
		    struct err *e)
{
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		ret = db_fail(st, e, what);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int syncstate_begin(struct syncstate *st, struct err *e)
{
	return exec_sql(st, "BEGIN IMMEDIATE", "begin a change", e);
}

int syncstate_commit(struct syncstate *st, struct err *e)
{
	return exec_sql(st, "COMMIT", "commit a change", e);
}

void syncstate_rollback(struct syncstate *st)
{
	pthread_mutex_lock(&st->lock);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&st->lock);
}

/* One statement with text parameters ?1..?n (NULL: unbound): fn sees each
 * row.  Called under st->lock. */
struct stmt {
	const char *sql;
	const char *const *params;
	size_t n;
	const char *what; /* for the message: "cannot WHAT" */
};

static int query(struct syncstate *st, const struct stmt *s,
		 void (*fn)(void *arg, sqlite3_stmt *q), void *arg,
		 struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_ERROR, ret = 0;

	if (sqlite3_prepare_v2(st->db, s->sql, -1, &q, NULL) == SQLITE_OK) {
		for (size_t i = 0; i < s->n; i++)
			if (s->params[i])
				sqlite3_bind_text(q, (int)i + 1, s->params[i],
						  -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			if (fn)
				fn(arg, q);
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(st, e, s->what);
	sqlite3_finalize(q);
	return ret;
}

/* The columns read_export reads, in its order. */
#define EXPORT_SELECT "SELECT name, dest, options, created FROM export"

static void read_export(sqlite3_stmt *q, struct saved_export *x)
{
	memset(x, 0, sizeof(*x));
	text_col(q, 0, x->name, sizeof(x->name));
	text_col(q, 1, x->dest, sizeof(x->dest));
	text_col(q, 2, x->options, sizeof(x->options));
	x->created = sqlite3_column_int64(q, 3);
}

struct found {
	int n;
	struct saved_export *x; /* or NULL: only count */
};

static void found_export(void *arg, sqlite3_stmt *q)
{
	struct found *f = arg;

	if (f->x && f->n == 0)
		read_export(q, f->x);
	f->n++;
}

int syncstate_export_put(struct syncstate *st, const struct saved_export *x,
			 int *replaced, struct err *e)
{
	char created[32];
	const char *p[4] = { x->name, x->dest, x->options, created };
	struct saved_export other;
	struct found f = { 0, &other };
	int ret;

	snprintf(created, sizeof(created), "%" PRId64, x->created);
	pthread_mutex_lock(&st->lock);
	ret = query(st,
		    &(struct stmt){ EXPORT_SELECT
				    " WHERE dest = ?2 AND name <> ?1",
				    p, 2, "read the saved exports" },
		    found_export, &f, e);
	if (!ret && f.n)
		ret = err_set(e, -EEXIST,
			      "export '%s' already delivers to %s: one export "
			      "per destination (change that one, or remove it)",
			      other.name, x->dest);
	f = (struct found){ 0, NULL };
	if (!ret)
		ret = query(st,
			    &(struct stmt){ "SELECT 1 FROM export WHERE name "
					    "= ?1",
					    p, 1, "read the saved exports" },
			    found_export, &f, e);
	*replaced = f.n > 0;
	if (!ret)
		ret = query(st,
			    &(struct stmt){ "INSERT OR REPLACE INTO "
					    "export(name, dest, options, "
					    "created) VALUES(?1, ?2, ?3, "
					    "CAST(?4 AS INTEGER))",
					    p, 4, "save the export" },
			    NULL, NULL, e);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int syncstate_export_get(struct syncstate *st, const char *name,
			 struct saved_export *out, struct err *e)
{
	struct found f = { 0, out };
	int ret;

	pthread_mutex_lock(&st->lock);
	ret = query(st,
		    &(struct stmt){ EXPORT_SELECT " WHERE name = ?1", &name, 1,
				    "read the saved exports" },
		    found_export, &f, e);
	pthread_mutex_unlock(&st->lock);
	return ret ? ret : f.n > 0;
}

int syncstate_export_remove(struct syncstate *st, const char *name,
			    struct err *e)
{
	int ret;

	pthread_mutex_lock(&st->lock);
	ret = query(st,
		    &(struct stmt){ "DELETE FROM export WHERE name = ?1", &name,
				    1, "remove the export" },
		    NULL, NULL, e);
	if (!ret)
		ret = sqlite3_changes(st->db) > 0;
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int syncstate_exports(struct syncstate *st,
		      int (*fn)(void *arg, const struct saved_export *x),
		      void *arg, struct err *e)
{
	sqlite3_stmt *q = NULL;
	struct saved_export x;
	int ret = 0, rc = SQLITE_DONE;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, EXPORT_SELECT " ORDER BY name", -1, &q,
			       NULL) != SQLITE_OK)
		ret = db_fail(st, e, "read the saved exports");
	while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		read_export(q, &x);
		pthread_mutex_unlock(&st->lock); /* fn may ask for more */
		ret = fn(arg, &x);
		pthread_mutex_lock(&st->lock);
	}
	if (!ret && q && rc != SQLITE_DONE)
		ret = db_fail(st, e, "read the saved exports");
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

struct last {
	int found;
	struct sync_run *r;
};

static void found_run(void *arg, sqlite3_stmt *q)
{
	struct last *l = arg;

	read_run(q, l->r);
	l->found = 1;
}

int syncstate_last_run(struct syncstate *st, const char *name,
		       struct sync_run *out, struct err *e)
{
	struct last l = { 0, out };
	int ret;

	pthread_mutex_lock(&st->lock);
	ret = query(st,
		    &(struct stmt){ RUN_SELECT
				    " WHERE export = ?1 ORDER BY id DESC "
				    "LIMIT 1",
				    &name, 1, "read the history" },
		    found_run, &l, e);
	pthread_mutex_unlock(&st->lock);
	return ret ? ret : l.found;
}
