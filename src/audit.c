/* audit.c - the audit recorder: entries queued by readers, written in
 * batches by a thread of their own.  See audit.h. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define AUDIT_BATCH	4096  /* entries that wake the writer at once */
#define AUDIT_QUEUE_MAX 65536 /* entries past which audit_add waits */
#define AUDIT_PERIOD_S	1     /* the writer's longest sleep */

struct audit {
	char *store;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the writer: work, or stop */
	pthread_cond_t room; /* writers of entries: the queue shrank */
	struct audit_item *q;
	size_t n, cap;
	int stop;
	uint64_t failures;
	pthread_t thread;
};

static void free_items(struct audit_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].fields);
	free(items);
}

/* Take the queue, waiting up to a second for it to fill. */
static size_t take(struct audit *a, struct audit_item **items, int *stop)
{
	size_t n;

	pthread_mutex_lock(&a->lock);
	if (!a->stop && a->n < AUDIT_BATCH) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += AUDIT_PERIOD_S;
		pthread_cond_timedwait(&a->wake, &a->lock, &until);
	}
	*items = a->q;
	n = a->n;
	*stop = a->stop;
	a->q = NULL;
	a->n = a->cap = 0;
	pthread_cond_broadcast(&a->room);
	pthread_mutex_unlock(&a->lock);
	return n;
}

static void *writer(void *arg)
{
	struct audit *a = arg;

	for (;;) {
		struct audit_item *items = NULL;
		struct err e = ERR_INIT;
		int stop = 0;
		size_t n = take(a, &items, &stop);

		if (n && audit_log_append(a->store, items, n, &e)) {
			log_at(LOG_ERR, "audit trail: %s", e.msg);
			pthread_mutex_lock(&a->lock);
			a->failures += n;
			pthread_mutex_unlock(&a->lock);
		}
		free_items(items, n);
		if (stop && !n)
			return NULL;
	}
}

/* Free a recorder whose writer is not running (never started, or
 * joined), with anything still queued. */
static void audit_free(struct audit *a)
{
	free_items(a->q, a->n);
	pthread_cond_destroy(&a->room);
	pthread_cond_destroy(&a->wake);
	pthread_mutex_destroy(&a->lock);
	free(a->store);
	free(a);
}

int audit_open(const char *store, struct audit **out, struct err *e)
{
	struct audit *a = calloc(1, sizeof(*a));
	int ret;

	*out = NULL;
	if (!a || !(a->store = strdup(store))) {
		free(a);
		return err_set(e, -ENOMEM, "out of memory");
	}
	ret = audit_log_check(store, e);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->wake, NULL);
	pthread_cond_init(&a->room, NULL);
	if (!ret && pthread_create(&a->thread, NULL, writer, a))
		ret = err_set(e, -EAGAIN, "cannot start the audit writer");
	if (ret) {
		audit_free(a);
		return ret;
	}
	*out = a;
	return 0;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	audit_free(a);
}

uint64_t audit_failures(const struct audit *a)
{
	uint64_t n;

	pthread_mutex_lock((pthread_mutex_t *)&a->lock);
	n = a->failures;
	pthread_mutex_unlock((pthread_mutex_t *)&a->lock);
	return n;
}

void audit_stamp(char out[AUDIT_TIME_MAX])
{
	struct timespec ts;
	struct tm tm;
	char day[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, AUDIT_TIME_MAX, "%.20s.%03uZ", day,
		 (unsigned)(ts.tv_nsec / 1000000) % 1000U);
}

void audit_add(struct audit *a, const char *fields)
{
	struct audit_item it;

	if (!a)
		return;
	audit_stamp(it.time);
	it.fields = strdup(fields);
	pthread_mutex_lock(&a->lock);
	while (a->n >= AUDIT_QUEUE_MAX && !a->stop)
		pthread_cond_wait(&a->room, &a->lock);
	if (!it.fields ||
	    array_room(&a->q, &a->cap, a->n, sizeof(*a->q), 256)) {
		a->failures++;
		free(it.fields);
	} else {
		a->q[a->n++] = it;
		if (a->n >= AUDIT_BATCH)
			pthread_cond_signal(&a->wake);
	}
	pthread_mutex_unlock(&a->lock);
}

/* The name the kernel gives process pid ("?" once it is gone). */
static void process_name(pid_t pid, char *out, size_t size)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, out, size - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(out, size, "?");
		return;
	}
	out[n] = '\0';
	if (out[n - 1] == '\n')
		out[n - 1] = '\0';
}

void audit_open_event(struct audit *a, uid_t uid, pid_t pid, const char *path)
{
	char name[32];
	struct buf b = BUF_INIT(8192);

	if (!a)
		return;
	process_name(pid, name, sizeof(name));
	audit_str(&b, "event", "open");
	audit_int(&b, "uid", (int64_t)uid);
	audit_int(&b, "pid", (int64_t)pid);
	audit_str(&b, "process", name);
	audit_str(&b, "path", path);
	if (!b.err)
		audit_add(a, b.data);
	buf_release(&b);
}

void audit_who(struct buf *b)
{
	struct passwd pw, *found = NULL;
	char space[1024];
	uid_t uid = getuid();

	audit_int(b, "uid", (int64_t)uid);
	if (getpwuid_r(uid, &pw, space, sizeof(space), &found) || !found)
		audit_str(b, "user", "?");
	else
		audit_str(b, "user", pw.pw_name);
	audit_int(b, "pid", (int64_t)getpid());
}
