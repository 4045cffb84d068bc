"""Turn :class:`StudyData` into every statistic of the report (pure: no ORM), as a JSON-ready dict.

Each section calls one function of :mod:`reader_study.stats`; a section that cannot be computed (e.g. MRMC on an
incomplete design) carries ``{"error": message}`` instead of failing the whole report.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass

import numpy as np

from reader_study.reports.records import StudyData
from reader_study.stats.ai import ai_standalone, ai_versus_reader
from reader_study.stats.automation_bias import automation_bias
from reader_study.stats.binary import NOT_METASTASIS, ReadOutcome, origin_outcomes, performance_by_group
from reader_study.stats.errors import StatsInputError
from reader_study.stats.mrmc import mrmc, mrmc_proportion
from reader_study.stats.mrmc_design import crossed_array, design_from_mappings
from reader_study.stats.tests_2x2 import correctness_chi2, mcnemar_paired


@dataclass(frozen=True)
class ReportOptions:
    """Every methodological choice of the report (stated in the methods paragraph)."""

    ci_method: str = "wilson"
    chi2_correction: str = "pearson"
    mcnemar_method: str = "exact"
    mrmc_covariance: str = "jackknife"
    origin_denominator: str = "all_true_metastases"
    n_bootstrap: int = 2000
    seed: int = 0


def jsonable(value):
    """Return ``value`` with dataclasses as dicts, tuples as lists, numpy scalars as Python, NaN/inf as None."""
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(value.to_dict() if hasattr(value, "to_dict") else asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def attempt(section: Callable[[], object]) -> object:
    """Run one section; a design it cannot analyse becomes ``{"error": message}``."""
    try:
        return jsonable(section())
    except StatsInputError as exc:
        return {"error": str(exc)}


def build_statistics(data: StudyData, options: ReportOptions = ReportOptions()) -> dict:
    """Return the whole statistics report of a study (the page, the JSON/HTML/PDF exports all use this)."""
    from reader_study.reports.methods import methods_paragraph

    return {
        "study": {"id": data.study_id, "name": data.study_name, "model": data.model_label},
        "options": asdict(options),
        "counts": counts(data),
        "diagnosis_performance": attempt(lambda: diagnosis_performance(data, options)),
        "origin_performance": attempt(lambda: origin_performance(data, options)),
        "chi2": attempt(lambda: chi2_tests(data, options)),
        "mcnemar": attempt(lambda: mcnemar_tests(data, options)),
        "mrmc": mrmc_sections(data, options),
        "ai": attempt(lambda: ai_section(data, options)),
        "ai_vs_readers": attempt(lambda: ai_versus_readers(data, options)),
        "agreement": agreement_section(data, options),
        "automation_bias": attempt(lambda: automation_section(data, options)),
        "methods": methods_paragraph(options, data),
    }


def counts(data: StudyData) -> dict:
    return {"readers": len(data.readers()), "cases": len({r.case for r in data.reads}),
            "reads": {arm: sum(r.arm == arm for r in data.reads) for arm in data.arms},
            "ai_results": len(data.ai), "amended_reads": sum(r.amended for r in data.reads)}


def diagnosis_performance(data: StudyData, options: ReportOptions) -> list:
    outcomes = [ReadOutcome(r.reader, r.reader_group, r.arm, r.case, r.truth_class, r.diagnosis) for r in data.reads]
    return performance_by_group(_arm_sorted(outcomes, data.arms), data.labels, options.ci_method)


def origin_performance(data: StudyData, options: ReportOptions) -> dict:
    reads = list(data.reads)
    keep, truth, calls = origin_outcomes([r.truth_class for r in reads], [r.truth_origin for r in reads],
                                         [r.diagnosis for r in reads], [r.origin for r in reads],
                                         denominator=options.origin_denominator)
    outcomes = [ReadOutcome(reads[i].reader, reads[i].reader_group, reads[i].arm, reads[i].case, t, c)
                for i, t, c in zip(keep, truth, calls)]
    present = [o for o in data.origin_labels if o in set(truth)]
    call_labels = list(present) + [c for c in sorted(set(calls)) if c not in present and c != NOT_METASTASIS]
    call_labels += [NOT_METASTASIS] if NOT_METASTASIS in calls else []
    rows = performance_by_group(_arm_sorted(outcomes, data.arms), present, options.ci_method, call_labels)
    return {"denominator": options.origin_denominator, "rows": rows}


def _arm_sorted(outcomes: list[ReadOutcome], arms: tuple[str, ...]) -> list[ReadOutcome]:
    return sorted(outcomes, key=lambda o: arms.index(o.arm) if o.arm in arms else len(arms))


def _correct_by_arm(reads) -> tuple[list[bool], list[bool]]:
    return [r.correct for r in reads if r.arm == "unaided"], [r.correct for r in reads if r.arm == "aided"]


def chi2_tests(data: StudyData, options: ReportOptions) -> dict:
    """The paper's chi-squared of correct/incorrect, unaided (row 1) vs aided (row 2), pooled and per reader."""
    pooled = correctness_chi2(*_correct_by_arm(data.reads), correction=options.chi2_correction)
    per_reader = {reader: correctness_chi2(*_correct_by_arm([r for r in data.reads if r.reader == reader]),
                                           correction=options.chi2_correction) for reader in data.readers()}
    return {"pooled": pooled, "per_reader": per_reader}


def paired_reads(data: StudyData) -> dict[tuple[str, str], dict]:
    """Return {(reader, case): {arm: ReadRecord}} for reads present in both arms."""
    pairs: dict[tuple[str, str], dict] = {}
    for read in data.reads:
        pairs.setdefault((read.reader, read.case), {})[read.arm] = read
    return {k: v for k, v in pairs.items() if all(arm in v for arm in data.arms)}


def mcnemar_tests(data: StudyData, options: ReportOptions) -> dict:
    """Per reader: exact McNemar of correctness on the cases read in both arms (first = unaided)."""
    pairs = paired_reads(data)
    out = {}
    for reader in data.readers():
        mine = [v for (who, _), v in sorted(pairs.items()) if who == reader]
        if mine:
            out[reader] = mcnemar_paired([p["unaided"].correct for p in mine], [p["aided"].correct for p in mine],
                                         options.mcnemar_method)
    return out


def mrmc_sections(data: StudyData, options: ReportOptions) -> dict:
    """OR-MRMC (aided - unaided): three-class accuracy; per class AUC, sensitivity and specificity."""
    sections = {"accuracy": attempt(lambda: mrmc_accuracy(data))}
    for fom in ("auc", "sensitivity", "specificity"):
        sections[fom] = {label: attempt(lambda fom=fom, label=label: mrmc_class(data, label, fom, options))
                         for label in data.labels}
    return sections


def mrmc_accuracy(data: StudyData):
    values = {(r.arm, r.reader, r.case): float(r.correct) for r in data.reads}
    treatments, readers, _, successes = crossed_array(values, data.arms)
    return mrmc_proportion(successes, treatments, readers, "accuracy")


def mrmc_class(data: StudyData, label: str, fom: str, options: ReportOptions):
    """One-vs-rest MRMC of ``label``: AUC of the class confidence, or sensitivity/specificity of the call."""
    ratings = {(r.arm, r.reader, r.case): r.class_confidence.get(label) if fom == "auc" else int(r.diagnosis == label)
               for r in data.reads}
    truth = {r.case: int(r.truth_class == label) for r in data.reads}
    return mrmc(design_from_mappings(ratings, truth, data.arms), fom, options.mrmc_covariance)


def ai_section(data: StudyData, options: ReportOptions):
    if not data.ai:
        raise StatsInputError("no finished AI results of the study's model for the study's cases")
    truth = [a.truth_class for a in data.ai]
    probs = np.array([[a.probabilities.get(label, 0.0) for label in data.labels] for a in data.ai])
    return ai_standalone(truth, probs, data.labels, predicted=[a.final_class for a in data.ai], cutoffs=data.cutoffs,
                         n_resamples=options.n_bootstrap, seed=options.seed, ci_method=options.ci_method)


def ai_versus_readers(data: StudyData, options: ReportOptions) -> list:
    """AI vs each reader's unaided reads on the same cases (paired DeLong with ratings, McNemar otherwise)."""
    ai = data.ai_by_case()
    out = []
    for reader in data.readers():
        reads = [r for r in data.reads if r.reader == reader and r.arm == "unaided" and r.case in ai]
        if not reads:
            continue
        has_ratings = all(all(label in r.class_confidence for label in data.labels) for r in reads)
        ratings = np.array([[r.class_confidence[label] for label in data.labels] for r in reads]) \
            if has_ratings else None
        probs = np.array([[ai[r.case].probabilities.get(label, 0.0) for label in data.labels] for r in reads])
        out.extend(ai_versus_reader(reader, [r.truth_class for r in reads], data.labels, probs,
                                    [ai[r.case].final_class for r in reads], [r.diagnosis for r in reads], ratings,
                                    options.mcnemar_method))
    return out


def automation_section(data: StudyData, options: ReportOptions):
    ai = data.ai_by_case()
    pairs = [v for (_, case), v in sorted(paired_reads(data).items()) if case in ai]
    if not pairs:
        raise StatsInputError("no reader x case pairs with both arms and an AI result")
    return automation_bias([p["unaided"].truth_class for p in pairs], [p["unaided"].diagnosis for p in pairs],
                           [p["aided"].diagnosis for p in pairs], [ai[p["unaided"].case].final_class for p in pairs],
                           options.ci_method)


def agreement_section(data: StudyData, options: ReportOptions) -> dict:
    from reader_study.reports.agreement import cohen_pairs, fleiss_by_arm

    return {"cohen": attempt(lambda: cohen_pairs(data, options)),
            "fleiss": attempt(lambda: fleiss_by_arm(data, options))}
