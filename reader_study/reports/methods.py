"""The methods paragraph of the report: states every analysis choice so the numbers can be reproduced."""
from __future__ import annotations

from reader_study.reports.records import StudyData
from reader_study.stats.binary import ORIGIN_DENOMINATOR_TEXT
from reader_study.stats.proportions import CI_METHOD_LABELS
from reader_study.stats.tests_2x2 import CHI2_LABELS, MCNEMAR_LABELS

COVARIANCE_TEXT = {"jackknife": "jackknife covariance (factor (c-1)/c, over the cases in each metric's denominator)",
                   "delong": "DeLong covariance", "unbiased": "unbiased U-statistic covariance (Gallas 2007)"}


def methods_paragraph(options, data: StudyData) -> str:
    """Return the methods text for ``options`` (a ReportOptions)."""
    cutoffs = ("the model's stored one-vs-rest cut-offs " + ", ".join(f"{k} {v:.3f}" for k, v in data.cutoffs.items())
               if data.cutoffs else "the model's final class (no stored cut-offs)")
    return " ".join([
        "Locked reads only; a coordinator's amendment replaces the answers it corrected.",
        "Proportions (accuracy, one-vs-rest sensitivity and specificity) carry 95% "
        f"{CI_METHOD_LABELS[options.ci_method]}s and treat reads as independent.",
        "Origin (six classes) is evaluated on " + ORIGIN_DENOMINATOR_TEXT[options.origin_denominator] + ".",
        f"Aided vs unaided correctness: {CHI2_LABELS[options.chi2_correction]} on the pooled 2x2 table as in the ALMSS"
        " paper (ignores pairing), and per reader; paired per reader: "
        f"{MCNEMAR_LABELS[options.mcnemar_method]} on cases read in both arms.",
        "Study-level inference: Obuchowski-Rockette multi-reader multi-case analysis with "
        f"{COVARIANCE_TEXT[options.mrmc_covariance]}; random readers and random cases (primary) with Hillis "
        "denominator degrees of freedom and error term MS(TR) + r max(Cov2 - Cov3, 0); fixed-reader (chi-squared) and "
        "fixed-case (F) analyses as sensitivity analyses; variance components unconstrained; single-arm CIs "
        "truncated to [0, 1]. Differences are aided minus unaided. Figures of merit: three-class accuracy; per class "
        "one-vs-rest empirical AUC of the 0-100 class confidence, sensitivity and specificity of the call; "
        "accuracy uses proportion (jackknife) covariance. The design must be fully crossed (every reader reads every "
        "case in both arms); otherwise MRMC is not reported.",
        "AI standalone: per-class one-vs-rest empirical AUC with DeLong and stratified-bootstrap percentile CIs "
        f"({options.n_bootstrap} resamples within true class, seed {options.seed}); macro AUC with a bootstrap CI; "
        f"accuracy of the final class; sensitivity, specificity and F1 at {cutoffs}; multiclass Brier score (sum "
        "over classes, range 0-2). AI vs each reader's unaided reads: paired DeLong test per class when the reader "
        "gave class confidences, McNemar on correctness otherwise.",
        "Agreement: Cohen's kappa (asymptotic SE) per reader pair and reader vs AI; Fleiss' kappa per arm with a "
        "case-bootstrap percentile CI. Automation bias: among AI-wrong cases, correct unaided answers changed to the "
        "AI's answer; among AI-right cases, wrong unaided answers changed to the right one.",
    ])
