/* test_pseudo.c - keyed pseudonyms, their cache and the key file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "check.h"
#include "pseudo.h"

static char dir[] = "/tmp/collabfs-test-pseudo.XXXXXX";

/* The key 00 01 02 ... 1f. */
static void counting_key(struct pseudo_key *k)
{
	for (size_t i = 0; i < sizeof(k->bytes); i++)
		k->bytes[i] = (unsigned char)i;
}

/* The reference: OpenSSL's one-shot HMAC(), first 16 bytes in hex. */
static void reference(const struct pseudo_key *k, const char *p, size_t n,
		      char out[PSEUDO_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	HMAC(EVP_sha256(), k->bytes, (int)sizeof(k->bytes),
	     (const unsigned char *)p, n, md, &len);
	for (size_t i = 0; i < PSEUDO_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_known_answers(void)
{
	struct pseudo_key k = { { 0 } };
	struct pseudo *ps = NULL;
	struct err e = ERR_INIT;

	/* RFC 4231 test case 2: key "Jefe", HMAC-SHA256 5bdcc146bf60754e
	 * 6a042426089575c7 5a003f08...  HMAC pads a short key with zeros, so
	 * "Jefe" and 28 zero bytes is the same key. */
	memcpy(k.bytes, "Jefe", 4);
	CHECK_INT(pseudo_new(&k, &ps, &e), 0);
	CHECK_STR(pseudo_of(ps, "what do ya want for nothing?", 28),
		  "5bdcc146bf60754e6a042426089575c7");
	pseudo_free(ps);

	/* printf H1 | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102..1f
	 * = 7a7c36c8bd7d805a8c24ffd089f45062 5fee7234...; the empty value:
	 * d38b42096d80f45f826b44a9d5607de7 2496a415... */
	counting_key(&k);
	CHECK_INT(pseudo_new(&k, &ps, &e), 0);
	CHECK_STR(pseudo_of(ps, "H1", 2), "7a7c36c8bd7d805a8c24ffd089f45062");
	CHECK_STR(pseudo_of(ps, "", 0), "d38b42096d80f45f826b44a9d5607de7");
	CHECK_STR(pseudo_of(ps, "H1", 2), "7a7c36c8bd7d805a8c24ffd089f45062");
	pseudo_free(ps);
}

static void test_key_id(void)
{
	struct pseudo_key k;
	unsigned char id[PSEUDO_ID_LEN];
	char hex[2 * PSEUDO_ID_LEN + 1];

	/* python3 -c "import hashlib; print(hashlib.sha256(bytes(range(32)))
	 * .hexdigest())" */
	counting_key(&k);
	CHECK_INT(pseudo_key_id(&k, id), 0);
	for (size_t i = 0; i < sizeof(id); i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	CHECK_STR(hex, "630dcd2966c4336691125448bbb25b4f"
		       "f412a49c732db2c8abc1b8581bd710dd");
	CHECK_INT(pseudo_sha256("", 0, id), 0);
	CHECK_INT(id[0], 0xe3); /* e3b0c442... */
}

static void test_same_and_other_key(void)
{
	struct pseudo_key k, k2;
	struct pseudo *a = NULL, *b = NULL, *c = NULL;
	struct err e = ERR_INIT;
	char first[PSEUDO_LEN + 1];
	uint64_t hits, misses;

	counting_key(&k);
	counting_key(&k2);
	k2.bytes[31] ^= 1;
	CHECK_INT(pseudo_new(&k, &a, &e), 0);
	CHECK_INT(pseudo_new(&k, &b, &e), 0);
	CHECK_INT(pseudo_new(&k2, &c, &e), 0);
	snprintf(first, sizeof(first), "%s",
		 pseudo_of(a, "alice@x.example", 15));
	CHECK_INT(strlen(first), PSEUDO_LEN);
	CHECK_INT(strspn(first, "0123456789abcdef"), PSEUDO_LEN);
	/* another pseudonymizer with the same key (another thread, table,
	 * file) gives the same pseudonym; another key another one */
	CHECK_STR(pseudo_of(b, "alice@x.example", 15), first);
	CHECK(strcmp(pseudo_of(c, "alice@x.example", 15), first) != 0);
	CHECK(strcmp(pseudo_of(a, "alice@y.example", 15), first) != 0);
	/* a repeat is a cache hit with the same output */
	pseudo_stats(a, &hits, &misses);
	CHECK_INT(misses, 2);
	CHECK_INT(hits, 0);
	CHECK_STR(pseudo_of(a, "alice@x.example", 15), first);
	CHECK_STR(pseudo_of(a, "alice@x.example", 15), first);
	pseudo_stats(a, &hits, &misses);
	CHECK_INT(hits, 2);
	CHECK_INT(misses, 2);
	/* bytes, not C strings: an embedded NUL and a prefix differ */
	CHECK(strcmp(pseudo_of(a, "alice\0x", 7), pseudo_of(b, "alice", 5)));
	pseudo_free(a);
	pseudo_free(b);
	pseudo_free(c);
	pseudo_free(NULL);
}

/* More distinct values than the cache's first size, in two orders, plus
 * values too long to cache: every answer equals the reference, each of the
 * 12,500 short values is computed once (the cache grew) and each long one
 * every time. */
static void test_many_values(void)
{
	struct pseudo_key k;
	struct pseudo *ps = NULL;
	struct err e = ERR_INIT;
	char v[160], want[PSEUDO_LEN + 1];
	uint64_t hits, misses;
	int bad = 0;

	counting_key(&k);
	CHECK_INT(pseudo_new(&k, &ps, &e), 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20000; i++) {
			int id = round == 1 ? 19999 - i : (i * 7919) % 20000;
			int n = snprintf(v, sizeof(v), "P%06d", id % 5000 + id);
			const char *got = pseudo_of(ps, v, (size_t)n);

			reference(&k, v, (size_t)n, want);
			bad += !got || strcmp(got, want) != 0;
		}
	}
	for (int i = 0; i < 300; i++) {
		int n = snprintf(v, sizeof(v), "%0*d", 40 + i % 100, i % 7);

		reference(&k, v, (size_t)n, want);
		bad += strcmp(pseudo_of(ps, v, (size_t)n), want) != 0;
	}
	CHECK_INT(bad, 0);
	pseudo_stats(ps, &hits, &misses);
	CHECK_INT(hits + misses, 60300);
	CHECK_INT(misses, 12800);
	pseudo_free(ps);
}

/* A working set of 3,000 ids (a partition's people) is computed once: the
 * second and third passes are all hits, whatever the ids' hash slots.  So
 * is one of 50,000 (an organization's people: the cache grows), and one
 * past the cache's largest size still gives the right pseudonyms. */
static void test_working_set(void)
{
	struct pseudo_key k;
	struct pseudo *ps = NULL;
	struct err e = ERR_INIT;
	char v[80], want[PSEUDO_LEN + 1];
	uint64_t hits, misses;
	int bad = 0;

	counting_key(&k);
	CHECK_INT(pseudo_new(&k, &ps, &e), 0);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 3000; i++) {
			int n = snprintf(v, sizeof(v), "person-%d@x.example",
					 i);

			reference(&k, v, (size_t)n, want);
			bad += strcmp(pseudo_of(ps, v, (size_t)n), want) != 0;
		}
	CHECK_INT(bad, 0);
	pseudo_stats(ps, &hits, &misses);
	CHECK_INT(misses, 3000);
	CHECK_INT(hits, 6000);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 50000; i++) {
			int n = snprintf(v, sizeof(v), "org-%d@x.example",
					 (i * 7919) % 50000);

			if (round == 2 || i % 97 == 0) {
				reference(&k, v, (size_t)n, want);
				bad += strcmp(pseudo_of(ps, v, (size_t)n),
					      want) != 0;
			} else {
				bad += pseudo_of(ps, v, (size_t)n) == NULL;
			}
		}
	CHECK_INT(bad, 0);
	pseudo_stats(ps, &hits, &misses);
	CHECK_INT(misses, 53000);
	for (int i = 0; i < 250000; i++) {
		int n = snprintf(v, sizeof(v), "big-%d", i % 120000);

		if (i % 101 == 0) {
			reference(&k, v, (size_t)n, want);
			bad += strcmp(pseudo_of(ps, v, (size_t)n), want) != 0;
		} else {
			bad += pseudo_of(ps, v, (size_t)n) == NULL;
		}
	}
	CHECK_INT(bad, 0);
	/* the longest cached value and the shortest one that is not */
	memset(v, 'a', sizeof(v));
	for (size_t n = 58; n <= 61; n++) {
		reference(&k, v, n, want);
		CHECK_STR(pseudo_of(ps, v, n), want);
		CHECK_STR(pseudo_of(ps, v, n), want);
	}
	pseudo_free(ps);
}

static void write_file(const char *path, const char *text, size_t n,
		       mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(text, 1, n, f);
	fclose(f);
	chmod(path, mode);
}

static void test_keygen(void)
{
	char path[256], text[80];
	struct pseudo_key k;
	struct err e = ERR_INIT;
	struct stat st;
	mode_t old;
	FILE *f;

	snprintf(path, sizeof(path), "%s/k1", dir);
	old = umask(0); /* the file is 0600 whatever the umask */
	CHECK_INT(pseudo_keygen(path, &e), 0);
	umask(old);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_INT(st.st_size, 65);
	f = fopen(path, "rb");
	CHECK(f && fread(text, 1, sizeof(text), f) == 65);
	if (f)
		fclose(f);
	CHECK_INT(strspn(text, "0123456789abcdef"), 64);
	CHECK_INT(text[64], '\n');
	CHECK_INT(pseudo_key_load(path, &k, &e), 0);

	/* never overwrite, even an empty file */
	CHECK_INT(pseudo_keygen(path, &e), -EEXIST);
	CHECK_HAS(e.msg, "k1' already exists");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_size, 65);
	snprintf(path, sizeof(path), "%s/nodir/k", dir);
	CHECK_INT(pseudo_keygen(path, &e), -ENOENT);
	CHECK_HAS(e.msg, "cannot create key file '");
	CHECK_HAS(e.msg, "nodir/k': No such file or directory");

	/* two keys differ */
	snprintf(path, sizeof(path), "%s/k2", dir);
	CHECK_INT(pseudo_keygen(path, &e), 0);
	{
		struct pseudo_key k2;

		CHECK_INT(pseudo_key_load(path, &k2, &e), 0);
		CHECK(memcmp(k.bytes, k2.bytes, sizeof(k.bytes)) != 0);
	}
}

/* Load text (n bytes, mode) as a key file: returns the result, e filled. */
static int load_text(const char *text, size_t n, mode_t mode,
		     struct pseudo_key *k, struct err *e)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/key", dir);
	write_file(path, text, n, mode);
	return pseudo_key_load(path, k, e);
}

static void test_key_load(void)
{
	static const char good[] = "000102030405060708090a0b0c0d0e0f"
				   "101112131415161718191A1B1C1D1E1F\n";
	struct pseudo_key k, want;
	struct err e = ERR_INIT;
	char text[80];
	char path[256];

	counting_key(&want);
	CHECK_INT(load_text(good, 65, 0600, &k, &e), 0);
	CHECK(memcmp(k.bytes, want.bytes, sizeof(k.bytes)) == 0);
	CHECK_INT(load_text(good, 64, 0400, &k, &e), 0); /* no newline */
	CHECK(memcmp(k.bytes, want.bytes, sizeof(k.bytes)) == 0);

	CHECK_INT(load_text(good, 65, 0644, &k, &e), -EPERM);
	CHECK_HAS(e.msg, "/key' is open to other users (mode 0644)");
	CHECK_HAS(e.msg, "chmod 600");
	CHECK_INT(k.bytes[1], 0); /* wiped on failure */
	CHECK_INT(load_text(good, 65, 0620, &k, &e), -EPERM);
	CHECK_INT(load_text(good, 65, 0602, &k, &e), -EPERM);

	CHECK_INT(load_text(good, 63, 0600, &k, &e), -EINVAL);
	CHECK_HAS(e.msg, "/key' is not a collabfs key: expected 64 hex digits "
			 "and a newline, found 63 bytes");
	CHECK_INT(load_text("", 0, 0600, &k, &e), -EINVAL);
	CHECK_HAS(e.msg, "found 0 bytes");
	memcpy(text, good, 65);
	memcpy(text + 65, "00\n", 3);
	CHECK_INT(load_text(text, 68, 0600, &k, &e), -EINVAL);
	CHECK_HAS(e.msg, "found 68 bytes");
	memcpy(text, good, 65);
	text[64] = 'x';
	CHECK_INT(load_text(text, 65, 0600, &k, &e), -EINVAL);
	CHECK_HAS(e.msg, "byte 65 is not a newline");
	memcpy(text, good, 65);
	text[10] = 'g';
	CHECK_INT(load_text(text, 65, 0600, &k, &e), -EINVAL);
	CHECK_HAS(e.msg, "byte 11 is not a hex digit");
	CHECK_INT(k.bytes[1], 0);
	memset(text, ' ', 64);
	text[64] = '\n';
	CHECK_INT(load_text(text, 65, 0600, &k, &e), -EINVAL);
	CHECK_HAS(e.msg, "byte 1 is not a hex digit");

	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK_INT(pseudo_key_load(path, &k, &e), -ENOENT);
	CHECK_HAS(e.msg, "cannot read key file '");
	CHECK_HAS(e.msg, "/missing': No such file or directory");
	CHECK_INT(pseudo_key_load(dir, &k, &e), -EINVAL);
	CHECK_HAS(e.msg, "is not a regular file");
}

static void cleanup(void)
{
	static const char *const names[] = { "k1", "k2", "key" };
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* run as root the mode checks still hold: they read st_mode */
	chmod(dir, 0700);
	test_known_answers();
	test_key_id();
	test_same_and_other_key();
	test_many_values();
	test_working_set();
	test_keygen();
	test_key_load();
	cleanup();
	return check_report();
}
