"""Benchmark: the full statistics report for 2 readers x 1,476 cases x 2 arms (the ALMSS paper's test sets).

Times the whole report (reader metrics, chi-squared, McNemar, OR-MRMC for accuracy and per-class AUC/sensitivity/
specificity, AI metrics with stratified-bootstrap CIs, kappa, automation bias), then the figures and the PDF.
Baselines measured in the same run: a naive leave-one-out jackknife (sklearn ``roc_auc_score`` per deleted case)
against the closed-form vectorised jackknife, and a per-resample loop bootstrap against the batched one.

Usage: ``python benchmarks/statistics.py [--quick] [--cases N] [--readers R] [--resamples B] [--seed S]``
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader_study.reports import plots  # noqa: E402
from reader_study.reports.analysis import ReportOptions, build_statistics  # noqa: E402
from reader_study.reports.pdf import report_pdf  # noqa: E402
from reader_study.reports.synthetic import synthetic_study  # noqa: E402
from reader_study.stats.mrmc_covariance import auc_covariance  # noqa: E402
from reader_study.stats.roc import bootstrap_auc_ci  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def naive_jackknife(ratings: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Leave-one-case-out AUCs by refitting, then the jackknife covariance (the textbook loop)."""
    t, r, c = ratings.shape
    flat = ratings.reshape(t * r, c)
    jack = np.empty((t * r, c))
    keep = np.ones(c, dtype=bool)
    for k in range(c):
        keep[k] = False
        for m in range(t * r):
            jack[m, k] = roc_auc_score(truth[keep], flat[m, keep])
        keep[k] = True
    centred = jack - jack.mean(axis=1, keepdims=True)
    return (c - 1) / c * centred @ centred.T


def naive_bootstrap(truth: np.ndarray, scores: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(truth == 1), np.flatnonzero(truth == 0)
    out = np.empty(n_resamples)
    for b in range(n_resamples):
        idx = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
        out[b] = roc_auc_score(truth[idx], scores[idx])
    return out


def baselines(data, n_resamples: int, seed: int, jack_cases: int) -> None:
    """Compare the vectorised jackknife and bootstrap with naive loops on the same data (same run)."""
    cases = sorted({r.case for r in data.reads})[:jack_cases]
    index = {c: k for k, c in enumerate(cases)}
    readers = data.readers()
    ratings = np.zeros((2, len(readers), len(cases)))
    for read in data.reads:
        if read.case in index:
            ratings[data.arms.index(read.arm), readers.index(read.reader), index[read.case]] = \
                read.class_confidence["HCC"]
    truth = np.array([int(a.truth_class == "HCC") for a in data.ai if a.case in index])
    fast, t_fast = timed(lambda: auc_covariance(ratings, truth, "jackknife").covariance)
    slow, t_slow = timed(lambda: naive_jackknife(ratings, truth))
    assert np.allclose(fast, slow, rtol=1e-9, atol=1e-15), "vectorised jackknife disagrees with the naive loop"
    print(f"jackknife covariance ({ratings.shape[0]}x{ratings.shape[1]}x{len(cases)}): vectorised {t_fast:.4f} s, "
          f"naive loop {t_slow:.3f} s, speed-up x{t_slow / t_fast:.0f}")
    ai_truth = np.array([int(a.truth_class == "HCC") for a in data.ai])
    ai_scores = np.array([a.probabilities["HCC"] for a in data.ai])
    _, t_fast = timed(lambda: bootstrap_auc_ci(ai_truth, ai_scores, n_resamples, seed))
    _, t_slow = timed(lambda: naive_bootstrap(ai_truth, ai_scores, n_resamples, seed))
    print(f"bootstrap AUC CI ({n_resamples} resamples, {len(ai_truth)} cases): batched {t_fast:.3f} s, "
          f"loop {t_slow:.3f} s, speed-up x{t_slow / t_fast:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 cases, 200 resamples (smoke run)")
    parser.add_argument("--cases", type=int, default=1476)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cases, resamples = (300, 200) if args.quick else (args.cases, args.resamples)
    data = synthetic_study(args.readers, cases, args.seed)
    print(f"synthetic study: {args.readers} readers x {cases} cases x 2 arms = {len(data.reads)} reads; "
          f"{resamples} bootstrap resamples")
    stats, t_stats = timed(lambda: build_statistics(data, ReportOptions(n_bootstrap=resamples, seed=args.seed)))
    errors = [k for k, v in stats["mrmc"].items() if isinstance(v, dict) and "error" in v]
    assert not errors and "error" not in stats["ai"], "report sections failed on the synthetic study"
    print(f"full statistics report: {t_stats:.2f} s")
    figures, t_figs = timed(lambda: [plots.roc_figure(data, label) for label in data.labels]
                            + [plots.sankey_figure(stats["automation_bias"]["transitions"], list(data.labels))])
    pdf, t_pdf = timed(lambda: report_pdf(stats, figures))
    print(f"figures: {t_figs:.2f} s; PDF ({len(pdf) / 1024:.0f} KiB): {t_pdf:.2f} s; "
          f"report total {t_stats + t_figs + t_pdf:.2f} s")
    baselines(data, resamples, args.seed, jack_cases=120 if args.quick else 300)


if __name__ == "__main__":
    main()
