"""Group slice records into series candidates for one case.

Besides the four phase series, real studies carry scouts (LOCALIZER), MPR
reformats (DERIVED\\SECONDARY), dose reports (SR), coronal/sagittal series and
thin-slice reconstructions. These are ignored and listed in the report (thin
recons stay selectable through a manifest phase override). Public multiphase
sets sometimes store all phases in one series: a series whose slices repeat
positions is split into one candidate per AcquisitionNumber (or, failing that,
per AcquisitionTime); each part gets a UID derived from the original one.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from pydicom.uid import generate_uid

from .errors import ImportFailed
from .geometry import slice_normal
from .records import SliceRecord, seconds_of_day
from .report import IgnoredSeries
from .validate import STRUCTURED_REPORT_PREFIX

AXIAL_MIN_NORMAL_Z = 0.8  # |normal . z| for an axial stack (gantry tilt up to ~35 degrees passes)


@dataclass
class SeriesCandidate:
    """A set of slices that may become one phase of a case."""

    series_uid: str
    original_series_uid: str
    study_uid: str
    records: list[SliceRecord] = field(default_factory=list)
    split_label: str = ""

    @property
    def first(self) -> SliceRecord:
        return self.records[0]

    @property
    def series_number(self) -> int | None:
        return self.first.series_number

    @property
    def description(self) -> str:
        return self.first.series_description

    @property
    def contrast_agent(self) -> str:
        return next((r.contrast_agent for r in self.records if r.contrast_agent), "")

    @property
    def slice_thickness(self) -> float | None:
        return self.first.slice_thickness

    @property
    def acquisition_seconds(self) -> float | None:
        """Earliest acquisition (or series) time of the candidate, seconds of day."""
        times = [seconds_of_day(r.acquisition_time or r.series_time) for r in self.records]
        known = [t for t in times if t is not None]
        return min(known) if known else None

    @property
    def name(self) -> str:
        """How error messages and the report name this series."""
        label = f" part {self.split_label}" if self.split_label else ""
        return f"series {self.series_number} '{self.description}'{label} ({self.original_series_uid})"

    def matches(self, value: str) -> bool:
        """True if a manifest override value names this candidate (UID or SeriesNumber)."""
        value = value.strip()
        if value in {self.series_uid, self.original_series_uid}:
            return True
        number = value.split(":", 1)
        if self.split_label and len(number) == 2:
            return number[0] == str(self.series_number) and number[1] == self.split_label
        return not self.split_label and value == str(self.series_number)


def derived_series_uid(series_uid: str, label: str) -> str:
    """A deterministic new SeriesInstanceUID for one phase split out of a multiphase series."""
    return str(generate_uid(entropy_srcs=[series_uid, "acquisition", label]))


def triage(case_id: str, records: Iterable[SliceRecord]) -> tuple[list[SeriesCandidate], list[IgnoredSeries]]:
    """Split records into usable series candidates and ignored series (with reasons)."""
    by_series: dict[str, list[SliceRecord]] = defaultdict(list)
    for record in records:
        by_series[record.series_uid].append(record)
    candidates: list[SeriesCandidate] = []
    ignored: list[IgnoredSeries] = []
    for series_uid, members in by_series.items():
        scouts = [r for r in members if r.is_localizer]
        if scouts:
            ignored.append(_ignored(case_id, scouts, "scout / localizer images"))
        members = [r for r in members if not r.is_localizer]
        if not members:
            continue
        reason = ignore_reason(members)
        if reason:
            ignored.append(_ignored(case_id, members, reason))
            continue
        candidates.extend(split_phases(series_uid, members))
    return candidates, ignored


def ignore_reason(members: list[SliceRecord]) -> str | None:
    """Why a whole series is not a phase candidate, or ``None``."""
    first = members[0]
    if first.modality == "SR" or first.sop_class_uid.startswith(STRUCTURED_REPORT_PREFIX):
        return "structured report (e.g. dose report), not images"
    if any(r.is_secondary_reformat for r in members):
        return "DERIVED\\SECONDARY reformat, not an acquired axial series"
    if first.orientation and len(first.orientation) == 6:
        try:
            normal = slice_normal(first.orientation)
        except ValueError:
            return None  # reported by the geometry check
        if abs(normal[2]) < AXIAL_MIN_NORMAL_Z:
            return f"non-axial orientation {tuple(round(v, 3) for v in first.orientation)} (coronal/sagittal)"
    return None


def split_phases(series_uid: str, members: list[SliceRecord]) -> list[SeriesCandidate]:
    """One candidate per acquisition when a series repeats slice positions; otherwise the series itself."""
    study_uid = members[0].study_uid
    whole = [SeriesCandidate(series_uid, series_uid, study_uid, list(members))]
    if not _has_repeated_positions(members):
        return whole
    for key in (lambda r: r.acquisition_number, lambda r: r.acquisition_time):
        labels = sorted({key(r) for r in members}, key=lambda v: (v is None, v))
        if len(labels) < 2 or None in labels or "" in labels:
            continue
        parts = [[r for r in members if key(r) == label] for label in labels]
        if all(not _has_repeated_positions(part) for part in parts):
            return [
                SeriesCandidate(derived_series_uid(series_uid, str(label)), series_uid, study_uid, part, str(label))
                for label, part in zip(labels, parts)
            ]
    return whole  # the geometry check reports the duplicate positions


def _has_repeated_positions(members: list[SliceRecord]) -> bool:
    if not members[0].orientation or len(members[0].orientation) != 6:
        return False
    try:
        normal = slice_normal(members[0].orientation)
    except ValueError:
        return False
    projected = [round(float(np.dot(normal, r.position)), 2) for r in members if r.position]
    return len(projected) != len(set(projected))


def check_single_study(case_id: str, candidates: list[SeriesCandidate]) -> str:
    """All phase candidates of a case must come from one study; return its StudyInstanceUID."""
    studies = sorted({c.study_uid for c in candidates})
    if len(studies) > 1:
        names = "; ".join(f"{uid}: {', '.join(c.name for c in candidates if c.study_uid == uid)}" for uid in studies)
        raise ImportFailed(case_id, f"images of {len(studies)} different studies in one case ({names})")
    if not studies:
        raise ImportFailed(case_id, "no usable CT series (only ignored series were found)")
    return studies[0]


def _ignored(case_id: str, members: list[SliceRecord], reason: str) -> IgnoredSeries:
    first = members[0]
    return IgnoredSeries(
        case_id=case_id,
        series_instance_uid=first.series_uid,
        series_number=first.series_number,
        description=first.series_description,
        files=len(members),
        reason=reason,
    )


def ignore_candidate(case_id: str, candidate: SeriesCandidate, reason: str) -> IgnoredSeries:
    """Report a candidate that phase assignment left out (e.g. a thin-slice recon)."""
    return _ignored(case_id, candidate.records, reason)
