/* azure_dest.c - parsing a sync destination.  See azure.h. */
#include "azure.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "buf.h"

/* The parts of an http(s) URL, pointing into the text. */
struct url_parts {
	const char *scheme; /* "http" or "https" */
	const char *host;   /* host[:port] */
	size_t host_len;
	const char *path; /* from the first '/' after the host */
	size_t path_len;
	const char *query; /* after '?', or NULL */
};

static char *dup_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

void azure_dest_free(struct azure_dest *d)
{
	free(d->endpoint);
	free(d->account);
	free(d->container);
	free(d->prefix);
	if (d->sas)
		OPENSSL_cleanse(d->sas, strlen(d->sas));
	free(d->sas);
	free(d->display);
	OPENSSL_cleanse(d, sizeof(*d));
	memset(d, 0, sizeof(*d));
}

/* The value of secret parameter names ends at one of these. */
static size_t secret_len(const char *p)
{
	return strcspn(p, "&; \t\r\n\"'");
}

void azure_redact(const char *text, char *dst, size_t dstsz)
{
	static const char *const names[] = { "sig=", "AccountKey=",
					     "SharedAccessSignature=" };
	struct buf b = BUF_INIT(1 << 16);
	const char *p = text;

	while (*p) {
		size_t k, n = 0;

		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			n = strlen(names[k]);
			if (strncasecmp(p, names[k], n) == 0)
				break;
		}
		if (k == sizeof(names) / sizeof(names[0])) {
			buf_addch(&b, *p++);
			continue;
		}
		buf_add(&b, p, n);
		buf_addstr(&b, "REDACTED");
		p += n;
		p += secret_len(p);
	}
	snprintf(dst, dstsz, "%s", b.err ? "(destination)" : b.data);
	buf_release(&b);
}

static int bad(struct err *e, const char *what)
{
	return err_set(e, -EINVAL, "bad destination: %s", what);
}

static int split_url(const char *text, struct url_parts *u, struct err *e)
{
	const char *p, *q;

	if (strncmp(text, "https://", 8) == 0) {
		u->scheme = "https";
		p = text + 8;
	} else if (strncmp(text, "http://", 7) == 0) {
		u->scheme = "http";
		p = text + 7;
	} else {
		return bad(e, "expected https://ACCOUNT.blob.core.windows.net/"
			      "CONTAINER?SAS or azure://ACCOUNT/CONTAINER");
	}
	u->host = p;
	u->host_len = strcspn(p, "/?#");
	if (u->host_len == 0 || memchr(p, '@', u->host_len))
		return bad(e, "no host (or a user name in the URL)");
	p += u->host_len;
	q = strchr(p, '?');
	u->path = p;
	u->path_len = q ? (size_t)(q - p) : strlen(p);
	u->query = q ? q + 1 : NULL;
	if (memchr(p, '#', u->path_len) || (q && strchr(q, '#')))
		return bad(e, "a '#' in the URL");
	return 0;
}

/* Whether host (with an optional port) is addressed path-style: an IP
 * address or localhost, as the emulator and local proxies are. */
static int path_style(const char *host, size_t n)
{
	size_t h = n;

	if (n && host[0] == '[')
		return 1;
	for (size_t i = 0; i < n; i++)
		if (host[i] == ':')
			h = i;
	if (h == 9 && strncasecmp(host, "localhost", 9) == 0)
		return 1;
	for (size_t i = 0; i < h; i++)
		if (!isdigit((unsigned char)host[i]) && host[i] != '.')
			return 0;
	return h > 0;
}

static int valid_account(const char *p, size_t n)
{
	if (n < 3 || n > 24)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)p[i]) &&
		    !isdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

static int valid_container(const char *p, size_t n)
{
	if (n < 3 || n > 63 || p[0] == '-' || p[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!islower(c) && !isdigit(c) && c != '-')
			return 0;
		if (c == '-' && p[i + 1] == '-')
			return 0;
	}
	return 1;
}

/* Take the next path segment of [*p, end): its start and length. */
static int next_segment(const char **p, const char *end, const char **seg,
			size_t *n)
{
	while (*p < end && **p == '/')
		(*p)++;
	if (*p >= end)
		return 0;
	*seg = *p;
	while (*p < end && **p != '/')
		(*p)++;
	*n = (size_t)(*p - *seg);
	return 1;
}

/* CONTAINER[/PREFIX] from path [p, end) into d. */
static int container_and_prefix(const char *p, const char *end,
				struct azure_dest *d, struct err *e)
{
	struct buf pre = BUF_INIT(1024);
	const char *seg;
	size_t n;

	if (!next_segment(&p, end, &seg, &n))
		return bad(e, "no container name");
	if (!valid_container(seg, n))
		return bad(e, "a container name is 3-63 lower-case letters, "
			      "digits and single hyphens");
	d->container = dup_n(seg, n);
	while (next_segment(&p, end, &seg, &n)) {
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.') ||
		    memchr(seg, '%', n) || memchr(seg, '\\', n)) {
			buf_release(&pre);
			return bad(e, "the prefix may not hold '.', '..', "
				      "'%' or '\\'");
		}
		buf_add(&pre, seg, n);
		buf_addch(&pre, '/');
	}
	if (pre.err) {
		buf_release(&pre);
		return bad(e, "the prefix is too long");
	}
	d->prefix = pre.len ? buf_detach(&pre, NULL) : strdup("");
	buf_release(&pre);
	return d->container && d->prefix ? 0 : -ENOMEM;
}

/* The value of name in a connection string ("A=1;B=2"), malloc'd, or
 * NULL. */
static char *conn_value(const char *cs, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = cs; p && *p;
	     p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == '=')
			return dup_n(p + n + 1, strcspn(p + n + 1, ";"));
	}
	return NULL;
}

static int set_key(struct azure_dest *d, const char *b64, struct err *e)
{
	size_t n = strlen(b64);
	unsigned char out[AZURE_KEY_MAX + 3];
	int len;

	if (n == 0 || n % 4 || n / 4 * 3 > sizeof(out))
		return bad(e, "the account key is not base64");
	len = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return bad(e, "the account key is not base64");
	len -= (b64[n - 1] == '=') + (b64[n - 2] == '=');
	if (len <= 0 || (size_t)len > AZURE_KEY_MAX)
		return bad(e, "the account key has a wrong length");
	memcpy(d->key, out, (size_t)len);
	d->key_len = (size_t)len;
	OPENSSL_cleanse(out, sizeof(out));
	return 0;
}

static int set_sas(struct azure_dest *d, const char *q, struct err *e)
{
	if (*q == '?')
		q++;
	if (!strstr(q, "sig=") || !strstr(q, "sv="))
		return bad(e, "the SAS lacks sv= or sig=");
	if (strpbrk(q, " \t\r\n\"<>\\^`{|}"))
		return bad(e, "the SAS holds a character a URL may not");
	d->sas = strdup(q);
	return d->sas ? 0 : -ENOMEM;
}

/* Secrets for an azure:// destination, from the environment. */
static int env_secret(struct azure_dest *d, const struct azure_env *env,
		      struct err *e)
{
	const char *cs = env ? env->connection_string : NULL;
	char *key = NULL, *sas = NULL;
	int ret = 0;

	if (env && env->account_key && *env->account_key)
		return set_key(d, env->account_key, e);
	if (cs) {
		key = conn_value(cs, "AccountKey");
		sas = conn_value(cs, "SharedAccessSignature");
	}
	if (key)
		ret = set_key(d, key, e);
	else if (sas)
		ret = set_sas(d, sas, e);
	else
		ret = bad(e,
			  "azure://ACCOUNT/CONTAINER needs AZURE_STORAGE_KEY "
			  "or AZURE_STORAGE_CONNECTION_STRING (with "
			  "AccountKey or SharedAccessSignature)");
	if (key)
		OPENSSL_cleanse(key, strlen(key));
	if (sas)
		OPENSSL_cleanse(sas, strlen(sas));
	free(key);
	free(sas);
	return ret;
}

/* The endpoint of an azure:// account: BlobEndpoint, else
 * PROTOCOL://ACCOUNT.blob.SUFFIX from the connection string. */
/* The endpoint text into b: BlobEndpoint (no trailing '/'), else
 * PROTOCOL://ACCOUNT.blob.SUFFIX. */
static int endpoint_text(struct buf *b, const char *account, const char *ep,
			 const char *proto, const char *suffix, struct err *e)
{
	size_t n;

	if (!ep) {
		buf_printf(b, "%s://%s.blob.%s", proto ? proto : "https",
			   account, suffix ? suffix : "core.windows.net");
		return 0;
	}
	if (strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0)
		return bad(e, "BlobEndpoint is not an http(s) URL");
	n = strlen(ep);
	while (n && ep[n - 1] == '/')
		n--;
	buf_add(b, ep, n);
	return 0;
}

/* The endpoint of an azure:// account, from the connection string. */
static int env_endpoint(struct azure_dest *d, const struct azure_env *env,
			struct err *e)
{
	const char *cs =
		env && env->connection_string ? env->connection_string : "";
	char *ep = conn_value(cs, "BlobEndpoint");
	char *name = conn_value(cs, "AccountName");
	char *proto = conn_value(cs, "DefaultEndpointsProtocol");
	char *suffix = conn_value(cs, "EndpointSuffix");
	struct buf b = BUF_INIT(4096);
	int ret = 0;

	if (name && strcmp(name, d->account) != 0)
		ret = bad(e, "AZURE_STORAGE_CONNECTION_STRING is for another "
			     "account");
	else
		ret = endpoint_text(&b, d->account, ep, proto, suffix, e);
	if (!ret)
		d->endpoint = buf_detach(&b, NULL);
	buf_release(&b);
	free(ep);
	free(name);
	free(proto);
	free(suffix);
	if (ret)
		return ret;
	return d->endpoint ? 0 : -ENOMEM;
}

static int parse_azure_scheme(const char *text, const struct azure_env *env,
			      struct azure_dest *d, struct err *e)
{
	const char *p = text + 8, *end = p + strcspn(p, "?#"), *seg;
	size_t n;
	int ret;

	if (*end)
		return bad(e, "azure://ACCOUNT/CONTAINER[/PREFIX] takes no "
			      "query: give the key in the environment");
	if (!next_segment(&p, end, &seg, &n) || !valid_account(seg, n))
		return bad(e, "an account name is 3-24 lower-case letters and "
			      "digits");
	d->account = dup_n(seg, n);
	if (!d->account)
		return -ENOMEM;
	ret = container_and_prefix(p, end, d, e);
	if (!ret)
		ret = env_endpoint(d, env, e);
	if (!ret)
		ret = env_secret(d, env, e);
	return ret;
}

/* scheme://host, and for path style the account segment up to p. */
static int set_endpoint(struct azure_dest *d, const struct url_parts *u,
			const char *p)
{
	struct buf b = BUF_INIT(4096);

	buf_printf(&b, "%s://%.*s", u->scheme, (int)u->host_len, u->host);
	if (p > u->path) /* path style: the account is part of it */
		buf_add(&b, u->path, (size_t)(p - u->path));
	d->endpoint = buf_detach(&b, NULL);
	buf_release(&b);
	return d->endpoint ? 0 : -ENOMEM;
}

static int parse_http(const char *text, const struct azure_env *env,
		      struct azure_dest *d, struct err *e)
{
	struct url_parts u = { 0 };
	const char *p, *end, *seg = "";
	size_t n;
	int ret = split_url(text, &u, e);

	if (ret || !u.host || !u.path)
		return ret ? ret : -EINVAL;
	p = u.path;
	end = u.path + u.path_len;
	if (!path_style(u.host, u.host_len)) {
		seg = u.host;
		n = strcspn(u.host, ".:/?");
	} else if (!next_segment(&p, end, &seg, &n)) {
		n = 0;
	}
	if (!valid_account(seg, n))
		return bad(e, "no account name (ACCOUNT.blob.core.windows.net, "
			      "or http://127.0.0.1:PORT/ACCOUNT/...)");
	d->account = dup_n(seg, n);
	ret = d->account ? set_endpoint(d, &u, p) : -ENOMEM;
	if (!ret)
		ret = container_and_prefix(p, end, d, e);
	if (!ret && u.query && *u.query)
		ret = set_sas(d, u.query, e);
	else if (!ret)
		ret = env_secret(d, env, e);
	return ret;
}

static int make_display(struct azure_dest *d)
{
	struct buf b = BUF_INIT(8192);
	size_t n = strlen(d->prefix);

	buf_printf(&b, "%s/%s", d->endpoint, d->container);
	if (n) {
		buf_addch(&b, '/');
		buf_add(&b, d->prefix, n - 1);
	}
	d->display = buf_detach(&b, NULL);
	buf_release(&b);
	return d->display ? 0 : -ENOMEM;
}

int azure_dest_parse(const char *text, const struct azure_env *env,
		     struct azure_dest *d, struct err *e)
{
	int ret;

	memset(d, 0, sizeof(*d));
	if (strncmp(text, "azure://", 8) == 0)
		ret = parse_azure_scheme(text, env, d, e);
	else
		ret = parse_http(text, env, d, e);
	if (!ret)
		ret = make_display(d);
	if (ret == -ENOMEM)
		err_set(e, ret, "out of memory");
	if (ret)
		azure_dest_free(d);
	return ret;
}
