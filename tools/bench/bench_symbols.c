// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Benchmark driver of perfan-bpf's symbolizer (tools/bench/symbols.sh): reads hex addresses
 * (one a line) from a file, opens the module, and symbolizes every address twice: cold (the
 * first pass opens the DWARF and builds the index) and warm (the index is built). Prints the
 * times, the frames per pass and the process's peak RSS, and with -o writes the frames of the
 * warm pass as "function file:line" lines for a comparison with addr2line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "symbols/modsym.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t pass(struct modsym *m, const uint64_t *addrs, size_t n, FILE *out)
{
	struct frame f[32];
	size_t frames = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = modsym__lookup(m, addrs[i], f, 32);

		frames += k;
		for (size_t j = 0; out && j < k; j++)
			fprintf(out, "%s %s:%u\n", f[j].function ? f[j].function : "??",
				f[j].file ? f[j].file : "??", f[j].line);
	}
	return frames;
}

int main(int argc, char **argv)
{
	const char *out_path = NULL;
	uint64_t *addrs = NULL;
	size_t n = 0, cap = 0, frames_cold, frames_warm;
	struct rusage ru;
	struct modsym *m;
	double t0, t1, t2, t3;
	char line[64];
	FILE *f, *out = NULL;
	int c;

	while ((c = getopt(argc, argv, "o:")) != -1) {
		if (c != 'o') {
			fprintf(stderr, "usage: bench_symbols [-o FRAMES] BINARY ADDRESSES\n");
			return 2;
		}
		out_path = optarg;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: bench_symbols [-o FRAMES] BINARY ADDRESSES\n");
		return 2;
	}
	f = fopen(argv[optind + 1], "r");
	if (!f) {
		fprintf(stderr, "bench_symbols: cannot open %s: %s\n", argv[optind + 1],
			strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16384;
			addrs = realloc(addrs, cap * sizeof(*addrs));
			if (!addrs)
				return 2;
		}
		addrs[n++] = strtoull(line, NULL, 16);
	}
	fclose(f);
	t0 = now_s();
	m = modsym__open(argv[optind], NULL);
	if (!m) {
		fprintf(stderr, "bench_symbols: cannot open %s: %s\n", argv[optind],
			strerror(errno));
		return 2;
	}
	t1 = now_s();
	frames_cold = pass(m, addrs, n, NULL);
	t2 = now_s();
	if (out_path && !(out = fopen(out_path, "w"))) {
		fprintf(stderr, "bench_symbols: cannot write %s\n", out_path);
		return 2;
	}
	frames_warm = pass(m, addrs, n, NULL);
	t3 = now_s();
	if (out) {
		pass(m, addrs, n, out);
		fclose(out);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("addresses %zu\ncold_s %.4f\nwarm_s %.4f\nframes_cold %zu\nframes_warm %zu\n"
	       "max_rss_kib %ld\n",
	       n, (t2 - t0), (t3 - t2), frames_cold, frames_warm, ru.ru_maxrss);
	(void)t1;
	modsym__free(m);
	free(addrs);
	return 0;
}
