"""Designs the OR analysis cannot analyse are refused with a message naming the problem; degenerate data work."""
from __future__ import annotations

import numpy as np
import pytest

from reader_study.stats.errors import MRMCDesignError
from reader_study.stats.mrmc import mrmc, mrmc_proportion
from reader_study.stats.mrmc_design import design_from_rows, natural_order


def rows(ratings, truth, treatments=("unaided", "aided")):
    """Long rows from ratings[treatment][reader][case]."""
    return [{"reader": f"r{j}", "treatment": trt, "case": f"c{k}", "truth": truth[k], "rating": value}
            for i, trt in enumerate(treatments) for j, reader in enumerate(ratings[i])
            for k, value in enumerate(reader)]


TRUTH = [0, 0, 0, 1, 1, 1]
GOOD = [[[1, 2, 3, 3, 4, 5], [2, 1, 3, 4, 4, 5]], [[1, 1, 2, 4, 5, 5], [1, 2, 2, 5, 5, 4]]]


def test_treatment_order_sets_the_sign_of_the_difference(vandyke_rows):
    sorted_design = design_from_rows(vandyke_rows)
    reversed_design = design_from_rows(vandyke_rows, treatment_order=["2", "1"])
    forward, backward = mrmc(sorted_design).rrrc.difference, mrmc(reversed_design).rrrc.difference
    assert forward.label == "2 - 1" and backward.label == "1 - 2"
    assert forward.estimate == pytest.approx(-backward.estimate)
    assert forward.pvalue == pytest.approx(backward.pvalue)


def test_aided_minus_unaided_with_explicit_order():
    design = design_from_rows(rows(GOOD, TRUTH), treatment_order=["unaided", "aided"])
    result = mrmc(design)
    assert result.rrrc.difference.label == "aided - unaided"
    assert result.rrrc.difference.estimate == pytest.approx(result.treatment_means[1] - result.treatment_means[0])
    assert natural_order(["aided", "unaided"]) == ["aided", "unaided"]
    assert natural_order(["10", "9", "1"]) == ["1", "9", "10"]


@pytest.mark.parametrize("mutate, message", [
    (lambda r: [x for x in r if x["reader"] == "r0"], "one reader"),
    (lambda r: [x for x in r if x["treatment"] == "aided"], "one treatment"),
    (lambda r: r[1:], "missing read"),
    (lambda r: r + [r[0]], "duplicate read"),
    (lambda r: [dict(x, truth=1) for x in r], "one truth class"),
    (lambda r: [dict(x, rating="high") if i == 3 else x for i, x in enumerate(r)], "non-numeric rating 'high'"),
    (lambda r: [dict(x, rating="nan") if i == 3 else x for i, x in enumerate(r)], "not a finite number"),
    (lambda r: [dict(x, truth=2) if i == 0 else x for i, x in enumerate(r)], "truth must be 0 or 1"),
    (lambda r: [dict(x, truth=1) if i == 0 else x for i, x in enumerate(r)], "case c0 has truth"),
    (lambda r: [{k: v for k, v in x.items() if k != "case"} for x in r], "missing column"),
])
def test_bad_designs_are_refused_by_name(mutate, message):
    with pytest.raises(MRMCDesignError, match=message):
        design_from_rows(mutate(rows(GOOD, TRUTH)))


def test_missing_read_names_reader_treatment_and_case():
    with pytest.raises(MRMCDesignError, match="reader r0 / treatment unaided / case c0"):
        design_from_rows(rows(GOOD, TRUTH)[1:], treatment_order=["unaided", "aided"])


def test_binary_fom_needs_binary_calls():
    design = design_from_rows(rows(GOOD, TRUTH))
    with pytest.raises(MRMCDesignError, match="binary calls"):
        mrmc(design, "accuracy")
    with pytest.raises(MRMCDesignError, match="unknown figure of merit"):
        mrmc(design, "youden")


def test_sensitivity_of_one_everywhere_has_zero_variance_and_no_crash():
    calls = [[[0, 0, 1, 1, 1, 1], [0, 1, 0, 1, 1, 1]], [[0, 0, 0, 1, 1, 1], [1, 0, 0, 1, 1, 1]]]
    result = mrmc(design_from_rows(rows(calls, TRUTH)), "sensitivity")
    assert result.treatment_means == (1.0, 1.0)
    assert result.variance_components.var == 0.0
    assert np.isnan(result.rrrc.statistic) and np.isnan(result.rrrc.pvalue)
    assert result.single_treatment_rrrc[0].ci == (1.0, 1.0)


def test_reader_auc_one_in_vandyke_is_handled(vandyke):
    result = mrmc(vandyke)
    assert result.reader_fom[1][3] == pytest.approx(0.99935588, abs=5e-9)
    assert np.isfinite(result.rrrc.statistic)


def test_proportion_entry_point_equals_binary_fom(vandyke_binary):
    correct = (vandyke_binary.ratings == vandyke_binary.truth).astype(float)
    direct = mrmc_proportion(correct, vandyke_binary.treatments, vandyke_binary.readers, "accuracy")
    via_design = mrmc(vandyke_binary, "accuracy")
    assert direct.rrrc.statistic == pytest.approx(via_design.rrrc.statistic, rel=1e-12)
    with pytest.raises(MRMCDesignError, match="one reader"):
        mrmc_proportion(correct[:, :1], vandyke_binary.treatments, ["1"], "accuracy")


def test_binary_covariances_coincide_for_proportions(vandyke_binary):
    jack = mrmc(vandyke_binary, "accuracy", "jackknife")
    for cov in ("delong", "unbiased"):
        assert mrmc(vandyke_binary, "accuracy", cov).rrrc.statistic == pytest.approx(jack.rrrc.statistic, rel=1e-12)
