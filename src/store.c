/* store.c - the SQLite data store.  See store.h and docs/store.md.
 *
 * The only file that includes sqlite3.h: SQLite's result codes become
 * -errno here (store_errno) and nowhere else.
 */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "idset.h"
#include "touch.h"

#define STORE_APP_ID	   0x434c4653 /* "CLFS" */
#define STORE_MAX_TABLES   16
#define STORE_BUSY_MS	   5000
#define STORE_CHUNK_ROWS   256	 /* rows a multi-row INSERT takes at most */
#define STORE_CHUNK_PARAMS 30000 /* under SQLite's 32,766 parameters */

struct store {
	sqlite3 *db;
	char *path;
	unsigned flags;
	char **hr; /* HR attribute names, in column order */
	size_t nhr;
	int bulk; /* new and empty: the first refresh may load in bulk */
};

struct store_refresh {
	struct store *s;
	int64_t id;
	int64_t started;
	int64_t rows;
	int64_t files;
	int open_loaders;
	unsigned char deferred[STORE_MAX_TABLES]; /* key index put off */
	char *dup[2]; /* a repeated key found by build_index */
	size_t ndup;
	char kind[16];			      /* "import", "generate" */
	struct touch touch[STORE_MAX_TABLES]; /* days touched, per table */
	sqlite3_stmt *tally_put;	      /* store_tally_put's INSERT */
};

struct store_loader {
	struct store_refresh *r;
	const struct table *t;
	size_t tidx;	   /* index in schema_tables[] */
	size_t ptidx;	   /* index of the parent table, if any */
	size_t nhr;	   /* HR attribute values after the columns */
	int icol, ecol;	   /* COL_INSTANT and COL_SPAN_END columns, or -1 */
	sqlite3_stmt *ins; /* INSERT of a row */
	sqlite3_stmt *ins_many;	   /* INSERT of chunk rows */
	size_t chunk;		   /* rows of ins_many */
	sqlite3_stmt *rep;	   /* INSERT OR REPLACE of a row */
	sqlite3_stmt *old;	   /* _t, _t_end, _refresh of a key */
	sqlite3_stmt *parent;	   /* _t of the parent row */
	sqlite3_stmt *retime;	   /* set the _t of a parent's child rows */
	sqlite3_stmt *minchild;	   /* earliest child instant of a call */
	sqlite3_stmt *settime;	   /* set a call's _t */
	sqlite3_stmt *retime_self; /* set the _t of a call's participants */
	struct buf parent_key;	   /* parent of the last row (cache) */
	int64_t parent_t;	   /* its _t */
	int parent_t_null;
	int parent_known;
	struct buf dirty; /* call whose instant must be recomputed */
	int64_t rows;
};

/* SQLite's result codes as -errno. */
static int store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EINVAL;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	default:
		return -EIO;
	}
}

static int db_fail(struct store *s, int rc, struct err *e, const char *what)
{
	int code = store_errno(rc);

	if (code == -ENOSPC)
		return err_set(e, code, "%s: cannot %s: disk full (%s)",
			       s->path, what, sqlite3_errmsg(s->db));
	if (code == -EROFS)
		return err_set(e, code, "%s: cannot %s: the store is read-only",
			       s->path, what);
	if (code == -EBUSY)
		return err_set(e, code,
			       "%s: cannot %s: the store is locked by another "
			       "writer",
			       s->path, what);
	return err_set(e, code, "%s: cannot %s: %s", s->path, what,
		       sqlite3_errmsg(s->db));
}

static int exec(struct store *s, const char *sql, struct err *e,
		const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(s, rc, e, what);
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st,
		   struct err *e)
{
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				    st, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(s, rc, e, "prepare a statement");
}

/* Query one integer (first column of the first row); *out = dflt if none. */
static int query_int(struct store *s, const char *sql, int64_t dflt,
		     int64_t *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	*out = dflt;
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			*out = sqlite3_column_int64(st, 0);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : db_fail(s, rc, e, "read the store");
}

static const char *sql_type(const struct column *c)
{
	switch (c->type) {
	case COL_STRING:
	case COL_ENUM:
		return "TEXT";
	case COL_DOUBLE:
		return "REAL";
	default:
		return "INTEGER";
	}
}

/* Append the store's column definitions of t (a datetime C is C, C_off). */
static void column_ddl(struct buf *b, const struct table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		const struct column *c = &t->cols[i];

		buf_printf(b, "%s\"%s\" %s%s", i ? ", " : "", c->name,
			   sql_type(c),
			   (c->flags & COL_KEY) ? " NOT NULL" : "");
		if (c->type == COL_DATETIME)
			buf_printf(b, ", \"%s_off\" INTEGER", c->name);
	}
}

/* The unique index on the key: finds a row by its key (replacing, parent
 * lookups), and keeps keys unique. */
static void index_ddl(struct buf *b, const struct table *t)
{
	size_t nk = schema_nkeys(t);

	buf_printf(b, "CREATE UNIQUE INDEX \"%s_key\" ON \"%s\" (", t->dir,
		   t->dir);
	for (size_t k = 0; k < nk; k++)
		buf_printf(b, "%s\"%s\"", k ? ", " : "", t->cols[k].name);
	buf_addstr(b, ");\n");
}

static void table_ddl(struct buf *b, const struct table *t)
{
	size_t nk = schema_nkeys(t);

	buf_printf(b, "CREATE TABLE \"%s\" (", t->dir);
	column_ddl(b, t);
	buf_addstr(b, ", _t INTEGER NOT NULL");
	if (t->instant == INSTANT_SPAN)
		buf_addstr(b, ", _t_end INTEGER");
	/* Rows are stored in (_t, key) order: the rows of a period, in key
	 * order within each instant, are one range of the table itself. */
	buf_addstr(b, ", _refresh INTEGER NOT NULL, PRIMARY KEY (_t, ");
	for (size_t k = 0; k < nk; k++)
		buf_printf(b, "%s\"%s\"", k ? ", " : "", t->cols[k].name);
	buf_addstr(b, ")) WITHOUT ROWID;\n");
	index_ddl(b, t);
}

static const char base_ddl[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;\n"
	"CREATE TABLE refresh (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,\n"
	"  started INTEGER NOT NULL, committed INTEGER NOT NULL,\n"
	"  rows INTEGER NOT NULL, files INTEGER NOT NULL, version TEXT);\n"
	"CREATE TABLE refresh_file (refresh INTEGER NOT NULL, seq INTEGER "
	"NOT NULL,\n"
	"  tbl TEXT NOT NULL, source TEXT NOT NULL, rows INTEGER NOT NULL,\n"
	"  PRIMARY KEY (refresh, seq)) WITHOUT ROWID;\n"
	"CREATE TABLE refresh_touch (refresh INTEGER NOT NULL, tbl TEXT NOT "
	"NULL,\n"
	"  first_day INTEGER NOT NULL, last_day INTEGER,\n"
	"  PRIMARY KEY (refresh, tbl, first_day)) WITHOUT ROWID;\n"
	"CREATE TABLE hr_attribute (position INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE, added_refresh INTEGER);\n";

/* Activity tallies (store_tally_*): added to older stores by their next
 * refresh, so not part of the store format's version. */
static const char tally_ddl[] =
	"CREATE TABLE IF NOT EXISTS activity_tally (\n"
	"  interval INTEGER NOT NULL, start INTEGER NOT NULL,\n"
	"  hr TEXT NOT NULL, tally BLOB NOT NULL,\n"
	"  PRIMARY KEY (interval, start, hr)) WITHOUT ROWID;\n";

static int create_schema(struct store *s, struct err *e)
{
	struct buf b = BUF_INIT(1 << 20);
	int ret;

	buf_printf(&b,
		   "BEGIN;\nPRAGMA application_id = %d;\n"
		   "PRAGMA user_version = %d;\n%s",
		   STORE_APP_ID, STORE_SCHEMA_VERSION, base_ddl);
	buf_addstr(&b, tally_ddl);
	buf_printf(&b,
		   "INSERT INTO meta VALUES ('created_by', "
		   "'collabfs %s');\n"
		   "INSERT INTO meta VALUES ('store_id', "
		   "lower(hex(randomblob(16))));\n",
		   COLLABFS_VERSION);
	for (size_t i = 0; i < schema_ntables; i++)
		table_ddl(&b, &schema_tables[i]);
	buf_addstr(&b, "COMMIT;\n");
	ret = b.err ? err_set(e, b.err, "out of memory")
		    : exec(s, b.data, e, "create the store");
	if (ret)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	buf_release(&b);
	return ret;
}

/* Is this an empty database (a new file), a collabfs store we can read, or
 * something else? */
static int check_identity(struct store *s, struct err *e)
{
	int64_t app, ver, nobj;
	int ret = query_int(s, "PRAGMA application_id", 0, &app, e);

	if (ret == -EINVAL)
		return err_set(e, ret,
			       "%s: not a collabfs store (not an SQLite "
			       "database)",
			       s->path);
	if (ret)
		return ret;
	ret = query_int(s, "PRAGMA user_version", 0, &ver, e);
	if (!ret)
		ret = query_int(s, "SELECT count(*) FROM sqlite_schema", 0,
				&nobj, e);
	if (ret)
		return ret;
	if (app == 0 && ver == 0 && nobj == 0)
		return 1; /* empty: to be created */
	if (app != STORE_APP_ID)
		return err_set(e, -EINVAL,
			       "%s: not a collabfs store (an SQLite "
			       "database made by another program)",
			       s->path);
	if (ver > STORE_SCHEMA_VERSION)
		return err_set(
			e, -EPROTO,
			"%s: made by a newer collabfs (store format %" PRId64
			"; this collabfs %s reads formats up to %d)",
			s->path, ver, COLLABFS_VERSION, STORE_SCHEMA_VERSION);
	return 0;
}

static int load_hr(struct store *s, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	for (size_t i = 0; i < s->nhr; i++)
		free(s->hr[i]);
	s->nhr = 0;
	rc = sqlite3_prepare_v2(
		s->db, "SELECT name FROM hr_attribute ORDER BY position", -1,
		&st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nh = realloc(s->hr, (s->nhr + 1) * sizeof(*nh));
		char *name = strdup((const char *)sqlite3_column_text(st, 0));

		if (!nh || !name) {
			free(name);
			if (nh)
				s->hr = nh;
			sqlite3_finalize(st);
			return err_set(e, -ENOMEM, "out of memory");
		}
		s->hr = nh;
		s->hr[s->nhr++] = name;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, rc, e, "read the store");
}

/* 0 if path is a file we may open as asked, 1 if it is absent and may be
 * created, or -errno. */
static int check_file(const char *path, unsigned flags, struct err *e)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT && (flags & STORE_CREATE))
			return 1; /* to be created */
		return err_set(e, -errno, "%s: cannot open the store: %s", path,
			       errno == ENOENT ? "no such file"
					       : "cannot stat");
	}
	if (!S_ISREG(st.st_mode))
		return err_set(e, -EINVAL,
			       "%s: not a collabfs store (not a "
			       "regular file)",
			       path);
	if (!(flags & STORE_READONLY) &&
	    (!(st.st_mode & 0222) || access(path, W_OK) != 0))
		return err_set(e, -EROFS, "%s: the store file is read-only",
			       path);
	return 0;
}

/* A new store (nobody can be reading it) is loaded with a rollback journal
 * and its indexes are built after the rows: its first refresh writes each
 * page once.  Every later refresh runs in WAL mode beside readers. */
#define VISIT_PTR   "collabfs_visit"
#define VISIT_PARAM 20 /* past ?1, ?2 (the span) */
#define WHO_PTR	    "collabfs_people"
#define WHO_PARAM   21 /* past a position's ?3, ?4... */

static void visit_step(sqlite3_context *ctx, int argc, sqlite3_value **argv);
static void visit_final(sqlite3_context *ctx);
static void who_any(sqlite3_context *ctx, int argc, sqlite3_value **argv);
static void who_list_step(sqlite3_context *ctx, int argc, sqlite3_value **argv);
static void who_list_final(sqlite3_context *ctx);
static int who_update(struct store_refresh *r, struct err *e);

static int configure(struct store *s, int fresh, struct err *e)
{
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_create_function(s->db, "collabfs_visit", -1, SQLITE_UTF8, NULL,
				NULL, visit_step, visit_final);
	sqlite3_create_function(s->db, "collabfs_who_any", 2, SQLITE_UTF8, NULL,
				who_any, NULL, NULL);
	sqlite3_create_function(s->db, "collabfs_who_list", 2, SQLITE_UTF8,
				NULL, NULL, who_list_step, who_list_final);
	if (s->flags & STORE_READONLY)
		return exec(s, "PRAGMA query_only = 1", e, "open the store");
	s->bulk = fresh;
	return exec(s,
		    fresh ? "PRAGMA page_size = 16384;" /* long range scans */
			    "PRAGMA journal_mode = DELETE;"
			    "PRAGMA synchronous = NORMAL;"
			    "PRAGMA cache_size = -32768;"
			  : "PRAGMA journal_mode = WAL;"
			    "PRAGMA synchronous = NORMAL;"
			    "PRAGMA cache_size = -32768;"
			    "PRAGMA journal_size_limit = 67108864;",
		    e, "open the store");
}

static void sqlite_config_once(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Process-wide SQLite settings, before its first use: no memory statistics
 * (they take a global mutex on every allocation). */
static void sqlite_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, sqlite_config_once);
}

/* Identify the open database and make it ready: create a new store's
 * schema, refuse what is not ours. */
static int setup(struct store *s, int *created, struct err *e)
{
	int ret = check_identity(s, e);
	int fresh = ret == 1;

	if (ret < 0)
		return ret;
	if (fresh && (s->flags & STORE_READONLY))
		return err_set(e, -EINVAL, "%s: not a collabfs store (empty)",
			       s->path);
	ret = configure(s, fresh, e);
	if (!ret && fresh)
		ret = create_schema(s, e);
	if (!ret && created)
		*created = fresh;
	return ret ? ret : load_hr(s, e);
}

int store_open(const char *path, unsigned flags, struct store **out,
	       int *created, struct err *e)
{
	struct store *s;
	int oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
					      : SQLITE_OPEN_READWRITE;
	int ret, rc, absent;

	*out = NULL;
	if (created)
		*created = 0;
	ret = check_file(path, flags, e);
	if (ret < 0)
		return ret;
	absent = ret == 1;
	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return err_set(e, -ENOMEM, "out of memory");
	}
	s->flags = flags;
	sqlite_setup();
	rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	ret = rc == SQLITE_OK ? setup(s, created, e)
			      : db_fail(s, rc, e, "open the store");
	if (ret) {
		store_close(s);
		return ret;
	}
	/* an empty file that was there before is the user's: never "ours" */
	if (created && !absent)
		*created = 0;
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	for (size_t i = 0; i < s->nhr; i++)
		free(s->hr[i]);
	free(s->hr);
	free(s->path);
	free(s);
}

void store_remove(const char *path)
{
	char tmp[4096];

	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s-wal", path);
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s-shm", path);
	unlink(tmp);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

size_t store_hr_count(const struct store *s)
{
	return s->nhr;
}

const char *store_hr_name(const struct store *s, size_t i)
{
	return i < s->nhr ? s->hr[i] : NULL;
}

/* ---- refreshes ---------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t day_of_t(int64_t t)
{
	return floor_div(t, 86400);
}

static int prepare_str(struct store *s, sqlite3_str *q, sqlite3_stmt **st,
		       struct err *e)
{
	char *sql = sqlite3_str_finish(q);
	int ret;

	if (!sql)
		return err_set(e, -ENOMEM, "out of memory");
	ret = prepare(s, sql, st, e);
	sqlite3_free(sql);
	return ret;
}

static size_t tidx_of(const struct table *t)
{
	return (size_t)(t - schema_tables);
}

/* A bulk load drops the key indexes and builds each one (by sorting, much
 * cheaper than keeping it row by row) when first needed: when a child
 * table opens (it looks its parents up), when the table's loader closes,
 * at the latest at commit.  A repeated key is then found either at its
 * line, by the (_t, key) primary key (participants take their parent's
 * instant, so a repeated participant always collides there), or when the
 * index is built (store_refresh_dup tells which key).  CallParticipants
 * keeps its index: a call is placed by looking up its participants while
 * they load.  All inside the refresh's transaction: a rollback restores
 * every index. */
static int keeps_index(const struct table *t)
{
	const struct table *p = schema_parent(t);

	return p && p->instant == INSTANT_CHILDREN;
}

static int defer_indexes(struct store_refresh *r, struct err *e)
{
	struct buf b = BUF_INIT(1 << 16);
	int ret;

	for (size_t i = 0; i < schema_ntables; i++) {
		if (keeps_index(&schema_tables[i]))
			continue;
		buf_printf(&b, "DROP INDEX \"%s_key\";\n",
			   schema_tables[i].dir);
		r->deferred[i] = 1;
	}
	ret = b.err ? err_set(e, b.err, "out of memory")
		    : exec(r->s, b.data, e, "index the store");
	buf_release(&b);
	return ret;
}

/* The first key that appears twice in t (for the message). */
static int find_dup(struct store_refresh *r, const struct table *t,
		    struct err *e)
{
	sqlite3_str *q = sqlite3_str_new(r->s->db);
	size_t nk = schema_nkeys(t);
	sqlite3_stmt *st = NULL;
	char kt[600] = "", v[200];
	size_t o = 0;
	int ret;

	sqlite3_str_appendall(q, "SELECT ");
	for (size_t k = 0; k < nk; k++)
		sqlite3_str_appendf(q, "%s\"%w\"", k ? ", " : "",
				    t->cols[k].name);
	sqlite3_str_appendf(q, " FROM \"%w\" GROUP BY ", t->dir);
	for (size_t k = 0; k < nk; k++)
		sqlite3_str_appendf(q, "%s%d", k ? ", " : "", (int)k + 1);
	sqlite3_str_appendall(q, " HAVING count(*) > 1 LIMIT 1");
	ret = prepare_str(r->s, q, &st, e);
	if (ret)
		return ret;
	r->ndup = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		for (size_t k = 0; k < nk && k < 2; k++) {
			const char *c =
				(const char *)sqlite3_column_text(st, (int)k);

			r->dup[k] = strdup(c ? c : "");
			if (!r->dup[k])
				break;
			r->ndup = k + 1;
			o += (size_t)snprintf(kt + o, sizeof(kt) - o, "%s%s %s",
					      k ? ", " : "", t->cols[k].name,
					      err_quote(v, sizeof(v), r->dup[k],
							strlen(r->dup[k])));
		}
	sqlite3_finalize(st);
	return err_set(e, -EEXIST,
		       "duplicate key %s: an earlier line of this import has "
		       "the same key",
		       kt);
}

/* Build t's key index if the bulk load put it off. */
static int build_index(struct store_refresh *r, size_t tidx, struct err *e)
{
	struct buf b = BUF_INIT(4096);
	int rc;

	if (!r->deferred[tidx])
		return 0;
	index_ddl(&b, &schema_tables[tidx]);
	rc = b.err ? SQLITE_NOMEM
		   : sqlite3_exec(r->s->db, b.data, NULL, NULL, NULL);
	buf_release(&b);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return find_dup(r, &schema_tables[tidx], e);
	if (rc != SQLITE_OK)
		return db_fail(r->s, rc, e, "index the store");
	r->deferred[tidx] = 0;
	return 0;
}

int store_loader_check_keys(struct store_loader *l, struct err *e)
{
	return build_index(l->r, l->tidx, e);
}

size_t store_refresh_dup(const struct store_refresh *r, const char *const **key)
{
	*key = (const char *const *)r->dup;
	return r->ndup;
}

int store_refresh_begin(struct store *s, const char *kind,
			struct store_refresh **out, struct err *e)
{
	struct store_refresh *r;
	int ret;

	*out = NULL;
	if (s->flags & STORE_READONLY)
		return err_set(e, -EROFS, "%s: opened read-only", s->path);
	r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < STORE_MAX_TABLES; i++)
		r->touch[i].open_from = TOUCH_OPEN;
	r->s = s;
	r->started = (int64_t)time(NULL);
	ret = exec(s, "BEGIN IMMEDIATE", e, "start a refresh");
	if (!ret)
		ret = query_int(s, "SELECT max(id) FROM refresh", 0, &r->id, e);
	if (!ret && s->bulk)
		ret = defer_indexes(r, e);

	if (ret) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		free(r);
		return ret;
	}
	r->id++;
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	*out = r;
	return 0;
}

static void refresh_free(struct store_refresh *r)
{
	for (size_t k = 0; k < r->ndup; k++)
		free(r->dup[k]);
	for (size_t i = 0; i < STORE_MAX_TABLES; i++)
		touch_release(&r->touch[i]);
	sqlite3_finalize(r->tally_put);
	free(r);
}

void store_refresh_abort(struct store_refresh *r)
{
	if (!r)
		return;
	sqlite3_exec(r->s->db, "ROLLBACK", NULL, NULL, NULL);
	load_hr(r->s, NULL); /* forget HR attributes added by the refresh */
	refresh_free(r);
}

struct touch_writer {
	struct store *s;
	sqlite3_stmt *st;
	int64_t id;
	const char *tbl;
};

static int write_touch(int64_t first, int64_t last, void *arg)
{
	struct touch_writer *w = arg;
	int rc;

	sqlite3_bind_int64(w->st, 1, w->id);
	sqlite3_bind_text(w->st, 2, w->tbl, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->st, 3, first);
	if (last == TOUCH_OPEN)
		sqlite3_bind_null(w->st, 4);
	else
		sqlite3_bind_int64(w->st, 4, last);
	rc = sqlite3_step(w->st);
	sqlite3_reset(w->st);
	return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

static int record_refresh(struct store_refresh *r, struct err *e)
{
	struct store *s = r->s;
	struct touch_writer w = { s, NULL, r->id, NULL };
	sqlite3_stmt *st = NULL;
	int ret, rc;

	ret = prepare(s, "INSERT INTO refresh VALUES (?, ?, ?, ?, ?, ?, ?)",
		      &st, e);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->started);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	sqlite3_bind_int64(st, 5, r->rows);
	sqlite3_bind_int64(st, 6, r->files);
	sqlite3_bind_text(st, 7, COLLABFS_VERSION, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, e, "record the refresh");
	ret = prepare(s, "INSERT INTO refresh_touch VALUES (?, ?, ?, ?)", &w.st,
		      e);
	for (size_t i = 0; !ret && i < schema_ntables; i++) {
		w.tbl = schema_tables[i].dir;
		rc = touch_each(&r->touch[i], write_touch, &w);
		if (rc)
			ret = db_fail(s, SQLITE_IOERR, e, "record the refresh");
	}
	sqlite3_finalize(w.st);
	return ret;
}

int store_refresh_commit(struct store_refresh *r, int64_t *id, struct err *e)
{
	struct store *s = r->s;
	int ret;

	if (r->open_loaders) {
		ret = err_set(e, -EINVAL,
			      "internal: refresh committed with "
			      "open tables");
		goto out;
	}
	ret = record_refresh(r, e);
	for (size_t i = 0; !ret && i < schema_ntables; i++)
		ret = build_index(r, i, e);
	if (!ret)
		ret = who_update(r, e);
	if (!ret)
		ret = exec(s, "COMMIT", e, "commit the refresh");
	if (!ret && s->bulk) {
		s->bulk = 0;
		ret = exec(s,
			   "PRAGMA journal_mode = WAL;"
			   "PRAGMA journal_size_limit = 67108864;",
			   e, "switch the store to WAL");
	}
	if (!ret && id)
		*id = r->id;
	if (!ret)
		ret = load_hr(s, e);
out:
	if (ret) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		load_hr(s, NULL);
	}
	refresh_free(r);
	return ret;
}

/* ---- loaders ------------------------------------------------------------ */

static int valid_hr_name(const struct table *t, const char *name)
{
	return schema_hr_name_ok(t, name) &&
	       value_check_utf8(name, strlen(name), NULL) == 0;
}

/* Run SQL built by sqlite3_str (finishing it). */
static int exec_str(struct store *s, sqlite3_str *q, struct err *e,
		    const char *what)
{
	char *sql = sqlite3_str_finish(q);
	int ret;

	if (!sql)
		return err_set(e, -ENOMEM, "out of memory");
	ret = exec(s, sql, e, what);
	sqlite3_free(sql);
	return ret;
}

/* Add HR attribute name to the store unless it is there (without case);
 * *col gets the store's spelling. */
static int ensure_hr(struct store_refresh *r, const struct table *t,
		     const char *name, const char **col, struct err *e)
{
	struct store *s = r->s;
	sqlite3_str *q;
	char **nh;
	int ret;

	for (size_t i = 0; i < s->nhr; i++)
		if (strcasecmp(s->hr[i], name) == 0) {
			*col = s->hr[i];
			return 0;
		}
	if (!valid_hr_name(t, name)) {
		char qn[200];

		return err_set(e, -EINVAL, "%s cannot be an HR attribute name",
			       err_quote(qn, sizeof(qn), name, strlen(name)));
	}
	q = sqlite3_str_new(s->db);
	sqlite3_str_appendf(q,
			    "ALTER TABLE \"%w\" ADD COLUMN \"%w\" TEXT;"
			    "INSERT INTO hr_attribute SELECT coalesce("
			    "max(position), 0) + 1, %Q, %lld FROM hr_attribute",
			    t->dir, name, name, (long long)r->id);
	ret = exec_str(s, q, e, "add an HR attribute");
	if (ret)
		return ret;
	nh = realloc(s->hr, (s->nhr + 1) * sizeof(*nh));
	if (!nh)
		return err_set(e, -ENOMEM, "out of memory");
	s->hr = nh;
	s->hr[s->nhr] = strdup(name);
	if (!s->hr[s->nhr])
		return err_set(e, -ENOMEM, "out of memory");
	*col = s->hr[s->nhr++];
	return 0;
}

/* " WHERE k1 = ?1 AND k2 = ?2" over t's key, or over its parent column. */
static void where_key(sqlite3_str *q, const struct table *t, int parent_only)
{
	size_t nk = parent_only ? 1 : schema_nkeys(t);

	for (size_t k = 0; k < nk; k++)
		sqlite3_str_appendf(q, "%s\"%w\" = ?%d",
				    k ? " AND " : " WHERE ", t->cols[k].name,
				    (int)k + 1);
}

static int bind_count(const struct table *t, size_t nhr)
{
	int n = 0;

	for (size_t i = 0; i < t->ncols; i++)
		n += t->cols[i].type == COL_DATETIME ? 2 : 1;
	return n + (int)nhr + (t->instant == INSTANT_SPAN ? 3 : 2);
}

/* INSERT of nrows rows (several rows a statement: fewer VM steps). */
static int prepare_insert(struct store_loader *l, const char *const *cols,
			  const char *verb, size_t nrows, sqlite3_stmt **st,
			  struct err *e)
{
	const struct table *t = l->t;
	sqlite3_str *q = sqlite3_str_new(l->r->s->db);
	int n = bind_count(t, l->nhr);

	sqlite3_str_appendf(q, "%s INTO \"%w\" (", verb, t->dir);
	for (size_t i = 0; i < t->ncols; i++) {
		sqlite3_str_appendf(q, "%s\"%w\"", i ? ", " : "",
				    t->cols[i].name);
		if (t->cols[i].type == COL_DATETIME)
			sqlite3_str_appendf(q, ", \"%w_off\"", t->cols[i].name);
	}
	for (size_t j = 0; j < l->nhr; j++)
		sqlite3_str_appendf(q, ", \"%w\"", cols[j]);
	sqlite3_str_appendall(q, t->instant == INSTANT_SPAN ? ", _t, _t_end"
							    : ", _t");
	sqlite3_str_appendall(q, ", _refresh) VALUES ");
	for (size_t r = 0; r < nrows; r++) {
		sqlite3_str_appendall(q, r ? ", (?" : "(?");
		for (int i = 1; i < n; i++)
			sqlite3_str_appendall(q, ", ?");
		sqlite3_str_appendall(q, ")");
	}
	return prepare_str(l->r->s, q, st, e);
}

/* The statements that keep instants right: see store_loader_put. */
static int prepare_lookups(struct store_loader *l, struct err *e)
{
	struct store *s = l->r->s;
	const struct table *t = l->t, *p = schema_parent(t);
	const struct table *c = t->child ? schema_table(t->child) : NULL;
	sqlite3_str *q = sqlite3_str_new(s->db);
	int ret;

	sqlite3_str_appendf(q, "SELECT _t, %s, _refresh FROM \"%w\"",
			    t->instant == INSTANT_SPAN ? "_t_end" : "NULL",
			    t->dir);
	where_key(q, t, 0);
	ret = prepare_str(s, q, &l->old, e);
	if (!ret && p) {
		q = sqlite3_str_new(s->db);
		sqlite3_str_appendf(q, "SELECT _t FROM \"%w\"", p->dir);
		where_key(q, p, 0);
		ret = prepare_str(s, q, &l->parent, e);
	}
	if (!ret && c) {
		q = sqlite3_str_new(s->db);
		sqlite3_str_appendf(q, "UPDATE \"%w\" SET _t = ?2", c->dir);
		where_key(q, c, 1);
		ret = prepare_str(s, q, &l->retime, e);
	}
	return ret;
}

/* SELECT min(instant) FROM ct WHERE <parent key> = ?1: where a call's
 * earliest participant starts. */
static int prepare_min(struct store *s, const struct table *ct,
		       sqlite3_stmt **st, struct err *e)
{
	int icol = schema_column_with(ct, COL_INSTANT);
	sqlite3_str *q = sqlite3_str_new(s->db);

	sqlite3_str_appendf(q, "SELECT min(\"%w\") FROM \"%w\"",
			    ct->cols[icol].name, ct->dir);
	where_key(q, ct, 1);
	return prepare_str(s, q, st, e);
}

static int prepare_set_t(struct store *s, const struct table *t,
			 int parent_only, sqlite3_stmt **st, struct err *e)
{
	sqlite3_str *q = sqlite3_str_new(s->db);

	sqlite3_str_appendf(q, "UPDATE \"%w\" SET _t = ?%d", t->dir,
			    parent_only ? 2 : (int)schema_nkeys(t) + 1);
	where_key(q, t, parent_only);
	return prepare_str(s, q, st, e);
}

/* Calls are placed by their earliest participant: the statements that
 * place a call (Calls loader) or move a call and its participants
 * (CallParticipants loader). */
static int prepare_children_instant(struct store_loader *l, struct err *e)
{
	struct store *s = l->r->s;
	const struct table *t = l->t, *p = schema_parent(t);
	int ret = 0;

	if (t->instant == INSTANT_CHILDREN)
		return prepare_min(s, schema_table(t->child), &l->minchild, e);
	if (!p || p->instant != INSTANT_CHILDREN)
		return 0;
	ret = prepare_min(s, t, &l->minchild, e);
	if (!ret)
		ret = prepare_set_t(s, p, 0, &l->settime, e);
	if (!ret)
		ret = prepare_set_t(s, t, 1, &l->retime_self, e);
	return ret;
}

void store_loader_free(struct store_loader *l)
{
	if (!l)
		return;
	sqlite3_finalize(l->ins);
	sqlite3_finalize(l->ins_many);
	sqlite3_finalize(l->rep);
	sqlite3_finalize(l->old);
	sqlite3_finalize(l->parent);
	sqlite3_finalize(l->retime);
	sqlite3_finalize(l->minchild);
	sqlite3_finalize(l->settime);
	sqlite3_finalize(l->retime_self);
	buf_release(&l->parent_key);
	buf_release(&l->dirty);
	if (l->r)
		l->r->open_loaders--;
	free(l);
}

static int map_hr(struct store_loader *l, const char *const *hr, size_t nhr,
		  const char ***cols, struct err *e)
{
	const char **c = calloc(nhr + 1, sizeof(*c));
	int ret = 0;

	*cols = c;
	if (!c)
		return err_set(e, -ENOMEM, "out of memory");
	if (nhr && !l->t->hr_attributes)
		return err_set(e, -EINVAL, "%s has no HR attributes",
			       l->t->name);
	for (size_t j = 0; j < nhr && !ret; j++) {
		for (size_t k = 0; k < j; k++)
			if (strcasecmp(hr[k], hr[j]) == 0)
				return err_set(
					e, -EINVAL,
					"HR attribute \"%s\" appears twice",
					hr[j]);
		ret = ensure_hr(l->r, l->t, hr[j], &c[j], e);
	}
	return ret;
}

int store_loader_open(struct store_refresh *r, const struct table *t,
		      const char *const *hr, size_t nhr,
		      struct store_loader **out, struct err *e)
{
	struct store_loader *l = calloc(1, sizeof(*l));
	const char **cols = NULL;
	int ret;

	*out = NULL;
	if (!l)
		return err_set(e, -ENOMEM, "out of memory");
	r->open_loaders++;
	l->r = r;
	l->t = t;
	l->tidx = (size_t)(t - schema_tables);
	l->nhr = nhr;
	l->ptidx = t->parent ? tidx_of(schema_parent(t)) : 0;
	l->icol = schema_column_with(t, COL_INSTANT);
	l->ecol = schema_column_with(t, COL_SPAN_END);
	buf_init(&l->parent_key, 1 << 20);
	buf_init(&l->dirty, 1 << 20);
	ret = map_hr(l, hr, nhr, &cols, e);
	if (!ret && t->parent) /* its rows look their parents up */
		ret = build_index(r, tidx_of(schema_parent(t)), e);
	if (!ret)
		ret = prepare_insert(l, cols, "INSERT", 1, &l->ins, e);
	if (!ret)
		ret = prepare_insert(l, cols, "INSERT OR REPLACE", 1, &l->rep,
				     e);
	l->chunk = STORE_CHUNK_PARAMS / (size_t)bind_count(t, nhr);
	if (l->chunk > STORE_CHUNK_ROWS)
		l->chunk = STORE_CHUNK_ROWS;
	if (!ret && l->chunk > 1)
		ret = prepare_insert(l, cols, "INSERT", l->chunk, &l->ins_many,
				     e);
	if (!ret)
		ret = prepare_lookups(l, e);
	if (!ret)
		ret = prepare_children_instant(l, e);
	free(cols);
	if (ret) {
		store_loader_free(l);
		return ret;
	}
	*out = l;
	return 0;
}

/* Where a row goes: its instant (and the end of its span). */
struct placing {
	int64_t t, end;
	int has_t, has_end;
};

static int64_t secs_of_ms(int64_t ms)
{
	return floor_div(ms, 1000);
}

/* Bind one value at parameter p (two for a datetime: instant and offset);
 * returns the next parameter. */
static int bind_value(sqlite3_stmt *st, int p, const struct value *v, int dt)
{
	if (v->kind == VAL_INT)
		sqlite3_bind_int64(st, p, v->u.i);
	else if (v->kind == VAL_REAL)
		sqlite3_bind_double(st, p, v->u.d);
	else if (v->kind == VAL_TEXT)
		sqlite3_bind_text(st, p, v->u.s.p, (int)v->u.s.n,
				  SQLITE_STATIC);
	else if (v->kind == VAL_TIME)
		sqlite3_bind_int64(st, p, v->u.t.ms);
	else
		sqlite3_bind_null(st, p);
	if (!dt)
		return p + 1;
	if (v->kind == VAL_TIME && v->u.t.has_off)
		sqlite3_bind_int(st, p + 1, v->u.t.off);
	else
		sqlite3_bind_null(st, p + 1);
	return p + 2;
}

/* _t of a row that has no instant (a call without participants): past any
 * datetime, so no period ever holds it. */
#define T_NONE INT64_MAX

static void bind_t(sqlite3_stmt *st, int p, int has, int64_t t)
{
	sqlite3_bind_int64(st, p, has ? t : T_NONE);
}

/* Read a _t column: *has = 0 for T_NONE (or no row / NULL). */
static void column_t(sqlite3_stmt *st, int col, int64_t *t, int *has)
{
	*t = sqlite3_column_int64(st, col);
	*has = sqlite3_column_type(st, col) != SQLITE_NULL && *t != T_NONE;
}

static void bind_opt_int(sqlite3_stmt *st, int p, int has, int64_t v)
{
	if (has)
		sqlite3_bind_int64(st, p, v);
	else
		sqlite3_bind_null(st, p);
}

/* Bind the row's values in the order of prepare_insert. */
static int bind_row(struct store_loader *l, sqlite3_stmt *st, int p,
		    const struct value *vals, const struct placing *pl)
{
	const struct table *t = l->t;

	for (size_t i = 0; i < t->ncols + l->nhr; i++)
		p = bind_value(st, p, &vals[i],
			       i < t->ncols && t->cols[i].type == COL_DATETIME);
	bind_t(st, p++, pl->has_t, pl->t);
	if (t->instant == INSTANT_SPAN)
		bind_opt_int(st, p++, pl->has_end, pl->end);
	sqlite3_bind_int64(st, p, l->r->id);
	return p + 1;
}

static void bind_key(const struct table *t, sqlite3_stmt *st,
		     const struct value *vals, size_t nkeys)
{
	for (size_t k = 0; k < nkeys && k < schema_nkeys(t); k++)
		sqlite3_bind_text(st, (int)k + 1, vals[k].u.s.p,
				  (int)vals[k].u.s.n, SQLITE_STATIC);
}

/* "MeetingId "M1", PersonHistoricalId "H2"" for messages. */
static const char *key_text(const struct table *t, const struct value *vals,
			    char *dst, size_t size)
{
	size_t o = 0;

	dst[0] = '\0';
	for (size_t k = 0; k < schema_nkeys(t) && o < size; k++) {
		char q[200];

		err_quote(q, sizeof(q), vals[k].u.s.p, vals[k].u.s.n);
		o += (size_t)snprintf(dst + o, size - o, "%s%s %s",
				      k ? ", " : "", t->cols[k].name, q);
	}
	return dst;
}

/* Step a single-row query for one integer; *has = 0 if no row or NULL. */
static int step_int(sqlite3_stmt *st, int col, int64_t *v, int *has)
{
	int rc = sqlite3_step(st);

	*has = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, col) != SQLITE_NULL) {
		*v = sqlite3_column_int64(st, col);
		*has = 1;
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Mark the day of instant t in table tidx as touched. */
static int mark_day(struct store_loader *l, size_t tidx, int has_t, int64_t t)
{
	if (!has_t)
		return 0;
	return touch_mark(&l->r->touch[tidx], day_of_t(t), day_of_t(t));
}

/* Mark the days a row of the loader's table occupies. */
static int mark_place(struct store_loader *l, const struct placing *pl)
{
	/* A participant changes what its parent's period holds (who took
	 * part): the parent table's day is touched too. */
	if (l->t->instant == INSTANT_PARENT)
		return mark_day(l, l->tidx, pl->has_t, pl->t) ||
		       mark_day(l, l->ptidx, pl->has_t, pl->t);
	if (l->t->instant != INSTANT_SPAN)
		return mark_day(l, l->tidx, pl->has_t, pl->t);
	return touch_mark(&l->r->touch[l->tidx],
			  pl->has_t ? day_of_t(pl->t) : TOUCH_DAY_MIN,
			  pl->has_end ? day_of_t(pl->end) : TOUCH_OPEN);
}

/* Find the parent row of a participant (cached: participants of one parent
 * come together).  -ENOENT if there is none. */
static int find_parent(struct store_loader *l, const struct value *key,
		       struct err *e)
{
	int64_t t = 0;
	int has = 0, rc;
	char q[200];

	if (l->parent_known && l->parent_key.len == key->u.s.n &&
	    memcmp(l->parent_key.data, key->u.s.p, key->u.s.n) == 0)
		return 0;
	sqlite3_bind_text(l->parent, 1, key->u.s.p, (int)key->u.s.n,
			  SQLITE_STATIC);
	rc = sqlite3_step(l->parent);
	if (rc == SQLITE_ROW)
		column_t(l->parent, 0, &t, &has);
	sqlite3_reset(l->parent);
	if (rc == SQLITE_DONE)
		return err_set(e, -ENOENT,
			       "%s: %s has no row in %s (neither in the store "
			       "nor in this import)",
			       l->t->cols[0].name,
			       err_quote(q, sizeof(q), key->u.s.p, key->u.s.n),
			       schema_parent(l->t)->name);
	if (rc != SQLITE_ROW)
		return db_fail(l->r->s, rc, e, "look up a parent row");
	buf_reset(&l->parent_key);
	buf_add(&l->parent_key, key->u.s.p, key->u.s.n);
	l->parent_known = !l->parent_key.err;
	l->parent_t = t;
	l->parent_t_null = !has;
	return 0;
}

/* Set _t of a call (stmt settime) or of its participants (retime_self). */
static int set_call_t(sqlite3_stmt *st, const struct buf *key, int has,
		      int64_t t)
{
	int rc;

	sqlite3_bind_text(st, 1, key->data, (int)key->len, SQLITE_STATIC);
	bind_t(st, 2, has, t);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A call's participants changed: place the call (and them) by the earliest
 * participant again, marking the days they leave and enter. */
static int flush_dirty(struct store_loader *l, struct err *e)
{
	size_t pt = l->ptidx;
	struct placing now = { 0, 0, 0, 0 }, was = { 0, 0, 0, 0 };
	int rc, moved, ret;

	if (!l->dirty.len)
		return 0;
	sqlite3_bind_text(l->minchild, 1, l->dirty.data, (int)l->dirty.len,
			  SQLITE_STATIC);
	rc = step_int(l->minchild, 0, &now.t, &now.has_t);
	sqlite3_reset(l->minchild);
	now.t = secs_of_ms(now.t);
	sqlite3_bind_text(l->parent, 1, l->dirty.data, (int)l->dirty.len,
			  SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(l->parent)) == SQLITE_ROW) {
		column_t(l->parent, 0, &was.t, &was.has_t);
		rc = SQLITE_OK;
	}
	sqlite3_reset(l->parent);
	moved = was.has_t != now.has_t || was.t != now.t;
	if (rc == SQLITE_OK && moved)
		rc = set_call_t(l->settime, &l->dirty, now.has_t, now.t);
	if (rc == SQLITE_OK && moved)
		rc = set_call_t(l->retime_self, &l->dirty, now.has_t, now.t);
	buf_reset(&l->dirty);
	l->parent_known = 0;
	if (rc != SQLITE_OK)
		return db_fail(l->r->s, rc, e, "place a call");
	ret = mark_day(l, pt, was.has_t, was.t) ||
	      mark_day(l, l->tidx, was.has_t, was.t) ||
	      mark_day(l, pt, now.has_t, now.t) ||
	      mark_day(l, l->tidx, now.has_t, now.t);
	return ret ? err_set(e, -ENOMEM, "out of memory") : 0;
}

static int place_by_parent(struct store_loader *l, const struct value *vals,
			   struct placing *pl, struct err *e)
{
	int ret = find_parent(l, &vals[0], e);

	if (!ret && l->settime &&
	    (l->dirty.len != vals[0].u.s.n ||
	     memcmp(l->dirty.data, vals[0].u.s.p, vals[0].u.s.n) != 0)) {
		/* the first participant of another call: place the last */
		ret = flush_dirty(l, e);
		buf_add(&l->dirty, vals[0].u.s.p, vals[0].u.s.n);
		if (!ret && l->dirty.err)
			ret = err_set(e, l->dirty.err, "out of memory");
		if (!ret)
			ret = find_parent(l, &vals[0], e);
	}
	pl->has_t = !l->parent_t_null;
	pl->t = l->parent_t;
	return ret;
}

/* Work out where the row goes (struct placing). */
static int place(struct store_loader *l, const struct value *vals,
		 struct placing *pl, struct err *e)
{
	const struct value *v = &vals[l->icol < 0 ? 0 : l->icol];
	int rc;

	memset(pl, 0, sizeof(*pl));
	switch (l->t->instant) {
	case INSTANT_OWN:
		pl->has_t = v->kind == VAL_TIME;
		pl->t = pl->has_t ? secs_of_ms(v->u.t.ms) : 0;
		return 0;
	case INSTANT_SPAN:
		pl->has_t = 1;
		pl->t = secs_of_ms(v->kind == VAL_TIME ? v->u.t.ms
						       : DATETIME_MIN_MS);
		pl->has_end = vals[l->ecol].kind == VAL_TIME;
		pl->end = pl->has_end ? secs_of_ms(vals[l->ecol].u.t.ms) : 0;
		return 0;
	case INSTANT_PARENT:
		return place_by_parent(l, vals, pl, e);
	case INSTANT_CHILDREN:
		bind_key(l->t, l->minchild, vals, 1);
		rc = step_int(l->minchild, 0, &pl->t, &pl->has_t);
		sqlite3_reset(l->minchild);
		pl->t = secs_of_ms(pl->t);
		return rc == SQLITE_OK
			       ? 0
			       : db_fail(l->r->s, rc, e, "place a call");
	}
	return 0;
}

/* A parent row moved to another instant: so do its children. */
static int retime_children(struct store_loader *l, const struct value *vals,
			   const struct placing *was, const struct placing *pl,
			   struct err *e)
{
	size_t ct = tidx_of(schema_table(l->t->child));
	int rc;

	bind_key(l->t, l->retime, vals, 1);
	bind_t(l->retime, 2, pl->has_t, pl->t);
	rc = sqlite3_step(l->retime);
	sqlite3_reset(l->retime);
	if (rc != SQLITE_DONE)
		return db_fail(l->r->s, rc, e, "move participant rows");
	if (mark_day(l, ct, was->has_t, was->t) ||
	    mark_day(l, ct, pl->has_t, pl->t))
		return err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* Where the stored row with this key was, and which refresh wrote it. */
static int old_placing(struct store_loader *l, const struct value *vals,
		       struct placing *was, int64_t *refresh, struct err *e)
{
	sqlite3_stmt *st = l->old;
	int rc;

	memset(was, 0, sizeof(*was));
	*refresh = 0;
	bind_key(l->t, st, vals, schema_nkeys(l->t));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		column_t(st, 0, &was->t, &was->has_t);
		was->has_end = sqlite3_column_type(st, 1) != SQLITE_NULL;
		was->end = sqlite3_column_int64(st, 1);
		*refresh = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		       ? 0
		       : db_fail(l->r->s, rc, e, "look up a row");
}

/* The key exists: a duplicate in this refresh, or a correction of an older
 * row, which replaces it (and moves its children if its instant moved). */
static int replace_row(struct store_loader *l, const struct value *vals,
		       const struct placing *pl, struct err *e)
{
	struct placing was;
	int64_t refresh = l->r->id;
	char kt[600];
	int rc, ret = 0;

	/* A bulk load starts from an empty store: any collision is within
	 * this import (and the key index may not be there to look it up). */
	if (!l->r->s->bulk)
		ret = old_placing(l, vals, &was, &refresh, e);
	if (ret)
		return ret;
	if (refresh == l->r->id)
		return err_set(e, -EEXIST,
			       "duplicate key %s: an earlier line of this "
			       "import has the same key",
			       key_text(l->t, vals, kt, sizeof(kt)));
	if (mark_place(l, &was))
		return err_set(e, -ENOMEM, "out of memory");
	bind_row(l, l->rep, 1, vals, pl);
	rc = sqlite3_step(l->rep);
	sqlite3_reset(l->rep);
	if (rc != SQLITE_DONE)
		return db_fail(l->r->s, rc, e, "write a row");
	if (!l->retime || (was.has_t == pl->has_t && was.t == pl->t))
		return 0;
	return retime_children(l, vals, &was, pl, e);
}

int store_loader_put(struct store_loader *l, const struct value *vals,
		     struct err *e)
{
	struct placing pl;
	int ret, rc;

	ret = place(l, vals, &pl, e);
	if (ret)
		return ret;
	bind_row(l, l->ins, 1, vals, &pl);
	rc = sqlite3_step(l->ins);
	sqlite3_reset(l->ins);
	if (rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		ret = replace_row(l, vals, &pl, e);
	else if (rc != SQLITE_DONE)
		ret = db_fail(l->r->s, rc, e, "write a row");
	if (ret)
		return ret;
	/* A call's participants are marked when the call is placed. */
	if (!l->settime && mark_place(l, &pl))
		return err_set(e, -ENOMEM, "out of memory");
	l->rows++;
	l->r->rows++;
	return 0;
}

/* Insert one chunk of l->chunk rows with one statement.  Returns 0, 1 if
 * the chunk must go row by row (a key collides: replace or report it), or
 * -errno with *bad the failing row. */
static int put_chunk(struct store_loader *l, const struct value *vals,
		     size_t nv, size_t *bad, struct err *e)
{
	struct placing pl[STORE_CHUNK_ROWS];
	int p = 1, rc;

	*bad = 0;
	for (size_t k = 0; k < l->chunk; k++) {
		/* an orphan: row by row, so an earlier row's error wins */
		if (place(l, &vals[k * nv], &pl[k], e))
			return 1;
		p = bind_row(l, l->ins_many, p, &vals[k * nv], &pl[k]);
	}
	rc = sqlite3_step(l->ins_many);
	sqlite3_reset(l->ins_many);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE)
		return db_fail(l->r->s, rc, e, "write a row");
	for (size_t k = 0; k < l->chunk; k++)
		if (mark_place(l, &pl[k]))
			return err_set(e, -ENOMEM, "out of memory");
	l->rows += (int64_t)l->chunk;
	l->r->rows += (int64_t)l->chunk;
	return 0;
}

/* Rows [from, to) one by one; *bad = the failing row. */
static int put_each(struct store_loader *l, const struct value *vals,
		    size_t from, size_t to, size_t *bad, struct err *e)
{
	size_t nv = l->t->ncols + l->nhr;

	for (size_t k = from; k < to; k++) {
		int ret = store_loader_put(l, &vals[k * nv], e);

		if (ret) {
			*bad = k;
			return ret;
		}
	}
	return 0;
}

int store_loader_put_rows(struct store_loader *l, const struct value *vals,
			  size_t nrows, size_t *bad, struct err *e)
{
	size_t nv = l->t->ncols + l->nhr, done = 0, k = 0;
	int ret;

	*bad = 0;
	/* A call's participants place their call as they come: one by one. */
	while (l->ins_many && !l->settime && nrows - done >= l->chunk) {
		ret = put_chunk(l, &vals[done * nv], nv, &k, e);
		if (ret == 1) /* a key collides: the rows one by one */
			ret = put_each(l, vals, done, done + l->chunk, &k, e);
		else
			k += done;
		if (ret < 0) {
			*bad = k;
			return ret;
		}
		done += l->chunk;
	}
	return put_each(l, vals, done, nrows, bad, e);
}

static int record_file(struct store_loader *l, const char *source,
		       struct err *e)
{
	struct store_refresh *r = l->r;
	sqlite3_stmt *st = NULL;
	int ret, rc;

	ret = prepare(r->s, "INSERT INTO refresh_file VALUES (?, ?, ?, ?, ?)",
		      &st, e);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->files + 1);
	sqlite3_bind_text(st, 3, l->t->dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, l->rows);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->s, rc, e, "record the refresh");
	r->files++;
	return 0;
}

int store_loader_close(struct store_loader *l, const char *source,
		       struct err *e)
{
	int ret = l->settime ? flush_dirty(l, e) : 0;

	if (!ret)
		ret = build_index(l->r, l->tidx, e);
	if (!ret)
		ret = record_file(l, source, e);
	store_loader_free(l);
	return ret;
}

/* ---- reading the record ------------------------------------------------- */

int store_table_info(struct store *s, const struct table *t,
		     struct store_table_info *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	sqlite3_str *q = sqlite3_str_new(s->db);
	int ret, rc;

	memset(out, 0, sizeof(*out));
	out->table = t;
	/* a call without participants (T_NONE) has no day */
	sqlite3_str_appendf(q,
			    "SELECT count(*), min(_t), max(nullif(_t, %lld)) "
			    "FROM \"%w\"",
			    (long long)T_NONE, t->dir);
	ret = prepare_str(s, q, &st, e);
	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->rows = sqlite3_column_int64(st, 0);
		out->have_range = sqlite3_column_type(st, 1) != SQLITE_NULL;
		out->first_t = sqlite3_column_int64(st, 1);
		out->last_t = sqlite3_column_int64(st, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : db_fail(s, rc, e, "read the store");
}

int store_each_refresh(struct store *s,
		       int (*fn)(const struct store_refresh_info *, void *),
		       void *arg, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s,
			  "SELECT id, started, committed, kind, rows, "
			  "files FROM refresh ORDER BY id",
			  &st, e);
	int rc = SQLITE_OK;

	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_refresh_info ri;

		memset(&ri, 0, sizeof(ri));
		ri.id = sqlite3_column_int64(st, 0);
		ri.started = sqlite3_column_int64(st, 1);
		ri.committed = sqlite3_column_int64(st, 2);
		snprintf(ri.kind, sizeof(ri.kind), "%s",
			 (const char *)sqlite3_column_text(st, 3));
		ri.rows = sqlite3_column_int64(st, 4);
		ri.files = sqlite3_column_int64(st, 5);
		ret = fn(&ri, arg);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_fail(s, rc, e, "read the store");
	sqlite3_finalize(st);
	return ret;
}

int store_each_touch(struct store *s, int64_t refresh_id,
		     int (*fn)(const char *table, int64_t first_day,
			       int64_t last_day, void *),
		     void *arg, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s,
			  "SELECT tbl, first_day, last_day FROM "
			  "refresh_touch WHERE refresh = ? ORDER BY tbl, "
			  "first_day",
			  &st, e);
	int rc = SQLITE_OK;

	if (!ret)
		sqlite3_bind_int64(st, 1, refresh_id);
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t last = sqlite3_column_type(st, 2) == SQLITE_NULL
				       ? INT64_MAX
				       : sqlite3_column_int64(st, 2);

		ret = fn((const char *)sqlite3_column_text(st, 0),
			 sqlite3_column_int64(st, 1), last, arg);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_fail(s, rc, e, "read the store");
	sqlite3_finalize(st);
	return ret;
}

/* ---- scans --------------------------------------------------------------- */

struct store_scan {
	struct store *s;
	const struct table *t;
	sqlite3_stmt *st;
	size_t nv;	      /* values per row */
	int tcol;	      /* SQL column of _t (after the values) */
	struct value *vals;   /* [nv] */
	int *pick;	      /* [nv]: the columns chosen, or NULL for all */
	store_visit_fn visit; /* store_scan_visit: each row's reader, */
	void *visit_arg;
	struct err *visit_e;
	int visit_ret;			/* and what it returned */
	const struct store_people *who; /* store_scan_open_who's, or NULL */
};

/* The schema column of value i of the scan's rows (NULL: an HR
 * attribute). */
/* The column index (or t->ncols + HR attribute) of value i. */
static size_t scan_index(const struct store_scan *sc, size_t i)
{
	return sc->pick ? (size_t)sc->pick[i] : i;
}

static const struct column *scan_col(const struct store_scan *sc, size_t i)
{
	size_t c = scan_index(sc, i);

	return c < sc->t->ncols ? &sc->t->cols[c] : NULL;
}

/* The SQL name of value i. */
static const char *scan_name(const struct store_scan *sc, size_t i)
{
	size_t c = scan_index(sc, i);

	if (c < sc->t->ncols)
		return sc->t->cols[c].name;
	return c - sc->t->ncols < sc->s->nhr ? sc->s->hr[c - sc->t->ncols] : "";
}

/* Whether value i is a datetime (two SQL columns: ms and offset). */
static int scan_is_time(const struct store_scan *sc, size_t i)
{
	size_t c = scan_index(sc, i);

	return c < sc->t->ncols && sc->t->cols[c].type == COL_DATETIME;
}

/* Which rows a scan reads. */
enum scan_where {
	SCAN_RANGE,  /* placed in [?1, ?2) */
	SCAN_FROM,   /* the same, from the position ?3, ?4... */
	SCAN_PARENT, /* children of the parent whose key is ?1 */
};

/* The child rows of the parent key ?1, by the child's key index. */
static void where_parent(sqlite3_str *q, const struct table *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].flags & COL_PARENT) {
			sqlite3_str_appendf(q, "\"%w\" = ?1", t->cols[i].name);
			return;
		}
	sqlite3_str_appendall(q, "0");
}

/* The WHERE clause of the scan's rows, from a position if at: the key
 * columns come first in every table, so (_t, key...) is the table's
 * primary key and a row value comparison on it is one index seek. */
static void where_rows(sqlite3_str *q, const struct store_scan *sc,
		       enum scan_where w)
{
	const struct table *t = sc->t;
	size_t nk = schema_nkeys(t);

	/* From a position, the row value is the only lower bound on _t (the
	 * position lies inside [?1, ?2)): given "_t >= ?1" as well, SQLite
	 * seeks on that and filters every row before the position. */
	if (w == SCAN_PARENT)
		where_parent(q, t);
	else if (t->instant == INSTANT_SPAN)
		sqlite3_str_appendall(q, "_t < ?2 AND (_t_end IS NULL OR "
					 "_t_end >= ?1)");
	else if (w == SCAN_FROM)
		sqlite3_str_appendall(q, "_t < ?2");
	else
		sqlite3_str_appendall(q, "_t >= ?1 AND _t < ?2");
	if (sc->who) /* tested before any other column is read */
		sqlite3_str_appendf(q, " AND collabfs_who_any(?%d, _who)",
				    WHO_PARAM);
	if (w != SCAN_FROM)
		return;
	sqlite3_str_appendall(q, " AND (_t");
	for (size_t k = 0; k < nk; k++)
		sqlite3_str_appendf(q, ", \"%w\"", t->cols[k].name);
	sqlite3_str_appendall(q, ") >= (?3");
	for (size_t k = 0; k < nk; k++)
		sqlite3_str_appendf(q, ", ?%d", (int)k + 4);
	sqlite3_str_appendall(q, ")");
}

/* The columns of the scan's values, each followed by ", " (a datetime's
 * offset too). */
static void select_values(sqlite3_str *q, const struct store_scan *sc)
{
	for (size_t i = 0; i < sc->nv; i++) {
		sqlite3_str_appendf(q, "\"%w\", ", scan_name(sc, i));
		if (scan_is_time(sc, i))
			sqlite3_str_appendf(q, "\"%w_off\", ",
					    scan_name(sc, i));
	}
}

static int prepare_scan(struct store_scan *sc, enum scan_where w, struct err *e)
{
	const struct table *t = sc->t;
	sqlite3_str *q = sqlite3_str_new(sc->s->db);
	size_t nk = schema_nkeys(t);

	if (sc->visit) /* one aggregate row: the values go to visit_step */
		sqlite3_str_appendf(q, "SELECT collabfs_visit(?%d, ",
				    VISIT_PARAM);
	else
		sqlite3_str_appendall(q, "SELECT ");
	select_values(q, sc);
	sqlite3_str_appendf(q, "_t%s FROM \"%w\" WHERE ", sc->visit ? ")" : "",
			    t->dir);
	where_rows(q, sc, w);
	if (w == SCAN_PARENT || sc->visit) /* no order to give */
		return prepare_str(sc->s, q, &sc->st, e);
	sqlite3_str_appendall(q, " ORDER BY _t");
	for (size_t k = 0; k < nk; k++)
		sqlite3_str_appendf(q, ", \"%w\"", t->cols[k].name);
	return prepare_str(sc->s, q, &sc->st, e);
}

/* What a scan reads: table t's rows chosen by w, the columns of p (NULL:
 * all of them), handed out or to visit (NULL: handed out). */
struct scan_req {
	const struct table *t;
	enum scan_where w;
	const struct store_pick *p;
	store_visit_fn visit;
	const struct store_people *who; /* only rows one of them is in */
};

static int scan_make(struct store *s, const struct scan_req *rq,
		     struct store_scan **out, struct err *e)
{
	const int *pick = rq->p ? rq->p->cols : NULL;
	size_t npick = rq->p ? rq->p->ncols : 0;
	struct store_scan *sc = calloc(1, sizeof(*sc));
	int ret;

	*out = NULL;
	if (!sc)
		return err_set(e, -ENOMEM, "out of memory");
	sc->s = s;
	sc->t = rq->t;
	sc->visit = rq->visit;
	sc->who = rq->who;
	sc->nv = pick ? npick
		      : rq->t->ncols + (rq->t->hr_attributes ? s->nhr : 0);
	if (pick && (sc->pick = calloc(npick + 1, sizeof(int))))
		memcpy(sc->pick, pick, npick * sizeof(int));
	sc->vals = calloc(sc->nv + 1, sizeof(*sc->vals));
	if (!sc->vals || (pick && !sc->pick)) {
		store_scan_close(sc);
		return err_set(e, -ENOMEM, "out of memory");
	}
	sc->tcol = (int)sc->nv;
	for (size_t i = 0; i < sc->nv; i++)
		sc->tcol += scan_is_time(sc, i);
	ret = prepare_scan(sc, rq->w, e);
	if (!ret && sc->who) /* the set is the caller's: no destructor */
		sqlite3_bind_pointer(sc->st, WHO_PARAM, (void *)sc->who,
				     WHO_PTR, NULL);
	if (ret) {
		store_scan_close(sc);
		return ret;
	}
	*out = sc;
	return 0;
}

static int scan_new(struct store *s, const struct table *t, enum scan_where w,
		    const struct store_pick *p, struct store_scan **out,
		    struct err *e)
{
	struct scan_req rq = { t, w, p, NULL, NULL };

	return scan_make(s, &rq, out, e);
}

static int scan_bind(struct store_scan **out, int ret, int64_t t0, int64_t t1)
{
	if (ret)
		return ret;
	sqlite3_bind_int64((*out)->st, 1, t0);
	sqlite3_bind_int64((*out)->st, 2, t1);
	return 0;
}

int store_scan_open(struct store *s, const struct table *t, int64_t t0,
		    int64_t t1, struct store_scan **out, struct err *e)
{
	return scan_bind(out, scan_new(s, t, SCAN_RANGE, NULL, out, e), t0, t1);
}

static int check_pick(const struct store *s, const struct table *t,
		      const int *cols, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++)
		if (cols[i] < 0 || (size_t)cols[i] >= t->ncols + s->nhr ||
		    ((size_t)cols[i] >= t->ncols && !t->hr_attributes))
			return err_set(e, -EINVAL, "no column %d in %s",
				       cols[i], t->name);
	return 0;
}

int store_scan_visit(struct store *s, const struct store_pick *p,
		     store_visit_fn fn, void *arg, struct err *e)
{
	struct scan_req rq = { p->table, SCAN_RANGE, p, fn, NULL };
	struct store_scan *sc = NULL;
	int ret, rc;

	if (check_pick(s, p->table, p->cols, p->ncols, e))
		return -EINVAL;
	ret = scan_bind(&sc, scan_make(s, &rq, &sc, e), p->t0, p->t1);
	if (ret)
		return ret;
	sc->visit_arg = arg;
	sc->visit_e = e;
	sqlite3_bind_pointer(sc->st, VISIT_PARAM, sc, VISIT_PTR, NULL);
	while ((rc = sqlite3_step(sc->st)) == SQLITE_ROW)
		;
	if (sc->visit_ret)
		ret = sc->visit_ret;
	else if (rc != SQLITE_DONE)
		ret = db_fail(s, rc, e, "read the store");
	store_scan_close(sc);
	return ret;
}

int store_scan_open_pick(struct store *s, const struct store_pick *p,
			 struct store_scan **out, struct err *e)
{
	const struct table *t = p->table;

	*out = NULL;
	if (check_pick(s, t, p->cols, p->ncols, e))
		return -EINVAL;
	return scan_bind(out, scan_new(s, t, SCAN_RANGE, p, out, e), p->t0,
			 p->t1);
}

int store_scan_open_children(struct store *s, const struct table *child,
			     const int *cols, size_t ncols,
			     struct store_scan **out, struct err *e)
{
	struct store_pick p = { child, 0, 0, cols, ncols };

	*out = NULL;
	if (!child->parent)
		return err_set(e, -EINVAL, "%s has no parent table",
			       child->name);
	if (check_pick(s, child, cols, ncols, e))
		return -EINVAL;
	return scan_new(s, child, SCAN_PARENT, &p, out, e);
}

int store_scan_rekey(struct store_scan *sc, const struct value *key,
		     struct err *e)
{
	sqlite3_reset(sc->st);
	if (key->kind != VAL_TEXT)
		return err_set(e, -EINVAL, "a parent key must be text");
	sqlite3_bind_text(sc->st, 1, key->u.s.p, (int)key->u.s.n,
			  SQLITE_TRANSIENT);
	return 0;
}

/* A position: the row's _t in decimal, then each key value as
 * ",LEN:BYTES". */
void store_scan_pos(const struct store_scan *sc, struct buf *out)
{
	size_t nk = schema_nkeys(sc->t);

	buf_printf(out, "%lld",
		   (long long)sqlite3_column_int64(sc->st, sc->tcol));
	for (size_t k = 0; k < nk; k++) {
		const struct value *v = &sc->vals[k];
		size_t n = v->kind == VAL_TEXT ? v->u.s.n : 0;

		buf_printf(out, ",%zu:", n);
		if (n)
			buf_add(out, v->u.s.p, n);
	}
}

/* Bind the position pos[0..len) as ?3 (the _t) and ?4... (the keys). */
static int bind_pos(struct store_scan *sc, const char *pos, size_t len)
{
	const char *p = pos, *end = pos + len;
	size_t nk = schema_nkeys(sc->t);
	char *stop;
	long long t;

	errno = 0;
	t = strtoll(p, &stop, 10);
	if (stop == p || errno || stop > end)
		return -EINVAL;
	sqlite3_bind_int64(sc->st, 3, t);
	p = stop;
	for (size_t k = 0; k < nk; k++) {
		unsigned long long n;

		if (p >= end || *p != ',')
			return -EINVAL;
		n = strtoull(p + 1, &stop, 10);
		if (stop >= end || *stop != ':' || n > (size_t)(end - stop - 1))
			return -EINVAL;
		sqlite3_bind_text(sc->st, (int)k + 4, stop + 1, (int)n,
				  SQLITE_TRANSIENT);
		p = stop + 1 + n;
	}
	return p == end ? 0 : -EINVAL;
}

int store_scan_open_at(struct store *s, const struct store_scan_from *from,
		       struct store_scan **out, struct err *e)
{
	struct store_scan *sc = NULL;
	int ret = scan_new(s, from->table, SCAN_FROM, NULL, &sc, e);

	*out = NULL;
	if (ret || !sc)
		return ret ? ret : -ENOMEM;
	sqlite3_bind_int64(sc->st, 1, from->t0);
	sqlite3_bind_int64(sc->st, 2, from->t1);
	if (bind_pos(sc, from->pos, from->poslen)) {
		store_scan_close(sc);
		return err_set(e, -EINVAL, "%s: a bad scan position", s->path);
	}
	*out = sc;
	return 0;
}

/* A stored value sv (and off, a datetime's offset) as the schema column's
 * type. */
static void value_of(sqlite3_value *sv, sqlite3_value *off,
		     const struct column *col, struct value *v)
{
	int type = sqlite3_value_type(sv);

	if (type == SQLITE_NULL) {
		v->kind = VAL_NULL;
	} else if (col && col->type == COL_DATETIME) {
		v->kind = VAL_TIME;
		v->u.t.ms = sqlite3_value_int64(sv);
		v->u.t.has_off = sqlite3_value_type(off) != SQLITE_NULL;
		v->u.t.off = (int16_t)sqlite3_value_int(off);
	} else if (type == SQLITE_INTEGER) {
		v->kind = VAL_INT;
		v->u.i = sqlite3_value_int64(sv);
	} else if (type == SQLITE_FLOAT) {
		v->kind = VAL_REAL;
		v->u.d = sqlite3_value_double(sv);
	} else {
		v->kind = VAL_TEXT;
		v->u.s.p = (const char *)sqlite3_value_text(sv);
		v->u.s.n = (size_t)sqlite3_value_bytes(sv);
	}
}

static int is_time(const struct column *col)
{
	return col && col->type == COL_DATETIME;
}

/* The value of SQL column c as the schema column's type.  One
 * sqlite3_column_value per column, then sqlite3_value_* on it: the
 * sqlite3_column_* accessors each take and leave the connection's API
 * state, two or three times per value, which cost a fifth of a file's
 * rendering.  The connection is opened with SQLITE_OPEN_NOMUTEX, so the
 * "unprotected" value may be read with the sqlite3_value_* calls. */
static int scan_value(sqlite3_stmt *st, int c, const struct column *col,
		      struct value *v)
{
	value_of(sqlite3_column_value(st, c),
		 is_time(col) ? sqlite3_column_value(st, c + 1) : NULL, col, v);
	return c + (is_time(col) ? 2 : 1);
}

/* collabfs_visit(scan, values...): each row of a store_scan_visit, its
 * values handed to the scan's reader without leaving SQLite.  The scan
 * is looked up once per statement, in the aggregate's context. */
static void visit_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store_scan **at =
		sqlite3_aggregate_context(ctx, sizeof(struct store_scan *));
	struct store_scan *sc;
	int c = 1;

	if (!at || argc < 1)
		return;
	if (!*at)
		*at = sqlite3_value_pointer(argv[0], VISIT_PTR);
	sc = *at;
	if (!sc || sc->visit_ret)
		return;
	for (size_t i = 0; i < sc->nv; i++) {
		const struct column *col = scan_col(sc, i);

		if (c + is_time(col) >= argc)
			return;
		value_of(argv[c], is_time(col) ? argv[c + 1] : NULL, col,
			 &sc->vals[i]);
		c += 1 + is_time(col);
	}
	sc->visit_ret = sc->visit(sc->visit_arg, sc->vals, sc->visit_e);
	if (sc->visit_ret) /* stops the statement */
		sqlite3_result_error(ctx, "a row visitor stopped", -1);
}

static void visit_final(sqlite3_context *ctx)
{
	sqlite3_result_null(ctx);
}

int store_scan_next(struct store_scan *sc, const struct value **vals,
		    struct err *e)
{
	int rc = sqlite3_step(sc->st), c = 0;

	*vals = NULL;
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(sc->s, rc, e, "read the store");
	for (size_t i = 0; i < sc->nv; i++)
		c = scan_value(sc->st, c, scan_col(sc, i), &sc->vals[i]);
	*vals = sc->vals;
	return 1;
}

void store_scan_close(struct store_scan *sc)
{
	if (!sc)
		return;
	sqlite3_finalize(sc->st);
	free(sc->vals);
	free(sc->pick);
	free(sc);
}

int store_next_instant(struct store *s, const struct table *t, int64_t from,
		       int64_t *out, struct err *e)
{
	sqlite3_str *q = sqlite3_str_new(s->db);
	sqlite3_stmt *st = NULL;
	int ret, rc;

	*out = 0;
	sqlite3_str_appendf(
		q,
		"SELECT _t FROM \"%w\" WHERE _t >= ?1 AND _t < %lld "
		"ORDER BY _t LIMIT 1",
		t->dir, (long long)T_NONE);
	ret = prepare_str(s, q, &st, e);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, from);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	return rc == SQLITE_ROW ? 0 : db_fail(s, rc, e, "read the store");
}

/* ---- versions ------------------------------------------------------------ */

int store_snapshot_begin(struct store *s, int64_t *version, struct err *e)
{
	int ret = exec(s, "BEGIN", e, "read the store");

	if (!ret)
		ret = query_int(s, "SELECT max(id) FROM refresh", 0, version,
				e);
	if (!ret)
		ret = load_hr(s, e);
	if (ret)
		store_snapshot_end(s);
	return ret;
}

void store_snapshot_end(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
}

int store_version(struct store *s, int64_t *version, int64_t *committed,
		  struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s,
			  "SELECT id, committed FROM refresh ORDER BY id "
			  "DESC LIMIT 1",
			  &st, e);
	int rc;

	*version = 0;
	if (committed)
		*committed = 0;
	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int64(st, 0);
		if (committed)
			*committed = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		       ? 0
		       : db_fail(s, rc, e, "read the store");
}

static const char last_touch_sql[] =
	"SELECT id, committed FROM refresh r WHERE id > ?1 AND id <= ?2 AND "
	"(EXISTS (SELECT 1 FROM refresh_touch rt WHERE rt.refresh = r.id AND "
	"rt.tbl = ?3 AND rt.first_day <= ?5 AND (rt.last_day IS NULL OR "
	"rt.last_day >= ?4)) OR (?6 AND EXISTS (SELECT 1 FROM hr_attribute h "
	"WHERE h.added_refresh = r.id))) ORDER BY id DESC LIMIT 1";

int store_last_touch(struct store *s, const struct store_touch_query *q,
		     struct store_touch_hit *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s, last_touch_sql, &st, e);
	int rc;

	out->refresh = 0;
	out->committed = 0;
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, q->after);
	sqlite3_bind_int64(st, 2, q->upto);
	sqlite3_bind_text(st, 3, q->table->dir, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, q->first_day);
	sqlite3_bind_int64(st, 5, q->last_day);
	sqlite3_bind_int(st, 6, q->table->hr_attributes);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->refresh = sqlite3_column_int64(st, 0);
		out->committed = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		       ? 0
		       : db_fail(s, rc, e, "read the store");
}

int store_identity(struct store *s, struct buf *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s,
			  "SELECT coalesce((SELECT value FROM meta WHERE key "
			  "= 'store_id'), (SELECT started || '.' || committed "
			  "FROM refresh ORDER BY id LIMIT 1), '')",
			  &st, e);
	int rc;

	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		buf_addstr(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(s, rc, e, "read the store");
	return out->err ? err_set(e, out->err, "out of memory") : 0;
}

/* ---- activity tallies ---------------------------------------------------- */

/* ---- stamps of derived data -------------------------------------------------
 *
 * What a refresh works out from the rows (the activity tallies, the
 * parents' lists of who took part) is current when its meta stamp names
 * the refresh that last brought it up to date: a refresh by a collabfs
 * that does not keep it leaves the stamp behind.
 */

/* Whether meta's key holds exactly want. */
static int stamp_is(struct store *s, const char *key, const char *want,
		    int *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s, "SELECT value = ?2 FROM meta WHERE key = ?1", &st,
			  e);
	int rc;

	*out = 0;
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, want, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0) == 1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		       ? 0
		       : db_fail(s, rc, e, "read the store");
}

/* Set meta's key to value. */
static int stamp_set(struct store *s, const char *key, const char *value,
		     struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)", &st,
			  e);
	int rc;

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, rc, e, "update the store");
}

/* ---- activity tallies ---------------------------------------------------- */

#define TALLY_STAMP "activity_tally"

/* The tallies' stamp: "<layout> <refresh>". */
static void tally_stamp(int64_t layout, int64_t refresh, char *out, size_t size)
{
	snprintf(out, size, "%" PRId64 " %" PRId64, layout, refresh);
}

int store_tally_current(struct store *s, int64_t layout, struct err *e)
{
	int64_t version;
	char want[48];
	int cur = 0;
	int ret = store_version(s, &version, NULL, e);

	tally_stamp(layout, version, want, sizeof(want));
	if (!ret)
		ret = stamp_is(s, TALLY_STAMP, want, &cur, e);
	return ret ? ret : cur;
}

int store_tally_read(struct store *s, const struct store_tally *key,
		     store_tally_fn fn, void *arg, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s,
			  "SELECT hr, tally FROM activity_tally WHERE "
			  "interval = ? AND start = ? ORDER BY hr",
			  &st, e);
	int rc = SQLITE_DONE;

	if (ret)
		return ret;
	sqlite3_bind_int(st, 1, key->interval);
	sqlite3_bind_int64(st, 2, key->start);
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_tally t = *key;

		t.hr = (const char *)sqlite3_column_text(st, 0);
		t.nhr = (size_t)sqlite3_column_bytes(st, 0);
		t.data = sqlite3_column_blob(st, 1);
		t.len = (size_t)sqlite3_column_bytes(st, 1);
		ret = fn(arg, &t);
	}
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = db_fail(s, rc, e, "read the store");
	sqlite3_finalize(st);
	return ret;
}

struct store *store_refresh_store(struct store_refresh *r)
{
	return r->s;
}

int store_refresh_touched(const struct store_refresh *r, const struct table *t,
			  int (*fn)(int64_t first, int64_t last, void *arg),
			  void *arg)
{
	size_t i = (size_t)(t - schema_tables);

	return i < schema_ntables ? touch_each(&r->touch[i], fn, arg) : 0;
}

int store_tally_was_current(struct store_refresh *r, int64_t layout,
			    struct err *e)
{
	char want[48];
	int cur = 0;
	int ret = exec(r->s, tally_ddl, e, "add the activity tallies");

	tally_stamp(layout, r->id - 1, want, sizeof(want));
	if (!ret)
		ret = stamp_is(r->s, TALLY_STAMP, want, &cur, e);
	return ret ? ret : cur;
}

int store_tally_clear(struct store_refresh *r, int interval, int64_t start,
		      struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(r->s,
			  interval < 0 ? "DELETE FROM activity_tally"
				       : "DELETE FROM activity_tally WHERE "
					 "interval = ?1 AND start = ?2",
			  &st, e);
	int rc;

	if (ret)
		return ret;
	if (interval >= 0) {
		sqlite3_bind_int(st, 1, interval);
		sqlite3_bind_int64(st, 2, start);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE
		       ? 0
		       : db_fail(r->s, rc, e, "clear activity tallies");
}

int store_tally_put(struct store_refresh *r, const struct store_tally *t,
		    struct err *e)
{
	int ret = 0, rc;

	if (!r->tally_put)
		ret = prepare(r->s,
			      "INSERT OR REPLACE INTO activity_tally VALUES "
			      "(?, ?, ?, ?)",
			      &r->tally_put, e);
	if (ret)
		return ret;
	sqlite3_bind_int(r->tally_put, 1, t->interval);
	sqlite3_bind_int64(r->tally_put, 2, t->start);
	sqlite3_bind_text(r->tally_put, 3, t->hr, (int)t->nhr, SQLITE_STATIC);
	sqlite3_bind_blob(r->tally_put, 4, t->data, (int)t->len, SQLITE_STATIC);
	rc = sqlite3_step(r->tally_put);
	sqlite3_reset(r->tally_put);
	return rc == SQLITE_DONE
		       ? 0
		       : db_fail(r->s, rc, e, "store activity tallies");
}

int store_tally_mark(struct store_refresh *r, int64_t layout, struct err *e)
{
	char value[48];

	tally_stamp(layout, r->id, value, sizeof(value));
	return stamp_set(r->s, TALLY_STAMP, value, e);
}

/* ---- who took part ------------------------------------------------------ */

/* Each parent row's _who lists the people of its participant rows: the
 * person number of each one's PersonHistoricalId (person_number: numbers
 * 1, 2, ... in the order ids were first met), each as an unsigned LEB128
 * varint (7 bits a byte, the high bit set on all but the last), in the
 * participant table's order.  An empty blob: no participant; NULL: not
 * worked out (a row written by an older collabfs).  meta's who_refresh
 * names the last refresh that brought every list up to date: a reader
 * trusts the lists only if it is the store's last refresh. */

#define WHO_NUMBERS_PTR "collabfs_numbers"
#define WHO_STAMP	"who_refresh" /* the refresh id */

/* The person numbers while a refresh works the lists out: number n is key
 * n - 1 of ids. */
struct who_numbers {
	struct idset ids;
	size_t stored; /* the first ones, already in person_number */
};

/* One parent row's list, as collabfs_who_list builds it. */
struct who_list {
	struct who_numbers *num;
	unsigned char *heap; /* NULL while the list fits in small */
	size_t n, cap;
	int failed;
	unsigned char small[48];
};

/* Whether a list b[0..n) names someone of p. */
static int people_meet(const struct store_people *p, const unsigned char *b,
		       size_t n)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (size_t i = 0; i < n; i++) {
		v |= (uint64_t)(b[i] & 0x7f) << shift;
		shift += 7;
		if (b[i] & 0x80 && shift < 63)
			continue;
		if (v / 64 < p->nwords && (p->bits[v / 64] >> (v % 64) & 1))
			return 1;
		v = 0;
		shift = 0;
	}
	return 0;
}

/* collabfs_who_any(people, _who): whether a parent row is kept. */
static void who_any(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct store_people *p;
	const unsigned char *b;

	if (argc != 2) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	/* the set is a bound parameter, the same for every row: looked up
	 * once per statement (a lookup compares the pointer's type name) */
	p = sqlite3_get_auxdata(ctx, 0);
	if (!p) {
		p = sqlite3_value_pointer(argv[0], WHO_PTR);
		if (p)
			sqlite3_set_auxdata(ctx, 0, (void *)p, NULL);
	}
	b = sqlite3_value_blob(argv[1]);
	sqlite3_result_int(
		ctx, p && b &&
			     people_meet(p, b,
					 (size_t)sqlite3_value_bytes(argv[1])));
}

/* Append number v to l. */
static int list_put(struct who_list *l, uint32_t v)
{
	unsigned char *at;

	if (l->n + 5 > (l->heap ? l->cap : sizeof(l->small))) {
		size_t cap = l->cap ? l->cap * 2 : sizeof(l->small) * 2;
		unsigned char *p = sqlite3_realloc64(l->heap, cap);

		if (!p)
			return -ENOMEM;
		if (!l->heap)
			memcpy(p, l->small, l->n);
		l->heap = p;
		l->cap = cap;
	}
	at = (l->heap ? l->heap : l->small) + l->n;
	for (; v >= 0x80; v >>= 7)
		*at++ = (unsigned char)(v | 0x80);
	*at++ = (unsigned char)v;
	l->n = (size_t)(at - (l->heap ? l->heap : l->small));
	return 0;
}

/* The number of id p[0..n), numbering it if it is new. */
static int number_of(struct who_numbers *num, const char *p, size_t n,
		     uint32_t *out)
{
	ptrdiff_t i = idset_index(&num->ids, p, n);

	if (i < 0) {
		if (idset_count(&num->ids) >= UINT32_MAX - 1 ||
		    idset_add(&num->ids, p, n))
			return -ENOMEM;
		i = (ptrdiff_t)idset_count(&num->ids) - 1;
	}
	*out = (uint32_t)i + 1;
	return 0;
}

/* collabfs_who_list(numbers, PersonHistoricalId): the list of the
 * participant rows it is given (an aggregate). */
static void who_list_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct who_list *l = sqlite3_aggregate_context(ctx, sizeof(*l));
	uint32_t number;

	if (!l || argc != 2 || l->failed)
		return;
	if (!l->num)
		l->num = sqlite3_value_pointer(argv[0], WHO_NUMBERS_PTR);
	if (!l->num || sqlite3_value_type(argv[1]) != SQLITE_TEXT)
		return; /* keys are never NULL */
	if (number_of(l->num, (const char *)sqlite3_value_text(argv[1]),
		      (size_t)sqlite3_value_bytes(argv[1]), &number) ||
	    list_put(l, number))
		l->failed = 1;
}

static void who_list_final(sqlite3_context *ctx)
{
	struct who_list *l = sqlite3_aggregate_context(ctx, 0);

	if (!l) /* no participant row */
		sqlite3_result_zeroblob(ctx, 0);
	else if (l->failed || !l->num)
		sqlite3_result_error_nomem(ctx);
	else
		sqlite3_result_blob(ctx, l->heap ? l->heap : l->small,
				    (int)l->n, SQLITE_TRANSIENT);
	if (l)
		sqlite3_free(l->heap);
}

/* Run SQL made by sqlite3_mprintf-style formatting of one table name. */
static int exec_fmt(struct store *s, const char *fmt, const char *name,
		    struct err *e)
{
	sqlite3_str *q = sqlite3_str_new(s->db);

	sqlite3_str_appendf(q, fmt, name);
	return exec_str(s, q, e, "list who took part");
}

/* A store made by an older collabfs: add person_number and the parent
 * tables' _who columns (ALTER TABLE does not rewrite the rows). */
static int who_structure(struct store *s, struct err *e)
{
	int ret = exec(s,
		       "CREATE TABLE IF NOT EXISTS person_number (n INTEGER "
		       "PRIMARY KEY, id TEXT NOT NULL UNIQUE)",
		       e, "list who took part");

	for (size_t i = 0; !ret && i < schema_ntables; i++) {
		const struct table *t = &schema_tables[i];
		char *sql;
		int64_t has = 0;

		if (!t->child)
			continue;
		sql = sqlite3_mprintf("SELECT count(*) FROM pragma_table_xinfo("
				      "%Q) WHERE name = '_who'",
				      t->dir);
		ret = sql ? query_int(s, sql, 0, &has, e)
			  : err_set(e, -ENOMEM, "out of memory");
		sqlite3_free(sql);
		if (!ret && !has)
			ret = exec_fmt(
				s, "ALTER TABLE \"%w\" ADD COLUMN _who BLOB",
				t->dir, e);
	}
	return ret;
}

static int numbers_load(struct store *s, struct who_numbers *num, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s, "SELECT n, id FROM person_number ORDER BY n", &st,
			  e);
	int rc = SQLITE_OK;

	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		const char *id = (const char *)sqlite3_column_text(st, 1);

		/* numbers are dense from 1: number n is key n - 1 */
		if (sqlite3_column_int64(st, 0) !=
		    (int64_t)idset_count(&num->ids) + 1)
			ret = err_set(e, -EINVAL,
				      "%s: person_number is damaged", s->path);
		else if (!id || idset_add(&num->ids, id, n))
			ret = err_set(e, -ENOMEM, "out of memory");
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_fail(s, rc, e, "read the store");
	sqlite3_finalize(st);
	num->stored = idset_count(&num->ids);
	return ret;
}

/* Store the numbers given during this refresh. */
static int numbers_save(struct store *s, struct who_numbers *num, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s, "INSERT INTO person_number VALUES (?, ?)", &st, e);

	for (size_t i = num->stored; !ret && i < idset_count(&num->ids); i++) {
		size_t n;
		const char *id = idset_key(&num->ids, i, &n);
		int rc;

		sqlite3_bind_int64(st, 1, (int64_t)i + 1);
		sqlite3_bind_text(st, 2, id, (int)n, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			ret = db_fail(s, rc, e, "list who took part");
	}
	sqlite3_finalize(st);
	if (!ret)
		num->stored = idset_count(&num->ids);
	return ret;
}

/* UPDATE of parent table t's lists for the rows with _t in [?1, ?2]:
 * the participant rows of a parent carry its _t, so they are one range
 * of the participant table's primary key, read in the parents' order. */
static int prepare_who(struct store *s, const struct table *t,
		       sqlite3_stmt **st, struct err *e)
{
	const struct table *c = schema_table(t->child);
	sqlite3_str *q = sqlite3_str_new(s->db);

	sqlite3_str_appendf(
		q,
		"UPDATE \"%w\" SET _who = (SELECT collabfs_who_list(?3, "
		"c.\"%w\") FROM \"%w\" AS c WHERE c._t = \"%w\"._t AND "
		"c.\"%w\" = \"%w\".\"%w\") WHERE _t >= ?1 AND _t <= ?2",
		t->dir, c->cols[schema_column_with(c, COL_PERSON)].name, c->dir,
		t->dir, c->cols[schema_column_with(c, COL_PARENT)].name, t->dir,
		t->cols[0].name);
	return prepare_str(s, q, st, e);
}

/* One UPDATE of prepare_who over the days [first, last]. */
struct who_run {
	sqlite3_stmt *st;
};

static int64_t day_start(int64_t day)
{
	return day >= INT64_MAX / 86400 ? INT64_MAX : day * 86400;
}

static int who_days(int64_t first, int64_t last, void *arg)
{
	struct who_run *w = arg;
	int rc;

	sqlite3_bind_int64(w->st, 1, day_start(first));
	sqlite3_bind_int64(w->st, 2,
			   last == TOUCH_OPEN ? INT64_MAX
					      : day_start(last + 1) - 1);
	rc = sqlite3_step(w->st);
	sqlite3_reset(w->st);
	return rc == SQLITE_DONE ? 0 : rc;
}

/* Parent table t's lists: all of them, or those of the days r touched
 * (a participant written touches its parent's day; so does a parent
 * replaced, which loses its list). */
static int who_table(struct store_refresh *r, const struct table *t, int all,
		     struct who_numbers *num, struct err *e)
{
	struct who_run w = { NULL };
	int ret = prepare_who(r->s, t, &w.st, e), rc;

	if (ret)
		return ret;
	sqlite3_bind_pointer(w.st, 3, num, WHO_NUMBERS_PTR, NULL);
	rc = all ? who_days(INT64_MIN / 86400, TOUCH_OPEN, &w)
		 : touch_each(&r->touch[tidx_of(t)], who_days, &w);
	sqlite3_finalize(w.st);
	return rc ? db_fail(r->s, rc, e, "list who took part") : 0;
}

/* At commit: bring the parents' lists up to date.  Only the days this
 * refresh touched, if the refresh before it kept them too; else (a store
 * from an older collabfs, or one it wrote to last) every list. */
static int who_update(struct store_refresh *r, struct err *e)
{
	struct who_numbers num = { .stored = 0 };
	char stamp[24];
	int cur = 0, ret;

	snprintf(stamp, sizeof(stamp), "%" PRId64, r->id - 1);
	ret = stamp_is(r->s, WHO_STAMP, stamp, &cur, e);
	if (ret)
		return ret;
	if (!cur)
		ret = who_structure(r->s, e);
	idset_init(&num.ids);
	if (!ret)
		ret = numbers_load(r->s, &num, e);
	for (size_t i = 0; !ret && i < schema_ntables; i++)
		if (schema_tables[i].child)
			ret = who_table(r, &schema_tables[i], !cur, &num, e);
	if (!ret)
		ret = numbers_save(r->s, &num, e);
	idset_release(&num.ids);
	snprintf(stamp, sizeof(stamp), "%" PRId64, r->id);
	return ret ? ret : stamp_set(r->s, WHO_STAMP, stamp, e);
}

int store_who_ready(struct store *s, struct err *e)
{
	int64_t last;
	char want[24];
	int cur = 0;
	int ret = store_version(s, &last, NULL, e);

	snprintf(want, sizeof(want), "%" PRId64, last);
	if (!ret && last > 0)
		ret = stamp_is(s, WHO_STAMP, want, &cur, e);
	return ret ? ret : cur;
}

/* Add number n to p. */
static int people_add(struct store_people *p, uint64_t n)
{
	if (n / 64 >= p->nwords) {
		size_t words = (size_t)(n / 64) + 1 + p->nwords;
		uint64_t *b = realloc(p->bits, words * sizeof(*b));

		if (!b)
			return -ENOMEM;
		memset(b + p->nwords, 0, (words - p->nwords) * sizeof(*b));
		p->bits = b;
		p->nwords = words;
	}
	p->bits[n / 64] |= 1ULL << (n % 64);
	return 0;
}

int store_people_of(struct store *s,
		    int (*is_in)(void *arg, const char *id, size_t n),
		    void *arg, struct store_people *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prepare(s, "SELECT n, id FROM person_number", &st, e);
	int rc = SQLITE_OK;

	memset(out, 0, sizeof(*out));
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(st, 0);
		const char *id = (const char *)sqlite3_column_text(st, 1);

		if (n > 0 && n <= UINT32_MAX && id &&
		    is_in(arg, id, (size_t)sqlite3_column_bytes(st, 1)) &&
		    people_add(out, (uint64_t)n))
			ret = err_set(e, -ENOMEM, "out of memory");
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_fail(s, rc, e, "read the store");
	sqlite3_finalize(st);
	if (ret)
		store_people_release(out);
	return ret;
}

void store_people_release(struct store_people *p)
{
	free(p->bits);
	p->bits = NULL;
	p->nwords = 0;
}

int store_scan_open_who(struct store *s, const struct store_scan_from *from,
			const struct store_people *who, struct store_scan **out,
			struct err *e)
{
	struct scan_req rq = { from->table, from->pos ? SCAN_FROM : SCAN_RANGE,
			       NULL, NULL, who };
	struct store_scan *sc = NULL;
	int ret;

	*out = NULL;
	if (!from->table->child)
		return err_set(e, -EINVAL, "%s has no participant table",
			       from->table->name);
	ret = scan_make(s, &rq, &sc, e);
	if (ret || !sc)
		return ret ? ret : -ENOMEM;
	sqlite3_bind_int64(sc->st, 1, from->t0);
	sqlite3_bind_int64(sc->st, 2, from->t1);
	if (from->pos && bind_pos(sc, from->pos, from->poslen)) {
		store_scan_close(sc);
		return err_set(e, -EINVAL, "%s: a bad scan position", s->path);
	}
	*out = sc;
	return 0;
}
