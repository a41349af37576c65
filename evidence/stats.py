"""Statistics the chapters report: binomial proportions with named confidence intervals."""
from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binomtest

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
    ci = binomtest(events, total).proportion_ci(confidence_level=confidence, method=METHODS[method])
    return Proportion(events, total, float(ci.low), float(ci.high), method, confidence)
