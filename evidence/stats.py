"""Statistics the chapters report: proportions, counts rebuilt from percentages, risk differences,
NNT, and the upper bound on a rate when no event was seen."""
from __future__ import annotations

import math
from dataclasses import dataclass


#: scipy's names for the two intervals the book uses.
METHODS = {"wilson": "wilson", "clopper-pearson": "exact"}


@dataclass(frozen=True)
class Proportion:
    """A proportion ``events / total`` with its confidence interval and the method's name."""

    events: int
    total: int
    low: float
    high: float
    method: str
    confidence: float

    @property
    def estimate(self) -> float:
        return self.events / self.total


def proportion_ci(events: int, total: int, *, method: str = "wilson", confidence: float = 0.95) -> Proportion:
    """The proportion with its ``confidence`` interval by the Wilson score or Clopper-Pearson method.

    Computed by ``scipy.stats.binomtest(...).proportion_ci``; the Wald interval (statsmodels'
    default) is deliberately not offered, as it misbehaves for small samples and extreme rates.
    """
    if method not in METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {sorted(METHODS)}")
    if not (isinstance(total, int) and total > 0 and isinstance(events, int) and 0 <= events <= total):
        raise ValueError(f"need whole numbers 0 <= events <= total and total > 0, got {events}/{total}")
    from scipy.stats import binomtest  # imported here: scipy.stats takes most of a second to load

    ci = binomtest(events, total).proportion_ci(confidence_level=confidence, method=METHODS[method])
    return Proportion(events, total, float(ci.low), float(ci.high), method, confidence)


@dataclass(frozen=True)
class DerivedCount:
    """A count rebuilt from a reported whole-number percentage of a known denominator.

    ``count`` is the whole number of ``total`` nearest to ``percent``; when two are equally near
    (a percentage that lands on a half), ``count`` is the one given by ``prefer`` and
    ``alternatives`` holds both. ``reproduces`` says whether ``count / total`` rounds back to the
    reported percentage: when it does not, the stated denominator cannot be the one the source used.
    """

    percent: float
    total: int
    count: int
    alternatives: tuple[int, ...]
    reproduces: bool

    @property
    def rule(self) -> str:
        rule = f"{self.percent:g}% of {self.total} = {self.percent * self.total / 100:g}"
        if len(self.alternatives) > 1:
            rule += f", half-way between {self.alternatives[0]} and {self.alternatives[1]}; {self.count} taken"
        else:
            rule += f", rounded to {self.count}"
        if not self.reproduces:
            rule += (f"; {self.count}/{self.total} is {100 * self.count / self.total:.1f}%, which does not round to "
                     f"{self.percent:g}%: no whole count of {self.total} gives the reported figure")
        return rule


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def count_from_percent(percent: float, total: int, *, prefer: str = "lower") -> DerivedCount:
    """Rebuild a count from a whole-number percentage of ``total`` (see :class:`DerivedCount`).

    ``prefer`` ("lower" or "higher") breaks a tie between two equally near counts; callers pick
    the choice least favourable to the claim being tested and say so.
    """
    if not (0 <= percent <= 100) or not (isinstance(total, int) and total > 0):
        raise ValueError(f"need 0 <= percent <= 100 and a whole total > 0, got {percent}% of {total}")
    if prefer not in ("lower", "higher"):
        raise ValueError(f"prefer must be 'lower' or 'higher', not {prefer!r}")
    exact = percent * total / 100
    low, high = math.floor(exact), math.ceil(exact)
    if math.isclose(exact - low, 0.5):
        alternatives = (low, high)
        count = low if prefer == "lower" else high
    else:
        count = int(round(exact))
        alternatives = (count,)
    reproduces = _round_half_up(100 * count / total) == _round_half_up(percent)
    return DerivedCount(percent, total, count, alternatives, reproduces)


@dataclass(frozen=True)
class RiskDifference:
    """Difference of two proportions (first minus second) with its confidence interval."""

    events1: int
    total1: int
    events2: int
    total2: int
    difference: float
    low: float
    high: float
    method: str
    confidence: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def risk_difference_ci(events1: int, total1: int, events2: int, total2: int, *,
                       confidence: float = 0.95) -> RiskDifference:
    """``events1/total1 - events2/total2`` with Newcombe's hybrid score interval (method 10, 1998).

    Computed by statsmodels' ``confint_proportions_2indep(method="newcomb")``, which combines the
    two groups' Wilson intervals; it behaves well for small groups, unlike the Wald interval.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    for events, total in ((events1, total1), (events2, total2)):
        if not (isinstance(total, int) and total > 0 and isinstance(events, int) and 0 <= events <= total):
            raise ValueError(f"need whole numbers 0 <= events <= total and total > 0, got {events}/{total}")
    low, high = confint_proportions_2indep(events1, total1, events2, total2, method="newcomb",
                                           compare="diff", alpha=1 - confidence)
    return RiskDifference(events1, total1, events2, total2, events1 / total1 - events2 / total2,
                          float(low), float(high), "Newcombe hybrid score", confidence)


@dataclass(frozen=True)
class NumberNeededToTreat:
    estimate: float
    low: float
    high: float


def number_needed_to_treat(rd: RiskDifference) -> NumberNeededToTreat | None:
    """1 / risk difference, with the interval 1/high to 1/low (Altman 1998).

    Only when the risk difference's interval excludes zero and favours the first group; otherwise
    the interval of the NNT would run through infinity, and ``None`` is returned.
    """
    if not rd.low > 0:
        return None
    return NumberNeededToTreat(1 / rd.difference, 1 / rd.high, 1 / rd.low)


def zero_event_upper_bound(n: int, confidence: float = 0.95) -> float:
    """The exact one-sided upper confidence bound for a rate when 0 of ``n`` had the event
    (1 - (1 - confidence)^(1/n)); the "rule of three" approximates it as 3/n."""
    from scipy.stats import binomtest

    return float(binomtest(0, n, alternative="less").proportion_ci(confidence_level=confidence, method="exact").high)


#: The standard tests of two independent proportions that a company's p-value can be checked against.
#: Pearson's chi-square without continuity correction gives the same p as the two-proportion z-test
#: with pooled variance (statsmodels' ``proportions_ztest``); the tests check that.
TWO_PROPORTION_TESTS = {
    "pearson": "Pearson chi-square without continuity correction",
    "yates": "Pearson chi-square with Yates's continuity correction",
    "fisher": "Fisher's exact test, two-sided",
}


def two_proportion_p(events1: int, total1: int, events2: int, total2: int, test: str) -> float:
    """The two-sided p-value of ``events1/total1`` against ``events2/total2`` by one of
    :data:`TWO_PROPORTION_TESTS` (scipy's ``chi2_contingency`` and ``fisher_exact``)."""
    if test not in TWO_PROPORTION_TESTS:
        raise ValueError(f"unknown test {test!r}; use one of {sorted(TWO_PROPORTION_TESTS)}")
    for events, total in ((events1, total1), (events2, total2)):
        if not (isinstance(total, int) and total > 0 and isinstance(events, int) and 0 <= events <= total):
            raise ValueError(f"need whole numbers 0 <= events <= total and total > 0, got {events}/{total}")
    from scipy.stats import chi2_contingency, fisher_exact

    table = [[events1, total1 - events1], [events2, total2 - events2]]
    if test == "fisher":
        return float(fisher_exact(table).pvalue)
    return float(chi2_contingency(table, correction=test == "yates").pvalue)


def printed_decimals(printed: str) -> int:
    """How many decimal places a number was printed with ("0.0067" has 4, "70" has 0)."""
    from decimal import Decimal

    exponent = Decimal(str(printed).strip()).as_tuple().exponent
    return max(0, -int(exponent))


def rounds_to_printed(value: float, printed: str) -> bool:
    """Whether ``value`` rounded half-up to the decimals of ``printed`` gives ``printed``
    (0.00666 gives "0.0067"; 0.01527 does not give "0.0155")."""
    from decimal import ROUND_HALF_UP, Decimal

    places = Decimal(1).scaleb(-printed_decimals(printed))
    return Decimal(repr(float(value))).quantize(places, rounding=ROUND_HALF_UP) == Decimal(str(printed).strip())
