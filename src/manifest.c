/* manifest.c - the cache of rendered files' facts.  See manifest.h.
 *
 * With store.c, the other file that speaks SQLite: a separate database, so
 * that the store itself is never written by readers.
 */
#include "manifest.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MANIFEST_FILE	  "manifest.db"
#define MANIFEST_BUSY_MS  5000
#define MANIFEST_TRIM_GAP 1024 /* puts between two size checks */

struct manifest {
	pthread_mutex_t lock;
	sqlite3 *db;
	sqlite3_stmt *get, *put, *setv;
	char *path;
	unsigned puts; /* since the last trim */
};

static const char manifest_ddl[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = NORMAL;"
	"CREATE TABLE IF NOT EXISTS file (opts BLOB NOT NULL, path TEXT NOT "
	"NULL, version INTEGER NOT NULL, size INTEGER NOT NULL, sha256 BLOB "
	"NOT NULL, mtime INTEGER NOT NULL, ckpt BLOB, used INTEGER NOT NULL, "
	"md5 BLOB, PRIMARY KEY (opts, path)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS file_used ON file (used);";

static int fail(struct manifest *m, struct err *e, const char *what)
{
	return err_set(e, -EIO, "%s: cannot %s: %s", m->path, what,
		       sqlite3_errmsg(m->db));
}

/* -errno with "DIR: what: reason" in e. */
static int dir_fail(const char *dir, const char *what, struct err *e)
{
	int code = -errno;
	char why[128];

	if (strerror_r(-code, why, sizeof(why)))
		snprintf(why, sizeof(why), "error %d", -code);
	return err_set(e, code, "%s: %s: %s", dir, what, why);
}

static int check_dir(const char *dir, struct err *e)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return dir_fail(dir, "cannot create the cache directory", e);
	if (stat(dir, &st))
		return dir_fail(dir, "cannot use the cache directory", e);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, -ENOTDIR, "%s: the cache is not a directory",
			       dir);
	if (st.st_mode & 077)
		return err_set(e, -EPERM,
			       "%s: the cache directory may be read by others "
			       "(mode %03o); it holds facts of masked data: "
			       "chmod 700 it",
			       dir, (unsigned)(st.st_mode & 0777));
	return 0;
}

static int prepare_all(struct manifest *m, struct err *e)
{
	static const char *const sql[] = {
		("SELECT version, size, sha256, mtime, ckpt, md5 FROM file "
		 "WHERE opts = ? AND path = ?"),
		("INSERT OR REPLACE INTO file (opts, path, version, size, "
		 "sha256, mtime, ckpt, used, md5) VALUES (?, ?, ?, ?, ?, ?, ?, "
		 "?, ?)"),
		"UPDATE file SET version = ?3 WHERE opts = ?1 AND path = ?2",
	};
	sqlite3_stmt **st[] = { &m->get, &m->put, &m->setv };

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (sqlite3_prepare_v3(m->db, sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, st[i],
				       NULL) != SQLITE_OK)
			return fail(m, e, "prepare a statement");
	return 0;
}

int manifest_open(const char *dir, struct manifest **out, struct err *e)
{
	struct manifest *m;
	size_t n = strlen(dir) + sizeof("/" MANIFEST_FILE);
	int ret = check_dir(dir, e);

	*out = NULL;
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m || !(m->path = malloc(n))) {
		free(m);
		return err_set(e, -ENOMEM, "out of memory");
	}
	snprintf(m->path, n, "%s/" MANIFEST_FILE, dir);
	pthread_mutex_init(&m->lock, NULL);
	if (sqlite3_open_v2(m->path, &m->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		ret = fail(m, e, "open the cache");
	} else {
		sqlite3_busy_timeout(m->db, MANIFEST_BUSY_MS);
		ret = sqlite3_exec(m->db, manifest_ddl, NULL, NULL, NULL)
			      ? fail(m, e, "create the cache")
			      : 0;
		/* a cache from before the MD5: it gains the column (an error
		   says it has it already) */
		sqlite3_exec(m->db, "ALTER TABLE file ADD COLUMN md5 BLOB",
			     NULL, NULL, NULL);
		if (!ret)
			ret = prepare_all(m, e);
	}
	if (ret) {
		manifest_close(m);
		return ret;
	}
	chmod(m->path, 0600);
	*out = m;
	return 0;
}

void manifest_close(struct manifest *m)
{
	if (!m)
		return;
	sqlite3_finalize(m->get);
	sqlite3_finalize(m->put);
	sqlite3_finalize(m->setv);
	sqlite3_close(m->db);
	pthread_mutex_destroy(&m->lock);
	free(m->path);
	free(m);
}

static void bind_id(sqlite3_stmt *st, const unsigned char *key,
		    const char *path)
{
	sqlite3_bind_blob(st, 1, key, MANIFEST_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
}

static void read_entry(sqlite3_stmt *st, struct manifest_entry *out)
{
	const void *sha = sqlite3_column_blob(st, 2);

	out->version = sqlite3_column_int64(st, 0);
	out->size = (uint64_t)sqlite3_column_int64(st, 1);
	memset(out->sha256, 0, sizeof(out->sha256));
	if (sha && sqlite3_column_bytes(st, 2) == (int)sizeof(out->sha256))
		memcpy(out->sha256, sha, sizeof(out->sha256));
	out->mtime = sqlite3_column_int64(st, 3);
	buf_reset(&out->ckpt);
	buf_add(&out->ckpt, sqlite3_column_blob(st, 4),
		(size_t)sqlite3_column_bytes(st, 4));
	out->has_md5 = sqlite3_column_bytes(st, 5) == (int)sizeof(out->md5);
	if (out->has_md5)
		memcpy(out->md5, sqlite3_column_blob(st, 5), sizeof(out->md5));
}

int manifest_get(struct manifest *m, const unsigned char key[MANIFEST_KEY_LEN],
		 const char *path, struct manifest_entry *out, struct err *e)
{
	int rc, ret = 0;

	pthread_mutex_lock(&m->lock);
	bind_id(m->get, key, path);
	rc = sqlite3_step(m->get);
	if (rc == SQLITE_ROW) {
		read_entry(m->get, out);
		ret = out->ckpt.err ? err_set(e, -ENOMEM, "out of memory") : 1;
	} else if (rc != SQLITE_DONE) {
		ret = fail(m, e, "read the cache");
	}
	sqlite3_reset(m->get);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

/* Keep the cache bounded: drop the least recently written entries. */
static void trim(struct manifest *m)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "DELETE FROM file WHERE used <= (SELECT used FROM file "
		 "ORDER BY used DESC LIMIT 1 OFFSET %d)",
		 MANIFEST_MAX_ENTRIES);
	sqlite3_exec(m->db, sql, NULL, NULL, NULL);
}

int manifest_put(struct manifest *m, const unsigned char key[MANIFEST_KEY_LEN],
		 const char *path, const struct manifest_entry *in,
		 struct err *e)
{
	sqlite3_stmt *st = m->put;
	int rc;

	pthread_mutex_lock(&m->lock);
	bind_id(st, key, path);
	sqlite3_bind_int64(st, 3, in->version);
	sqlite3_bind_int64(st, 4, (int64_t)in->size);
	sqlite3_bind_blob(st, 5, in->sha256, sizeof(in->sha256), SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, in->mtime);
	sqlite3_bind_blob(st, 7, in->ckpt.data, (int)in->ckpt.len,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (int64_t)time(NULL));
	if (in->has_md5)
		sqlite3_bind_blob(st, 9, in->md5, sizeof(in->md5),
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE && ++m->puts >= MANIFEST_TRIM_GAP) {
		m->puts = 0;
		trim(m);
	}
	pthread_mutex_unlock(&m->lock);
	return rc == SQLITE_DONE ? 0 : fail(m, e, "write the cache");
}

int manifest_set_version(struct manifest *m,
			 const unsigned char key[MANIFEST_KEY_LEN],
			 const char *path, int64_t version, struct err *e)
{
	int rc;

	pthread_mutex_lock(&m->lock);
	bind_id(m->setv, key, path);
	sqlite3_bind_int64(m->setv, 3, version);
	rc = sqlite3_step(m->setv);
	sqlite3_reset(m->setv);
	pthread_mutex_unlock(&m->lock);
	return rc == SQLITE_DONE ? 0 : fail(m, e, "write the cache");
}
