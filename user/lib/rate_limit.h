/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A token bucket for work an untrusted party can ask for (a target's marks): at most `rate`
 * a second, in bursts of at most `rate`; what is refused is counted. */
#ifndef PERFAN_LIB_RATE_LIMIT_H
#define PERFAN_LIB_RATE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct rate_limit {
	double rate; /* tokens a second, and the burst */
	double tokens;
	double last_s; /* when tokens were last counted */
	uint64_t refused;
};

/* A full bucket of rate tokens a second, at time now_s */
void rate_limit__init(struct rate_limit *r, double rate, double now_s);
/* Takes a token at time now_s: true when there was one, else false (counted as refused) */
bool rate_limit__take(struct rate_limit *r, double now_s);

#endif
