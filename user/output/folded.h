/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Folded stacks: one line per distinct stack, "root;caller;...;leaf value", the input of
 * flamegraph.pl, inferno and speedscope. Formats a profile (profile.h). */
#ifndef PERFAN_FOLDED_H
#define PERFAN_FOLDED_H

#include <stdio.h>
#include "analysis/profile.h"

struct folded_opts {
	enum profile_value value; /* must be one the profile has (profile__has_value) */
};

/* Stacks whose frame names are equal are merged (their values added); lines are sorted by the
 * stack (byte order) and lines whose value is 0 are left out. A frame's name is
 * profile__frame_name with ';' made ':' and control characters '?'; a session of every
 * process (pid 0) puts "pid N" at the root. 0, -ENOMEM or -EIO. */
int folded__write(const struct profile *p, const struct folded_opts *opts, FILE *out);

#endif
