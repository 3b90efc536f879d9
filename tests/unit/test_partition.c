/* test_partition.c - the partitions file's grammar and the id sets (no
 * store: membership and rows are covered by tests/cli/partitions.sh). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "idset.h"
#include "partition.h"

/* Parse text for section name: 0 and the description, or the error. */
static int parse(const char *text, const char *name, struct buf *desc,
		 struct err *e)
{
	struct partition *p = NULL;
	int ret = partition_parse("p.ini", text, strlen(text), name, &p, e);

	buf_reset(desc);
	if (!ret)
		partition_describe(p, desc);
	partition_free(p);
	return ret;
}

static void parse_ok(int line, const char *text, const char *name,
		     const char *want)
{
	struct buf d = BUF_INIT(1 << 16);
	struct err e = { 0 };

	if (check_int(__FILE__, line, "parse", parse(text, name, &d, &e), 0)) {
		buf_addch(&d, '\0');
		check_str(__FILE__, line, "description", d.data, want);
	} else {
		fprintf(stderr, "  %s\n", e.msg);
	}
	buf_release(&d);
}

static void parse_bad(int line, const char *text, const char *name,
		      const char *want)
{
	struct buf d = BUF_INIT(1 << 16);
	struct err e = { 0 };

	check_int(__FILE__, line, "parse", parse(text, name, &d, &e), -EINVAL);
	check_has(__FILE__, line, "message", e.msg, want);
	buf_release(&d);
}

#define OK(t, n, w)  parse_ok(__LINE__, (t), (n), (w))
#define BAD(t, n, w) parse_bad(__LINE__, (t), (n), (w))

static void test_grammar(void)
{
	OK("[emea]\nRegion = EMEA\n", "emea",
	   "partition 4:emea 6:Region=4:EMEA");
	/* comments, blanks, CRLF, spaces, an empty value, no final newline */
	OK("# c\r\n; c\r\n\r\n [a] \r\n  Region\t=  EMEA West \r\nX=", "a",
	   "partition 1:a 6:Region=9:EMEA West 1:X=0:");
	/* the section asked for among others; '=' in a value */
	OK("[a]\nR = 1\n[b.2_x-y]\nR = 2\nS = a=b\n", "b.2_x-y",
	   "partition 7:b.2_x-y 1:R=1:2 1:S=3:a=b");
	BAD("[a]\nRegion EMEA\n", "a", "p.ini:2: \"Region EMEA\": expected");
	BAD("Region = EMEA\n[a]\nR = 1\n", "a", "p.ini:1:");
	BAD("Region = EMEA\n[a]\nR = 1\n", "a", "outside any section");
	BAD("[a]\nR = 1\n[b]\n\n# only a comment\n", "a",
	    "p.ini:3: section [b] is empty");
	BAD("[a]\n", "a", "p.ini:1: section [a] is empty");
	BAD("[a]\nR = 1\n[a]\nR = 2\n", "a", "p.ini:3:");
	BAD("[a]\nR = 1\nR = 2\n", "a", "p.ini:3:");
	BAD("[a]\n = 1\n", "a", "p.ini:2:");
	BAD("[a b]\nR = 1\n", "a b", "p.ini:1:");
	BAD("[]\nR = 1\n", "", "p.ini:1:");
	BAD("[a\nR = 1\n", "a", "no closing ']'");
	BAD("[a]\nR = 1\n", "b", "p.ini: no partition [b] (1 defined)");
	BAD("", "a", "no partition [a] (0 defined)");
}

static void test_nul(void)
{
	static const char text[] = "[a]\nR = x\0y\n";
	struct partition *p = NULL;
	struct err e = { 0 };

	check_int(__FILE__, __LINE__, "parse",
		  partition_parse("p.ini", text, sizeof(text) - 1, "a", &p, &e),
		  -EINVAL);
	check_has(__FILE__, __LINE__, "message", e.msg, "p.ini:2:");
	CHECK(p == NULL);
}

static void test_load(void)
{
	struct partition *p = NULL;
	struct err e = { 0 };

	check_int(__FILE__, __LINE__, "load",
		  partition_load("/nonexistent/p.ini", "a", &p, &e), -ENOENT);
	check_has(__FILE__, __LINE__, "message", e.msg, "/nonexistent/p.ini");
	CHECK(p == NULL);
}

static void test_idset(void)
{
	struct idset s;
	char key[32];
	int ok = 1;

	idset_init(&s);
	CHECK(!idset_has(&s, "a", 1));
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof(key), "H%08d", i * 7);

		ok &= idset_add(&s, key, (size_t)n) == 0;
		ok &= idset_add(&s, key, (size_t)n) == 0; /* twice: one */
	}
	CHECK(ok);
	check_int(__FILE__, __LINE__, "count", (long long)idset_count(&s),
		  5000);
	for (int i = 0; i < 35000; i++) {
		int n = snprintf(key, sizeof(key), "H%08d", i);

		ok &= idset_has(&s, key, (size_t)n) == (i % 7 == 0);
	}
	CHECK(ok);
	for (int i = 0; i < 35000; i += 7 * 611) { /* numbered as added */
		int n = snprintf(key, sizeof(key), "H%08d", i);
		size_t kn;
		ptrdiff_t at = idset_index(&s, key, (size_t)n);
		const char *k = at < 0 ? NULL : idset_key(&s, (size_t)at, &kn);

		ok &= at == i / 7 && k && kn == (size_t)n &&
		      memcmp(k, key, kn) == 0;
	}
	CHECK(ok);
	CHECK(idset_index(&s, "H00000001", 9) == -1);
	CHECK(idset_add(&s, "", 0) == 0 && idset_has(&s, "", 0));
	CHECK(idset_add(&s, "", 0) == 0 && idset_count(&s) == 5001);
	CHECK(idset_add(&s, "H00000007", 9) == 0 && idset_count(&s) == 5001);
	CHECK(!idset_has(&s, "H0000000", 8)); /* a prefix */
	idset_release(&s);
	idset_release(&s); /* safe twice */
	CHECK(!idset_has(&s, "H00000000", 9));
}

int main(void)
{
	test_grammar();
	test_nul();
	test_load();
	test_idset();
	return check_report();
}
