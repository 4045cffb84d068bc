"""OR-MRMC reproduces every number published for Van Dyke and Franken (Iowa OR-DBM MRMC 2.51, MRMCaov 0.3.0).

The reference JSON reports treatment 1 - treatment 2; the analysis reports later minus earlier (2 - 1), so
differences and CIs are compared with their sign flipped.
"""
from __future__ import annotations

import numpy as np
import pytest

from reader_study.stats.dbm import dbm_hillis
from reader_study.stats.mrmc import mrmc

from .reference_data import printed_tolerance

FULL = {"rel": 1e-6, "abs": 1e-12}


def full(value):
    return pytest.approx(value, **FULL)


def published(value):
    return pytest.approx(value, abs=printed_tolerance(value))


def flipped(ci):
    """A CI of trt1 - trt2 as a CI of trt2 - trt1."""
    return [-ci[1], -ci[0]]


def check_components(result, expected):
    vc = result.variance_components
    for ours, key in [(vc.var, "Var_error"), (vc.cov1, "Cov1"), (vc.cov2, "Cov2"), (vc.cov3, "Cov3"),
                      (vc.ms_t, "MS_T"), (vc.ms_r, "MS_R"), (vc.ms_tr, "MS_TR"), (vc.var_r, "var_R"),
                      (vc.var_tr, "var_TR")]:
        if key in expected:
            assert ours == full(expected[key]), key


def test_vandyke_jackknife_reader_aucs_and_components(vandyke, ref):
    exp = ref["vandyke_empirical_auc_jackknife"]
    result = mrmc(vandyke, "auc", "jackknife")
    assert result.reader_fom[0] == full(exp["reader_auc_trt1"])
    assert result.reader_fom[1] == full(exp["reader_auc_trt2"])
    assert list(result.treatment_means) == full(exp["trt_mean_auc"])
    assert result.rrrc.difference.estimate == full(-exp["diff_1_minus_2"])
    check_components(result, exp)


def test_vandyke_jackknife_rrrc(vandyke, ref):
    exp = ref["vandyke_empirical_auc_jackknife"]["RRRC"]
    rrrc = mrmc(vandyke).rrrc
    assert (rrrc.statistic, rrrc.df1, rrrc.ddf, rrrc.pvalue) == (full(exp["F"]), 1, full(exp["ddf_Hillis"]),
                                                                  full(exp["p"]))
    assert rrrc.error_term == full(exp["error_term"])
    assert rrrc.difference.se == full(exp["se_diff"])
    assert list(rrrc.difference.ci) == full(flipped(exp["ci95_diff"]))
    printed = exp["published_printed"]
    assert rrrc.statistic == published(printed["F"]) and rrrc.ddf == published(printed["ddf"])
    assert rrrc.pvalue == published(printed["p"]) and rrrc.difference.se == published(printed["se"])
    assert rrrc.difference.ci[0] == published(-printed["ci"][1])
    assert rrrc.difference.ci[1] == published(-printed["ci"][0])


def test_vandyke_jackknife_single_treatment(vandyke, ref):
    exp = ref["vandyke_empirical_auc_jackknife"]
    cis = mrmc(vandyke).single_treatment_rrrc
    for ours, full_exp, printed in zip(cis, exp["RRRC_single_treatment"],
                                       exp["RRRC_single_treatment_published_printed"], strict=True):
        assert (ours.estimate, ours.se, ours.df) == (full(full_exp["auc"]), full(full_exp["se"]), full(full_exp["df"]))
        assert list(ours.ci) == full(full_exp["ci"])
        assert ours.df == published(printed["df"]) and ours.se == published(printed["se"])
        assert list(ours.ci) == [published(printed["ci"][0]), published(printed["ci"][1])]


def test_vandyke_frrc_and_per_reader(vandyke, ref):
    exp = ref["vandyke_empirical_auc_jackknife"]["FRRC"]
    result = mrmc(vandyke)
    frrc = result.frrc
    assert (frrc.statistic, frrc.df1, frrc.pvalue) == (full(exp["X2"]), exp["df"], full(exp["p"]))
    assert frrc.difference.se == full(exp["se_diff"])
    assert list(frrc.difference.ci) == full(flipped(exp["ci95_diff"]))
    assert frrc.statistic == published(exp["published_printed"]["X2"])
    for ours, reader in zip(result.frrc_per_reader, exp["per_reader"], strict=True):
        assert ours.reader == str(reader["reader"])
        assert ours.contrast.estimate == full(-reader["diff"])
        assert ours.contrast.statistic == full(-reader["z"])
        assert (ours.contrast.se, ours.contrast.pvalue) == (full(reader["se"]), full(reader["p"]))
        assert (ours.var, ours.cov1) == (full(reader["var"]), full(reader["cov1"]))


def test_vandyke_rrfc(vandyke, ref):
    exp = ref["vandyke_empirical_auc_jackknife"]["RRFC"]
    rrfc = mrmc(vandyke).rrfc
    assert (rrfc.statistic, rrfc.df1, rrfc.ddf, rrfc.pvalue) == (full(exp["F"]), exp["df1"], exp["df2"],
                                                                  full(exp["p"]))
    assert rrfc.difference.se == full(exp["se_diff"])
    assert list(rrfc.difference.ci) == full(flipped(exp["ci95_diff"]))


@pytest.mark.parametrize("covariance, key", [("delong", "vandyke_empirical_auc_delong"),
                                             ("unbiased", "vandyke_empirical_auc_unbiased")])
def test_vandyke_other_covariances(vandyke, ref, covariance, key):
    exp = ref[key]
    result = mrmc(vandyke, "auc", covariance)
    check_components(result, exp)
    rrrc = result.rrrc
    ddf_key = "ddf_H"
    assert (rrrc.statistic, rrrc.ddf, rrrc.pvalue) == (full(exp["RRRC"]["F"]), full(exp["RRRC"][ddf_key]),
                                                        full(exp["RRRC"]["p"]))
    assert rrrc.error_term == full(exp["RRRC"]["denominator"])
    assert rrrc.difference.se == full(exp["RRRC"]["se_diff"])
    assert list(rrrc.difference.ci) == full(flipped(exp["RRRC"]["ci"]))
    printed = exp["published_printed"]
    assert rrrc.statistic == published(printed["F"]) and rrrc.ddf == published(printed["df2"])
    assert rrrc.pvalue == published(printed["p"])
    for ours, single in zip(result.single_treatment_rrrc, exp.get("single_treatment", []), strict=False):
        assert (ours.se, ours.df) == (full(single["se"]), full(single["df"]))
        assert list(ours.ci) == full(single["ci"])


def test_vandyke_unbiased_variance_equals_imrmc(vandyke, ref):
    imrmc = ref["vandyke_empirical_auc_unbiased"]["iMRMC_2_1_2_Ustat_same_data"]
    assert mrmc(vandyke, "auc", "unbiased").rrrc.difference.se == full(imrmc["se_diff"])


def test_vandyke_binary_sensitivity_jackknifes_over_diseased_only(vandyke_binary, ref):
    exp = ref["vandyke_binary_sensitivity_rating_ge_3_jackknife"]
    result = mrmc(vandyke_binary, "sensitivity")
    assert result.n_cases_in_fom == 45
    assert list(result.treatment_means) == full(exp["trt_means"])
    check_components(result, exp)
    rrrc = result.rrrc
    assert (rrrc.statistic, rrrc.ddf, rrrc.pvalue) == (full(exp["RRRC"]["F"]), full(exp["RRRC"]["ddf"]),
                                                        full(exp["RRRC"]["p"]))
    assert rrrc.statistic != pytest.approx(exp["wrong_if_jackknifed_over_all_114_cases"]["F"], abs=1e-3)
    assert list(rrrc.difference.ci) == full(flipped(exp["RRRC"]["ci"]))
    for ours, single in zip(result.single_treatment_rrrc, exp["single_treatment_published"], strict=True):
        assert ours.se == published(single["se"]) and ours.df == published(single["df"])
        assert list(ours.ci) == [published(single["ci"][0]), published(single["ci"][1])]
    assert result.single_treatment_rrrc[1].ci[1] == 1.0 < result.single_treatment_rrrc[1].ci_untruncated[1]


def test_vandyke_binary_specificity_and_accuracy(vandyke_binary, ref):
    spec = ref["vandyke_binary_specificity_rating_ge_3_jackknife"]
    result = mrmc(vandyke_binary, "specificity")
    assert result.n_cases_in_fom == 69
    assert list(result.treatment_means) == full(spec["trt_means"])
    assert (result.rrrc.statistic, result.rrrc.ddf, result.rrrc.pvalue) == (
        full(spec["RRRC"]["F"]), full(spec["RRRC"]["ddf"]), full(spec["RRRC"]["p"]))
    acc = ref["vandyke_accuracy_rating_ge_3"]
    result = mrmc(vandyke_binary, "accuracy")
    assert list(result.treatment_means) == full(acc["trt_means"])
    assert result.rrrc.difference.estimate == full(-acc["diff"])
    assert result.rrrc.difference.se ** 2 == pytest.approx(2 * result.rrrc.error_term / 5, rel=1e-12)
    vc = result.variance_components
    assert 2 / 5 * (vc.ms_tr + 5 * (vc.cov2 - vc.cov3)) == full(acc["var_diff"])  # iMRMC uStat11 variance
    jk = acc["RRRC_jackknife"]
    assert (result.rrrc.statistic, result.rrrc.ddf, result.rrrc.pvalue) == (full(jk["F"]), full(jk["ddf"]),
                                                                            full(jk["p"]))
    assert list(result.rrrc.difference.ci) == full(flipped(jk["ci"]))


def test_franken_edge_case_truncates_cov2_minus_cov3(franken, ref):
    exp = ref["franken_empirical_auc_jackknife"]
    result = mrmc(franken)
    assert result.reader_fom[0] == full(exp["reader_auc_trt1"])
    assert result.reader_fom[1] == full(exp["reader_auc_trt2"])
    check_components(result, exp)
    vc = result.variance_components
    assert vc.cov2 < vc.cov3
    assert (vc.var_r, vc.var_tr) == (full(exp["var_R_unconstrained"]), full(exp["var_TR_unconstrained"]))
    rrrc = result.rrrc
    assert rrrc.ddf == 3.0
    assert (rrrc.statistic, rrrc.pvalue) == (full(exp["RRRC"]["F"]), full(exp["RRRC"]["p"]))
    assert rrrc.difference.se == full(exp["RRRC"]["se_diff"])
    assert list(rrrc.difference.ci) == full(flipped(exp["RRRC"]["ci95_diff"]))
    for ours, single in zip(result.single_treatment_rrrc, exp["RRRC_single_treatment"], strict=True):
        assert (ours.se, ours.df) == (full(single["se"]), full(single["df"]))
        assert list(ours.ci) == full(single["ci"])
    assert (result.frrc.statistic, result.frrc.pvalue) == (full(exp["FRRC"]["X2"]), full(exp["FRRC"]["p"]))


def test_franken_delong_same_test_because_truncated(franken):
    jack, delong = mrmc(franken), mrmc(franken, "auc", "delong")
    assert delong.variance_components.cov2 < delong.variance_components.cov3
    assert delong.rrrc.statistic == pytest.approx(jack.rrrc.statistic, rel=1e-12)
    assert delong.rrrc.ddf == 3.0


def test_dbm_pseudovalue_anova_equals_or_jackknife(vandyke, ref):
    exp = ref["vandyke_empirical_auc_jackknife"]
    dbm = dbm_hillis(vandyke.ratings, vandyke.truth)
    for key, value in exp["DBM_pseudovalue_MS"].items():
        assert dbm.ms[key] == full(value), key
    for key, value in exp["DBM_pseudovalue_MS_published_JAFROC_4_2_1_single_precision"].items():
        assert dbm.ms[key] == pytest.approx(value, rel=1e-5), key  # JAFROC printed single precision
    assert (dbm.f, dbm.ddf, dbm.pvalue) == (full(exp["DBM_Hillis"]["F"]), full(exp["DBM_Hillis"]["ddf"]),
                                           full(exp["DBM_Hillis"]["p"]))
    rrrc = mrmc(vandyke).rrrc
    assert np.allclose([dbm.f, dbm.ddf, dbm.pvalue], [rrrc.statistic, rrrc.ddf, rrrc.pvalue], rtol=1e-10)


def test_dbm_variance_components_map_to_or(vandyke, ref):
    exp = ref["vandyke_empirical_auc_jackknife"]["DBM_varcomp"]
    vc, c = mrmc(vandyke).variance_components, 114
    assert c * vc.cov3 == full(exp["var_C"])
    assert c * (vc.cov2 - vc.cov3) == full(exp["var_TC"])
    assert c * (vc.cov1 - vc.cov3) == full(exp["var_RC"])
    assert c * (vc.var - vc.cov1 - vc.cov2 + vc.cov3) == full(exp["var_TRC_err"])
