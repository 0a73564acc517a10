/*
 * tests/fuzz/replay.c - run a fuzz harness over its seed corpus with any
 * compiler, so 'make check' exercises every decoder on every seed.
 *
 *   replay_NAME [FILE|DIR ...]
 * Without arguments the corpus is $top_srcdir/tests/fuzz/corpus/NAME, NAME
 * taken from the program's own name.  Each input is also replayed as every
 * prefix of itself (a truncation sweep of the corpus).  Prints TAP.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path, int n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f) {
		printf("not ok %d - %s: %s\n", n, path, strerror(errno));
		return 1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)len + 1)) || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		printf("not ok %d - %s: read error\n", n, path);
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	for (long cut = 0; cut <= len; cut++) {
		/* an exact-size copy so sanitizers see any overread */
		uint8_t *copy = malloc(cut ? (size_t)cut : 1);
		if (!copy)
			abort();
		memcpy(copy, buf, (size_t)cut);
		LLVMFuzzerTestOneInput(copy, (size_t)cut);
		free(copy);
	}
	free(buf);
	printf("ok %d - %s (%ld bytes, every prefix)\n", n, path, len);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, int *n)
{
	struct stat st;
	int bad = 0;

	if (stat(path, &st) != 0) {
		printf("not ok %d - %s: %s\n", ++*n, path, strerror(errno));
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		char **names = NULL;
		size_t cnt = 0, cap = 0;

		if (!d) {
			printf("not ok %d - %s: %s\n", ++*n, path, strerror(errno));
			return 1;
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (cnt == cap) {
				cap = cap ? cap * 2 : 32;
				names = realloc(names, cap * sizeof(*names));
				if (!names)
					abort();
			}
			names[cnt] = malloc(strlen(path) + strlen(de->d_name) + 2);
			if (!names[cnt])
				abort();
			sprintf(names[cnt++], "%s/%s", path, de->d_name);
		}
		closedir(d);
		qsort(names, cnt, sizeof(*names), cmp);
		if (cnt == 0) {
			printf("not ok %d - %s: empty corpus\n", ++*n, path);
			bad = 1;
		}
		for (size_t i = 0; i < cnt; i++) {
			bad |= replay_file(names[i], ++*n);
			free(names[i]);
		}
		free(names);
		return bad;
	}
	return replay_file(path, ++*n);
}

int main(int argc, char **argv)
{
	int n = 0, bad = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			bad |= replay_path(argv[i], &n);
	} else {
		const char *top = getenv("top_srcdir");
		const char *self = strrchr(argv[0], '/');
		char dir[4096];

		self = self ? self + 1 : argv[0];
		if (strncmp(self, "lt-", 3) == 0)
			self += 3;
		if (strncmp(self, "replay_", 7) != 0) {
			fprintf(stderr, "replay: cannot tell the harness from the name '%s'\n", self);
			return 99;
		}
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top ? top : ".", self + 7);
		bad |= replay_path(dir, &n);
	}
	printf("1..%d\n", n);
	return bad ? 1 : 0;
}
