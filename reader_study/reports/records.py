"""Plain records of a study's reads, truth and AI output: what the statistics are computed from (no ORM here)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ARMS = ("unaided", "aided")


@dataclass(frozen=True)
class ReadRecord:
    """One locked read joined with the case's truth (coordinator-side only)."""

    reader: str
    reader_group: str
    arm: str
    case: str
    truth_class: str
    truth_origin: str | None
    diagnosis: str
    origin: str | None
    class_confidence: dict[str, float]
    diagnosis_confidence: float | None = None
    origin_confidence: float | None = None
    started_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    active_seconds: float = 0.0
    ai_result: int | None = None
    ai_elements_shown: tuple[str, ...] = ()
    amended: bool = False
    comment: str = ""

    @property
    def correct(self) -> bool:
        return self.diagnosis == self.truth_class


@dataclass(frozen=True)
class AIRecord:
    """The study model's output for one case, with the case's truth."""

    case: str
    truth_class: str
    truth_origin: str | None
    probabilities: dict[str, float]
    final_class: str
    origin_probabilities: dict[str, float] | None = None
    final_origin: str | None = None


@dataclass(frozen=True)
class StudyData:
    """Everything the statistics need about one study."""

    study_id: int
    study_name: str
    labels: tuple[str, ...]
    origin_labels: tuple[str, ...]
    reads: tuple[ReadRecord, ...]
    ai: tuple[AIRecord, ...] = ()
    model_label: str = ""
    cutoffs: dict[str, float] | None = None
    arms: tuple[str, ...] = field(default=ARMS)

    def readers(self) -> list[str]:
        return sorted({r.reader for r in self.reads})

    def ai_by_case(self) -> dict[str, AIRecord]:
        return {a.case: a for a in self.ai}
