"""Binomial proportions with confidence intervals (Wilson by default, Clopper-Pearson on request)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from statsmodels.stats.proportion import proportion_confint

from reader_study.stats.errors import StatsInputError

CIMethod = Literal["wilson", "clopper-pearson"]
_STATSMODELS_METHOD = {"wilson": "wilson", "clopper-pearson": "beta"}
CI_METHOD_LABELS = {"wilson": "Wilson score interval", "clopper-pearson": "Clopper-Pearson exact interval"}


@dataclass(frozen=True)
class ProportionCI:
    """A proportion ``count / n`` with its two-sided confidence interval (``nan`` when ``n == 0``)."""

    count: int
    n: int
    estimate: float
    lower: float
    upper: float
    method: str
    confidence: float = 0.95

    def as_dict(self) -> dict:
        return {"count": self.count, "n": self.n, "estimate": self.estimate, "ci95": [self.lower, self.upper],
                "method": self.method}


def proportion_ci(count: int, n: int, method: CIMethod = "wilson", alpha: float = 0.05) -> ProportionCI:
    """Return ``count / n`` with a two-sided ``1 - alpha`` confidence interval.

    Parameters
    ----------
    count : int
        Number of successes, ``0 <= count <= n``.
    n : int
        Number of trials. ``n == 0`` gives ``nan`` estimate and limits (an empty cell of a table, not an error).
    method : {"wilson", "clopper-pearson"}, optional
        Wilson score interval (default; good coverage for small n) or the conservative Clopper-Pearson interval.
    alpha : float, optional
        1 - confidence level (default 0.05).

    Returns
    -------
    ProportionCI

    References
    ----------
    Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven methods.
    Stat Med 1998;17:857-872. doi:10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E
    Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat Sci 2001;16:101-133.
    """
    if method not in _STATSMODELS_METHOD:
        raise StatsInputError(f"unknown CI method {method!r}; use 'wilson' or 'clopper-pearson'")
    count, n = int(count), int(n)
    if n < 0 or count < 0 or count > n:
        raise StatsInputError(f"need 0 <= count <= n, got count={count}, n={n}")
    if n == 0:
        nan = float("nan")
        return ProportionCI(0, 0, nan, nan, nan, CI_METHOD_LABELS[method], 1 - alpha)
    lower, upper = proportion_confint(count, n, alpha=alpha, method=_STATSMODELS_METHOD[method])
    return ProportionCI(count, n, count / n, float(lower), float(upper), CI_METHOD_LABELS[method], 1 - alpha)
