"""Obuchowski-Rockette (OR) multi-reader multi-case analysis with Hillis denominator degrees of freedom.

Three analyses on the same FOMs and covariances: random readers and cases (RRRC, primary), fixed readers (FRRC) and
fixed cases (RRFC). Differences are reported as later treatment minus earlier treatment (pass the treatment order
``("unaided", "aided")`` to get aided - unaided).

References
----------
Obuchowski NA, Rockette HE. Hypothesis testing of diagnostic accuracy for multiple readers and multiple tests: an
ANOVA approach with dependent observations. Commun Stat Simul Comput 1995;24:285-308. doi:10.1080/03610919508813243
Hillis SL. A comparison of denominator degrees of freedom methods for multiple observer ROC analysis. Stat Med
2007;26:596-619. doi:10.1002/sim.2532
Hillis SL, Berbaum KS, Metz CE. Recent developments in the Dorfman-Berbaum-Metz procedure for multireader ROC study
analysis. Acad Radiol 2008;15:647-661. doi:10.1016/j.acra.2007.12.015
Smith BJ, Hillis SL, Pesce LL. MRMCaov: Multi-reader multi-case analysis of variance. J Stat Softw (R package 0.3.0).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reader_study.stats.errors import MRMCDesignError
from reader_study.stats.mrmc_analyses import (
    ORTest,
    ReaderContrast,
    TreatmentCI,
    VarianceComponents,
    frrc_per_reader,
    frrc_test,
    rrfc_test,
    rrrc_test,
    single_treatment_rrfc,
    single_treatment_rrrc,
    variance_components,
)
from reader_study.stats.mrmc_covariance import FomCovariance, fom_covariance, proportion_covariance
from reader_study.stats.mrmc_design import MRMCDesign

__all__ = ["MRMCResult", "mrmc", "mrmc_from_fom_covariance", "mrmc_proportion"]


@dataclass(frozen=True)
class MRMCResult:
    """Everything the OR analysis reports for one figure of merit."""

    fom: str
    covariance: str
    treatments: tuple[str, ...]
    readers: tuple[str, ...]
    n_cases: int
    n_cases_in_fom: int
    reader_fom: tuple[tuple[float, ...], ...]
    treatment_means: tuple[float, ...]
    variance_components: VarianceComponents
    rrrc: ORTest
    frrc: ORTest
    rrfc: ORTest
    single_treatment_rrrc: tuple[TreatmentCI, ...]
    single_treatment_rrfc: tuple[TreatmentCI, ...]
    frrc_per_reader: tuple[ReaderContrast, ...]

    def to_dict(self) -> dict:
        """Return the JSON shape of the ``mrmc`` command (and the statistics export)."""
        return {
            "fom": self.fom, "covariance": self.covariance, "treatments": list(self.treatments),
            "readers": list(self.readers), "n_cases": self.n_cases, "n_cases_in_fom": self.n_cases_in_fom,
            "reader_fom": {t: dict(zip(self.readers, row)) for t, row in zip(self.treatments, self.reader_fom)},
            "treatment_means": dict(zip(self.treatments, self.treatment_means)),
            "variance_components": self.variance_components.as_dict(),
            "rrrc": self.rrrc.as_dict(), "frrc": self.frrc.as_dict(), "rrfc": self.rrfc.as_dict(),
            "single_treatment": {"rrrc": [ci.as_dict() for ci in self.single_treatment_rrrc],
                                 "rrfc": [ci.as_dict() for ci in self.single_treatment_rrfc]},
            "frrc_per_reader": [c.as_dict() for c in self.frrc_per_reader],
        }


def mrmc(design: MRMCDesign, fom: str = "auc", covariance: str = "jackknife", alpha: float = 0.05) -> MRMCResult:
    """Run the OR analysis of ``design`` for one figure of merit.

    Parameters
    ----------
    design : MRMCDesign
        Fully crossed ratings (see :func:`reader_study.stats.mrmc_design.design_from_rows`).
    fom : {"auc", "accuracy", "sensitivity", "specificity"}
        Empirical AUC of confidence ratings, or a proportion of binary calls (1 = positive).
    covariance : {"jackknife", "delong", "unbiased"}
        Covariance estimator; the jackknife runs over the cases in the FOM's denominator.
    alpha : float
        1 - confidence level of every CI.

    Returns
    -------
    MRMCResult
    """
    estimate = fom_covariance(design.ratings, design.truth, fom, covariance)
    return mrmc_from_fom_covariance(estimate, design.treatments, design.readers, len(design.cases), fom, covariance,
                                    alpha)


def mrmc_proportion(successes: np.ndarray, treatments: Sequence[str], readers: Sequence[str], fom: str,
                    alpha: float = 0.05) -> MRMCResult:
    """Run the OR analysis of a proportion FOM from per-read successes (t, r, c'), e.g. three-class accuracy."""
    successes = np.asarray(successes, dtype=float)
    if successes.shape[:2] != (len(treatments), len(readers)):
        raise MRMCDesignError(f"successes shape {successes.shape} does not match {len(treatments)} treatments x "
                              f"{len(readers)} readers")
    estimate = proportion_covariance(successes)
    return mrmc_from_fom_covariance(estimate, tuple(treatments), tuple(readers), successes.shape[2], fom,
                                    "jackknife", alpha)


def mrmc_from_fom_covariance(estimate: FomCovariance, treatments: Sequence[str], readers: Sequence[str],
                             n_cases: int, fom: str, covariance: str, alpha: float = 0.05) -> MRMCResult:
    """Run RRRC, FRRC and RRFC on given reader FOMs and their covariance matrix."""
    theta, cov = estimate.theta, estimate.covariance
    t, r = theta.shape
    if r < 2:
        raise MRMCDesignError("one reader only: random-reader analysis needs at least two readers")
    if t < 2:
        raise MRMCDesignError("one treatment only: need at least two treatments to compare")
    names = tuple(str(x) for x in treatments)
    components = variance_components(theta, cov)
    bounded = fom in ("auc", "accuracy", "sensitivity", "specificity")
    return MRMCResult(
        fom=fom, covariance=covariance, treatments=names, readers=tuple(str(x) for x in readers),
        n_cases=int(n_cases), n_cases_in_fom=estimate.n_cases_used,
        reader_fom=tuple(tuple(float(v) for v in row) for row in theta),
        treatment_means=tuple(float(v) for v in theta.mean(axis=1)),
        variance_components=components,
        rrrc=rrrc_test(theta, components, names, alpha),
        frrc=frrc_test(theta, components, names, alpha),
        rrfc=rrfc_test(theta, components, names, alpha),
        single_treatment_rrrc=single_treatment_rrrc(theta, cov, names, alpha, bounded),
        single_treatment_rrfc=single_treatment_rrfc(theta, names, alpha, bounded),
        frrc_per_reader=frrc_per_reader(theta, cov, names, tuple(str(x) for x in readers), alpha),
    )
