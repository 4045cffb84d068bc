"""Fixtures of the importer tests: a fresh MEDIA_ROOT and a snapshot of everything an import could change."""
from __future__ import annotations

from pathlib import Path

import pytest


def count_rows() -> dict[str, int]:
    from reader_study.audit.models import AuditEvent
    from reader_study.cases.models import (
        Case,
        CaseTruth,
        ClinicalNote,
        ImagingStudy,
        Instance,
        ReferenceMask,
        Series,
    )

    models = (Case, CaseTruth, ClinicalNote, ImagingStudy, Series, Instance, ReferenceMask, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


def list_storage(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def snapshot(media_root):
    """Return a function giving (row counts, every path under MEDIA_ROOT)."""

    def take() -> tuple[dict[str, int], list[str]]:
        return count_rows(), list_storage(media_root)

    return take
