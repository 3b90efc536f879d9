/* secrets.c - the saved exports' credentials file.  See secrets.h. */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"

#define SECRETS_MAX (1 << 20) /* bytes of the file */

static const char header[] =
	"# collabfs saved exports' credentials: keep this file mode 0600\n";

/* The fields of a section, in the order they are written. */
static const char *const field_names[] = { "dest", "key", "connection_string" };

static char **field(struct secret *x, size_t k)
{
	char **slots[] = { &x->dest, &x->account_key, &x->connection_string };

	return slots[k];
}

static void forget(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static void secret_free(struct secret *x)
{
	free(x->name);
	for (size_t k = 0; k < 3; k++)
		forget(*field(x, k));
	memset(x, 0, sizeof(*x));
}

void secrets_free(struct secrets *s)
{
	for (size_t i = 0; i < s->n; i++)
		secret_free(&s->v[i]);
	free(s->v);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

const struct secret *secrets_find(const struct secrets *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

static struct secret *add(struct secrets *s, const char *name)
{
	struct secret *x;

	if (array_room(&s->v, &s->cap, s->n, sizeof(s->v[0]), 4))
		return NULL;
	x = &s->v[s->n];
	memset(x, 0, sizeof(*x));
	x->name = strdup(name);
	if (!x->name)
		return NULL;
	s->n++;
	return x;
}

/* ---- reading ------------------------------------------------------------- */

struct reader {
	const char *path;
	struct secrets *s;
	struct secret *cur; /* the section being read */
	unsigned line;
};

static int bad_line(const struct reader *r, const char *why, struct err *e)
{
	return err_set(e, -EINVAL, "%s:%u: %s", r->path, r->line, why);
}

static int section(struct reader *r, char *p, struct err *e)
{
	char *end = strchr(p, ']');

	if (!end || end[1] || end == p + 1)
		return bad_line(r, "a section is [NAME]", e);
	*end = '\0';
	if (secrets_find(r->s, p + 1))
		return bad_line(r, "a section named twice", e);
	r->cur = add(r->s, p + 1);
	return r->cur ? 0 : err_set(e, -ENOMEM, "out of memory");
}

/* "name = value": the value is everything after "= " (a SAS may hold
 * '=' and spaces do not occur in one). */
static int assignment(struct reader *r, char *p, struct err *e)
{
	char *eq = strchr(p, '=');
	size_t n;

	if (!r->cur)
		return bad_line(r, "a line outside any [section]", e);
	if (!eq)
		return bad_line(r, "not NAME = VALUE", e);
	n = (size_t)(eq - p);
	while (n && p[n - 1] == ' ')
		n--;
	eq++;
	while (*eq == ' ')
		eq++;
	for (size_t k = 0; k < 3; k++) {
		char **slot = field(r->cur, k);

		if (strlen(field_names[k]) != n ||
		    strncmp(p, field_names[k], n) != 0)
			continue;
		if (*slot)
			return bad_line(r, "a field given twice", e);
		*slot = strdup(eq);
		return *slot ? 0 : err_set(e, -ENOMEM, "out of memory");
	}
	return bad_line(r, "unknown field (dest, key, connection_string)", e);
}

static int parse_line(struct reader *r, char *p, struct err *e)
{
	size_t n = strlen(p);

	if (n && p[n - 1] == '\r')
		p[--n] = '\0';
	if (!n || p[0] == '#')
		return 0;
	return p[0] == '[' ? section(r, p, e) : assignment(r, p, e);
}

static int check_sections(const struct secrets *s, struct err *e)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].dest)
			return err_set(e, -EINVAL, "%s: [%s] has no dest line",
				       s->path, s->v[i].name);
	return 0;
}

int secrets_parse(const char *path, const char *text, size_t len,
		  struct secrets *s, struct err *e)
{
	struct reader r = { path, s, NULL, 0 };
	char *copy = malloc(len + 1), *save = NULL;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->path = strdup(path);
	if (!copy || !s->path) {
		free(copy);
		return err_set(e, -ENOMEM, "out of memory");
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(text, '\0', len))
		ret = err_set(e, -EINVAL, "%s: a NUL byte: not a secrets file",
			      path);
	for (char *p = copy; !ret && p; p = save) {
		save = strchr(p, '\n');
		if (save)
			*save++ = '\0';
		r.line++;
		ret = parse_line(&r, p, e);
	}
	OPENSSL_cleanse(copy, len);
	free(copy);
	return ret ? ret : check_sections(s, e);
}

/* Only a regular file of this user, that no one else may read. */
static int check_mode(const struct stat *sb, const char *path, struct err *e)
{
	if (!S_ISREG(sb->st_mode))
		return err_set(e, -EINVAL, "%s: not a regular file", path);
	if (sb->st_mode & 077)
		return err_set(e, -EPERM,
			       "%s: the secrets file may be read by others "
			       "(mode %03o): chmod 600 it",
			       path, (unsigned)(sb->st_mode & 0777));
	if (sb->st_uid != geteuid())
		return err_set(e, -EPERM,
			       "%s: the secrets file belongs to uid %u, not to "
			       "this user",
			       path, (unsigned)sb->st_uid);
	return 0;
}

static int read_file(int fd, const char *path, struct secrets *s, struct err *e)
{
	struct buf b = BUF_INIT(SECRETS_MAX);
	struct stat sb;
	int ret = fstat(fd, &sb) ? err_sys(e, 0, "stat", path)
				 : check_mode(&sb, path, e);

	if (!ret) {
		ret = buf_read_fd(&b, fd);
		if (ret)
			ret = ret == -EFBIG
				      ? err_set(e, ret, "%s: over %d bytes",
						path, SECRETS_MAX)
				      : err_sys(e, ret, "read", path);
	}
	if (!ret)
		ret = secrets_parse(path, b.data ? b.data : "", b.len, s, e);
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	buf_release(&b);
	return ret;
}

int secrets_load(const char *store, struct secrets *s, struct err *e)
{
	struct buf path = BUF_INIT(8192);
	int fd, ret;

	memset(s, 0, sizeof(*s));
	buf_printf(&path, "%s.secrets", store);
	if (path.err)
		return err_set(e, -ENOMEM, "out of memory");
	fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		s->path = buf_detach(&path, NULL);
		return s->path ? 0 : err_set(e, -ENOMEM, "out of memory");
	}
	ret = fd < 0 ? err_sys(e, 0, "open the secrets file", path.data)
		     : read_file(fd, path.data, s, e);
	if (fd >= 0)
		close(fd);
	buf_release(&path);
	if (ret)
		secrets_free(s);
	return ret;
}

/* ---- changing ------------------------------------------------------------ */

int secrets_set(struct secrets *s, const struct secret *x, struct err *e)
{
	struct secret *slot = (struct secret *)secrets_find(s, x->name);
	struct secret copy = { 0 };
	int ret = 0;

	for (size_t k = 0; k < 3 && !ret; k++) {
		const char *v = *field((struct secret *)x, k);

		if (v && strpbrk(v, "\r\n"))
			ret = err_set(e, -EINVAL,
				      "the %s of export '%s' holds a line "
				      "break",
				      field_names[k], x->name);
		else if (v && !(*field(&copy, k) = strdup(v)))
			ret = err_set(e, -ENOMEM, "out of memory");
	}
	if (!ret && !slot && !(slot = add(s, x->name)))
		ret = err_set(e, -ENOMEM, "out of memory");
	if (ret) {
		secret_free(&copy);
		return ret;
	}
	for (size_t k = 0; k < 3; k++) {
		forget(*field(slot, k));
		*field(slot, k) = *field(&copy, k);
	}
	return 0;
}

int secrets_drop(struct secrets *s, const char *name)
{
	struct secret *x = (struct secret *)secrets_find(s, name);

	if (!x)
		return 0;
	secret_free(x);
	memmove(x, x + 1, (size_t)(s->v + s->n - (x + 1)) * sizeof(*x));
	s->n--;
	return 1;
}

static void format(const struct secrets *s, struct buf *b)
{
	buf_addstr(b, header);
	for (size_t i = 0; i < s->n; i++) {
		buf_printf(b, "[%s]\n", s->v[i].name);
		for (size_t k = 0; k < 3; k++) {
			const char *v = *field(&s->v[i], k);

			if (v)
				buf_printf(b, "%s = %s\n", field_names[k], v);
		}
	}
}

static int write_all(int fd, const struct buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return fsync(fd);
}

/* Make the rename of path durable: fsync its folder (best effort: the
 * file itself is complete either way). */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 (int)(slash == path ? 1 : slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int secrets_save(const struct secrets *s, struct err *e)
{
	struct buf b = BUF_INIT(SECRETS_MAX), tmp = BUF_INIT(8192);
	int fd = -1, ret = 0;

	format(s, &b);
	buf_printf(&tmp, "%s.new", s->path);
	if (b.err || tmp.err)
		ret = err_set(e, -ENOMEM, "out of memory");
	if (!ret) {
		unlink(tmp.data); /* a leftover of a crash */
		fd = open(tmp.data,
			  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			  0600);
	}
	if (!ret && (fd < 0 || fchmod(fd, 0600) || write_all(fd, &b)))
		ret = err_sys(e, 0, "write the secrets file", tmp.data);
	if (fd >= 0 && close(fd) && !ret)
		ret = err_sys(e, 0, "write the secrets file", tmp.data);
	if (!ret && rename(tmp.data, s->path))
		ret = err_sys(e, 0, "replace the secrets file", s->path);
	if (!ret)
		sync_dir(s->path);
	if (ret && tmp.data)
		unlink(tmp.data);
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	buf_release(&b);
	buf_release(&tmp);
	return ret;
}
