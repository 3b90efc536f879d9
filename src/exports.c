/* exports.c - saved exports: save, remove, list, run.  See exports.h. */
#include "exports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "secrets.h"
#include "tree.h"

static int check_name(const char *name, struct err *e)
{
	size_t n = strlen(name);
	char q[80];

	if (n >= 1 && n <= EXPORT_NAME_MAX &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.") == n)
		return 0;
	return err_set(e, -EINVAL,
		       "export name %s: give 1 to %d letters, digits, '-', "
		       "'_' or '.'",
		       err_quote(q, sizeof(q), name, n), EXPORT_NAME_MAX);
}

/* Non-zero (e set) if there is no store at store: every command needs
 * one, so a mistyped path fails loudly. */
static int store_missing(const char *store, struct err *e)
{
	struct stat sb;

	if (stat(store, &sb) == 0)
		return 0;
	return err_set(e, -ENOENT, "%s: no such store (import into it first)",
		       store);
}

/* The store's sync state; with create 0, *st is NULL (and 0 returned)
 * when the store has none yet: no export was ever saved. */
static int open_state(const char *store, int create, struct syncstate **st,
		      struct err *e)
{
	struct buf path = BUF_INIT(8192);
	struct stat sb;
	int absent;

	*st = NULL;
	if (store_missing(store, e))
		return e->code;
	buf_printf(&path, "%s.sync/state.db", store);
	if (path.err)
		return err_set(e, -ENOMEM, "out of memory");
	absent = stat(path.data, &sb) != 0 && errno == ENOENT;
	buf_release(&path);
	if (absent && !create)
		return 0;
	return syncstate_open(store, st, e);
}

/* ---- save ---------------------------------------------------------------- */

/* Parse dest as sync would; x gets what must be kept to parse it again:
 * the text, and the environment's values only if the text needs them. */
static int check_dest(const char *dest, const struct azure_env *env,
		      struct secret *x, struct azure_dest *d, struct err *e)
{
	static const struct azure_env none = { NULL, NULL };
	struct err quiet = ERR_INIT;
	int ret;

	x->dest = (char *)dest;
	if (azure_dest_parse(dest, &none, d, &quiet) == 0)
		return 0;
	azure_dest_free(d);
	ret = azure_dest_parse(dest, env, d, e);
	if (ret)
		return err_prefix(e, "DEST");
	x->account_key = (char *)env->account_key;
	x->connection_string = (char *)env->connection_string;
	return 0;
}

/* The options, set in o (paths absolute) and written to text; then the
 * tree opened with them, as a run will. */
static int check_tree(const char *store, const char *options,
		      struct tree_options *o, struct buf *text, struct err *e)
{
	struct tree *t = NULL;
	int ret;

	if (store_missing(store, e))
		return e->code;
	ret = tree_options_parse(o, options, text, e);
	if (!ret && text->err)
		ret = err_set(e, -ENOMEM, "out of memory");
	if (!ret && text->len >= sizeof(((struct saved_export *)0)->options))
		ret = err_set(e, -EINVAL, "-o: the options are too long");
	if (!ret)
		ret = tree_open(store, o, &t, e);
	tree_close(t);
	return ret;
}

/* Record x in the state and its secret in the secrets file, both or
 * neither (as far as a crash between the two renames allows: then the
 * secret is there without its export, which is harmless). */
static int keep(const char *store, const struct saved_export *x,
		const struct secret *s, int *replaced, struct err *e)
{
	struct secrets sec;
	struct syncstate *st = NULL;
	int ret = secrets_load(store, &sec, e);

	if (!ret)
		ret = open_state(store, 1, &st, e);
	if (!ret)
		ret = syncstate_begin(st, e);
	if (!ret) {
		ret = syncstate_export_put(st, x, replaced, e);
		if (!ret)
			ret = secrets_set(&sec, s, e);
		if (!ret)
			ret = secrets_save(&sec, e);
		if (!ret)
			ret = syncstate_commit(st, e);
		if (ret)
			syncstate_rollback(st);
	}
	syncstate_close(st);
	secrets_free(&sec);
	return ret;
}

int exports_save(const char *store, const char *name, const char *dest,
		 const struct azure_env *env, const char *options,
		 struct err *e)
{
	int replaced = 0;
	struct saved_export x = { .created = (int64_t)time(NULL) };
	struct buf text = BUF_INIT(8192);
	struct secret s = { .name = (char *)name };
	struct tree_options o;
	struct azure_dest d = { 0 };
	int ret = check_name(name, e);

	tree_options_init(&o);
	if (!ret)
		ret = check_dest(dest, env, &s, &d, e);
	if (!ret)
		ret = check_tree(store, options ? options : "", &o, &text, e);
	if (!ret) {
		snprintf(x.name, sizeof(x.name), "%s", name);
		snprintf(x.dest, sizeof(x.dest), "%s", d.display);
		snprintf(x.options, sizeof(x.options), "%s",
			 text.data ? text.data : "");
		ret = keep(store, &x, &s, &replaced, e);
	}
	azure_dest_free(&d);
	tree_options_free(&o);
	buf_release(&text);
	return ret ? ret : replaced;
}

/* ---- remove and list ----------------------------------------------------- */

static int add_name(void *arg, const struct saved_export *x)
{
	struct buf *b = arg;

	buf_printf(b, "%s%s", b->len ? ", " : "", x->name);
	return 0;
}

/* The error for a name that is not saved, listing those that are. */
static int unknown(struct syncstate *st, const char *store, const char *name,
		   struct err *e)
{
	struct buf b = BUF_INIT(1 << 16);
	struct err ignore = ERR_INIT;
	char q[80];

	if (st)
		syncstate_exports(st, add_name, &b, &ignore);
	err_set(e, -ENOENT, "no saved export %s in %s (%s%s)",
		err_quote(q, sizeof(q), name, strlen(name)), store,
		b.len ? "saved: " : "none saved",
		b.len && b.data ? b.data : "");
	buf_release(&b);
	return e->code;
}

/* Remove name from the state and the secrets file, in st's transaction. */
static int forget_export(struct syncstate *st, struct secrets *sec,
			 const char *store, const char *name, struct err *e)
{
	int ret = syncstate_export_remove(st, name, e);

	if (ret == 0)
		return unknown(st, store, name, e);
	if (ret < 0 || !secrets_drop(sec, name))
		return ret < 0 ? ret : 0;
	return secrets_save(sec, e);
}

int exports_remove(const char *store, const char *name, struct err *e)
{
	struct syncstate *st = NULL;
	struct secrets sec;
	int ret = check_name(name, e);

	if (!ret)
		ret = secrets_load(store, &sec, e);
	if (ret)
		return ret;
	ret = open_state(store, 0, &st, e);
	if (!ret && !st)
		ret = unknown(NULL, store, name, e);
	if (!ret)
		ret = syncstate_begin(st, e);
	if (!ret) {
		ret = forget_export(st, &sec, store, name, e);
		ret = ret ? ret : syncstate_commit(st, e);
		if (ret)
			syncstate_rollback(st);
	}
	syncstate_close(st);
	secrets_free(&sec);
	return ret;
}

struct lister {
	struct syncstate *st;
	export_list_fn fn;
	void *arg;
	struct err *e;
};

static int list_one(void *arg, const struct saved_export *x)
{
	struct lister *l = arg;
	struct sync_run last = { .id = 0 };
	int ret = syncstate_last_run(l->st, x->name, &last, l->e);

	if (ret < 0)
		return ret;
	return l->fn(l->arg, x, ret ? &last : NULL);
}

int exports_list(const char *store, export_list_fn fn, void *arg, struct err *e)
{
	struct lister l = { NULL, fn, arg, e };
	int ret = open_state(store, 0, &l.st, e);

	if (!ret && l.st)
		ret = syncstate_exports(l.st, list_one, &l, e);
	syncstate_close(l.st);
	return ret;
}

/* ---- run ----------------------------------------------------------------- */

struct plan {
	struct saved_export *v;
	size_t n, cap;
};

static int plan_add(void *arg, const struct saved_export *x)
{
	struct plan *p = arg;

	if (array_room(&p->v, &p->cap, p->n, sizeof(p->v[0]), 4))
		return -ENOMEM;
	p->v[p->n++] = *x;
	return 0;
}

/* The exports to run: all, or the ones named (each must be saved). */
static int make_plan(const char *store, char *const *names, size_t n,
		     struct plan *p, struct err *e)
{
	struct syncstate *st = NULL;
	int ret = open_state(store, 0, &st, e);

	for (size_t i = 0; !ret && i < n; i++) {
		struct saved_export x = { .created = 0 };
		int got = st ? syncstate_export_get(st, names[i], &x, e) : 0;

		if (got < 0)
			ret = got;
		else if (!got)
			ret = unknown(st, store, names[i], e);
		else
			ret = plan_add(p, &x);
	}
	if (!ret && !n && st)
		ret = syncstate_exports(st, plan_add, p, e);
	if (ret == -ENOMEM)
		err_set(e, ret, "out of memory");
	syncstate_close(st);
	return ret;
}

struct runner {
	const char *store;
	struct secrets sec;
	int sec_ret; /* the secrets file could not be used: sec_err says why */
	struct err sec_err;
	struct audit *audit;
	export_done_fn fn;
	void *arg;
};

/* What a run of x needs: its options and its destination, authorized by
 * its secret. */
static int prepare(struct runner *r, const struct saved_export *x,
		   struct tree_options *o, struct azure_dest *d, struct err *e)
{
	const struct secret *s = secrets_find(&r->sec, x->name);
	struct azure_env env;

	if (r->sec_ret)
		return err_set(e, r->sec_ret, "%s", r->sec_err.msg);
	if (!s)
		return err_set(e, -ENOENT,
			       "%s: no credential for export '%s': save it "
			       "again",
			       r->sec.path, x->name);
	if (tree_options_parse(o, x->options, NULL, e))
		return e->code;
	o->facts_md5 = 1; /* Azure stores it: work it out once */
	env = (struct azure_env){ s->account_key, s->connection_string };
	if (azure_dest_parse(s->dest, &env, d, e))
		return err_prefix(e, "%s [%s]", r->sec.path, x->name);
	if (strcmp(d->display, x->dest) != 0)
		return err_set(e, -EINVAL,
			       "%s [%s]: the credential is for %s, not for "
			       "the export's %s: save it again",
			       r->sec.path, x->name, d->display, x->dest);
	return 0;
}

/* A run that failed before it could start: Failed in the history and
 * the audit trail. */
static void record_failed(const char *store, struct audit *a,
			  const struct saved_export *x, const struct err *why)
{
	struct err ignore = ERR_INIT;
	struct syncstate *st = NULL;
	struct sync_run run;

	memset(&run, 0, sizeof(run));
	snprintf(run.dest, sizeof(run.dest), "%s", x->dest);
	snprintf(run.options, sizeof(run.options), "%s", x->options);
	snprintf(run.export_name, sizeof(run.export_name), "%s", x->name);
	snprintf(run.error, sizeof(run.error), "%s", why->msg);
	run.requested = run.started = run.finished = (int64_t)time(NULL);
	run.status = RUN_FAILED;
	if (syncstate_open(store, &st, &ignore) == 0)
		syncstate_run_new(st, &run, &ignore);
	syncstate_close(st);
	sync_audit_run(a, &run);
}

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int run_one(struct runner *r, const struct saved_export *x)
{
	struct err e = ERR_INIT;
	struct sync_result res;
	struct tree_options o;
	struct azure_dest d = { 0 };
	struct timespec t0;
	struct export_outcome out = { x->name, x->dest, &res, 0, &e, 0 };
	int ret;

	memset(&res, 0, sizeof(res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tree_options_init(&o);
	ret = prepare(r, x, &o, &d, &e);
	if (ret) {
		record_failed(r->store, r->audit, x, &e);
	} else {
		struct sync_opts so = { .store = r->store,
					.tree = &o,
					.options_text = x->options,
					.export_name = x->name,
					.dest = &d,
					.jobs = 4,
					.upload_cutoff = (size_t)8 << 20,
					.audit = r->audit };

		azure_opts_init(&so.net);
		ret = sync_run(&so, &res, &e);
	}
	out.ret = ret;
	out.secs = since(&t0);
	if (r->fn)
		r->fn(r->arg, &out);
	azure_dest_free(&d);
	tree_options_free(&o);
	return ret;
}

int exports_run(const char *store, char *const *names, size_t n,
		export_done_fn fn, void *arg, struct err *e)
{
	struct runner r = {
		.store = store, .sec_err = ERR_INIT, .fn = fn, .arg = arg
	};
	struct plan p = { 0 };
	int ret = make_plan(store, names, n, &p, e), failed = 0;

	if (!ret && p.n) {
		r.sec_ret = secrets_load(store, &r.sec, &r.sec_err);
		ret = audit_open(store, &r.audit, e);
		if (!ret)
			ret = azure_global_init(e);
		for (size_t i = 0; !ret && i < p.n; i++)
			failed += run_one(&r, &p.v[i]) != 0;
		if (!ret)
			azure_global_cleanup();
		audit_close(r.audit);
		secrets_free(&r.sec);
	}
	free(p.v);
	return ret ? ret : failed;
}
