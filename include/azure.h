/* azure.h - Azure Blob Storage: destinations (azure_dest.c, pure) and a
 * REST client over libcurl (azure.c).
 *
 * A destination is a container and an optional prefix, with what
 * authorizes writes to it: a SAS query string or an account key.  Secrets
 * never leave struct azure_dest: messages, logs, the sync state and the
 * history use d->display, which holds none.
 *
 * azure.c is OpenSSL's other home (with pseudo.c): Shared Key signing
 * (HMAC-SHA256), MD5 and base64.  Threads: a struct azure (one kept-alive
 * connection) belongs to one thread; a struct azure_dest may be shared
 * read-only.
 */
#ifndef COLLABFS_AZURE_H
#define COLLABFS_AZURE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AZURE_KEY_MAX  128 /* bytes of a decoded account key */
#define AZURE_ETAG_MAX 80

struct azure_dest {
	char *endpoint;	 /* base URL, no trailing '/': "https://ACCOUNT.blob.
			    core.windows.net" or "http://127.0.0.1:P/ACCOUNT" */
	char *account;	 /* the storage account */
	char *container; /* 3-63 of [a-z0-9-] */
	char *prefix;	 /* "" or a folder path ending in '/' */
	char *sas;	 /* SAS query string (no '?'), or NULL */
	unsigned char key[AZURE_KEY_MAX]; /* account key, if key_len > 0 */
	size_t key_len;
	char *display; /* endpoint/container/prefix: no secret */
};

/* Where secrets may come from besides DEST itself (getenv values, or NULL;
 * passed in so that parsing stays pure and testable). */
struct azure_env {
	const char *account_key;       /* AZURE_STORAGE_KEY */
	const char *connection_string; /* AZURE_STORAGE_CONNECTION_STRING */
};

/* Parse a destination:
 *   https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]?SAS
 *   http://127.0.0.1:PORT/ACCOUNT/CONTAINER[/PREFIX]?SAS   (path style: an
 *       IP address or localhost, as the emulator is addressed)
 *   azure://ACCOUNT/CONTAINER[/PREFIX]  with AZURE_STORAGE_KEY, or an
 *       AZURE_STORAGE_CONNECTION_STRING (AccountKey or
 *       SharedAccessSignature, optional BlobEndpoint /
 *       DefaultEndpointsProtocol / EndpointSuffix)
 * Errors name what is wrong and never quote a secret.  Returns 0 or
 * -EINVAL with e set; d is then empty (azure_dest_free is still safe). */
int azure_dest_parse(const char *text, const struct azure_env *env,
		     struct azure_dest *d, struct err *e);
void azure_dest_free(struct azure_dest *d);

/* Copy text into dst (size dstsz, NUL-terminated, truncated) with the
 * value of every sig=, AccountKey= and SharedAccessSignature= replaced by
 * "REDACTED".  For any text that may hold a destination as typed. */
void azure_redact(const char *text, char *dst, size_t dstsz);

/* ---- the client (azure.c) -------------------------------------------------
 */

struct azure_opts {
	int tries;	  /* attempts per request (>= 1) */
	int timeout;	  /* seconds without progress before a request fails */
	int backoff_ms;	  /* first retry's delay; doubles, with jitter */
	int max_delay_ms; /* cap of one delay */
};

void azure_opts_init(struct azure_opts *o);

/* Call once, before any thread (curl_global_init). */
int azure_global_init(struct err *e);
void azure_global_cleanup(void);

struct azure;
int azure_new(const struct azure_dest *d, const struct azure_opts *o,
	      struct azure **out, struct err *e);
void azure_free(struct azure *a); /* NULL-safe */

/* Counters of one client (requests sent, retries made). */
void azure_counts(const struct azure *a, uint64_t *requests, uint64_t *retries);

/* Bytes to send, with their MD5 (the service checks it). */
struct azure_body {
	const void *p;
	size_t n;
	unsigned char md5[16];
};

/* Put Blob: name (under the prefix) gets body whole, with its MD5 (kept
 * by the service), as text/csv (text/plain for names not ending in .csv).
 * etag (may be NULL) receives the new ETag.  Errors: -EACCES (403: wrong
 * or expired SAS, missing permission; not retried), -ENOENT (404: no such
 * container), -EIO / -ETIMEDOUT after the last attempt; the message says
 * which. */
int azure_put_blob(struct azure *a, const char *name,
		   const struct azure_body *body, char *etag, struct err *e);

/* Put Block: one uncommitted block (id: the same length for every block of
 * a blob, before base64). */
int azure_put_block(struct azure *a, const char *name, const char *id,
		    const struct azure_body *body, struct err *e);

/* The blocks of a blob, in order, and the whole blob's MD5. */
struct azure_blocks {
	const char *const *ids;
	size_t n;
	unsigned char md5[16];
};

/* Put Block List: commit the blocks as the blob, with the whole blob's
 * MD5 and content type.  Until this succeeds readers see the old blob (or
 * none). */
int azure_put_block_list(struct azure *a, const char *name,
			 const struct azure_blocks *bl, char *etag,
			 struct err *e);

/* Check that the destination takes our credentials, without writing: a
 * HEAD of blob name.  A valid SAS without read permission answers 403
 * AuthorizationPermissionMismatch, which is fine; a wrong, expired or
 * foreign one 403 AuthenticationFailed (-EACCES); a missing container
 * 404 ContainerNotFound (-ENOENT). */
int azure_probe(struct azure *a, const char *name, struct err *e);

/* One blob of a listing: its name under the prefix (the prefix cut off),
 * size, and stored MD5 (has_md5 0 when the blob has none). */
struct azure_item {
	const char *name;
	uint64_t size;
	unsigned char md5[16];
	int has_md5;
};

/* List Blobs under the destination's prefix (every page), calling fn for
 * each (fn returning non-zero stops; that value is returned).  Needs list
 * permission: a write-only SAS gets -EACCES. */
typedef int (*azure_list_fn)(void *arg, const struct azure_item *it);
int azure_list(struct azure *a, azure_list_fn fn, void *arg, struct err *e);

/* Delete Blob name (under the prefix); a blob already gone is success. */
int azure_delete(struct azure *a, const char *name, struct err *e);

/* 0 if d can sign links (it has the account key), else -EINVAL with a
 * message saying the key is needed. */
int azure_can_sign(const struct azure_dest *d, struct err *e);

/* A read-only URL of blob name (under the prefix) that works until
 * expires (unix seconds): a service SAS signed with the account key.
 * Without a key, -EINVAL with a message saying one is needed. */
struct buf;
int azure_read_url(const struct azure_dest *d, const char *name,
		   int64_t expires, struct buf *out, struct err *e);

/* base64 of p[0..n) into dst (size >= 4 * ((n + 2) / 3) + 1). */
void azure_base64(const unsigned char *p, size_t n, char *dst);

#endif
