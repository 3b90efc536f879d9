/* fuzz_policy.c - the policy parser on any text: it must accept or refuse
 * with a one-line message, never crash or leak, and an accepted policy's
 * canonical text must parse again to the same digest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The canonical text of an accepted policy reads back as the same policy. */
static void check_round_trip(const struct policy *p)
{
	unsigned char d1[POLICY_DIGEST_LEN], d2[POLICY_DIGEST_LEN];
	struct buf text = BUF_INIT(1 << 24);
	struct policy *q = NULL;
	struct err e = ERR_INIT;
	const char *body;

	policy_canonical(p, &text);
	if (text.err)
		abort();
	body = memchr(text.data, '\n', text.len); /* past the version line */
	body = body ? body + 1 : text.data;
	if (policy_parse("canonical", body,
			 text.len - (size_t)(body - text.data), &q, &e) != 0 ||
	    policy_digest(p, d1) != 0 || policy_digest(q, d2) != 0 ||
	    memcmp(d1, d2, sizeof(d1)) != 0)
		abort();
	policy_free(q);
	buf_release(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	struct err e = ERR_INIT;
	int ret = policy_parse("fuzz.policy", (const char *)data, size, &p, &e);

	if (ret == 0 && !p)
		abort();
	if (ret != 0 && (e.code != ret || strchr(e.msg, '\n') || p))
		abort();
	if (p)
		check_round_trip(p);
	policy_free(p);
	return 0;
}
