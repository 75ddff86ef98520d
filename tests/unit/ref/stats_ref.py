#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Cross-check of the reference values in tests/unit/test_stats.c with SciPy 1.10.1 (Debian 12:
# apt-get install python3-scipy; run with /usr/bin/python3). Prints each value next to the
# one written in the test; none of perfan-bpf's code is used.
import math
import numpy as np
from scipy import special, stats
from scipy.stats._mannwhitneyu import _mwu_state

X = [1.83, 1.91, 2.05, 1.77, 2.12, 1.95, 2.20, 1.88]
Y = [1.71, 1.80, 1.65, 1.90, 1.74, 1.69, 1.82]


def row(what, got, test):
    print(f"{what:32s} scipy {got!r:28s} test {test}")


r = stats.mannwhitneyu(X, Y, alternative="greater", method="exact")
row("U", r.statistic, "51")
row("exact p greater", r.pvalue, "0.0029526029526029526")
row("exact p less", stats.mannwhitneyu(X, Y, alternative="less", method="exact").pvalue,
    "0.99813519813519813")
tx = [3, 4, 4, 5, 6, 6, 6, 7, 8, 9, 9, 10]
ty = [1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8]
row("ties: p greater", stats.mannwhitneyu(tx, ty, alternative="greater",
                                         method="asymptotic").pvalue, "0.050257499419627483")
row("ties: p less", stats.mannwhitneyu(tx, ty, alternative="less", method="asymptotic").pvalue,
    "0.95584101610953531")
lx = [100 + ((i * 37) % 61) * 0.5 + 3.0 for i in range(60)]
ly = [100 + ((i * 23) % 55) * 0.5 + 0.25 for i in range(55)]
r = stats.mannwhitneyu(lx, ly, alternative="greater", method="asymptotic")
row("large: U", r.statistic, "2100")
row("large: p greater", r.pvalue, "0.0059226993136151625")


def hl(x, y, alpha):
    m, n = len(x), len(y)
    d = sorted(a - b for a in x for b in y)
    if max(m, n) <= 50:  # the exact null distribution: smallest u with P(U >= u) <= alpha
        u = next(u for u in range(m * n + 1) if _mwu_state.sf(u, m, n) <= alpha)
    else:  # the normal approximation with continuity correction
        u = math.ceil(m * n / 2 + 0.5 + stats.norm.ppf(1 - alpha) * math.sqrt(m * n * (m + n + 1) / 12))
    c = m * n + 1 - u
    return float(np.median(d)), c, d[c - 1], d[u - 1]


row("HL 95%: shift, C, lo, hi", hl(X, Y, 0.025), "0.195, 11, 0.06, 0.38")
row("HL 98%: shift, C, lo, hi", hl(X, Y, 0.01), "0.195, 8, 0.03, 0.40")
row("HL large 98%", hl(lx, ly, 0.01), "4.25, 1235, 0.25, 8.25")
row("I_0.3(2,5)", special.betainc(2, 5, 0.3), "0.579825")
row("I_0.8(7,3)", special.betainc(7, 3, 0.8), "0.738197504")
row("t cdf(-2.5, 3)", stats.t.cdf(-2.5, 3), "0.0438533235040302")
row("t cdf(1.3, 7.5)", stats.t.cdf(1.3, 7.5), "0.88393661059219")
row("t q(0.975, 10)", stats.t.ppf(0.975, 10), "2.228138851986")
row("z 0.99", stats.norm.ppf(0.99), "2.3263478740408408")
row("sf(8)", stats.norm.sf(8), "6.2209605742717841e-16")
w = stats.ttest_ind_from_stats(10.3, 1.2, 8, 9.1, 2.1, 12, equal_var=False, alternative="greater")
row("welch t", w.statistic, "1.6217697081587676")
row("welch p greater", w.pvalue, "0.06124975539922")
p = np.array([0.01, 0.04, 0.03, 0.005, 0.2, 0.04])
o = np.argsort(p, kind="stable")
adj, run = np.empty(6), 1.0
for k in range(5, -1, -1):
    run = min(run, p[o[k]] * 6 / (k + 1))
    adj[o[k]] = run
row("BH adjusted", list(adj), "0.03 0.048 0.048 0.03 0.2 0.048")
s = [10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.1, 12.0, 12.2, 11.9, 12.1, 12.0, 11.8]


def qhat(x, t):
    a, b = x[:t], x[t:]
    l, r = len(a), len(b)
    bt = sum(abs(i - j) for i in a for j in b)
    wl = sum(abs(a[i] - a[j]) for i in range(l) for j in range(i + 1, l))
    wr = sum(abs(b[i] - b[j]) for i in range(r) for j in range(i + 1, r))
    return l * r / (l + r) * (2 * bt / (l * r) - wl / (l * (l - 1) / 2) - wr / (r * (r - 1) / 2))


row("E-divisive best (Q, tau)", max((qhat(s, t), t) for t in range(3, len(s) - 2)),
    "11.74769230769231 at 7")
