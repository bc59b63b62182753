"""The statistics of a results report, by hand (no scipy): small, exact where it matters.

- `wilson(k, n)`: the 95% Wilson score interval of a success rate (good at 0/n and n/n,
  where the normal interval collapses).
- `pass_at_k(n, c, k)`: the chance that at least one of k repeats drawn from n succeeds
  (the unbiased estimator of Chen et al. 2021); `pass_hat_k(n, c, k)`: that all k do
  (tau-bench's pass^k).
- `mcnemar_exact(b, c)`: the two-sided exact McNemar test on the discordant pairs (b tasks
  only the first configuration solved, c only the second): a binomial(b + c, 1/2) test.
- `mean_ci(values)`: the mean and the half-width of its 95% Student-t interval.
"""

from __future__ import annotations

import math
from statistics import mean, stdev

__all__ = ["mcnemar_exact", "mean_ci", "pass_at_k", "pass_hat_k", "wilson"]

Z95 = 1.959963984540054
# Student t, two-sided 95%, by degrees of freedom (1..30); beyond that the normal's 1.96.
_T95 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def wilson(k: float, n: int, z: float = Z95) -> tuple[float, float]:
    """(low, high) of the Wilson score interval for k successes in n trials."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= k <= n:
        raise ValueError(f"wilson: {k} successes in {n} trials")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def pass_at_k(n: int, c: int, k: int) -> float:
    """P(at least one success among k of the n repeats), c of which succeeded."""
    if not 0 < k <= n or not 0 <= c <= n:
        raise ValueError(f"pass@k: need 0 < k <= n and 0 <= c <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """P(all k of k repeats drawn from the n succeed), c of which succeeded."""
    if not 0 < k <= n or not 0 <= c <= n:
        raise ValueError(f"pass^k: need 0 < k <= n and 0 <= c <= n (n={n}, c={c}, k={k})")
    return math.comb(c, k) / math.comb(n, k)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for b and c discordant pairs (1.0 when there are none)."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def mean_ci(values: list[float]) -> tuple[float, float]:
    """(mean, half-width of the 95% t interval); the half-width is 0 for one value."""
    if not values:
        return (0.0, 0.0)
    if len(values) == 1:
        return (float(values[0]), 0.0)
    df = len(values) - 1
    t = _T95[df - 1] if df <= len(_T95) else Z95
    return (mean(values), t * stdev(values) / math.sqrt(len(values)))
