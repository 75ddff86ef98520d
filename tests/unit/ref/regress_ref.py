#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Reference values for tests/unit/test_regress.c, computed independently of perfan-bpf's C code
# with SciPy (Debian 12: apt-get install python3-scipy; run with /usr/bin/python3).
#  - Mann-Whitney U and its one-sided p: scipy.stats.mannwhitneyu, method exact when there are
#    no ties, asymptotic (tie-corrected variance, continuity correction) when there are
#  - Hodges-Lehmann: the median of all m*n differences of the log values, sorted in Python; the
#    interval's ranks from SciPy's exact null distribution of U (scipy.stats._mannwhitneyu)
#  - Welch: scipy.stats.ttest_ind_from_stats(equal_var=False) and scipy.stats.t.ppf
#  - Benjamini-Hochberg: from its definition, min over k >= rank of m * p_(k) / k
import math
import numpy as np
from scipy import stats
from scipy.stats._mannwhitneyu import _mwu_state

ALPHA = 0.01
Y = [10.02, 9.95, 10.10, 9.88, 10.05, 9.97, 10.12, 9.91, 10.00, 10.08]
SETS = {
    "X15": [11.55, 11.40, 11.62, 11.38, 11.50, 11.71, 11.45, 11.58, 11.33, 11.49],
    "X40": [14.05, 13.92, 14.10, 13.85, 14.02, 14.18, 13.96, 14.07, 13.88, 14.00],
    "X80": [8.01, 7.95, 8.10, 7.90, 8.04, 7.97, 8.08, 7.92, 8.00, 8.06],
    "X103": [10.32, 10.25, 10.40, 10.18, 10.35, 10.27, 10.42, 10.21, 10.30, 10.38],
}
YT = [10.000, 10.002, 9.998, 10.001, 9.999, 10.003, 9.997, 10.0015, 9.9985, 10.0005]
XT = [v * 1.005 for v in YT]
YN = [10, 14, 8, 12, 9, 15]
XN = [13, 9, 16, 11, 14, 18]


def hl(x, y, alpha):
    lx = [math.log(v) for v in x]
    ly = [math.log(v) for v in y]
    m, n = len(lx), len(ly)
    d = sorted(a - b for a in lx for b in ly)
    u = next(u for u in range(m * n + 1) if _mwu_state.sf(u, m, n) <= alpha)  # P(U >= u)
    c = m * n + 1 - u
    return float(np.median(d)), d[c - 1], d[u - 1]


def show(name, x, y):
    # exact without ties; with ties the normal approximation (tie-corrected, continuity)
    method = "exact" if len(set(x) | set(y)) == len(x) + len(y) else "asymptotic"
    g = stats.mannwhitneyu(x, y, alternative="greater", method=method)
    l = stats.mannwhitneyu(x, y, alternative="less", method=method)
    s, lo, hi = hl(x, y, ALPHA)
    print(f"{name} ({method}): U {g.statistic} p_greater {g.pvalue!r} p_less {l.pvalue!r}")
    print(f"   estimate {math.expm1(s)!r} ci [{math.expm1(lo)!r}, {math.expm1(hi)!r}]")


for k, x in SETS.items():
    show(k, x, Y)
show("XT", XT, YT)
show("XN", XN, YN)
print("XN mean change", (np.mean(XN) - np.mean(YN)) / np.mean(YN))

# Welch on summaries: baseline 10 +- 0.5 (n 10), current 11.5 +- 0.6 (n 10)
w = stats.ttest_ind_from_stats(11.5, 0.6, 10, 10.0, 0.5, 10, equal_var=False, alternative="greater")
v1, v2 = 0.6**2 / 10, 0.5**2 / 10
df = (v1 + v2) ** 2 / (v1**2 / 9 + v2**2 / 9)
tq = stats.t.ppf(1 - ALPHA, df)
se = math.sqrt(v1 + v2)
print(f"welch: t {w.statistic!r} df {df!r} p {w.pvalue!r} ci_lo {(1.5 - tq * se) / 10!r}"
      f" ci_hi {(1.5 + tq * se) / 10!r}")

# Benjamini-Hochberg in a batch of three Welch checks; the first is significant alone
batch = [(11.5, 1.2, 8), (10.05, 0.5, 10), (9.98, 0.5, 10)]
ps = [stats.ttest_ind_from_stats(m, s, n, 10.0, 0.5, 10, equal_var=False,
                                 alternative="greater").pvalue for m, s, n in batch]
order = np.argsort(ps)
adj = [0.0] * 3
run = 1.0
for r in range(2, -1, -1):
    run = min(run, ps[order[r]] * 3 / (r + 1))
    adj[order[r]] = run
print("batch raw", [repr(p) for p in ps])
print("batch adj", [repr(p) for p in adj])
