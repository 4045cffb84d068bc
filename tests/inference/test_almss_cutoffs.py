"""Best-F1 cut-offs, the final-call rule and the two-network hierarchy."""
from __future__ import annotations

import numpy as np
import pytest

from inference.almss.cutoffs import DEFAULT_CUTOFF, best_f1_cutoff, final_call, hierarchical_call, select_cutoffs


def test_best_f1_cutoff_on_a_worked_example():
    # scores sorted: 0.9+ 0.8+ 0.7- 0.6+ 0.3- 0.2+ ; npos = 4
    # t=0.9: F1 2/5; 0.8: 4/6; 0.7: 4/7; 0.6: 6/8 = 0.75 (best); 0.3: 6/9; 0.2: 8/10 = 0.8 -> best is 0.2
    positive = np.array([1, 1, 0, 1, 0, 1], dtype=bool)
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2])
    assert best_f1_cutoff(positive, scores) == (pytest.approx(0.2), pytest.approx(0.8))
    # Make the low positive a negative: then 0.6 wins with F1 = 2*3/(4+3) = 6/7.
    positive[5] = False
    assert best_f1_cutoff(positive, scores) == (pytest.approx(0.6), pytest.approx(6 / 7))


def test_ties_are_called_together_and_the_highest_best_threshold_wins():
    # 0.5 appears for a positive and a negative: a threshold cannot separate them.
    positive = np.array([1, 0, 1, 0], dtype=bool)
    scores = np.array([0.5, 0.5, 0.9, 0.1])
    cutoff, f1 = best_f1_cutoff(positive, scores)
    # t=0.9: 2/3 ; t=0.5: 2*2/(3+2) = 0.8 ; t=0.1: 4/6
    assert (cutoff, f1) == (pytest.approx(0.5), pytest.approx(0.8))
    perfect = best_f1_cutoff(np.array([1, 1, 0], dtype=bool), np.array([0.8, 0.7, 0.2]))
    assert perfect == (pytest.approx(0.7), pytest.approx(1.0))


def test_class_without_positive_cases_gets_the_default():
    assert best_f1_cutoff(np.zeros(3, dtype=bool), np.array([0.1, 0.2, 0.3])) == (DEFAULT_CUTOFF, 0.0)


def test_select_cutoffs_per_class_one_vs_rest():
    y = [0, 0, 1, 2]
    p = np.array([[0.7, 0.2, 0.1], [0.4, 0.3, 0.3], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4]])
    assert select_cutoffs(y, p, ["HCC", "ICC", "LM"]) == {"HCC": 0.4, "ICC": 0.6, "LM": 0.4}
    with pytest.raises(ValueError, match="probabilities must be"):
        select_cutoffs(y, p[:, :2], ["HCC", "ICC", "LM"])


def test_final_call_prefers_the_class_furthest_past_its_cutoff():
    cutoffs = {"HCC": 0.6, "ICC": 0.2, "LM": 0.5}
    # HCC has the highest probability but misses its cut-off; ICC passes its low cut-off.
    assert final_call({"HCC": 0.5, "ICC": 0.3, "LM": 0.2}, cutoffs) == "ICC"
    # Two pass: HCC 0.62/0.6 = 1.03, ICC 0.3/0.2 = 1.5 -> ICC.
    assert final_call({"HCC": 0.62, "ICC": 0.3, "LM": 0.08}, cutoffs) == "ICC"
    # None passes: argmax.
    assert final_call({"HCC": 0.45, "ICC": 0.1, "LM": 0.45 + 1e-3}, {"HCC": 0.9, "ICC": 0.9, "LM": 0.9}) == "LM"
    # Equal cut-offs reduce to argmax.
    assert final_call({"HCC": 0.2, "ICC": 0.5, "LM": 0.3}, {"HCC": 0.1, "ICC": 0.1, "LM": 0.1}) == "ICC"


def test_network_two_is_not_run_when_network_one_says_hcc():
    def must_not_run():
        raise AssertionError("network 2 ran although network 1 did not call LM")

    call = hierarchical_call({"HCC": 0.8, "ICC": 0.1, "LM": 0.1}, {"HCC": 0.5, "ICC": 0.5, "LM": 0.5},
                             must_not_run, {})
    assert (call.final_class, call.final_origin, call.origin_probabilities) == ("HCC", None, None)


def test_network_two_runs_and_is_called_with_its_cutoffs_when_network_one_says_lm():
    runs = []

    def origin():
        runs.append(1)
        return {"intestinal": 0.5, "breast": 0.3, "respiratory": 0.2}

    call = hierarchical_call({"HCC": 0.3, "ICC": 0.2, "LM": 0.5}, {"HCC": 0.5, "ICC": 0.5, "LM": 0.4}, origin,
                             {"intestinal": 0.6, "breast": 0.25, "respiratory": 0.5})
    assert runs == [1]
    assert call.final_class == "LM"
    assert call.final_origin == "breast"  # intestinal misses its 0.6 cut-off
    assert call.origin_probabilities["intestinal"] == 0.5
