"""Reader performance tables, origin denominators, AI standalone metrics, AI vs reader, automation bias."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, f1_score, roc_auc_score

from reader_study.stats.ai import ai_standalone, ai_versus_reader
from reader_study.stats.automation_bias import automation_bias
from reader_study.stats.binary import (
    NOT_METASTASIS,
    ReadOutcome,
    classification_performance,
    origin_outcomes,
    performance_by_group,
)
from reader_study.stats.errors import StatsInputError

LABELS = ["HCC", "ICC", "LM"]


def test_classification_performance_counts_and_cis():
    truth = ["HCC", "HCC", "ICC", "LM", "LM", "LM"]
    calls = ["HCC", "ICC", "ICC", "LM", "HCC", "LM"]
    perf = classification_performance(truth, calls, LABELS, "clopper-pearson")
    assert (perf.accuracy.count, perf.accuracy.n) == (4, 6)
    assert perf.confusion.counts == ((1, 1, 0), (0, 1, 0), (1, 0, 2))
    hcc = perf.per_class[0]
    assert (hcc.sensitivity.count, hcc.sensitivity.n, hcc.specificity.count, hcc.specificity.n) == (1, 2, 3, 4)
    assert "Clopper" in hcc.sensitivity.method
    with pytest.raises(StatsInputError, match="label"):
        classification_performance(["HCC"], ["XYZ"], LABELS)


def test_origin_denominator_choices():
    true_cls = ["LM", "LM", "LM", "HCC"]
    true_org = ["breast", "intestinal", "breast", None]
    called_cls = ["LM", "HCC", "LM", "LM"]
    called_org = ["breast", None, "intestinal", "breast"]
    idx, truth, calls = origin_outcomes(true_cls, true_org, called_cls, called_org)
    assert idx == [0, 1, 2] and calls == ["breast", NOT_METASTASIS, "intestinal"]
    idx, truth, calls = origin_outcomes(true_cls, true_org, called_cls, called_org, denominator="called_metastasis")
    assert idx == [0, 2] and truth == ["breast", "breast"]
    perf = classification_performance(truth, calls, ["breast", "intestinal"])
    assert perf.accuracy.estimate == 0.5


def test_performance_by_group_levels():
    outcomes = [ReadOutcome(r, g, arm, c, t, call) for r, g in [("a", "junior"), ("b", "senior")]
                for arm in ("unaided", "aided") for c, t, call in [("1", "HCC", "HCC"), ("2", "ICC", "HCC")]]
    rows = performance_by_group(outcomes, LABELS)
    keys = [(row.level, row.key, row.arm) for row in rows]
    assert ("reader", "a", "unaided") in keys and ("reader_group", "senior", "aided") in keys
    pooled = [row for row in rows if row.level == "pooled" and row.arm == "aided"][0]
    assert (pooled.performance.accuracy.count, pooled.performance.accuracy.n) == (2, 4)


@pytest.fixture(scope="module")
def synthetic_ai():
    rng = np.random.default_rng(1)
    truth = np.array(LABELS * 40)
    logits = rng.normal(size=(120, 3)) + 1.5 * np.stack([truth == label for label in LABELS], axis=1)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return truth, probs


def test_ai_standalone_matches_sklearn(synthetic_ai):
    truth, probs = synthetic_ai
    cutoffs = {"HCC": 0.4, "ICC": 0.35, "LM": 0.5}
    result = ai_standalone(truth, probs, LABELS, cutoffs=cutoffs, n_resamples=300, seed=2)
    assert result.macro_auc == pytest.approx(roc_auc_score(truth, probs, multi_class="ovr", labels=LABELS))
    assert result.macro_auc_ci[0] < result.macro_auc < result.macro_auc_ci[1]
    assert result.brier == pytest.approx(brier_score_loss(truth, probs, labels=LABELS, scale_by_half=False))
    predicted = np.array(LABELS)[probs.argmax(axis=1)]
    assert result.accuracy.estimate == pytest.approx(np.mean(predicted == truth))
    hcc_calls = probs[:, 0] >= 0.4
    assert result.per_class[0].f1 == pytest.approx(f1_score(truth == "HCC", hcc_calls))
    assert result.per_class[0].sensitivity.count == int((hcc_calls & (truth == "HCC")).sum())
    assert result.per_class[0].cutoff == 0.4


def test_ai_standalone_refuses_absent_class(synthetic_ai):
    truth, probs = synthetic_ai
    with pytest.raises(StatsInputError, match="absent"):
        ai_standalone(np.where(truth == "ICC", "HCC", truth), probs, LABELS, n_resamples=10)


def test_ai_versus_reader_delong_with_ratings_else_mcnemar(synthetic_ai):
    truth, probs = synthetic_ai
    predicted = list(np.array(LABELS)[probs.argmax(axis=1)])
    reader_calls = list(truth[:100]) + list(np.roll(truth[100:], 1))
    by_mcnemar = ai_versus_reader("r1", truth, LABELS, probs, predicted, reader_calls)
    assert len(by_mcnemar) == 1 and by_mcnemar[0].mcnemar is not None and by_mcnemar[0].delong is None
    ratings = np.stack([(np.array(reader_calls) == label) * 80 + 10 for label in LABELS], axis=1)
    by_delong = ai_versus_reader("r1", truth, LABELS, probs, predicted, reader_calls, ratings)
    assert [c.label for c in by_delong] == LABELS
    hcc = by_delong[0].delong
    assert hcc.auc_a == pytest.approx(roc_auc_score(truth == "HCC", probs[:, 0]))
    assert hcc.difference == pytest.approx(hcc.auc_a - hcc.auc_b)


def test_automation_bias_counts():
    truth = ["HCC", "HCC", "ICC", "ICC", "LM"]
    ai = ["ICC", "ICC", "ICC", "ICC", "LM"]  # wrong on cases 0 and 1
    unaided = ["HCC", "HCC", "HCC", "ICC", "ICC"]
    aided = ["ICC", "HCC", "ICC", "ICC", "ICC"]
    result = automation_bias(truth, unaided, aided, ai)
    assert (result.n_ai_wrong, result.n_ai_right) == (2, 3)
    assert (result.correct_to_ai_wrong.count, result.correct_to_ai_wrong.n) == (1, 2)
    assert (result.wrong_to_ai_right.count, result.wrong_to_ai_right.n) == (1, 2)
    assert ("HCC", "ICC", 2) in result.transitions
    with pytest.raises(StatsInputError):
        automation_bias(truth, unaided, aided[:2], ai)
