"""Statistics services: who may see them, computing them for a study, and audited exports."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string

from reader_study.audit.services import record
from reader_study.reports import exports, plots
from reader_study.reports.analysis import ReportOptions, build_statistics
from reader_study.reports.data import collect_study_data
from reader_study.reports.pdf import report_pdf
from reader_study.reports.records import StudyData
from reader_study.reports.tables import all_tables
from reader_study.studies.access import is_coordinator
from reader_study.studies.models import ReaderStudy
from reader_study.studies.services import check_can_coordinate

OPTION_CHOICES = {
    "ci_method": ("wilson", "clopper-pearson"),
    "chi2_correction": ("pearson", "yates"),
    "mcnemar_method": ("exact", "chi2", "chi2_corrected"),
    "mrmc_covariance": ("jackknife", "delong", "unbiased"),
    "origin_denominator": ("all_true_metastases", "called_metastasis"),
}
EXPORT_KINDS = {
    "reads.csv": ("text/csv", "reads.csv"),
    "imrmc": ("text/plain", "{label}.imrmc"),
    "mrmcaov.csv": ("text/csv", "mrmcaov.csv"),
    "statistics.json": ("application/json", "statistics.json"),
    "report.html": ("text/html", "report.html"),
    "report.pdf": ("application/pdf", "report.pdf"),
}


def check_can_view_statistics(user: Any, study: ReaderStudy) -> None:
    """Only coordinators of this study (never readers) see statistics, which join reads with the truth."""
    if not is_coordinator(user):
        raise PermissionDenied("Only study coordinators may see statistics.")
    check_can_coordinate(user, study)


def parse_options(params) -> ReportOptions:
    """Return ReportOptions from query parameters; unknown values raise ValidationError naming them."""
    chosen = {}
    for name, choices in OPTION_CHOICES.items():
        value = params.get(name)
        if value:
            if value not in choices:
                raise ValidationError(f"{name}={value!r} is not one of {', '.join(choices)}", code="bad_option")
            chosen[name] = value
    return ReportOptions(**chosen)


def study_statistics(study: ReaderStudy, options: ReportOptions) -> tuple[StudyData, dict]:
    data = collect_study_data(study)
    return data, build_statistics(data, options)


def figures(data: StudyData, stats: dict) -> dict[str, Any]:
    """Return the report's figures: per-class ROC, diagnosis confusion matrices, Sankey."""
    out = {f"ROC {label}": plots.roc_figure(data, label) for label in data.labels}
    rows = stats["diagnosis_performance"]
    if isinstance(rows, list):
        pooled = {r["arm"]: r["performance"]["confusion"] for r in rows if r["level"] == "pooled"}
        if pooled:
            out["Confusion matrices"] = plots.confusion_figure(pooled, "diagnosis")
    ab = stats["automation_bias"]
    transitions = ab.get("transitions") if isinstance(ab, dict) else None
    if not transitions:
        transitions = _transitions(data)
    if transitions:
        out["Unaided to aided"] = plots.sankey_figure(transitions, list(data.labels))
    return out


def _transitions(data: StudyData) -> list:
    from reader_study.reports.analysis import paired_reads

    counts: dict[tuple[str, str], int] = {}
    for pair in paired_reads(data).values():
        key = (pair["unaided"].diagnosis, pair["aided"].diagnosis)
        counts[key] = counts.get(key, 0) + 1
    return [(u, a, c) for (u, a), c in sorted(counts.items())]


def page_context(data: StudyData, stats: dict) -> dict:
    svgs = {name: plots.to_svg(fig) for name, fig in figures(data, stats).items()}
    return {"stats": stats, "tables": all_tables(stats), "figures": svgs, "labels": data.labels,
            "option_fields": [(name, choices, stats["options"][name]) for name, choices in OPTION_CHOICES.items()]}


def _render(kind: str, data: StudyData, stats: dict, label: str | None) -> str | bytes:
    if kind == "reads.csv":
        return exports.long_csv(data)
    if kind == "imrmc":
        return exports.imrmc_input(data, label or "")
    if kind == "mrmcaov.csv":
        return exports.mrmcaov_csv(data)
    if kind == "statistics.json":
        return exports.statistics_json(stats)
    if kind == "report.html":
        return render_to_string("reports/report.html", page_context(data, stats))
    return report_pdf(stats, list(figures(data, stats).values()))


def do_export(actor: Any, study: ReaderStudy, kind: str, options: ReportOptions, label: str | None = None
              ) -> tuple[str | bytes, str, str]:
    """Return (content, content type, file name) of one export and record an audit event for it."""
    check_can_view_statistics(actor, study)
    if kind not in EXPORT_KINDS:
        raise ValidationError(f"unknown export {kind!r}; use one of {', '.join(EXPORT_KINDS)}", code="bad_export")
    data, stats = study_statistics(study, options)
    if kind == "imrmc" and label not in data.labels:
        raise ValidationError(f"the iMRMC export needs class= one of {', '.join(data.labels)}", code="bad_class")
    content = _render(kind, data, stats, label)
    content_type, filename = EXPORT_KINDS[kind]
    with transaction.atomic():
        record("statistics.exported", study, actor=actor, study_id=study.pk,
               after={"kind": kind, "class": label, "options": asdict(options), "reads": len(data.reads)},
               message=f"exported {kind}")
    return content, content_type, f"study{study.pk}-{filename.format(label=label)}"
