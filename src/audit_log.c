/* audit_log.c - the audit trail's file: append, read back, verify.  See
 * audit.h. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "value.h"

#define LINE_MAX_BYTES ((size_t)64 * 1024)
#define HASH_MEMBER    ",\"hash\":\""
#define ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* The chain's end: the last entry's seq and hash. */
struct audit_tail {
	int64_t seq;
	char hash[AUDIT_HASH_HEX + 1];
};

static char *path_with(const char *store, const char *suffix)
{
	struct buf b = BUF_INIT(8192);

	buf_addstr(&b, store);
	buf_addstr(&b, suffix);
	return buf_detach(&b, NULL);
}

char *audit_log_path(const char *store)
{
	return path_with(store, ".audit");
}

static void sha256_hex(const char *p, size_t n, char out[AUDIT_HASH_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		memset(md, 0, 32);
	value_hex(md, 32, out);
	out[AUDIT_HASH_HEX] = '\0';
}

/* ---- members -------------------------------------------------------------
 */

static void json_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	buf_addch(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf_addch(b, '\\');
			buf_addch(b, (char)*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_addstr(b, "\\u00");
			buf_addch(b, hex[*p >> 4]);
			buf_addch(b, hex[*p & 15]);
		} else {
			buf_addch(b, (char)*p);
		}
	}
	buf_addch(b, '"');
}

void audit_str(struct buf *b, const char *key, const char *value)
{
	if (b->len)
		buf_addch(b, ',');
	json_string(b, key);
	buf_addch(b, ':');
	json_string(b, value ? value : "");
}

void audit_int(struct buf *b, const char *key, int64_t value)
{
	if (b->len)
		buf_addch(b, ',');
	json_string(b, key);
	buf_printf(b, ":%" PRId64, value);
}

/* ---- reading entries -----------------------------------------------------
 */

/* One escape (just past its backslash) at *pp, written to *out. */
static int unescape_one(char **pp, char **out)
{
	static const char from[] = "nt\"\\/", to[] = "\n\t\"\\/";
	char *p = *pp;
	const char *k = *p ? strchr(from, *p) : NULL;

	if (k) {
		*(*out)++ = to[k - from];
		*pp = p + 1;
		return 0;
	}
	if (*p == 'u' && strspn(p + 1, "0123456789abcdefABCDEF") >= 4) {
		char hex[5] = { p[1], p[2], p[3], p[4], '\0' };
		unsigned long v = strtoul(hex, NULL, 16);

		char c = '?';

		if (v < 0x80)
			c = (char)v;
		*(*out)++ = c;
		*pp = p + 5;
		return 0;
	}
	return -1;
}

/* Unescape the JSON string at *pp (just past its opening quote) in place;
 * *pp is left past the closing quote.  Returns the value or NULL. */
static char *parse_string(char **pp)
{
	char *p = *pp, *out = p, *start = p;

	while (*p && *p != '"') {
		if (*p != '\\')
			*out++ = *p++;
		else if (p++, unescape_one(&p, &out))
			return NULL;
	}
	if (*p != '"')
		return NULL;
	*out = '\0';
	*pp = p + 1;
	return start;
}

/* One "key":value member at *pp into m. */
static int parse_member(char **pp, struct audit_member *m)
{
	char *p = *pp, *key, *end;

	if (*p++ != '"')
		return -1;
	key = parse_string(&p);
	if (!key || *p++ != ':' || strlen(key) >= sizeof(m->key))
		return -1;
	memcpy(m->key, key, strlen(key) + 1);
	if (*p == '"') {
		p++;
		m->value = parse_string(&p);
		if (!m->value)
			return -1;
	} else {
		m->value = p;
		end = p + (*p == '-');
		while (*end >= '0' && *end <= '9')
			end++;
		if (end == p || (*end != ',' && *end != '}'))
			return -1;
		p = end;
	}
	*pp = p;
	return 0;
}

/* Parse a copy of a line (work, overwritten) into en. */
static int parse_entry(char *work, struct audit_entry *en)
{
	char *p = work;

	en->n = 0;
	if (*p++ != '{')
		return -1;
	for (;;) {
		char sep;

		if (en->n == AUDIT_MEMBERS_MAX ||
		    parse_member(&p, &en->m[en->n]))
			return -1;
		en->n++;
		sep = *p;
		*p++ = '\0'; /* ends a number's value */
		if (sep == '}')
			return *p == '\0' ? 0 : -1;
		if (sep != ',')
			return -1;
	}
}

const char *audit_get(const struct audit_entry *en, const char *key)
{
	for (size_t i = 0; i < en->n; i++)
		if (strcmp(en->m[i].key, key) == 0)
			return en->m[i].value;
	return NULL;
}

int audit_log_each(const char *store, audit_each_fn fn, void *arg,
		   struct err *e)
{
	char *path = audit_log_path(store), *line = NULL, *work = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	FILE *f;
	int ret = 0;

	if (!path)
		return err_set(e, -ENOMEM, "out of memory");
	f = fopen(path, "re");
	if (!f) {
		ret = errno == ENOENT ? 0 : err_sys(e, 0, "read", path);
		free(path);
		return ret;
	}
	while (!ret && (n = getline(&line, &cap, f)) > 0) {
		struct audit_entry en = { .line = ++lineno, .text = line };

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		free(work);
		work = strdup(line);
		if (!work)
			ret = err_set(e, -ENOMEM, "out of memory");
		else if (parse_entry(work, &en))
			en.n = 0; /* not an entry: fn says what that means */
		if (!ret)
			ret = fn(arg, &en);
	}
	free(work);
	free(line);
	fclose(f);
	free(path);
	return ret;
}

/* ---- appending -------------------------------------------------------------
 */

/* The chain's end from the log's last line, at the end of chunk. */
static int tail_of(char *chunk, size_t n, struct audit_tail *t)
{
	struct audit_entry en;
	char *last;
	const char *seq, *hash;

	if (chunk[n - 1] == '\n')
		chunk[n - 1] = '\0';
	last = strrchr(chunk, '\n');
	last = last ? last + 1 : chunk;
	if (parse_entry(last, &en))
		return -EINVAL;
	seq = audit_get(&en, "seq");
	hash = audit_get(&en, "hash");
	if (!seq || !hash || strlen(hash) != AUDIT_HASH_HEX)
		return -EINVAL;
	t->seq = strtoll(seq, NULL, 10);
	memcpy(t->hash, hash, AUDIT_HASH_HEX + 1);
	return 0;
}

/* The last line of the open log (empty: the chain's start). */
static int read_tail(int fd, struct audit_tail *t, const char *path,
		     struct err *e)
{
	struct stat st;
	size_t want = 4096, n;
	char *chunk;
	int ret;

	t->seq = 0;
	memcpy(t->hash, ZERO_HASH, sizeof(t->hash));
	if (fstat(fd, &st))
		return err_sys(e, 0, "read", path);
	if (st.st_size == 0)
		return 0;
	for (;;) {
		n = (size_t)st.st_size < want ? (size_t)st.st_size : want;
		chunk = malloc(n + 1);
		if (!chunk)
			return err_set(e, -ENOMEM, "out of memory");
		if (pread(fd, chunk, n, st.st_size - (off_t)n) != (ssize_t)n) {
			free(chunk);
			return err_sys(e, 0, "read", path);
		}
		chunk[n] = '\0';
		/* a whole line in the chunk, or the whole file */
		if (n == (size_t)st.st_size || want >= LINE_MAX_BYTES ||
		    memchr(chunk, '\n', n - 1))
			break;
		free(chunk);
		want *= 4;
	}
	ret = tail_of(chunk, n, t);
	free(chunk);
	return ret ? err_set(e, ret,
			     "%s: its last line is not an audit entry (see "
			     "'collabfs audit --verify')",
			     path)
		   : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Record the chain's end in STORE.audit.head (replaced whole). */
static int write_head(const char *store, const struct audit_tail *t,
		      struct err *e)
{
	char *head = path_with(store, ".audit.head");
	char *tmp = path_with(store, ".audit.head.tmp");
	char text[128];
	int fd = -1, ret = 0;
	int n = snprintf(text, sizeof(text), "%" PRId64 " %s\n", t->seq,
			 t->hash);

	if (!head || !tmp)
		ret = err_set(e, -ENOMEM, "out of memory");
	else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			    0600)) < 0 ||
		 write_all(fd, text, (size_t)n) || rename(tmp, head))
		ret = err_sys(e, 0, "write", tmp);
	if (fd >= 0)
		close(fd);
	free(head);
	free(tmp);
	return ret;
}

/* The lines of items chained after t (t moves to the last one). */
static void format_items(const struct audit_item *items, size_t n,
			 struct audit_tail *t, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		size_t start = out->len;

		t->seq++;
		buf_printf(out, "{\"seq\":%" PRId64 ",\"time\":\"%s\",%s",
			   t->seq, items[i].time, items[i].fields);
		buf_printf(out, ",\"prev\":\"%s\"", t->hash);
		sha256_hex(out->data + start, out->len - start, t->hash);
		buf_printf(out, HASH_MEMBER "%s\"}\n", t->hash);
	}
}

/* The log of store, opened to append: -ENOENT (no message) when there is
 * no store to keep a log beside (a command about to fail on that). */
static int open_log(const char *store, const char *path, struct err *e)
{
	struct stat st;
	int fd;

	if (stat(store, &st))
		return -ENOENT;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, 0, "write the audit trail", path);
	return fd;
}

int audit_log_check(const char *store, struct err *e)
{
	char *path = audit_log_path(store);
	int fd;

	if (!path)
		return err_set(e, -ENOMEM, "out of memory");
	fd = open_log(store, path, e);
	free(path);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	close(fd);
	return 0;
}

int audit_log_append(const char *store, const struct audit_item *items,
		     size_t n, struct err *e)
{
	char *path = audit_log_path(store);
	struct buf out = BUF_INIT((size_t)1 << 30);
	struct audit_tail t = { 0, ZERO_HASH };
	int fd, ret;

	if (!path)
		return err_set(e, -ENOMEM, "out of memory");
	fd = open_log(store, path, e);
	if (fd < 0) {
		free(path);
		return fd == -ENOENT ? 0 : fd;
	}
	while ((ret = flock(fd, LOCK_EX)) && errno == EINTR)
		;
	ret = ret ? err_sys(e, 0, "lock", path) : read_tail(fd, &t, path, e);
	if (!ret) {
		format_items(items, n, &t, &out);
		if (out.err)
			ret = err_set(e, out.err, "out of memory");
		else if (write_all(fd, out.data, out.len))
			ret = err_sys(e, 0, "write", path);
	}
	if (!ret)
		ret = write_head(store, &t, e);
	close(fd); /* releases the lock */
	buf_release(&out);
	free(path);
	return ret;
}

/* ---- verifying -------------------------------------------------------------
 */

struct verify {
	void (*fn)(void *, const char *);
	void *arg;
	struct audit_verdict *v;
	struct audit_tail t;
};

static void problem(struct verify *vf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct verify *vf, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vf->v->problems++;
	if (vf->fn)
		vf->fn(vf->arg, msg);
}

static int check_entry(void *arg, const struct audit_entry *en)
{
	struct verify *vf = arg;
	const char *seq_s = audit_get(en, "seq"), *prev = audit_get(en, "prev");
	const char *hash = audit_get(en, "hash");
	const char *at = strstr(en->text, HASH_MEMBER);
	int64_t seq = seq_s ? strtoll(seq_s, NULL, 10) : 0;
	char want[AUDIT_HASH_HEX + 1];

	vf->v->entries++;
	if (!en->n) {
		problem(vf, "line %zu: not an audit entry (edited)", en->line);
		return 0;
	}
	if (!seq_s || !prev || !hash || !at || strlen(hash) != AUDIT_HASH_HEX) {
		problem(vf,
			"line %zu: not a chained entry (no seq, prev or hash)",
			en->line);
		return 0;
	}
	sha256_hex(en->text, (size_t)(at - en->text), want);
	if (strcmp(want, hash) != 0)
		problem(vf,
			"line %zu (seq %" PRId64 "): edited: its hash does "
			"not match its content",
			en->line, seq);
	if (seq > vf->t.seq + 1)
		problem(vf,
			"line %zu: entries %" PRId64 " to %" PRId64
			" are missing (deleted)",
			en->line, vf->t.seq + 1, seq - 1);
	else if (seq <= vf->t.seq)
		problem(vf,
			"line %zu (seq %" PRId64 "): inserted: seq %" PRId64
			" came before it",
			en->line, seq, vf->t.seq);
	else if (strcmp(prev, vf->t.hash) != 0)
		problem(vf,
			"line %zu (seq %" PRId64 "): does not chain to the "
			"entry before it (that one was replaced)",
			en->line, seq);
	vf->t.seq = seq;
	memcpy(vf->t.hash, hash, sizeof(vf->t.hash));
	return 0;
}

/* STORE.audit.head's record: 0 and seq, hash; -ENOENT; or -EINVAL. */
static int read_head(const char *head, int64_t *seq,
		     char hash[AUDIT_HASH_HEX + 1])
{
	FILE *f = fopen(head, "re");
	char line[160] = "", *end = NULL;
	int ret = -EINVAL;

	if (!f)
		return -ENOENT;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		*seq = strtoll(line, &end, 10);
		if (end != line && *end == ' ' &&
		    strlen(end + 1) == AUDIT_HASH_HEX) {
			memcpy(hash, end + 1, AUDIT_HASH_HEX + 1);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* The head file against the last entry read. */
static void check_head(const char *store, struct verify *vf)
{
	char *head = path_with(store, ".audit.head");
	char hash[AUDIT_HASH_HEX + 1] = "";
	int64_t seq = 0;
	int ret = head ? read_head(head, &seq, hash) : -ENOMEM;

	if (ret == -ENOENT && vf->v->entries)
		problem(vf,
			"%s is missing: entries cut off the end cannot be "
			"detected",
			head);
	else if (ret == -EINVAL)
		problem(vf, "%s: not a head record", head);
	else if (ret)
		; /* no entries and no head, or out of memory */
	else if (seq > vf->t.seq)
		problem(vf,
			"entries %" PRId64 " to %" PRId64 " are missing "
			"from the end (deleted)",
			vf->t.seq + 1, seq);
	else if (seq < vf->t.seq)
		problem(vf,
			"entries %" PRId64 " to %" PRId64 " are past the "
			"head record (added by hand, or a writer stopped "
			"before recording them)",
			seq + 1, vf->t.seq);
	else if (strcmp(hash, vf->t.hash) != 0)
		problem(vf,
			"the last entry (seq %" PRId64 ") is not the one "
			"the head records (replaced)",
			seq);
	free(head);
}

int audit_log_verify(const char *store, void (*fn)(void *, const char *),
		     void *arg, struct audit_verdict *v, struct err *e)
{
	struct verify vf = { fn, arg, v, { 0, ZERO_HASH } };
	int ret;

	memset(v, 0, sizeof(*v));
	ret = audit_log_each(store, check_entry, &vf, e);
	if (ret)
		return ret;
	check_head(store, &vf);
	memcpy(v->head, vf.t.hash, sizeof(v->head));
	return 0;
}
