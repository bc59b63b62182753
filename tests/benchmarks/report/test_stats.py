"""The report's statistics against known values (hand-computed; scipy is not installed here).

Reference values: Wilson intervals as statsmodels' proportion_confint(method="wilson");
the exact McNemar p as statsmodels' mcnemar(exact=True) = 2 * P(Binom(b+c, 1/2) <= min(b, c)).
"""

from __future__ import annotations

import math

import pytest

from benchmarks.report.stats import (
    mcnemar_exact,
    mean_ci,
    pass_at_k,
    pass_hat_k,
    wilson,
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (8, 10, 0.4901625, 0.9433178),
        (0, 10, 0.0, 0.2775328),
        (10, 10, 0.7224672, 1.0),
        (50, 100, 0.4038315, 0.5961685),
        (1, 3, 0.0614919, 0.7923404),  # by hand: centre 0.426916, half-width 0.365424
    ],
)
def test_wilson_interval(k, n, low, high):
    got = wilson(k, n)
    assert got == pytest.approx((low, high), abs=1e-6)


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError):
        wilson(4, 3)
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("n", "c", "k", "at", "hat"),
    [
        (10, 3, 1, 0.3, 0.3),
        (10, 3, 2, 1 - 21 / 45, 3 / 45),
        (5, 5, 3, 1.0, 1.0),
        (5, 0, 3, 0.0, 0.0),
        (4, 2, 3, 1.0, 0.0),  # any 3 of 4 include a success; none are all successes
        (2, 1, 2, 1.0, 0.0),
    ],
)
def test_pass_at_k_and_pass_hat_k(n, c, k, at, hat):
    assert pass_at_k(n, c, k) == pytest.approx(at)
    assert pass_hat_k(n, c, k) == pytest.approx(hat)


def test_pass_at_k_bounds():
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)
    with pytest.raises(ValueError):
        pass_hat_k(3, 4, 1)


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (1, 6, 0.125),  # 2 * (1 + 7) / 128
        (3, 11, 0.057373046875),  # 2 * (1 + 14 + 91 + 364) / 16384
        (5, 5, 1.0),
        (0, 0, 1.0),
        (0, 10, 2 / 1024),
    ],
)
def test_mcnemar_exact(b, c, p):
    assert mcnemar_exact(b, c) == pytest.approx(p)
    assert mcnemar_exact(c, b) == pytest.approx(p)  # two-sided: symmetric


def test_mean_ci_uses_student_t():
    mean, half = mean_ci([0.5, 0.6, 0.7])
    assert mean == pytest.approx(0.6)
    assert half == pytest.approx(4.303 * 0.1 / math.sqrt(3))
    assert mean_ci([0.4]) == (0.4, 0.0)
