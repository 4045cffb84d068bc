"""What an import did: imported and unchanged cases, skipped files, ignored series."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class SkippedFile:
    """A file that is not a DICOM image of the import (text, viewer program, DICOMDIR index)."""

    path: str
    reason: str


@dataclass(frozen=True)
class IgnoredSeries:
    """A series that was read but not used (scout, reformat, dose report, thin recon)."""

    case_id: str
    series_instance_uid: str
    series_number: int | None
    description: str
    files: int
    reason: str


@dataclass
class ImportReport:
    """Summary of one import, stored on the ImportJob and printed by the command."""

    imported_cases: list[str] = field(default_factory=list)
    unchanged_cases: list[str] = field(default_factory=list)
    skipped_files: list[SkippedFile] = field(default_factory=list)
    ignored_series: list[IgnoredSeries] = field(default_factory=list)
    phases: dict[str, dict[str, str]] = field(default_factory=dict)
    instances: int = 0
    deidentified: bool = False
    case_pks: list[int] = field(default_factory=list)

    @property
    def is_noop(self) -> bool:
        """True when every case was already imported with the same series."""
        return not self.imported_cases and bool(self.unchanged_cases)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """Human-readable lines for the command line."""
        lines = [f"Imported {len(self.imported_cases)} case(s), {self.instances} slice(s)."]
        if self.deidentified:
            lines.append("De-identified: PHI replaced by pseudonyms, UIDs regenerated.")
        for case_id in self.imported_cases:
            phases = ", ".join(f"{phase}: {desc}" for phase, desc in self.phases.get(case_id, {}).items())
            lines.append(f"  {case_id}: {phases}")
        if self.unchanged_cases:
            lines.append(f"Already imported, unchanged (no-op): {', '.join(self.unchanged_cases)}")
        for ignored in self.ignored_series:
            lines.append(
                f"Ignored series {ignored.series_number} '{ignored.description}' of {ignored.case_id} "
                f"({ignored.files} files): {ignored.reason}"
            )
        for skipped in self.skipped_files:
            lines.append(f"Skipped {skipped.path}: {skipped.reason}")
        return "\n".join(lines)
