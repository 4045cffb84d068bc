"""Read every file of an import and decide what will be stored, before anything is written.

The plan is pure (no database, no storage): it parses and validates each file,
assigns files to manifest cases (by a folder named after the case id, else by
PatientID), groups series, assigns phases, checks geometry and PHI, and predicts
the final UIDs (after splitting and de-identification) so that the service can
recognise a re-import before copying a byte.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reader_study.vocabulary import PHASES, Phase, normalise_sex

from .deidentify import find_phi, mapped_uid
from .errors import ImportFailed
from .geometry import StackGeometry, sort_stack
from .manifest import ManifestRow
from .multiframe import frame_records, is_enhanced
from .phases import assign_phases
from .records import SliceRecord, record_from_dataset
from .report import IgnoredSeries, SkippedFile
from .scan import ScanResult
from .series import SeriesCandidate, check_single_study, triage
from .validate import check_ct_image, check_pixel_data, is_structured_report, pixel_data_location, read_dataset

Progress = Callable[[float, str], None]


@dataclass
class PhasePlan:
    """One phase series to store: its candidate, sorted geometry and how the phase was decided."""

    phase: Phase
    candidate: SeriesCandidate
    geometry: StackGeometry
    source: str
    final_series_uid: str


@dataclass
class CasePlan:
    """Everything to store for one manifest case."""

    row: ManifestRow
    folder: Path | None
    study_uid: str
    final_study_uid: str
    deidentify: bool
    sex: str = ""
    phases: dict[Phase, PhasePlan] = field(default_factory=dict)
    ignored: list[IgnoredSeries] = field(default_factory=list)

    @property
    def final_series_uids(self) -> set[str]:
        return {p.final_series_uid for p in self.phases.values()}


@dataclass
class ImportPlan:
    cases: list[CasePlan]
    skipped: list[SkippedFile]


def plan_import(
    scan: ScanResult,
    manifest: dict[str, ManifestRow],
    *,
    deidentify: bool,
    salt: str,
    overrides: dict[str, dict[Phase, str]] | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Validate the whole input and return the plan, or raise :class:`ImportFailed`."""
    per_case, folders, phi = _read_files(scan, manifest, progress)
    missing = sorted(set(manifest) - set(per_case))
    if missing:
        raise ImportFailed(", ".join(missing), "case(s) listed in the manifest have no images in the import")
    cases = []
    for case_id, records in sorted(per_case.items()):
        case_phi = phi.get(case_id)
        if case_phi and not deidentify:
            file, tags = case_phi
            raise ImportFailed(file, f"contains identifying data ({', '.join(tags)}); "
                                     "re-run with --deidentify to replace it with pseudonyms")
        row = manifest[case_id]
        case_overrides = {**row.phase_overrides, **(overrides or {}).get(case_id, {})}
        cases.append(_plan_case(row, records, folders.get(case_id), bool(case_phi), salt, case_overrides))
    return ImportPlan(cases=cases, skipped=list(scan.skipped))


def _read_files(scan: ScanResult, manifest: dict[str, ManifestRow], progress: Progress | None):
    per_case: dict[str, list[SliceRecord]] = defaultdict(list)
    folders: dict[str, Path] = {}
    phi: dict[str, tuple[str, list[str]]] = {}
    total = max(len(scan.dicom_files), 1)
    for n, path in enumerate(scan.dicom_files):
        display = scan.display(path)
        ds = read_dataset(path, display)
        if not is_structured_report(ds):
            check_ct_image(ds, display)
            check_pixel_data(ds, path, display)
        case_id, folder = _case_of(path, scan.root, str(ds.get("PatientID", "")), manifest)
        if case_id is None:
            raise ImportFailed(display, "image belongs to no manifest case (no folder named after a case_id "
                                        f"and PatientID {ds.get('PatientID', '')!s} is not a case_id)")
        if folder is not None:
            folders.setdefault(case_id, folder)
        tags = find_phi(ds)
        if tags and not is_structured_report(ds):
            phi.setdefault(case_id, (display, tags))
        if is_enhanced(ds):
            per_case[case_id].extend(frame_records(path, display, ds))
        else:
            location = pixel_data_location(ds)
            per_case[case_id].append(record_from_dataset(path, display, ds, pixel_location=location,
                                                         keep_header=True))
        if progress and (n % 16 == 0 or n + 1 == total):
            progress(0.05 + 0.45 * (n + 1) / total, f"checked {n + 1} of {total} files")
    return per_case, folders, phi


def _case_of(path: Path, root: Path, patient_id: str, manifest: dict[str, ManifestRow]):
    relative = path.relative_to(root)
    for depth, part in enumerate(relative.parts[:-1]):
        if part in manifest:
            return part, root.joinpath(*relative.parts[: depth + 1])
    if patient_id in manifest:
        return patient_id, None
    return None, None


def _plan_case(
    row: ManifestRow, records: list[SliceRecord], folder: Path | None, deidentify: bool, salt: str,
    overrides: dict[Phase, str],
) -> CasePlan:
    candidates, ignored = triage(row.case_id, records)
    study_uid = check_single_study(row.case_id, candidates)
    assignment = assign_phases(row.case_id, candidates, overrides)
    final = (lambda uid: mapped_uid(salt, uid)) if deidentify else (lambda uid: uid)
    plan = CasePlan(row=row, folder=folder, study_uid=study_uid, final_study_uid=final(study_uid),
                    deidentify=deidentify, sex=case_sex(row, records), ignored=ignored + assignment.ignored)
    for phase in PHASES:
        candidate = assignment.series[phase]
        geometry = sort_stack(candidate.records, candidate.name)
        plan.phases[phase] = PhasePlan(phase, candidate, geometry, assignment.source[phase],
                                       final(candidate.series_uid))
    unused = [c for c in candidates if all(c is not p.candidate for p in plan.phases.values())]
    known = {i.series_instance_uid for i in plan.ignored}
    plan.ignored += [_unused(row.case_id, c) for c in unused if c.original_series_uid not in known]
    return plan


def case_sex(row: ManifestRow, records: list[SliceRecord]) -> str:
    """The manifest's sex, checked against DICOM PatientSex; taken from PatientSex when the manifest leaves it empty."""
    stated = next(((r.patient_sex, r.display) for r in records if r.patient_sex), None)
    if stated is None:
        if row.sex is None:
            raise ImportFailed(row.case_id, "sex is empty in the manifest and the images carry no PatientSex")
        return row.sex
    value, display = stated
    try:
        dicom_sex = normalise_sex(value).value
    except ValueError:
        if row.sex is None:
            raise ImportFailed(display, f"PatientSex {value!r} is not M or F; give the sex in the manifest") from None
        return row.sex
    if row.sex is not None and row.sex != dicom_sex:
        raise ImportFailed(display, f"PatientSex {value!r} contradicts the manifest's sex {row.sex} "
                                    f"for case {row.case_id}")
    return dicom_sex


def _unused(case_id: str, candidate: SeriesCandidate) -> IgnoredSeries:
    return IgnoredSeries(case_id, candidate.original_series_uid, candidate.series_number, candidate.description,
                         len(candidate.records), "not chosen for any phase")
