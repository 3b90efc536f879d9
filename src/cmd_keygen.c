/* cmd_keygen.c - `collabfs keygen KEYFILE`. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "pseudo.h"

static const char keygen_help[] =
	"usage: collabfs keygen KEYFILE\n"
	"\n"
	"Create a new secret key for pseudonyms (the policy's 'hash') in\n"
	"KEYFILE: 32 random bytes as 64 hex digits and a newline, mode 0600.\n"
	"An existing KEYFILE is never overwritten.  Keep the key private and\n"
	"keep a copy: the same key gives the same pseudonyms in every mount and\n"
	"sync, another key gives other ones.\n"
	"\n"
	"  -h, --help    show this help\n"
	"\n"
	"See docs/privacy.md.\n";

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct err e = ERR_INIT;

	if (cmd_wants_help(argc, argv))
		return fputs(keygen_help, stdout), 0;
	optind = 1;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread */
	if (getopt_long(argc, argv, "+h", opts, NULL) != -1)
		return cmd_usage_error("keygen", "unknown option");
	if (argc - optind != 1)
		return cmd_usage_error("keygen", "needs exactly one KEYFILE");
	if (pseudo_keygen(argv[optind], &e))
		return cmd_fail(&e);
	printf("%s\n", argv[optind]);
	return 0;
}
