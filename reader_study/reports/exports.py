"""Export formats of a study's reads and statistics (pure: from StudyData and the statistics dict).

* long CSV: one row per reader x case x arm, with the answers, confidences, times and the AI output shown;
* iMRMC input (``.imrmc``) for one class (one-vs-rest truth, class confidence as score);
* MRMCaov-ready CSV (long; per-class truth and rating columns; ``correct`` for accuracy);
* statistics JSON.
"""
from __future__ import annotations

import csv
import io
import json

from reader_study.reports.records import AIRecord, ReadRecord, StudyData

LONG_COLUMNS = ["reader", "reader_group", "arm", "case", "truth_class", "truth_origin", "diagnosis",
                "diagnosis_confidence", "origin", "origin_confidence", "correct", "started_at", "submitted_at",
                "active_seconds", "amended", "ai_result", "ai_elements_shown", "ai_final_class", "comment"]


def _ai_shown(read: ReadRecord, ai: AIRecord | None) -> dict:
    """The AI output columns, filled only for reads that were shown AI output."""
    shown = bool(read.ai_elements_shown) and ai is not None
    values = {f"ai_probability_{k}": (ai.probabilities.get(k, "") if shown else "") for k in sorted(
        ai.probabilities)} if ai else {}
    values["ai_final_class"] = ai.final_class if shown else ""
    return values


def long_csv(data: StudyData) -> str:
    """Return all reads as CSV, one row per reader x case x arm (rows sorted by reader, case, arm)."""
    ai = data.ai_by_case()
    columns = (LONG_COLUMNS[:10] + [f"class_confidence_{k}" for k in data.labels] + LONG_COLUMNS[10:]
               + [f"ai_probability_{k}" for k in data.labels])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    order = {arm: i for i, arm in enumerate(data.arms)}
    for read in sorted(data.reads, key=lambda r: (r.reader, r.case, order.get(r.arm, 9))):
        row = {name: getattr(read, name, "") for name in LONG_COLUMNS if hasattr(read, name)}
        row.update({f"class_confidence_{k}": read.class_confidence.get(k, "") for k in data.labels})
        row.update(correct=int(read.correct), ai_elements_shown=";".join(read.ai_elements_shown),
                   amended=int(read.amended), ai_result=read.ai_result or "",
                   started_at=read.started_at.isoformat() if read.started_at else "",
                   submitted_at=read.submitted_at.isoformat() if read.submitted_at else "",
                   truth_origin=read.truth_origin or "", origin=read.origin or "")
        row.update(_ai_shown(read, ai.get(read.case)))
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def _case_numbers(data: StudyData) -> dict[str, int]:
    """iMRMC wants integer case ids: 1..n in case-key order."""
    return {case: i for i, case in enumerate(sorted({r.case for r in data.reads}), start=1)}


def imrmc_input(data: StudyData, label: str) -> str:
    """Return the iMRMC ``.imrmc`` input for ``label`` vs rest: header, ``BEGIN DATA:``, truth rows, score rows.

    Truth rows are ``-1,case,0,truth`` (1 = ``label``); score rows ``reader,case,modality,class confidence``.
    """
    if label not in data.labels:
        raise ValueError(f"unknown class {label!r}; use one of {', '.join(data.labels)}")
    numbers = _case_numbers(data)
    truth = {r.case: int(r.truth_class == label) for r in data.reads}
    lines = [f"iMRMC input: study {data.study_name} ({data.study_id}); {label} vs rest; score = class confidence "
             "0-100; modalities unaided, aided",
             f"NR: {len(data.readers())}", f"N0: {sum(1 for v in truth.values() if v == 0)}",
             f"N1: {sum(truth.values())}", f"NM: {len(data.arms)}", "", "BEGIN DATA:"]
    lines += [f"-1,{numbers[case]},0,{truth[case]}" for case in sorted(truth, key=numbers.get)]
    for read in sorted(data.reads, key=lambda r: (r.reader, r.arm, numbers[r.case])):
        score = read.class_confidence.get(label)
        if score is not None:
            lines.append(f"{read.reader},{numbers[read.case]},{read.arm},{score:.10g}")
    return "\n".join(lines) + "\n"


def mrmcaov_csv(data: StudyData) -> str:
    """Return a long CSV for MRMCaov: ``mrmc(empirical_auc(truth_HCC, rating_HCC), treatment, reader, case, df)``;
    ``correct`` gives accuracy with ``binary_sens(correct_truth, correct)``-style user metrics."""
    columns = ["reader", "reader_group", "treatment", "case", "truth_class"]
    columns += [f"truth_{k}" for k in data.labels] + [f"rating_{k}" for k in data.labels]
    columns += [f"call_{k}" for k in data.labels] + ["correct"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for read in sorted(data.reads, key=lambda r: (r.reader, r.arm, r.case)):
        writer.writerow([read.reader, read.reader_group, read.arm, read.case, read.truth_class]
                        + [int(read.truth_class == k) for k in data.labels]
                        + [read.class_confidence.get(k, "") for k in data.labels]
                        + [int(read.diagnosis == k) for k in data.labels] + [int(read.correct)])
    return out.getvalue()


def statistics_json(statistics: dict) -> str:
    """Return the statistics dict as strict JSON (non-finite numbers are already null)."""
    return json.dumps(statistics, indent=1, allow_nan=False, default=str)
