/* notify.c - one JSON POST to a web hook.  See notify.h. */
#include "notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NOTIFY_TRIES	 3
#define NOTIFY_TIMEOUT_S 10L

/* url without its query or fragment (which may hold a token). */
static void shown(const char *url, char *dst, size_t n)
{
	snprintf(dst, n, "%.*s", (int)strcspn(url, "?#"), url);
}

int notify_check(const char *url, struct err *e)
{
	char s[512];
	const char *host = NULL;

	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	shown(url, s, sizeof(s));
	if (!host || !*host || *host == '/')
		return err_set(e, -EINVAL,
			       "--notify '%s': not an http:// or https:// URL",
			       s);
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static CURLcode post_once(CURL *c, const char *url, const char *json,
			  long *status)
{
	struct curl_slist *h =
		curl_slist_append(NULL, "Content-Type: application/json");
	CURLcode rc;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, NOTIFY_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	*status = 0;
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	return rc;
}

int notify_post(const char *url, const char *json, struct err *e)
{
	CURL *c = curl_easy_init();
	CURLcode rc = CURLE_OK;
	long status = 0;
	char s[512];
	int ret = notify_check(url, e);

	if (!ret && !c)
		ret = err_set(e, -ENOMEM, "out of memory");
	for (int k = 0; !ret && k < NOTIFY_TRIES; k++) {
		struct timespec pause = { 1, 0 };

		rc = post_once(c, url, json, &status);
		if (rc == CURLE_OK && status < 500)
			break;
		if (k + 1 < NOTIFY_TRIES)
			nanosleep(&pause, NULL);
	}
	shown(url, s, sizeof(s));
	if (!ret && rc != CURLE_OK)
		ret = err_set(e, -EIO, "--notify %s: %s", s,
			      curl_easy_strerror(rc));
	else if (!ret && (status < 200 || status > 299))
		ret = err_set(e, -EIO, "--notify %s: answered HTTP %ld", s,
			      status);
	curl_easy_cleanup(c);
	return ret;
}
