"""Read and validate the import manifest (CSV, one row per case); see docs/import.md.

Required columns: case_id, age, sex, tumour_class, origin, pathology_type,
cohort. Optional: truth_source, phase_<phase> overrides (SeriesInstanceUID or
SeriesNumber), clinical notes (laboratory, history, pathology_report,
clinical_notes) and lab_<name> laboratory values. Every problem is reported
with the manifest line and case id.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from reader_study.vocabulary import (
    COHORTS,
    ORIGIN_SYSTEMS,
    PATHOLOGY_TYPES,
    PHASES,
    Cohort,
    OriginSystem,
    Phase,
    TumourClass,
    normalise_sex,
)

from .errors import ImportFailed

REQUIRED_COLUMNS = ("case_id", "age", "sex", "tumour_class", "origin", "pathology_type", "cohort")
PHASE_COLUMNS = {f"phase_{phase.value}": phase for phase in PHASES}
NOTE_COLUMNS = {"laboratory": "laboratory", "history": "history", "pathology_report": "pathology_report",
                "clinical_notes": "other"}
LAB_PREFIX = "lab_"
CASE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CLASS_ALIASES = {"hcc": TumourClass.HCC, "icc": TumourClass.ICC, "lm": TumourClass.METASTASIS,
                 "metastasis": TumourClass.METASTASIS, "liver metastasis": TumourClass.METASTASIS}


@dataclass(frozen=True)
class ManifestRow:
    """One validated case of the manifest."""

    line: int
    case_id: str
    age: int
    sex: str | None  # None: take the normalised DICOM PatientSex
    tumour_class: TumourClass
    origin: OriginSystem | None
    pathology_type: str
    cohort: Cohort
    truth_source: str = ""
    phase_overrides: dict[Phase, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    lab_values: dict[str, float | str] = field(default_factory=dict)


def read_manifest(path: Path) -> dict[str, ManifestRow]:
    """Parse the manifest; return rows by case id or raise :class:`ImportFailed` naming the row."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in reader.fieldnames or []]
            raw_rows = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailed(path, f"manifest cannot be read ({exc})") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportFailed(path, f"manifest lacks column(s) {', '.join(missing)} (have: {', '.join(columns)})")
    rows: dict[str, ManifestRow] = {}
    for line, raw in raw_rows:
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(values.values()):
            continue
        row = parse_row(path, line, values)
        if row.case_id in rows:
            raise ImportFailed(f"{path} line {line}", f"case_id {row.case_id!r} appears twice "
                                                      f"(also line {rows[row.case_id].line})")
        rows[row.case_id] = row
    if not rows:
        raise ImportFailed(path, "manifest has no case rows")
    return rows


def parse_row(path: Path, line: int, values: dict[str, str]) -> ManifestRow:
    """Validate one row (values already stripped)."""
    case_id = values["case_id"]
    where = f"{Path(path).name} line {line} (case {case_id or '?'})"
    if not CASE_ID_PATTERN.match(case_id):
        raise ImportFailed(where, f"case_id {case_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
    tumour_class = _tumour_class(where, values["tumour_class"])
    origin = _origin(where, values["origin"])
    pathology = values["pathology_type"].upper()
    origin = _check_truth(where, tumour_class, origin, pathology)
    return ManifestRow(
        line=line,
        case_id=case_id,
        age=_age(where, values["age"]),
        sex=_sex(where, values["sex"]),
        tumour_class=tumour_class,
        origin=origin,
        pathology_type=pathology,
        cohort=_cohort(where, values["cohort"]),
        truth_source=values.get("truth_source", ""),
        phase_overrides={phase: values[col] for col, phase in PHASE_COLUMNS.items() if values.get(col)},
        notes={kind: values[col] for col, kind in NOTE_COLUMNS.items() if values.get(col)},
        lab_values={k[len(LAB_PREFIX):]: _lab_value(v) for k, v in values.items() if k.startswith(LAB_PREFIX) and v},
    )


def _age(where: str, text: str) -> int:
    try:
        age = int(float(text))
    except ValueError:
        raise ImportFailed(where, f"age {text!r} is not a number") from None
    if not 0 <= age <= 130:
        raise ImportFailed(where, f"age {age} is outside 0-130")
    return age


def _sex(where: str, text: str) -> str | None:
    if not text:
        return None
    try:
        return normalise_sex(text).value
    except ValueError as exc:
        raise ImportFailed(where, str(exc)) from None


def _tumour_class(where: str, text: str) -> TumourClass:
    klass = CLASS_ALIASES.get(text.lower())
    if klass is None:
        raise ImportFailed(where, f"unknown tumour_class {text!r}; use HCC, ICC or LM")
    return klass


def _origin(where: str, text: str) -> OriginSystem | None:
    if not text:
        return None
    by_value = {o.value: o for o in ORIGIN_SYSTEMS}
    origin = by_value.get(text.lower())
    if origin is None:
        raise ImportFailed(where, f"unknown origin {text!r}; use one of {', '.join(by_value)}")
    return origin


def _check_truth(
    where: str, klass: TumourClass, origin: OriginSystem | None, pathology: str
) -> OriginSystem | None:
    """Origin only for metastases; the pathology type must agree with class and origin."""
    if pathology and pathology not in PATHOLOGY_TYPES:
        raise ImportFailed(where, f"unknown pathology_type {pathology!r} (Table 1 codes, e.g. HCC, COAD, PDAC)")
    if klass is not TumourClass.METASTASIS and origin is not None:
        raise ImportFailed(where, f"origin {origin.value!r} given for {klass.value}; origin is only for LM")
    if pathology:
        p_class, p_origin, label = PATHOLOGY_TYPES[pathology]
        if p_class is not klass:
            raise ImportFailed(where, f"pathology_type {pathology} ({label}) is not a {klass.value}")
        if origin is not None and p_origin is not origin:
            raise ImportFailed(where, f"pathology_type {pathology} ({label}) has origin {p_origin.value}, "
                                      f"not {origin.value}")
        origin = origin or p_origin
    if klass is TumourClass.METASTASIS and origin is None:
        raise ImportFailed(where, "a liver metastasis (LM) needs an origin or a pathology_type")
    return origin


def _cohort(where: str, text: str) -> Cohort:
    by_value = {c.value: c for c in COHORTS}
    cohort = by_value.get(text.lower().replace(" ", "_"))
    if cohort is None:
        raise ImportFailed(where, f"unknown cohort {text!r}; use one of {', '.join(by_value)}")
    return cohort


def _lab_value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text
