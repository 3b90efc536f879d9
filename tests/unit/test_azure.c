/* test_azure.c - destinations (azure_dest.c) and the encodings of azure.c,
 * without a network: every form of DEST, every refusal, and that no
 * secret reaches a message or the display form. */
#include <errno.h>
#include <string.h>

#include "azure.h"
#include "check.h"
#include "md5.h"

#define KEY \
	"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

static const struct azure_env no_env = { NULL, NULL };

static void test_sas_urls(void)
{
	struct azure_dest d;
	struct err e = ERR_INIT;

	CHECK_INT(azure_dest_parse(
			  "https://acct1.blob.core.windows.net/"
			  "exports/org/a?sv=2022-11-02&sp=w&sig=SECRETSIG",
			  &no_env, &d, &e),
		  0);
	CHECK_STR(d.endpoint, "https://acct1.blob.core.windows.net");
	CHECK_STR(d.account, "acct1");
	CHECK_STR(d.container, "exports");
	CHECK_STR(d.prefix, "org/a/");
	CHECK_STR(d.sas, "sv=2022-11-02&sp=w&sig=SECRETSIG");
	CHECK_STR(d.display,
		  "https://acct1.blob.core.windows.net/exports/org/a");
	CHECK_INT((int)d.key_len, 0);
	azure_dest_free(&d);

	CHECK_INT(azure_dest_parse("http://127.0.0.1:10000/devstoreaccount1/"
				   "c-01?sv=1&sig=S",
				   &no_env, &d, &e),
		  0);
	CHECK_STR(d.endpoint, "http://127.0.0.1:10000/devstoreaccount1");
	CHECK_STR(d.container, "c-01");
	CHECK_STR(d.prefix, "");
	CHECK_STR(d.display, "http://127.0.0.1:10000/devstoreaccount1/c-01");
	azure_dest_free(&d);
}

static void test_azure_scheme(void)
{
	struct azure_dest d;
	struct err e = ERR_INIT;
	struct azure_env key = { KEY, NULL };
	struct azure_env cs = {
		NULL,
		"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
		"AccountKey=" KEY ";BlobEndpoint=http://127.0.0.1:9/"
		"devstoreaccount1/;"
	};

	CHECK_INT(azure_dest_parse("azure://acct1/box/x", &key, &d, &e), 0);
	CHECK_STR(d.endpoint, "https://acct1.blob.core.windows.net");
	CHECK_STR(d.prefix, "x/");
	CHECK_INT((int)d.key_len, 64);
	CHECK(d.sas == NULL);
	azure_dest_free(&d);

	CHECK_INT(azure_dest_parse("azure://devstoreaccount1/box", &cs, &d, &e),
		  0);
	CHECK_STR(d.endpoint, "http://127.0.0.1:9/devstoreaccount1");
	CHECK_INT((int)d.key_len, 64);
	azure_dest_free(&d);

	CHECK_INT(azure_dest_parse("azure://other/box", &cs, &d, &e), -EINVAL);
	CHECK(strstr(e.msg, "another account") != NULL);
	CHECK(strstr(e.msg, KEY) == NULL);
	CHECK_INT(azure_dest_parse("azure://acct1/box", &no_env, &d, &e),
		  -EINVAL);
	CHECK(strstr(e.msg, "AZURE_STORAGE_KEY") != NULL);
}

/* Each refusal names what is wrong and never quotes the signature. */
static void test_refusals(void)
{
	static const struct {
		const char *dest, *want;
	} bad[] = {
		{ "ftp://a/b", "expected https://" },
		{ "https://acct1.blob.core.windows.net/ab?sv=1&sig=TOPSECRET",
		  "container name" },
		{ "https://acct1.blob.core.windows.net/Caps?sv=1&sig=TOPSECRET",
		  "container name" },
		{ "https://acct1.blob.core.windows.net/a--b?sv=1&sig=TOPSECRET",
		  "container name" },
		{ "https://acct1.blob.core.windows.net/box?sv=1", "sig=" },
		{ "https://acct1.blob.core.windows.net/box/../x?sv=1&sig=TOPSECRET",
		  "'..'" },
		{ "https://user@acct1.blob.core.windows.net/box?sv=1&sig=TOPSECRET",
		  "user name" },
		{ "https://acct1.blob.core.windows.net/?sv=1&sig=TOPSECRET",
		  "no container" },
		{ "http://127.0.0.1:1/?sv=1&sig=TOPSECRET", "no account" },
		{ "https://acct1.blob.core.windows.net/box?sv=1&sig=TOP SECRET",
		  "character" },
		{ "azure://acct1/box?x=1", "takes no query" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct azure_dest d;
		struct err e = ERR_INIT;
		int ret = azure_dest_parse(bad[i].dest, &no_env, &d, &e);

		CHECK_INT(ret, -EINVAL);
		if (!CHECK(strstr(e.msg, bad[i].want) != NULL))
			fprintf(stderr, "  %s -> %s\n", bad[i].dest, e.msg);
		CHECK(strstr(e.msg, "TOPSECRET") == NULL);
		azure_dest_free(&d);
	}
}

static void test_redact(void)
{
	char out[256];

	azure_redact("http://h/c?sv=1&sig=abc%2Bd&sp=w", out, sizeof(out));
	CHECK_STR(out, "http://h/c?sv=1&sig=REDACTED&sp=w");
	azure_redact("AccountName=a;AccountKey=xyz==;BlobEndpoint=e", out,
		     sizeof(out));
	CHECK_STR(out, "AccountName=a;AccountKey=REDACTED;BlobEndpoint=e");
	azure_redact("SharedAccessSignature=sv=1&sig=q", out, sizeof(out));
	CHECK(strstr(out, "sig=q") == NULL);
}

static void test_encodings(void)
{
	unsigned char md5[16];
	char b64[32];
	struct md5 *m = md5_new();

	md5_of("abc", 3, md5);
	azure_base64(md5, 16, b64);
	CHECK_STR(b64, "kAFQmDzST7DWlj99KOF/cg==");
	md5_add(m, "a", 1);
	md5_add(m, "bc", 2);
	md5_end(m, md5);
	azure_base64(md5, 16, b64);
	CHECK_STR(b64, "kAFQmDzST7DWlj99KOF/cg==");
}

int main(void)
{
	test_sas_urls();
	test_azure_scheme();
	test_refusals();
	test_redact();
	test_encodings();
	return check_report();
}
