/* test_activity_tally.c - a tally's bytes, its set, and the U of a scope.
 * (What tallies add up to is checked through the mount on hand-made data:
 * tests/cli/mount_activity.sh; kept against computed: activity_tally.sh.)
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "activity.h"
#include "activity_tally.h"
#include "check.h"

/* Encode t, check the length bound, decode, compare bit for bit. */
static void round_trip(const struct tally *t, size_t want_len)
{
	unsigned char buf[TALLY_MAX_BYTES + 1];
	struct tally back;
	size_t n = tally_encode(t, buf);

	CHECK(n <= TALLY_MAX_BYTES);
	if (want_len)
		CHECK_INT(n, want_len);
	memset(&back, 0x55, sizeof(back));
	CHECK_INT(tally_decode(buf, n, &back), 0);
	CHECK(memcmp(&back, t, sizeof(back)) == 0);
}

static void test_encoding(void)
{
	struct tally t;

	memset(&t, 0, sizeof(t));
	round_trip(&t, TALLY_N); /* zeros: one byte each */
	t.v[TF_MEETINGS] = 3;
	t.v[TF_MEETING_H] = 5400000;		  /* 1.5 h in ms: a varint */
	t.v[TF_EMAIL_H] = 0.1 * 3600000.0 + 0.25; /* not whole: raw */
	t.v[tally_u_field(3, TP_U)] = 9007199254740992.0;	 /* 2^53 */
	t.v[tally_u_field(0, TP_MAIL_OUT)] = 9007199254740994.0; /* > 2^53 */
	t.v[tally_u_field(1, TP_CHAT_OUT)] = -0.0;
	t.v[tally_u_field(2, TP_CHAT_OUT_AFTER)] = -7;
	t.v[TF_CALLS] = INFINITY;
	round_trip(&t, 0);
	for (size_t i = 0; i < TALLY_N; i++) /* the longest case */
		t.v[i] = 0.5 + (double)i;
	round_trip(&t, TALLY_MAX_BYTES);
}

static void test_bad_bytes(void)
{
	struct tally t, z;
	unsigned char buf[TALLY_MAX_BYTES + 2];
	size_t n;

	memset(&z, 0, sizeof(z));
	z.v[TF_EMAIL_H] = 0.5;
	n = tally_encode(&z, buf);
	CHECK_INT(tally_decode(buf, 0, &t), -EINVAL);	  /* empty */
	CHECK_INT(tally_decode(buf, n - 1, &t), -EINVAL); /* short */
	buf[n] = 0;
	CHECK_INT(tally_decode(buf, n + 1, &t), -EINVAL); /* one too many */
	memset(buf, 0xff, sizeof(buf)); /* a varint that never ends */
	CHECK_INT(tally_decode(buf, sizeof(buf), &t), -EINVAL);
	buf[0] = 3; /* odd but not the raw marker */
	CHECK_INT(tally_decode(buf, sizeof(buf), &t), -EINVAL);
	buf[0] = 1; /* raw, then only 3 bytes */
	CHECK_INT(tally_decode(buf, 4, &t), -EINVAL);
}

static void test_set(void)
{
	struct tally_set ts;
	struct tally *a, *b;
	size_t n;

	tally_set_init(&ts);
	a = tally_set_get(&ts, "H01", 3);
	CHECK(a != NULL);
	a->v[TF_FILES] = 2;
	for (int i = 0; i < 1000; i++) { /* grows: earlier ones kept */
		char id[16];
		int len = snprintf(id, sizeof(id), "X%d", i);

		CHECK(tally_set_get(&ts, id, (size_t)len) != NULL);
	}
	b = tally_set_get(&ts, "H01", 3);
	CHECK(b != NULL && b->v[TF_FILES] == 2);
	CHECK_INT(idset_count(&ts.ids), 1001);
	{
		const char *k = idset_key(&ts.ids, 0, &n);

		CHECK_MEM(k, n, "H01");
	}
	tally_set_release(&ts);
	CHECK_INT(idset_count(&ts.ids), 0);
	tally_set_release(&ts); /* twice is safe */
}

static void test_u_of(void)
{
	CHECK_INT(tally_u_of(0), 0);
	CHECK_INT(tally_u_of(AREA_MAIL | AREA_CHAT | AREA_FILES), 0);
	CHECK_INT(tally_u_of(AREA_MEETINGS), 1);
	CHECK_INT(tally_u_of(AREA_CALLS | AREA_MAIL), 2);
	CHECK_INT(tally_u_of(AREA_MEETINGS | AREA_CALLS), 3);
	CHECK_INT(tally_u_field(0, TP_U), TF_U_FIRST);
	CHECK_INT(tally_u_field(3, TP_CHAT_OUT_AFTER), TALLY_N - 1);
}

int main(void)
{
	test_encoding();
	test_bad_bytes();
	test_set();
	test_u_of();
	return check_report();
}
