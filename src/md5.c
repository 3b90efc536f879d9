/* md5.c - MD5 of bytes.  See md5.h. */
#include "md5.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void md5_of(const void *p, size_t n, unsigned char out[MD5_LEN])
{
	unsigned int len = MD5_LEN;

	if (EVP_Digest(p, n, out, &len, EVP_md5(), NULL) != 1)
		memset(out, 0, MD5_LEN);
}

struct md5 {
	EVP_MD_CTX *ctx;
};

struct md5 *md5_new(void)
{
	struct md5 *m = calloc(1, sizeof(*m));

	if (m)
		m->ctx = EVP_MD_CTX_new();
	if (m && (!m->ctx || EVP_DigestInit_ex(m->ctx, EVP_md5(), NULL) != 1)) {
		md5_free(m);
		m = NULL;
	}
	return m;
}

void md5_add(struct md5 *m, const void *p, size_t n)
{
	EVP_DigestUpdate(m->ctx, p, n);
}

void md5_end(struct md5 *m, unsigned char out[MD5_LEN])
{
	unsigned int len = MD5_LEN;

	if (EVP_DigestFinal_ex(m->ctx, out, &len) != 1)
		memset(out, 0, MD5_LEN);
	md5_free(m);
}

void md5_free(struct md5 *m)
{
	if (!m)
		return;
	EVP_MD_CTX_free(m->ctx);
	free(m);
}
