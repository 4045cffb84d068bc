"""Textbook anchors: Wilson/Clopper-Pearson (Newcombe 1998), McNemar (Agresti), Cohen's and Fleiss' kappa, and the
paper's pooled chi-squared and per-reader McNemar on the Van Dyke calls (rating >= 3)."""
from __future__ import annotations

import numpy as np
import pytest

from reader_study.stats.agreement import cohen_kappa, cohen_kappa_table, fleiss_counts, fleiss_kappa
from reader_study.stats.errors import StatsInputError
from reader_study.stats.proportions import proportion_ci
from reader_study.stats.tests_2x2 import chi2_table, correctness_chi2, mcnemar_paired, mcnemar_table

from .reference_data import printed_tolerance

# Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories.
FLEISS_TABLE = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


@pytest.mark.parametrize("fraction", ["81/263", "15/148", "0/20", "1/29"])
def test_wilson_and_clopper_pearson_match_newcombe(ref, fraction):
    exp = ref["simple_anchors"]["wilson_and_clopper_pearson_Newcombe1998"][fraction]
    count, n = (int(x) for x in fraction.split("/"))
    for method, key in [("wilson", "wilson"), ("clopper-pearson", "exact")]:
        ci = proportion_ci(count, n, method)
        assert ci.estimate == count / n
        assert (ci.lower, ci.upper) == (pytest.approx(exp[key][0], abs=5e-5), pytest.approx(exp[key][1], abs=5e-5))


def test_proportion_rejects_bad_input_and_handles_empty():
    with pytest.raises(StatsInputError, match="count"):
        proportion_ci(5, 3)
    with pytest.raises(StatsInputError, match="CI method"):
        proportion_ci(1, 3, "wald")  # type: ignore[arg-type]
    assert np.isnan(proportion_ci(0, 0).estimate)


def test_mcnemar_agresti(ref):
    exp = ref["simple_anchors"]["mcnemar_Agresti_presidential_approval"]
    table = exp["table"]
    assert mcnemar_table(table, "chi2").statistic == pytest.approx(exp["chi2_uncorrected"], rel=1e-12)
    assert mcnemar_table(table, "chi2_corrected").statistic == pytest.approx(exp["chi2_continuity_corrected"],
                                                                             rel=1e-12)
    exact = mcnemar_table(table)
    assert exact.pvalue == pytest.approx(exp["exact_binomial_p"], rel=1e-9)
    assert (exact.b, exact.c, exact.statistic) == (150, 86, 86)
    assert "exact" in exact.method


def test_mcnemar_no_discordant_pairs_is_p_one():
    assert mcnemar_paired([True, False], [True, False]).pvalue == 1.0


def test_cohen_kappa_wikipedia(ref):
    exp = ref["simple_anchors"]["cohen_kappa_wikipedia_20_5_10_15"]
    result = cohen_kappa_table([[20, 5], [10, 15]])
    assert (result.kappa, result.se) == (pytest.approx(exp["kappa"]), pytest.approx(exp["ase"], rel=1e-9))
    assert list(result.ci) == pytest.approx(exp["ci95"], rel=1e-9)
    labels_a = ["yes"] * 25 + ["no"] * 25
    labels_b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(labels_a, labels_b, ["yes", "no"]).kappa == pytest.approx(0.4)


def test_fleiss_kappa_wikipedia_with_reproducible_bootstrap(ref):
    exp = ref["simple_anchors"]["fleiss_kappa_wikipedia_10x14x5"]
    result = fleiss_kappa(FLEISS_TABLE, n_resamples=500, seed=3)
    assert result.kappa == pytest.approx(exp["kappa"], rel=1e-9)
    assert result.ci[0] < result.kappa < result.ci[1]
    assert fleiss_kappa(FLEISS_TABLE, n_resamples=500, seed=3).ci == result.ci


def test_fleiss_counts_from_labels():
    ratings = [["a", "a", "b"], ["b", "b", "b"], ["a", "b", "a"]]
    assert fleiss_counts(ratings, ["a", "b"]).tolist() == [[2, 1], [0, 3], [2, 1]]
    with pytest.raises(StatsInputError, match="outside"):
        fleiss_counts([["a", "c"]], ["a", "b"])


def test_pooled_chi2_replicates_paper_table(ref, vandyke_binary):
    exp = ref["vandyke_accuracy_rating_ge_3"]["pooled_naive_chi2_2x2"]
    correct = vandyke_binary.ratings == vandyke_binary.truth
    pearson = correctness_chi2(correct[0].ravel(), correct[1].ravel())
    assert [list(row) for row in pearson.table] == exp["table"]
    assert [pearson.statistic, pearson.pvalue] == pytest.approx(exp["pearson_no_correction"], rel=1e-9)
    assert pearson.method.startswith("Pearson")
    yates = chi2_table(exp["table"], "yates")
    assert [yates.statistic, yates.pvalue] == pytest.approx(exp["yates"], rel=1e-9)
    assert "Yates" in yates.method


def test_per_reader_exact_mcnemar_on_vandyke(vandyke_binary):
    published = [0.404873, 0.454498, 0.557197, 0.453125, 0.052239]  # stats_anchors note, section 2.1
    correct = vandyke_binary.ratings == vandyke_binary.truth
    for j, expected in enumerate(published):
        result = mcnemar_paired(correct[0, j], correct[1, j])
        assert result.pvalue == pytest.approx(expected, abs=printed_tolerance(expected))
    first = mcnemar_paired(correct[0, 0], correct[1, 0])
    assert (first.b, first.c) == (14, 9)
