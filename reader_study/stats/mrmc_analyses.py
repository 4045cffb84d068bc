"""The OR variance components and the RRRC / FRRC / RRFC tests (formulas in the stats anchors note, section 3)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2, f, norm
from scipy.stats import t as student_t


@dataclass(frozen=True)
class VarianceComponents:
    """OR error variance and covariances, mean squares and (unconstrained) reader variance components."""

    var: float
    cov1: float
    cov2: float
    cov3: float
    ms_t: float
    ms_r: float
    ms_tr: float
    var_r: float
    var_tr: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Contrast:
    """A treatment difference ``label`` = later minus earlier, with SE, df (inf = normal), test and CI."""

    label: str
    estimate: float
    se: float
    df: float
    statistic: float
    pvalue: float
    ci: tuple[float, float]

    def as_dict(self) -> dict:
        return {"contrast": self.label, "estimate": self.estimate, "se": self.se, "df": _finite_or_none(self.df),
                "statistic": self.statistic, "p": self.pvalue, "ci95": list(self.ci)}


@dataclass(frozen=True)
class ORTest:
    """Global test of equal treatment FOMs and the pairwise contrasts of one analysis."""

    analysis: str
    statistic_name: str
    statistic: float
    df1: int
    ddf: float
    pvalue: float
    error_term: float
    contrasts: tuple[Contrast, ...]

    @property
    def f(self) -> float:
        """The F statistic (a chi-squared statistic divided by its df when ``ddf`` is infinite)."""
        return self.statistic / self.df1 if self.statistic_name == "X2" else self.statistic

    @property
    def difference(self) -> Contrast:
        """Last treatment minus first treatment (always the last contrast)."""
        return self.contrasts[-1]

    def as_dict(self) -> dict:
        out = {"analysis": self.analysis, "F": self.f, "df1": self.df1, "ddf": _finite_or_none(self.ddf),
               "p": self.pvalue, "error_term": self.error_term, "difference": self.contrasts[-1].as_dict(),
               "differences": [c.as_dict() for c in self.contrasts]}
        if self.statistic_name == "X2":
            out["X2"] = self.statistic
        return out


@dataclass(frozen=True)
class TreatmentCI:
    """CI of one treatment's mean FOM (``ci`` truncated to [0, 1] for bounded FOMs; ``ci_untruncated`` not)."""

    treatment: str
    estimate: float
    se: float
    df: float
    ci: tuple[float, float]
    ci_untruncated: tuple[float, float]

    def as_dict(self) -> dict:
        return {"treatment": self.treatment, "estimate": self.estimate, "se": self.se, "df": _finite_or_none(self.df),
                "ci95": list(self.ci), "ci95_untruncated": list(self.ci_untruncated)}


@dataclass(frozen=True)
class ReaderContrast:
    """Fixed-reader difference for one reader (SE from that reader's Var and Cov1, normal test)."""

    reader: str
    contrast: Contrast
    var: float
    cov1: float

    def as_dict(self) -> dict:
        return {"reader": self.reader, **self.contrast.as_dict(), "var": self.var, "cov1": self.cov1}


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _block_means(cov: np.ndarray, t: int, r: int) -> tuple[float, float, float, float]:
    """Return (Var, Cov1, Cov2, Cov3): diagonal; same reader other treatment; other reader same / other treatment."""
    trt = np.repeat(np.arange(t), r)
    rdr = np.tile(np.arange(r), t)
    same_t, same_r = trt[:, None] == trt[None, :], rdr[:, None] == rdr[None, :]
    return (float(np.diag(cov).mean()), float(cov[same_r & ~same_t].mean()),
            float(cov[~same_r & same_t].mean()), float(cov[~same_r & ~same_t].mean()))


def variance_components(theta: np.ndarray, cov: np.ndarray) -> VarianceComponents:
    """Return OR covariances, mean squares, and sigma^2_R, sigma^2_TR reported unconstrained (as Iowa, MRMCaov)."""
    t, r = theta.shape
    var, cov1, cov2, cov3 = _block_means(cov, t, r)
    grand, trt_means, rdr_means = theta.mean(), theta.mean(axis=1), theta.mean(axis=0)
    ms_t = r * float(((trt_means - grand) ** 2).sum()) / (t - 1)
    ms_r = t * float(((rdr_means - grand) ** 2).sum()) / (r - 1)
    resid = theta - trt_means[:, None] - rdr_means[None, :] + grand
    ms_tr = float((resid ** 2).sum()) / ((t - 1) * (r - 1))
    return VarianceComponents(var, cov1, cov2, cov3, ms_t, ms_r, ms_tr,
                              var_r=(ms_r - ms_tr) / t - cov1 + cov3, var_tr=ms_tr - var + cov1 + cov2 - cov3)


def _pairs(names: Sequence[str]) -> list[tuple[int, int, str]]:
    """Pairs (earlier, later) with label 'later - earlier', ending with last - first."""
    pairs = [(a, b, f"{names[b]} - {names[a]}") for a in range(len(names)) for b in range(a + 1, len(names))]
    last = (0, len(names) - 1, f"{names[-1]} - {names[0]}")
    return [p for p in pairs if p != last] + [last]


def _contrasts(theta: np.ndarray, names: Sequence[str], se: float, df: float, alpha: float) -> tuple[Contrast, ...]:
    means = theta.mean(axis=1)
    out = []
    for a, b, label in _pairs(names):
        est = float(means[b] - means[a])
        out.append(_contrast(label, est, se, df, alpha))
    return tuple(out)


def _contrast(label: str, estimate: float, se: float, df: float, alpha: float) -> Contrast:
    quantile = norm.ppf(1 - alpha / 2) if not np.isfinite(df) else student_t.ppf(1 - alpha / 2, df)
    if se > 0:
        stat = estimate / se
        p = float(2 * (norm.sf(abs(stat)) if not np.isfinite(df) else student_t.sf(abs(stat), df)))
    else:
        stat, p = (float("nan"), float("nan")) if estimate == 0 else (float(np.copysign(np.inf, estimate)), 0.0)
    return Contrast(label, estimate, se, float(df), float(stat), p,
                    (float(estimate - quantile * se), float(estimate + quantile * se)))


def _f_pvalue(statistic: float, df1: int, ddf: float) -> float:
    if not np.isfinite(statistic):
        return 0.0 if statistic > 0 else float("nan")
    return float(chi2.sf(statistic * df1, df1) if not np.isfinite(ddf) else f.sf(statistic, df1, ddf))


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return num / den
    return float("inf") if num > 0 else float("nan")


def rrrc_test(theta: np.ndarray, vc: VarianceComponents, names: Sequence[str], alpha: float) -> ORTest:
    """Random readers and cases: F = MS(T) / [MS(TR) + r max(Cov2 - Cov3, 0)] with Hillis ddf (Hillis 2007)."""
    t, r = theta.shape
    error = vc.ms_tr + r * max(vc.cov2 - vc.cov3, 0.0)
    ddf = _ratio(error ** 2, vc.ms_tr ** 2 / ((t - 1) * (r - 1)))
    stat = _ratio(vc.ms_t, error)
    se = float(np.sqrt(2 * error / r))
    return ORTest("RRRC", "F", stat, t - 1, ddf, _f_pvalue(stat, t - 1, ddf), error,
                  _contrasts(theta, names, se, ddf, alpha))


def frrc_test(theta: np.ndarray, vc: VarianceComponents, names: Sequence[str], alpha: float) -> ORTest:
    """Fixed readers, random cases: X2 = (t-1) MS(T) / [Var - Cov1 + (r-1) max(Cov2 - Cov3, 0)], chi-squared."""
    t, r = theta.shape
    error = vc.var - vc.cov1 + (r - 1) * max(vc.cov2 - vc.cov3, 0.0)
    stat = _ratio((t - 1) * vc.ms_t, error)
    pvalue = float(chi2.sf(stat, t - 1)) if np.isfinite(stat) else _f_pvalue(stat, t - 1, np.inf)
    se = float(np.sqrt(2 * max(error, 0.0) / r))
    return ORTest("FRRC", "X2", stat, t - 1, float("inf"), pvalue, error,
                  _contrasts(theta, names, se, float("inf"), alpha))


def rrfc_test(theta: np.ndarray, vc: VarianceComponents, names: Sequence[str], alpha: float) -> ORTest:
    """Random readers, fixed cases: F = MS(T) / MS(TR) on (t-1, (t-1)(r-1)) df (paired t-test when t = 2)."""
    t, r = theta.shape
    ddf = float((t - 1) * (r - 1))
    stat = _ratio(vc.ms_t, vc.ms_tr)
    se = float(np.sqrt(2 * vc.ms_tr / r))
    return ORTest("RRFC", "F", stat, t - 1, ddf, _f_pvalue(stat, t - 1, ddf), vc.ms_tr,
                  _contrasts(theta, names, se, ddf, alpha))


def _treatment_ci(name: str, estimate: float, variance_num: float, r: int, df: float, alpha: float,
                  bounded: bool) -> TreatmentCI:
    se = float(np.sqrt(max(variance_num, 0.0) / r))
    q = norm.ppf(1 - alpha / 2) if not np.isfinite(df) else student_t.ppf(1 - alpha / 2, df)
    raw = (float(estimate - q * se), float(estimate + q * se))
    ci = (max(raw[0], 0.0), min(raw[1], 1.0)) if bounded else raw
    return TreatmentCI(name, estimate, se, float(df), ci, raw)


def single_treatment_rrrc(theta: np.ndarray, cov: np.ndarray, names: Sequence[str], alpha: float,
                          bounded: bool) -> tuple[TreatmentCI, ...]:
    """Per-treatment RRRC CI: SE^2 = (MS(R)_i + r max(Cov2_i, 0)) / r, Hillis df; truncated to [0, 1] if bounded."""
    t, r = theta.shape
    out = []
    for i, name in enumerate(names):
        block = cov[i * r:(i + 1) * r, i * r:(i + 1) * r]
        cov2_i = float(block[~np.eye(r, dtype=bool)].mean())
        ms_r_i = float(np.var(theta[i], ddof=1))
        num = ms_r_i + r * max(cov2_i, 0.0)
        df = _ratio(num ** 2, ms_r_i ** 2 / (r - 1))
        out.append(_treatment_ci(name, float(theta[i].mean()), num, r, df, alpha, bounded))
    return tuple(out)


def single_treatment_rrfc(theta: np.ndarray, names: Sequence[str], alpha: float, bounded: bool
                          ) -> tuple[TreatmentCI, ...]:
    """Per-treatment RRFC CI: SE^2 = MS(R)_i / r with r - 1 df."""
    r = theta.shape[1]
    return tuple(_treatment_ci(name, float(theta[i].mean()), float(np.var(theta[i], ddof=1)), r, float(r - 1),
                               alpha, bounded) for i, name in enumerate(names))


def frrc_per_reader(theta: np.ndarray, cov: np.ndarray, names: Sequence[str], readers: Sequence[str],
                    alpha: float) -> tuple[ReaderContrast, ...]:
    """Per-reader fixed-reader differences: SE = sqrt(2 (Var_j - Cov1_j)), normal test (last - first)."""
    t, r = theta.shape
    out = []
    for j, reader in enumerate(readers):
        idx = np.arange(t) * r + j
        block = cov[np.ix_(idx, idx)]
        var_j = float(np.diag(block).mean())
        cov1_j = float(block[~np.eye(t, dtype=bool)].mean())
        se = float(np.sqrt(max(2 * (var_j - cov1_j), 0.0)))
        est = float(theta[-1, j] - theta[0, j])
        out.append(ReaderContrast(reader, _contrast(f"{names[-1]} - {names[0]}", est, se, float("inf"), alpha),
                                  var_j, cov1_j))
    return tuple(out)
