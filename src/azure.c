/* azure.c - Azure Blob REST over libcurl.  See azure.h.
 *
 * Every request goes through one function, request(): it builds the URL
 * (blob name percent-encoded, the SAS appended) and the headers, signs
 * with Shared Key when the destination has an account key, and retries
 * what the service's own SDKs retry (network errors, timeouts, 408, 429,
 * 500, 502, 503, 504) with exponential backoff, jitter and Retry-After.
 * Other answers fail at once, with a message saying what they mean.
 */
#include "azure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "md5.h"
#include "value.h"

#define API_VERSION  "2021-12-02" /* x-ms-version: pinned */
#define CONTENT_CSV  "text/csv; charset=utf-8"
#define CONTENT_TEXT "text/plain; charset=utf-8"
#define BODY_MAX     ((size_t)64 << 10) /* of an error answer we keep */
#define LIST_MAX     ((size_t)64 << 20) /* of one List Blobs page */

struct azure {
	const struct azure_dest *d;
	struct azure_opts o;
	CURL *curl;
	uint64_t requests, retries;
	unsigned rng; /* jitter */
};

/* One request's description and answer. */
struct req {
	const char *method; /* "PUT", "GET", "DELETE", "HEAD" */
	const char *name;   /* blob name under the prefix; NULL: container */
	const char *query; /* extra query ("comp=block&blockid=..."), or NULL */
	const void *body;
	size_t body_len;
	const char *const *headers; /* extra "x-ms-...: value" lines */
	size_t nheaders;
	const char *content_type; /* or NULL */
	const char *content_md5;  /* base64, or NULL */
	int probe;     /* any final answer is the caller's to judge */
	int keep_body; /* the caller reads and releases resp (a listing) */
	/* the answer */
	long status;
	struct buf resp; /* body, cut at BODY_MAX */
	char etag[AZURE_ETAG_MAX];
	char code[96]; /* x-ms-error-code */
	long retry_after_ms;
	size_t sent; /* upload position */
	/* stall watch: bytes moved so far, and when they last moved */
	curl_off_t moved;
	struct timespec moved_at;
	long stall_s; /* a request with no progress for this long fails */
	int stalled;
};

void azure_opts_init(struct azure_opts *o)
{
	o->tries = 6;
	o->timeout = 60;
	o->backoff_ms = 500;
	o->max_delay_ms = 30000;
}

int azure_global_init(struct err *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, -EIO, "cannot initialize libcurl");
	return 0;
}

void azure_global_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- hashing and encoding ------------------------------------------------ */

void azure_base64(const unsigned char *p, size_t n, char *dst)
{
	EVP_EncodeBlock((unsigned char *)dst, p, (int)n);
}

/* ---- the client ------------------------------------------------------------
 */

int azure_new(const struct azure_dest *d, const struct azure_opts *o,
	      struct azure **out, struct err *e)
{
	struct azure *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a || !(a->curl = curl_easy_init())) {
		free(a);
		return err_set(e, -ENOMEM, "cannot set up libcurl");
	}
	a->d = d;
	a->o = *o;
	a->rng = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)a;
	*out = a;
	return 0;
}

void azure_free(struct azure *a)
{
	if (!a)
		return;
	curl_easy_cleanup(a->curl);
	free(a);
}

void azure_counts(const struct azure *a, uint64_t *requests, uint64_t *retries)
{
	*requests = a->requests;
	*retries = a->retries;
}

/* s with each byte outside the unreserved set and keep percent-encoded. */
static void percent_encode(struct buf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
		    strchr(keep, *p)) {
			buf_addch(b, (char)*p);
		} else {
			buf_addch(b, '%');
			buf_addch(b, hex[*p >> 4]);
			buf_addch(b, hex[*p & 15]);
		}
	}
}

/* The blob's path in the URL: prefix + name, percent-encoded but '/'. */
static void put_blob_path(struct buf *b, const struct azure_dest *d,
			  const char *name)
{
	percent_encode(b, d->prefix, "/");
	percent_encode(b, name, "/");
}

/* "/container[/blob]" as sent (the part after the endpoint). */
static void resource_path(struct buf *b, const struct azure *a,
			  const struct req *r)
{
	buf_printf(b, "/%s", a->d->container);
	if (r->name) {
		buf_addch(b, '/');
		put_blob_path(b, a->d, r->name);
	}
}

static void build_url(struct buf *url, const struct azure *a,
		      const struct req *r)
{
	char sep = '?';

	buf_addstr(url, a->d->endpoint);
	resource_path(url, a, r);
	if (r->query) {
		buf_printf(url, "?%s", r->query);
		sep = '&';
	}
	if (a->d->sas)
		buf_printf(url, "%c%s", sep, a->d->sas);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The query's "\nname:value" lines of Shared Key's canonicalized resource
 * (names sorted; our queries hold no percent-encoded names, and a block id
 * is sent encoded only for '=' '+' '/'). */
static void canonical_query(struct buf *b, const char *query)
{
	char *copy = query ? strdup(query) : NULL, *items[8];
	size_t n = 0;

	if (!copy)
		return;
	for (char *save = NULL, *it = strtok_r(copy, "&", &save); it && n < 8;
	     it = strtok_r(NULL, "&", &save))
		items[n++] = it;
	qsort(items, n, sizeof(items[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(items[i], '=');
		char *v = eq ? curl_easy_unescape(NULL, eq + 1, 0, NULL) : NULL;

		if (eq)
			*eq = '\0';
		buf_printf(b, "\n%s:%s", items[i], v ? v : "");
		curl_free(v);
	}
	free(copy);
}

/* The path part of an endpoint ("" or, path style, "/ACCOUNT"). */
static const char *endpoint_path(const char *endpoint)
{
	const char *p = strstr(endpoint, "://");

	p = p ? p + 3 : endpoint;
	return p + strcspn(p, "/");
}

/* Authorization: SharedKey ACCOUNT:SIGNATURE, over the string-to-sign of
 * "Authorize with Shared Key" (x-ms-date used, Date left empty). */
static int shared_key(const struct azure *a, const struct req *r,
		      const char *date, const struct buf *xms, struct buf *out)
{
	struct buf s = BUF_INIT(1 << 16);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char sig[64];

	buf_printf(&s, "%s\n\n\n", r->method);
	if (r->body_len)
		buf_printf(&s, "%zu", r->body_len);
	buf_printf(&s, "\n%s\n%s\n\n\n\n\n\n\n",
		   r->content_md5 ? r->content_md5 : "",
		   r->content_type ? r->content_type : "");
	buf_add(&s, xms->data, xms->len);
	buf_printf(&s, "x-ms-date:%s\nx-ms-version:%s\n/%s", date, API_VERSION,
		   a->d->account);
	buf_addstr(&s, endpoint_path(a->d->endpoint)); /* "/ACCOUNT" */
	resource_path(&s, a, r);
	canonical_query(&s, r->query);
	if (s.err || !HMAC(EVP_sha256(), a->d->key, (int)a->d->key_len,
			   (const unsigned char *)s.data, s.len, mac, &len)) {
		buf_release(&s);
		return -EIO;
	}
	azure_base64(mac, len, sig);
	buf_printf(out, "Authorization: SharedKey %s:%s", a->d->account, sig);
	OPENSSL_cleanse(mac, sizeof(mac));
	buf_release(&s);
	return 0;
}

int azure_can_sign(const struct azure_dest *d, struct err *e)
{
	if (d->key_len)
		return 0;
	return err_set(
		e, -EINVAL,
		"%s: signing a link needs the account key "
		"(azure://ACCOUNT/CONTAINER with AZURE_STORAGE_KEY, or a "
		"connection string with AccountKey); a SAS cannot sign "
		"one",
		d->display);
}

int azure_read_url(const struct azure_dest *d, const char *name,
		   int64_t expires, struct buf *out, struct err *e)
{
	struct buf s = BUF_INIT(1 << 16);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int https = strncmp(d->endpoint, "https:", 6) == 0;
	char se[32], sig[64];

	if (azure_can_sign(d, e))
		return e->code;
	value_format_utc(expires, se);
	/* the service SAS string-to-sign (version 2020-12-06 and later):
	   sp st se resource si sip spr sv sr snapshot ses rscc rscd rsce
	   rscl rsct */
	buf_printf(&s, "r\n\n%s\n/blob/%s/%s/%s%s\n\n\n%s\n%s\nb\n\n\n\n\n\n\n",
		   se, d->account, d->container, d->prefix, name,
		   https ? "https" : "", API_VERSION);
	if (s.err || !HMAC(EVP_sha256(), d->key, (int)d->key_len,
			   (const unsigned char *)s.data, s.len, mac, &len)) {
		buf_release(&s);
		return err_set(e, -EIO, "cannot sign a link");
	}
	azure_base64(mac, len, sig);
	OPENSSL_cleanse(mac, sizeof(mac));
	buf_release(&s);
	buf_printf(out, "%s/%s/", d->endpoint, d->container);
	put_blob_path(out, d, name);
	buf_printf(out, "?sv=%s&se=", API_VERSION);
	percent_encode(out, se, "");
	buf_printf(out, "&sr=b&sp=r%s&sig=", https ? "&spr=https" : "");
	percent_encode(out, sig, "");
	return out->err ? err_set(e, out->err, "out of memory") : 0;
}

/* The canonical "name:value\n" lines of all x-ms- headers, sorted. */
static void canonical_headers(struct buf *b, const char *const *lines, size_t n)
{
	const char *sorted[16] = { NULL };

	if (n > 16)
		n = 16;
	for (size_t i = 0; i < n; i++)
		sorted[i] = lines[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(sorted[i], ':');
		const char *v = colon + 1;

		while (*v == ' ')
			v++;
		for (const char *p = sorted[i]; p < colon; p++)
			buf_addch(b, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32
								   : *p));
		buf_printf(b, ":%s\n", v);
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = size * n, k;
	char line[256];

	k = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
	memcpy(line, p, k);
	line[k] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncasecmp(line, "ETag:", 5) == 0)
		snprintf(r->etag, sizeof(r->etag), "%s",
			 line + 5 + (line[5] == ' '));
	else if (strncasecmp(line, "x-ms-error-code:", 16) == 0)
		snprintf(r->code, sizeof(r->code), "%s",
			 line + 16 + (line[16] == ' '));
	else if (strncasecmp(line, "x-ms-retry-after-ms:", 20) == 0)
		r->retry_after_ms = strtol(line + 20, NULL, 10);
	else if (strncasecmp(line, "Retry-After:", 12) == 0 &&
		 r->retry_after_ms == 0)
		r->retry_after_ms = strtol(line + 12, NULL, 10) * 1000;
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = size * n;

	if (r->keep_body)
		buf_add(&r->resp, p, len);
	else if (r->resp.len < BODY_MAX)
		buf_add(&r->resp, p, len < BODY_MAX ? len : BODY_MAX);
	return len;
}

static size_t on_read(char *dst, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t left = r->body_len - r->sent,
	       k = size * n < left ? size * n : left;

	if (k)
		memcpy(dst, (const char *)r->body + r->sent, k);
	r->sent += k;
	return k;
}

/* libcurl rewinds the body to send it again on a new connection (a
 * kept-alive one the server had closed): without this, that fails. */
static int on_seek(void *arg, curl_off_t off, int origin)
{
	struct req *r = arg;

	if (origin != SEEK_SET || off < 0 || (curl_off_t)r->body_len < off)
		return CURL_SEEKFUNC_FAIL;
	r->sent = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

/* --timeout: no byte moved either way for stall_s seconds.  (libcurl's
 * low-speed check averages over the last seconds, so a body just sent
 * hides a stall after it for several seconds more.) */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct req *r = arg;
	struct timespec now;

	(void)dltotal;
	(void)ultotal;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (dlnow + ulnow != r->moved || r->moved_at.tv_sec == 0) {
		r->moved = dlnow + ulnow;
		r->moved_at = now;
		return 0;
	}
	r->stalled = now.tv_sec - r->moved_at.tv_sec >= r->stall_s;
	return r->stalled; /* non-zero aborts the transfer */
}

static void rfc1123_now(char *dst, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(dst, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The request's header list (NULL when out of memory). */
static struct curl_slist *make_headers(const struct azure *a,
				       const struct req *r, struct err *e)
{
	struct curl_slist *h = NULL;
	struct buf line = BUF_INIT(4096), xms = BUF_INIT(8192);
	char date[64];
	const char *lines[16];
	size_t n = 0;

	rfc1123_now(date, sizeof(date));
	for (size_t i = 0; i < r->nheaders && n < 14; i++)
		lines[n++] = r->headers[i];
	buf_printf(&line, "x-ms-date: %s", date);
	h = curl_slist_append(h, line.data);
	h = curl_slist_append(h, "x-ms-version: " API_VERSION);
	h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
	for (size_t i = 0; i < r->nheaders; i++)
		h = curl_slist_append(h, r->headers[i]);
	if (r->content_type) {
		buf_reset(&line);
		buf_printf(&line, "Content-Type: %s", r->content_type);
		h = curl_slist_append(h, line.data);
	}
	if (r->content_md5) {
		buf_reset(&line);
		buf_printf(&line, "Content-MD5: %s", r->content_md5);
		h = curl_slist_append(h, line.data);
	}
	if (a->d->key_len) {
		canonical_headers(&xms, lines, n);
		buf_reset(&line);
		if (shared_key(a, r, date, &xms, &line) == 0)
			h = curl_slist_append(h, line.data);
		else
			err_set(e, -EIO, "cannot sign a request (OpenSSL)");
		OPENSSL_cleanse(line.data, line.len);
	}
	buf_release(&line);
	buf_release(&xms);
	return h;
}

/* One attempt; returns the curl code (r->status set when answered). */
static CURLcode attempt(struct azure *a, struct req *r, const char *url,
			struct curl_slist *h)
{
	CURL *c = a->curl;

	curl_easy_reset(c);
	buf_reset(&r->resp);
	r->status = 0;
	r->etag[0] = r->code[0] = '\0';
	r->retry_after_ms = 0;
	r->sent = 0;
	r->moved = 0;
	r->moved_at = (struct timespec){ 0, 0 };
	r->stall_s = a->o.timeout;
	r->stalled = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)a->o.timeout);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (strcmp(r->method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, r);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, r);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)r->body_len);
	} else if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	}
	a->requests++;
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_ABORTED_BY_CALLBACK && r->stalled)
		rc = CURLE_OPERATION_TIMEDOUT; /* ours: no progress */
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	return rc;
}

static int retryable_status(long s)
{
	return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 ||
	       s == 504;
}

static int retryable_curl(CURLcode rc)
{
	return rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
	       rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
	       rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_HTTP2 ||
	       rc == CURLE_HTTP2_STREAM || rc == CURLE_SEND_FAIL_REWIND;
}

/* Sleep before attempt k + 1 (k >= 1): backoff * 2^(k-1), capped, with
 * jitter in [d/2, d], and never less than the service asked for. */
static void pause_before_retry(struct azure *a, int k, long asked_ms)
{
	long d = a->o.backoff_ms;
	struct timespec ts;

	for (int i = 1; i < k && d < a->o.max_delay_ms; i++)
		d *= 2;
	if (d > a->o.max_delay_ms)
		d = a->o.max_delay_ms;
	d = d / 2 +
	    (d > 1 ? (long)(rand_r(&a->rng) % (unsigned)(d / 2 + 1)) : 0);
	if (asked_ms > d)
		d = asked_ms < 5L * a->o.max_delay_ms ? asked_ms
						      : 5L * a->o.max_delay_ms;
	ts.tv_sec = d / 1000;
	ts.tv_nsec = (d % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* What a failed answer means, as a message and an errno. */
/* What a request is, for messages: Put Block and Put Block List are PUTs
 * too, but a failed commit should say so. */
static const char *verb_of(const struct req *r)
{
	if (r->query && strstr(r->query, "comp=blocklist"))
		return "PUT (block list)";
	if (r->query && strstr(r->query, "comp=block"))
		return "PUT (block)";
	return r->method;
}

static int answer_error(const struct azure *a, const struct req *r,
			struct err *e)
{
	const char *what = r->name ? r->name : "(container)";
	const char *code = r->code[0] ? r->code : "";

	if (r->status == 403 &&
	    strcmp(code, "AuthorizationPermissionMismatch") == 0)
		return err_set(e, -EACCES,
			       "%s %s: 403 %s: the SAS or key lacks the "
			       "permission for this (a write-only SAS can "
			       "upload, not list, read or delete) (%s)",
			       verb_of(r), what, code, a->d->display);
	if (r->status == 403)
		return err_set(e, -EACCES,
			       "%s %s: 403 %s: the SAS or key was refused: "
			       "wrong, expired or not yet valid (%s)",
			       verb_of(r), what, code[0] ? code : "Forbidden",
			       a->d->display);
	if (r->status == 404)
		return err_set(e, -ENOENT,
			       "%s %s: 404 %s: no such container (%s)",
			       verb_of(r), what, code[0] ? code : "NotFound",
			       a->d->display);
	return err_set(e, -EIO, "%s %s: HTTP %ld %s (%s)", verb_of(r), what,
		       r->status, code, a->d->display);
}

static const char *what_of(const struct req *r)
{
	return r->name ? r->name : "(container)";
}

/* After attempt k failed (curl code rc, or r->status): 1 to try again,
 * or -errno with e set. */
static int judge(struct azure *a, const struct req *r, CURLcode rc, int k,
		 struct err *e)
{
	if (rc == CURLE_OK && !retryable_status(r->status))
		return answer_error(a, r, e);
	if (rc != CURLE_OK && !retryable_curl(rc))
		return err_set(e, -EIO, "%s %s: %s (%s)", verb_of(r),
			       what_of(r), curl_easy_strerror(rc),
			       a->d->display);
	if (k < a->o.tries)
		return 1;
	if (rc != CURLE_OK)
		return err_set(
			e, rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO,
			"%s %s: %s, %d attempts (%s)", verb_of(r), what_of(r),
			curl_easy_strerror(rc), k, a->d->display);
	return err_set(e, -EIO, "%s %s: HTTP %ld %s, %d attempts (%s)",
		       verb_of(r), what_of(r), r->status, r->code, k,
		       a->d->display);
}

/* Whether an answer ends the request successfully. */
static int done(const struct req *r, CURLcode rc)
{
	if (rc != CURLE_OK)
		return 0;
	if (r->status >= 200 && r->status < 300)
		return 1;
	return r->probe && !retryable_status(r->status);
}

static int request(struct azure *a, struct req *r, struct err *e)
{
	struct buf url = BUF_INIT(1 << 16);
	struct curl_slist *h;
	int ret = 0;

	buf_init(&r->resp, r->keep_body ? LIST_MAX : BODY_MAX + 1);
	build_url(&url, a, r);
	h = make_headers(a, r, e);
	if (!h || url.err)
		ret = err_set(e, -ENOMEM, "out of memory");
	for (int k = 1; !ret; k++) {
		CURLcode rc = attempt(a, r, url.data, h);

		if (done(r, rc))
			break;
		ret = judge(a, r, rc, k, e);
		if (ret == 1) {
			ret = 0;
			a->retries++;
			pause_before_retry(a, k, r->retry_after_ms);
		}
	}
	curl_slist_free_all(h);
	OPENSSL_cleanse(url.data, url.len); /* it held the SAS */
	buf_release(&url);
	if (!r->keep_body || ret)
		buf_release(&r->resp);
	return ret;
}

/* The blob's content type, by its name: the tree holds CSV files and one
 * README.txt. */
static const char *content_type(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && strcmp(name + n - 4, ".csv") == 0 ? CONTENT_CSV
							   : CONTENT_TEXT;
}

int azure_put_blob(struct azure *a, const char *name,
		   const struct azure_body *body, char *etag, struct err *e)
{
	char b64[32];
	const char *hdr[] = { "x-ms-blob-type: BlockBlob" };
	struct req r = { .method = "PUT",
			 .name = name,
			 .body = body->p,
			 .body_len = body->n,
			 .headers = hdr,
			 .nheaders = 1,
			 .content_type = content_type(name),
			 .content_md5 = b64 };
	int ret;

	azure_base64(body->md5, 16, b64);
	ret = request(a, &r, e);
	if (!ret && etag)
		snprintf(etag, AZURE_ETAG_MAX, "%s", r.etag);
	return ret;
}

int azure_put_block(struct azure *a, const char *name, const char *id,
		    const struct azure_body *body, struct err *e)
{
	char b64[32], idb64[128], query[256];
	char *esc;
	struct req r = { .method = "PUT",
			 .name = name,
			 .body = body->p,
			 .body_len = body->n,
			 .content_md5 = b64 };
	int ret;

	azure_base64(body->md5, 16, b64);
	azure_base64((const unsigned char *)id, strlen(id), idb64);
	esc = curl_easy_escape(NULL, idb64, 0);
	if (!esc)
		return err_set(e, -ENOMEM, "out of memory");
	snprintf(query, sizeof(query), "comp=block&blockid=%s", esc);
	curl_free(esc);
	r.query = query;
	ret = request(a, &r, e);
	return ret;
}

int azure_put_block_list(struct azure *a, const char *name,
			 const struct azure_blocks *bl, char *etag,
			 struct err *e)
{
	struct buf body = BUF_INIT((size_t)64 << 20);
	char b64[32], bmd5[32], idb64[128], hmd5[64], htype[80];
	unsigned char body_md5[16];
	const char *hdr[2];
	struct req r = { .method = "PUT",
			 .name = name,
			 .query = "comp=blocklist",
			 .headers = hdr,
			 .nheaders = 2,
			 .content_type = "application/xml",
			 .content_md5 = bmd5 };
	int ret;

	azure_base64(bl->md5, 16, b64);
	snprintf(hmd5, sizeof(hmd5), "x-ms-blob-content-md5: %s", b64);
	hdr[0] = hmd5;
	snprintf(htype, sizeof(htype), "x-ms-blob-content-type: %s",
		 content_type(name));
	hdr[1] = htype;
	buf_addstr(&body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
			  "<BlockList>");
	for (size_t i = 0; i < bl->n; i++) {
		azure_base64((const unsigned char *)bl->ids[i],
			     strlen(bl->ids[i]), idb64);
		buf_printf(&body, "<Latest>%s</Latest>", idb64);
	}
	buf_addstr(&body, "</BlockList>");
	if (body.err) {
		buf_release(&body);
		return err_set(e, -ENOMEM, "out of memory");
	}
	md5_of(body.data, body.len, body_md5);
	azure_base64(body_md5, 16, bmd5);
	r.body = body.data;
	r.body_len = body.len;
	ret = request(a, &r, e);
	if (!ret && etag)
		snprintf(etag, AZURE_ETAG_MAX, "%s", r.etag);
	buf_release(&body);
	return ret;
}

int azure_probe(struct azure *a, const char *name, struct err *e)
{
	struct req r = { .method = "HEAD", .name = name, .probe = 1 };
	int ret = request(a, &r, e);

	if (ret || (r.status >= 200 && r.status < 300))
		return ret;
	if ((r.status == 404 && strcmp(r.code, "BlobNotFound") == 0) ||
	    (r.status == 403 &&
	     strcmp(r.code, "AuthorizationPermissionMismatch") == 0))
		return 0; /* a good SAS, perhaps write-only */
	return answer_error(a, &r, e);
}

int azure_delete(struct azure *a, const char *name, struct err *e)
{
	struct req r = { .method = "DELETE", .name = name, .probe = 1 };
	int ret = request(a, &r, e);

	if (ret || (r.status >= 200 && r.status < 300) ||
	    (r.status == 404 && strcmp(r.code, "BlobNotFound") == 0))
		return ret;
	return answer_error(a, &r, e);
}

/* ---- List Blobs ----------------------------------------------------------
 * The answer is XML of a fixed shape; we read the few elements we need
 * (Name, Content-Length, Content-MD5 inside each Blob, and NextMarker)
 * without a general XML parser, decoding the five predefined entities. */

/* The first needle (n bytes) in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *needle,
			size_t n)
{
	for (; p && (size_t)(end - p) >= n;
	     p = memchr(p + 1, needle[0], (size_t)(end - p - 1)))
		if (*p == needle[0] && memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* The text of the first <tag>...</tag> in [p, end), entities decoded, into
 * out; returns a pointer past the end tag, or NULL if there is none. */
static const char *xml_text(const char *p, const char *end, const char *tag,
			    struct buf *out)
{
	static const char *const ent[][2] = { { "&amp;", "&" },
					      { "&lt;", "<" },
					      { "&gt;", ">" },
					      { "&quot;", "\"" },
					      { "&apos;", "'" } };
	char open[64], close[64];
	const char *s, *t;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	s = find(p, end, open, strlen(open));
	if (!s)
		return NULL;
	s += strlen(open);
	t = find(s, end, close, strlen(close));
	if (!t)
		return NULL;
	buf_reset(out);
	while (s < t) {
		size_t k = 0;

		if (*s == '&')
			for (k = 0; k < 5; k++)
				if ((size_t)(t - s) >= strlen(ent[k][0]) &&
				    strncmp(s, ent[k][0], strlen(ent[k][0])) ==
					    0)
					break;
		if (*s == '&' && k < 5) {
			buf_addstr(out, ent[k][1]);
			s += strlen(ent[k][0]);
		} else {
			buf_addch(out, *s++);
		}
	}
	return t + strlen(close);
}

/* One <Blob> element [p, end) as an item for fn. */
static int list_item(const struct azure *a, const char *p, const char *end,
		     azure_list_fn fn, void *arg)
{
	struct buf name = BUF_INIT(4096), v = BUF_INIT(4096);
	struct azure_item it = { NULL, 0, { 0 }, 0 };
	size_t plen = strlen(a->d->prefix);
	int ret = 0;

	if (xml_text(p, end, "Name", &name) && name.len >= plen &&
	    strncmp(name.data, a->d->prefix, plen) == 0) {
		it.name = name.data + plen;
		if (xml_text(p, end, "Content-Length", &v))
			it.size = strtoull(v.data, NULL, 10);
		if (xml_text(p, end, "Content-MD5", &v) && v.len == 24 &&
		    EVP_DecodeBlock(it.md5, (const unsigned char *)v.data,
				    24) == 18)
			it.has_md5 = 1;
		ret = fn(arg, &it);
	}
	buf_release(&name);
	buf_release(&v);
	return ret;
}

/* The blobs of one page [p, end); *marker gets NextMarker ("" at the
 * end). */
static int list_page(const struct azure *a, const char *p, const char *end,
		     struct buf *marker, azure_list_fn fn, void *arg)
{
	const char *b;
	int ret = 0;

	while (!ret && (b = find(p, end, "<Blob>", 6))) {
		const char *be = find(b, end, "</Blob>", 7);

		if (!be)
			break;
		ret = list_item(a, b, be, fn, arg);
		p = be + 7;
	}
	if (!xml_text(p, end, "NextMarker", marker))
		buf_reset(marker);
	return ret;
}

int azure_list(struct azure *a, azure_list_fn fn, void *arg, struct err *e)
{
	struct buf marker = BUF_INIT(4096), q = BUF_INIT(16384);
	int ret = 0;

	do {
		struct req r = { .method = "GET", .keep_body = 1 };
		char *pre = curl_easy_escape(NULL, a->d->prefix, 0);
		char *mk = curl_easy_escape(NULL, marker.data, 0);

		buf_reset(&q);
		buf_printf(&q, "comp=list&prefix=%s&restype=container",
			   pre ? pre : "");
		if (marker.len)
			buf_printf(&q, "&marker=%s", mk ? mk : "");
		curl_free(pre);
		curl_free(mk);
		r.query = q.data;
		ret = q.err ? err_set(e, -ENOMEM, "out of memory")
			    : request(a, &r, e);
		if (!ret)
			ret = list_page(a, r.resp.data,
					r.resp.data + r.resp.len, &marker, fn,
					arg);
		buf_release(&r.resp);
	} while (!ret && marker.len);
	buf_release(&marker);
	buf_release(&q);
	return ret;
}
