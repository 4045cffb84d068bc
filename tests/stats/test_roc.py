"""DeLong AUC variance, paired DeLong test (pROC 1.18.0 on aSAH) and the stratified bootstrap."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from reader_study.stats.errors import StatsInputError
from reader_study.stats.roc import bootstrap_auc_ci, delong_auc, delong_paired, empirical_auc

from .reference_data import read_rows


@pytest.fixture(scope="module")
def asah():
    rows = read_rows("asah.csv")
    data = {key: np.array([float(r[key]) for r in rows]) for key in ("s100b", "wfns", "ndka")}
    data["poor"] = np.array([int(r["poor"]) for r in rows])
    return data


@pytest.mark.parametrize("marker", ["s100b", "wfns", "ndka"])
def test_delong_auc_matches_proc(asah, ref, marker):
    exp = ref["delong_asah_pROC_1_18_0"]
    result = delong_auc(asah["poor"], asah[marker])
    assert result.auc == pytest.approx(exp["auc"][marker], abs=5e-13)
    assert result.variance == pytest.approx(exp["var_delong"][marker], abs=5e-15)
    assert list(result.ci) == pytest.approx(exp["ci95_delong"][marker], abs=5e-10)
    assert result.auc == pytest.approx(roc_auc_score(asah["poor"], asah[marker]), abs=1e-15)
    assert (result.n_positive, result.n_negative) == (41, 72)


def test_paired_delong_matches_proc_roc_test(asah, ref):
    exp = ref["delong_asah_pROC_1_18_0"]
    test = delong_paired(asah["poor"], asah["s100b"], asah["wfns"])
    s_w = exp["roc_test_s100b_vs_wfns"]
    assert (test.z, test.pvalue) == (pytest.approx(s_w["Z"], abs=5e-10), pytest.approx(s_w["p"], abs=5e-11))
    assert list(test.ci) == pytest.approx(s_w["ci_diff"], abs=5e-13)
    assert test.covariance == pytest.approx(s_w["cov"], abs=5e-15)
    for a, b, key in [("s100b", "ndka", "roc_test_s100b_vs_ndka"), ("wfns", "ndka", "roc_test_wfns_vs_ndka")]:
        other = delong_paired(asah["poor"], asah[a], asah[b])
        assert other.z == pytest.approx(exp[key]["Z"], abs=5e-10)
        assert other.pvalue == pytest.approx(exp[key]["p"], rel=1e-8)


def test_delong_paired_identical_scores_is_no_difference(asah):
    test = delong_paired(asah["poor"], asah["wfns"], asah["wfns"])
    assert (test.difference, test.z, test.pvalue) == (0.0, 0.0, 1.0)


def test_empirical_auc_ties_count_half():
    assert empirical_auc([0, 1], [3, 3]) == 0.5
    assert empirical_auc([0, 0, 1, 1], [1, 2, 2, 3]) == pytest.approx(0.875)


def test_auc_needs_both_classes():
    with pytest.raises(StatsInputError, match="diseased"):
        empirical_auc([1, 1], [0.2, 0.3])


def test_stratified_bootstrap_is_seeded_and_brackets_auc(asah):
    first = bootstrap_auc_ci(asah["poor"], asah["s100b"], n_resamples=400, seed=7)
    again = bootstrap_auc_ci(asah["poor"], asah["s100b"], n_resamples=400, seed=7)
    other = bootstrap_auc_ci(asah["poor"], asah["s100b"], n_resamples=400, seed=8)
    assert first.ci == again.ci != other.ci
    assert first.ci[0] < first.auc < first.ci[1]
    delong = delong_auc(asah["poor"], asah["s100b"])
    assert first.se == pytest.approx(delong.se, rel=0.25)  # the two SEs estimate the same quantity
