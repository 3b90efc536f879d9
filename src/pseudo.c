/* pseudo.c - keyed pseudonyms and the key file.  See pseudo.h. */
#include "pseudo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "value.h"

/* The cache: an open-addressing hash table (linear probing) that starts at
 * 4,096 slots and doubles whenever three quarters are in use, up to
 * CACHE_SLOTS_MAX; full at that size, it is emptied at once.  Probes stay
 * short and memory bounded (about 100 bytes a slot: 400 KB at first, 13 MB
 * at most per pseudonymizer).  A working set of up to 98,304 values (the
 * people and meetings of an organization) is then computed once; a larger
 * one costs one MAC per miss, as without a cache, plus a flush every 98,304
 * misses.  Measured: a fixed 4,096-slot table made every row of a
 * 16,000-person month a miss (a fifth of the rendering time in HMAC).  Ids
 * are short (GUIDs, e-mail addresses); longer values bypass it.  Why not
 * "replace on collision" in a direct-mapped table: measured, 2,000 ids in
 * 4,096 single slots missed 40% of the time, and in sets of 4 with
 * round-robin replacement still 14%, because colliding ids read in turn
 * evict each other forever; here they miss never. */
#define CACHE_SLOTS_MIN 4096	  /* a power of two */
#define CACHE_SLOTS_MAX (1 << 17) /* a power of two */
#define CACHE_VAL_MAX	59	  /* longest value kept in the cache */

/* characters of a key file, newline excluded */
#define KEY_HEX_LEN ((size_t)2 * PSEUDO_KEY_LEN)

/* A cached value.  Its tag (high bits of its hash, odd; 0: no value) is
 * kept apart, in pseudo.tags, so that a probe reads 4 bytes a slot and
 * touches the slot itself only when the tag matches: the tags of 16,000
 * people fit the CPU's cache, their slots do not. */
struct slot {
	unsigned char len;	  /* bytes in val */
	char val[CACHE_VAL_MAX];  /* the value (not NUL-terminated) */
	char out[PSEUDO_LEN + 1]; /* its pseudonym, NUL-terminated */
};

struct pseudo {
	EVP_MAC *mac;		      /* the HMAC algorithm */
	EVP_MAC_CTX *ctx;	      /* keyed once; restarted for each MAC */
	uint64_t hits, misses;	      /* cache counters */
	char scratch[PSEUDO_LEN + 1]; /* result for values too long to cache */
	size_t used;		      /* slots in use */
	size_t nslots;		      /* a power of two */
	uint32_t *tags;		      /* nslots tags, 0 for a free slot */
	struct slot *slots;	      /* nslots slots */
};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int errno_code(void)
{
	return errno ? -errno : -EIO;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno_code() : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write text to the new file fd (path, for messages), mode exactly 0600
 * whatever the umask, and make it durable. */
static int write_key_file(int fd, const char *path, const char *text, size_t n,
			  struct err *e)
{
	int ret;

	if (fchmod(fd, S_IRUSR | S_IWUSR))
		return err_sys(e, errno_code(), "set the mode of key file",
			       path);
	ret = write_all(fd, text, n);
	if (ret)
		return err_sys(e, ret, "write key file", path);
	if (fsync(fd))
		return err_sys(e, errno_code(), "write key file", path);
	return 0;
}

int pseudo_keygen(const char *path, struct err *e)
{
	unsigned char key[PSEUDO_KEY_LEN];
	char text[KEY_HEX_LEN + 1];
	int fd, ret;

	if (RAND_bytes(key, sizeof(key)) != 1)
		return err_set(e, -EIO,
			       "cannot make a key: OpenSSL has no "
			       "random bytes");
	value_hex(key, sizeof(key), text);
	text[KEY_HEX_LEN] = '\n';
	OPENSSL_cleanse(key, sizeof(key));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
		  S_IRUSR | S_IWUSR);
	if (fd < 0) {
		ret = errno_code();
		if (ret == -EEXIST)
			ret = err_set(e, ret,
				      "key file '%s' already exists (a key "
				      "is never overwritten)",
				      path);
		else
			ret = err_sys(e, ret, "create key file", path);
		goto out;
	}
	ret = write_key_file(fd, path, text, sizeof(text), e);
	if (close(fd) && !ret)
		ret = err_sys(e, errno_code(), "write key file", path);
	if (ret)
		unlink(path);
out:
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

/* Read at most n bytes of fd into dst; *got is how many. */
static int read_some(int fd, char *dst, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = read(fd, dst + *got, n - *got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno_code();
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* Decode the key file's text (n bytes read of a file of size bytes) into
 * key: 64 hex digits and an optional newline. */
static int parse_key(const char *path, const char *text, size_t n,
		     long long size, struct pseudo_key *key, struct err *e)
{
	if ((n != KEY_HEX_LEN && n != KEY_HEX_LEN + 1) || size != (long long)n)
		return err_set(e, -EINVAL,
			       "key file '%s' is not a collabfs key: expected "
			       "64 hex digits and a newline, found %lld bytes",
			       path, size);
	for (size_t i = 0; i < PSEUDO_KEY_LEN; i++) {
		int hi = hex_value(text[2 * i]),
		    lo = hex_value(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return err_set(e, -EINVAL,
				       "key file '%s' is not a collabfs key: "
				       "byte %zu is not a hex digit",
				       path, 2 * i + (hi < 0 ? 1 : 2));
		key->bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	if (n > KEY_HEX_LEN && text[KEY_HEX_LEN] != '\n')
		return err_set(e, -EINVAL,
			       "key file '%s' is not a collabfs key: byte 65 "
			       "is not a newline",
			       path);
	return 0;
}

/* Check what fd (the opened key file) is: a regular file, private; *size
 * is its size. */
static int check_key_file(int fd, const char *path, long long *size,
			  struct err *e)
{
	struct stat st;

	if (fstat(fd, &st))
		return err_sys(e, errno_code(), "read key file", path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, -EINVAL,
			       "key file '%s' is not a regular file", path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return err_set(e, -EPERM,
			       "key file '%s' is open to other users (mode "
			       "%04o): make it private with chmod 600",
			       path, (unsigned)(st.st_mode & 07777));
	*size = (long long)st.st_size;
	return 0;
}

int pseudo_key_load(const char *path, struct pseudo_key *key, struct err *e)
{
	char text[KEY_HEX_LEN + 8];
	long long size = 0;
	size_t n = 0;
	int fd, ret;

	pseudo_key_wipe(key);
	/* O_NONBLOCK: a FIFO must not hang us before the regular-file check */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return err_sys(e, errno_code(), "read key file", path);
	ret = check_key_file(fd, path, &size, e);
	if (!ret) {
		ret = read_some(fd, text, sizeof(text), &n);
		if (ret)
			err_sys(e, ret, "read key file", path);
	}
	close(fd);
	if (!ret)
		ret = parse_key(path, text, n, size, key, e);
	OPENSSL_cleanse(text, sizeof(text));
	if (ret)
		pseudo_key_wipe(key);
	return ret;
}

void pseudo_key_wipe(struct pseudo_key *key)
{
	OPENSSL_cleanse(key->bytes, sizeof(key->bytes));
}

int pseudo_sha256(const void *p, size_t n, unsigned char out[PSEUDO_ID_LEN])
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 ||
	    len != PSEUDO_ID_LEN) {
		memset(out, 0, PSEUDO_ID_LEN);
		return -EIO;
	}
	return 0;
}

struct pseudo_digest {
	EVP_MD_CTX *ctx;
	int failed;
};

struct pseudo_digest *pseudo_digest_new(void)
{
	struct pseudo_digest *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx) {
		free(d);
		return NULL;
	}
	d->failed = EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1;
	return d;
}

void pseudo_digest_add(struct pseudo_digest *d, const void *p, size_t n)
{
	if (!d->failed && n && EVP_DigestUpdate(d->ctx, p, n) != 1)
		d->failed = 1;
}

int pseudo_digest_end(struct pseudo_digest *d, unsigned char out[PSEUDO_ID_LEN])
{
	unsigned int len = 0;
	int ok = !d->failed && EVP_DigestFinal_ex(d->ctx, out, &len) == 1 &&
		 len == PSEUDO_ID_LEN;

	if (!ok)
		memset(out, 0, PSEUDO_ID_LEN);
	pseudo_digest_free(d);
	return ok ? 0 : -EIO;
}

void pseudo_digest_free(struct pseudo_digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

int pseudo_key_id(const struct pseudo_key *key,
		  unsigned char out[PSEUDO_ID_LEN])
{
	return pseudo_sha256(key->bytes, sizeof(key->bytes), out);
}

/* Give ps n free slots (its old ones are the caller's).  Returns 0 or
 * -ENOMEM, leaving ps as it was. */
static int new_slots(struct pseudo *ps, size_t n)
{
	uint32_t *tags = calloc(n, sizeof(*tags));
	struct slot *slots = tags ? calloc(n, sizeof(*slots)) : NULL;

	if (!slots) {
		free(tags);
		return -ENOMEM;
	}
	ps->tags = tags;
	ps->slots = slots;
	ps->nslots = n;
	ps->used = 0;
	return 0;
}

int pseudo_new(const struct pseudo_key *key, struct pseudo **out, struct err *e)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest,
						 0),
		OSSL_PARAM_construct_end(),
	};
	struct pseudo *ps;

	*out = NULL;
	ps = calloc(1, sizeof(*ps));
	if (!ps || new_slots(ps, CACHE_SLOTS_MIN)) {
		free(ps);
		return err_set(e, -ENOMEM, "out of memory");
	}
	ps->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ps->ctx = ps->mac ? EVP_MAC_CTX_new(ps->mac) : NULL;
	/* The HMAC key schedule (inner and outer pad states) is computed here,
	 * once; each pseudonym then restarts from it. */
	if (!ps->ctx || EVP_MAC_init(ps->ctx, key->bytes, sizeof(key->bytes),
				     params) != 1) {
		pseudo_free(ps);
		return err_set(e, -EIO, "cannot set up HMAC-SHA256 (OpenSSL)");
	}
	*out = ps;
	return 0;
}

/* HMAC-SHA256 of p[0..n) as a pseudonym into dst (PSEUDO_LEN + 1). */
static int compute(struct pseudo *ps, const char *p, size_t n, char *dst)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t len = 0;

	/* A NULL key restarts from the key schedule set in pseudo_new. */
	if (EVP_MAC_init(ps->ctx, NULL, 0, NULL) != 1 ||
	    (n > 0 &&
	     EVP_MAC_update(ps->ctx, (const unsigned char *)p, n) != 1) ||
	    EVP_MAC_final(ps->ctx, md, &len, sizeof(md)) != 1 ||
	    len < PSEUDO_LEN / 2)
		return -EIO;
	value_hex(md, PSEUDO_LEN / 2, dst);
	dst[PSEUDO_LEN] = '\0';
	return 0;
}

/* Eight bytes at a time through a multiply-rotate step (FNV-1a's byte
 * loop was a 36-step chain of multiplies per GUID), then a final mix so
 * that every bit depends on every byte: the low bits pick the first slot,
 * the high ones are the tag.  Not keyed: a crafted set of colliding ids
 * only costs speed. */
static uint64_t hash_of(const char *p, size_t n)
{
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	uint64_t h = 0xcbf29ce484222325ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * k;
		h ^= h >> 31;
	}
	w = 0;
	if (n)
		memcpy(&w, p, n);
	h = (h ^ w) * k;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

static uint32_t tag_of(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1;
}

/* The slot of p[0..n) (*hit) or the free slot where it goes (*i). */
static void find_slot(const struct pseudo *ps, uint64_t h, const char *p,
		      size_t n, size_t *i, int *hit)
{
	uint32_t tag = tag_of(h);
	size_t mask = ps->nslots - 1, k = (size_t)h & mask;

	/* ends: at most three quarters of the slots are in use */
	for (;; k = (k + 1) & mask) {
		const struct slot *sl = &ps->slots[k];

		*hit = ps->tags[k] == tag && sl->len == n &&
		       (n == 0 || memcmp(sl->val, p, n) == 0);
		if (*hit || ps->tags[k] == 0) {
			*i = k;
			return;
		}
	}
}

static void wipe_slots(uint32_t *tags, struct slot *slots, size_t n)
{
	OPENSSL_cleanse(tags, n * sizeof(*tags));
	OPENSSL_cleanse(slots, n * sizeof(*slots));
	free(tags);
	free(slots);
}

/* Make room for one more value: double the table, or empty it when it is
 * at its largest (or no memory is left to grow it). */
static void make_room(struct pseudo *ps)
{
	uint32_t *tags = ps->tags;
	struct slot *slots = ps->slots;
	size_t n = ps->nslots, used = ps->used;

	if (used < n / 4 * 3)
		return;
	if (n * 2 > CACHE_SLOTS_MAX || new_slots(ps, n * 2)) {
		memset(ps->tags, 0, n * sizeof(*ps->tags));
		ps->used = 0;
		return;
	}
	for (size_t k = 0; k < n; k++) {
		size_t i;
		int hit;

		if (!tags[k])
			continue;
		find_slot(ps, hash_of(slots[k].val, slots[k].len), slots[k].val,
			  slots[k].len, &i, &hit);
		ps->tags[i] = tags[k];
		ps->slots[i] = slots[k];
	}
	ps->used = used;
	wipe_slots(tags, slots, n);
}

const char *pseudo_of(struct pseudo *ps, const char *p, size_t n)
{
	struct slot *sl;
	uint64_t h;
	size_t i;
	int hit;

	if (n > CACHE_VAL_MAX) {
		ps->misses++;
		return compute(ps, p, n, ps->scratch) ? NULL : ps->scratch;
	}
	h = hash_of(p, n);
	find_slot(ps, h, p, n, &i, &hit);
	if (hit) {
		ps->hits++;
		return ps->slots[i].out;
	}
	ps->misses++;
	if (ps->used >= ps->nslots / 4 * 3) {
		make_room(ps);
		find_slot(ps, h, p, n, &i, &hit);
	}
	sl = &ps->slots[i];
	if (compute(ps, p, n, sl->out))
		return NULL;
	if (n > 0)
		memcpy(sl->val, p, n);
	sl->len = (unsigned char)n;
	ps->tags[i] = tag_of(h);
	ps->used++;
	return sl->out;
}

void pseudo_stats(const struct pseudo *ps, uint64_t *hits, uint64_t *misses)
{
	*hits = ps->hits;
	*misses = ps->misses;
}

void pseudo_free(struct pseudo *ps)
{
	if (!ps)
		return;
	EVP_MAC_CTX_free(ps->ctx);
	EVP_MAC_free(ps->mac);
	/* the cache maps values to pseudonyms: as sensitive as the data */
	if (ps->slots)
		wipe_slots(ps->tags, ps->slots, ps->nslots);
	OPENSSL_cleanse(ps, sizeof(*ps));
	free(ps);
}
