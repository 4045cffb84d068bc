"""The malformed-input corpus: each case fails with a clear message and changes nothing.

Every test first imports a good case, so "nothing changed" is checked against a
non-empty database and storage: same row counts, same files, no staging left.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import MRImageStorage, SecondaryCaptureImageStorage

from reader_study.cases.services import import_cases
from reader_study.dicom_import.errors import ImportFailed
from reader_study.vocabulary import PHASES, Phase

from .factories import manifest_row, write_manifest, write_study

pytestmark = pytest.mark.django_db


def on(phase: Phase, k: int | None = None):
    """Decorator: apply a mutation only to one phase (and one slice index if given)."""
    def wrap(change):
        def mutate(ds, p, i):
            if p is phase and (k is None or i == k):
                change(ds)
        return mutate
    return wrap


@on(Phase.ARTERIAL, 1)
def drop_pixels(ds):
    del ds.PixelData


@on(Phase.DELAYED)
def second_venous(ds):
    ds.SeriesDescription = "Venous 5.0 B30f"


@on(Phase.DELAYED)
def other_study(ds):
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.99"


@on(Phase.ARTERIAL, 1)
def duplicate_position(ds):
    ds.ImagePositionPatient = [-6.0, -6.0, -80.0]  # the same z as file 0 of the series (index 4)


@on(Phase.ARTERIAL, 2)
def uneven_position(ds):
    ds.ImagePositionPatient = [-6.0, -6.0, -88.0]  # 2 mm off the 5 mm grid


@on(Phase.ARTERIAL)
def magnetic_resonance(ds):
    ds.Modality, ds.SOPClassUID = "MR", MRImageStorage
    ds.file_meta.MediaStorageSOPClassUID = MRImageStorage


@on(Phase.ARTERIAL, 0)
def screenshot(ds):
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage


def truncate(study):
    path = study.files[Phase.PORTAL_VENOUS][2]
    path.write_bytes(path.read_bytes()[:-100])
    return path.name


def drop_middle_slice(study):
    study.files[Phase.ARTERIAL][2].unlink()


def junk_dcm(study):
    (study.folder / "dicom" / "junk.dcm").write_bytes(b"\x00\x01 this is not DICOM at all" * 10)


def junk_preamble(study):
    (study.folder / "dicom" / "junk").write_bytes(bytes(128) + b"DICM" + b"\xff" * 60)


def empty_file(study):
    (study.folder / "dicom" / "empty.dcm").write_bytes(b"")


CASES = {
    "claims DICOM by extension but does not parse": (dict(prepare=junk_dcm), r"junk\.dcm: claims to be DICOM"),
    "claims DICOM by preamble but does not parse": (dict(prepare=junk_preamble), r"C002/dicom/junk: claims"),
    "truncated file": (dict(prepare=truncate), "pixel data cannot be decoded"),
    "zero-byte file": (dict(prepare=empty_file), r"empty\.dcm: empty file"),
    "missing PixelData": (dict(mutate=drop_pixels), "no PixelData element"),
    "missing phase": (dict(phases=PHASES[:3]), r"C002: missing phase\(s\) delayed"),
    "two series claim one phase": (dict(mutate=second_venous), "two series claim the portal_venous phase"),
    "mixed studies in one case": (dict(mutate=other_study), "2 different studies in one case"),
    "duplicate slice positions": (dict(mutate=duplicate_position), "duplicate slice position"),
    "gap in slice positions": (dict(prepare=drop_middle_slice), r"gap in slice positions: 1 missing"),
    "inconsistent spacing": (dict(mutate=uneven_position), "inconsistent slice spacing"),
    "non-CT modality": (dict(mutate=magnetic_resonance), "modality MR; only CT"),
    "secondary capture CT": (dict(mutate=screenshot), "Secondary Capture.*not quantitative CT"),
    "PHI without --deidentify": (dict(deidentified=False), "contains identifying data"),
    "unknown class in manifest": (dict(row={"tumour_class": "HCCX"}), r"line 2 \(case C002\).*unknown tumour_class"),
    "manifest sex contradicts PatientSex": (dict(row={"sex": "F"}), "PatientSex 'M' contradicts the manifest's sex F"),
    "manifest case without images": (dict(extra_row="C404"), r"C404: case\(s\) listed in the manifest have no"),
    "images without manifest row": (dict(unlisted="C777"), r"C777/dicom/.*belongs to no manifest case"),
}


@pytest.fixture
def good_import(tmp_path, media_root):
    """A database and storage that already hold case C001."""
    write_study(tmp_path / "good", "C001", slices=3)
    import_cases(tmp_path / "good", write_manifest(tmp_path / "good.csv", [manifest_row("C001")]))


def build_bad_input(tmp_path: Path, spec: dict) -> tuple[Path, Path]:
    source = tmp_path / "bad"
    study = write_study(source, "C002", slices=5, seed=2, phases=spec.get("phases", PHASES),
                        mutate=spec.get("mutate"), deidentified=spec.get("deidentified", True))
    if "prepare" in spec:
        spec["prepare"](study)
    if "unlisted" in spec:
        write_study(source, spec["unlisted"], slices=3, seed=3)
    rows = [manifest_row("C002", **spec.get("row", {}))]
    if "extra_row" in spec:
        rows.append(manifest_row(spec["extra_row"]))
    return source, write_manifest(tmp_path / "bad.csv", rows)


@pytest.mark.parametrize(("spec", "message"), CASES.values(), ids=CASES.keys())
def test_malformed_input_fails_clearly_and_changes_nothing(tmp_path, good_import, snapshot, spec, message):
    source, manifest = build_bad_input(tmp_path, spec)
    before = snapshot()
    with pytest.raises(ImportFailed, match=message):
        import_cases(source, manifest)
    assert snapshot() == before


def test_zip_entry_escaping_the_folder_is_refused(tmp_path, good_import, snapshot):
    study = write_study(tmp_path / "in", "C002", slices=3)
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        for path in study.folder.rglob("*.dcm"):
            archive.write(path, path.relative_to(tmp_path / "in"))
        archive.writestr("../../outside.dcm", b"x")
    before = snapshot()
    with pytest.raises(ImportFailed, match=r"evil\.zip:\.\./\.\./outside\.dcm: unsafe zip entry"):
        import_cases(tmp_path / "evil.zip", write_manifest(tmp_path / "m.csv", [manifest_row("C002")]))
    assert snapshot() == before
    assert not (tmp_path / "outside.dcm").exists()


def test_failure_after_files_were_moved_rolls_back_rows_and_files(tmp_path, good_import, snapshot, monkeypatch):
    """A crash at the last step (after the staged folders were moved into place) still leaves nothing."""
    from reader_study.cases import services, storage

    write_study(tmp_path / "in", "C002", slices=3)
    write_study(tmp_path / "in", "C003", slices=3, seed=4)
    manifest = write_manifest(tmp_path / "m.csv", [manifest_row("C002"), manifest_row("C003")])
    real_move = storage.move_into_place
    moves = []

    def move_then_fail(staged, relative):
        if moves:
            raise ImportFailed(relative, "disk full (simulated)")
        moves.append(real_move(staged, relative))
        return moves[-1]

    monkeypatch.setattr(services.storage, "move_into_place", move_then_fail)
    before = snapshot()
    with pytest.raises(ImportFailed, match="disk full"):
        import_cases(tmp_path / "in", manifest)
    assert snapshot() == before and len(moves) == 1 and not moves[0].exists()
    assert pydicom.dcmread(next((tmp_path / "in" / "C002").rglob("*.dcm"))).PatientID == "C002"
