// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Token bucket (see rate_limit.h). */
#include "lib/rate_limit.h"

void rate_limit__init(struct rate_limit *r, double rate, double now_s)
{
	*r = (struct rate_limit){ .rate = rate, .tokens = rate, .last_s = now_s };
}

bool rate_limit__take(struct rate_limit *r, double now_s)
{
	if (now_s > r->last_s)
		r->tokens += (now_s - r->last_s) * r->rate;
	if (r->tokens > r->rate)
		r->tokens = r->rate;
	r->last_s = now_s;
	if (r->tokens < 1) {
		r->refused++;
		return false;
	}
	r->tokens -= 1;
	return true;
}
