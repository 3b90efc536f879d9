/* test_secrets.c - the saved exports' secrets file: its grammar, errors
 * that name the line and never a value, the 0600 rule, the round trip
 * through secrets_save. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "secrets.h"

static int parse(const char *text, struct secrets *s, struct err *e)
{
	return secrets_parse("x.secrets", text, strlen(text), s, e);
}

static void test_grammar(void)
{
	struct secrets s;
	struct err e = ERR_INIT;
	const struct secret *x;

	CHECK_INT(parse("# a comment\n[one]\ndest = https://a/c?sig=abc==\r\n"
			"\n[two]\ndest=azure://a/c\nkey =  k==\n"
			"connection_string = A=1;B=2\n",
			&s, &e),
		  0);
	CHECK_INT(s.n, 2);
	x = secrets_find(&s, "one");
	CHECK(x && strcmp(x->dest, "https://a/c?sig=abc==") == 0 &&
	      !x->account_key && !x->connection_string);
	x = secrets_find(&s, "two");
	CHECK(x && strcmp(x->dest, "azure://a/c") == 0 &&
	      strcmp(x->account_key, "k==") == 0 &&
	      strcmp(x->connection_string, "A=1;B=2") == 0);
	CHECK(!secrets_find(&s, "three"));
	secrets_free(&s);
}

/* Each bad text is refused with its line named, and no value quoted. */
static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "dest = SECRETVALUE\n", "x.secrets:1: a line outside" },
		{ "[a]\ndest = SECRETVALUE\n[a]\n", "x.secrets:3: a section "
						    "named twice" },
		{ "[a]\nsig SECRETVALUE\n", "x.secrets:2: not NAME = VALUE" },
		{ "[a]\nsas = SECRETVALUE\n", "x.secrets:2: unknown field" },
		{ "[a]\ndest = SECRETVALUE\ndest = SECRETVALUE\n",
		  "x.secrets:3: a field given twice" },
		{ "[]\n", "x.secrets:1: a section is [NAME]" },
		{ "[a\n", "x.secrets:1: a section is [NAME]" },
		{ "[a]\nkey = SECRETVALUE\n", "x.secrets: [a] has no dest" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct secrets s;
		struct err e = ERR_INIT;

		CHECK_INT(parse(bad[i].text, &s, &e), -EINVAL);
		check_has(__FILE__, __LINE__, bad[i].text, e.msg, bad[i].want);
		CHECK(!strstr(e.msg, "SECRETVALUE"));
		secrets_free(&s);
	}
}

static void test_change(void)
{
	struct secrets s;
	struct err e = ERR_INIT;
	struct secret one = { (char[]){ "one" },
			      (char[]){ "https://a/c?sig=1" }, NULL, NULL };
	struct secret two = { (char[]){ "two" }, (char[]){ "azure://a/c" },
			      (char[]){ "key1" }, NULL };
	struct secret bad = { (char[]){ "bad" },
			      (char[]){ "https://a/c?sig=1\nkey = x" }, NULL,
			      NULL };

	CHECK_INT(parse("", &s, &e), 0);
	CHECK_INT(secrets_set(&s, &one, &e), 0);
	CHECK_INT(secrets_set(&s, &two, &e), 0);
	two.account_key = (char[]){ "key2" };
	CHECK_INT(secrets_set(&s, &two, &e), 0); /* replaces */
	CHECK_INT(s.n, 2);
	CHECK_STR(secrets_find(&s, "two")->account_key, "key2");
	CHECK_INT(secrets_set(&s, &bad, &e), -EINVAL);
	check_has(__FILE__, __LINE__, "line break", e.msg, "line break");
	CHECK(!secrets_find(&s, "bad"));
	CHECK_INT(secrets_drop(&s, "one"), 1);
	CHECK_INT(secrets_drop(&s, "one"), 0);
	CHECK_INT(s.n, 1);
	secrets_free(&s);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0 &&
	      write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	if (fd >= 0)
		close(fd);
	CHECK(chmod(path, mode) == 0);
}

/* Load and save through a real file: none yet is empty; 0600 kept; a file
 * others may read refused. */
static void test_file(void)
{
	char dir[] = "/tmp/test_secrets.XXXXXX", store[64], path[80];
	struct secret one = { (char[]){ "one" },
			      (char[]){ "https://a/c?sig=1" }, NULL, NULL };
	struct secrets s;
	struct err e = ERR_INIT;
	struct stat sb;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(store, sizeof(store), "%s/s.db", dir);
	snprintf(path, sizeof(path), "%s.secrets", store);
	CHECK_INT(secrets_load(store, &s, &e), 0);
	CHECK_INT(s.n, 0);
	CHECK_INT(secrets_set(&s, &one, &e), 0);
	CHECK_INT(secrets_save(&s, &e), 0);
	secrets_free(&s);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	CHECK_INT(secrets_load(store, &s, &e), 0);
	CHECK(s.n == 1 && strcmp(s.v[0].dest, "https://a/c?sig=1") == 0);
	secrets_free(&s);
	write_file(path, "[one]\ndest = https://a/c?sig=1\n", 0640);
	CHECK_INT(secrets_load(store, &s, &e), -EPERM);
	check_has(__FILE__, __LINE__, "mode", e.msg, "chmod 600");
	check_has(__FILE__, __LINE__, "path", e.msg, path);
	write_file(path, "[one]\nbad\n", 0600);
	CHECK_INT(secrets_load(store, &s, &e), -EINVAL);
	check_has(__FILE__, __LINE__, "line", e.msg, ".secrets:2:");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_grammar();
	test_errors();
	test_change();
	test_file();
	return check_report();
}
