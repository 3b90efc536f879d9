/* replay.c - run LLVMFuzzerTestOneInput on every file of the folders (or
 * files) given: the seed corpus under gcc, or a crash to reproduce.  Exits
 * non-zero if nothing was run. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read a whole file; caller frees.  NULL on error. */
static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)len + 1)) &&
	    fread(p, 1, (size_t)len, f) != (size_t)len) {
		free(p);
		p = NULL;
	}
	if (p)
		*n = (size_t)len;
	fclose(f);
	return p;
}

static int run_file(const char *path)
{
	size_t n = 0;
	uint8_t *p = slurp(path, &n);

	if (!p) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	printf("%s\n", path); /* the last one named is the one that failed */
	fflush(stdout);
	LLVMFuzzerTestOneInput(p, n);
	free(p);
	return 1;
}

static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int count = 0;

	if (!d) {
		fprintf(stderr, "replay: cannot open %s\n", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(path) < 0) {
			count = -1;
			break;
		}
		count++;
	}
	closedir(d);
	return count;
}

int main(int argc, char **argv)
{
	int total = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: no such file: %s\n", argv[i]);
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	printf("replay: %d inputs\n", total);
	return total > 0 ? 0 : 1;
}
