"""import_cases end to end on PostgreSQL: rows, storage, order, HU, idempotence, de-identification."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pydicom
import pytest

from reader_study.audit.models import AuditEvent
from reader_study.cases.models import Case, CaseTruth, ClinicalNote, Instance, Series
from reader_study.cases.services import import_cases
from reader_study.cases.volumes import load_series_volume
from reader_study.vocabulary import PHASES, Phase

from .factories import manifest_row, uid, write_manifest, write_study

pytestmark = pytest.mark.django_db


def test_import_stores_case_truth_phases_and_sorted_slices(tmp_path, media_root, django_capture_on_commit_callbacks):
    study = write_study(tmp_path / "in", "C001", slices=4)
    manifest = write_manifest(tmp_path / "m.csv", [manifest_row("C001", sex="male", lab_AFP="400")])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = import_cases(tmp_path / "in", manifest)
    assert report.imported_cases == ["C001"] and report.instances == 16 and len(callbacks) == 1
    case = Case.objects.get(case_id="C001")
    assert (case.sex, case.age, case.cohort) == ("M", 61, "train")
    assert CaseTruth.objects.get(case=case).tumour_class == "HCC"
    assert ClinicalNote.objects.get(case=case).values == {"AFP": 400.0}
    series = {s.phase: s for s in Series.objects.filter(study__case=case)}
    assert set(series) == {p.value for p in PHASES}
    for phase in PHASES:
        s = series[phase.value]
        assert s.series_instance_uid == study.series_uids[phase] and s.slice_count == 4
        assert s.slice_spacing == pytest.approx(5.0) and s.pixel_spacing == [0.8, 0.8]
        positions = list(s.instances.values_list("position", flat=True))
        assert positions == sorted(positions) == [-100.0, -95.0, -90.0, -85.0]
        assert np.array_equal(load_series_volume(s).hu, study.volumes[phase].astype(np.float32))
    assert series["arterial"].phase_source == "series description"
    assert AuditEvent.objects.filter(action="case.imported", object_id=str(case.pk)).exists()


def test_stored_files_carry_pixel_offsets_and_cached_metadata(tmp_path, media_root):
    write_study(tmp_path / "in", "C001", slices=3)
    import_cases(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    instance = Instance.objects.filter(series__phase="delayed").order_by("index").first()
    raw = (media_root / instance.path).read_bytes()
    pixels = np.frombuffer(raw[instance.pixel_offset:instance.pixel_offset + instance.pixel_length], "<u2")
    ds = pydicom.dcmread(media_root / instance.path)
    assert np.array_equal(pixels.reshape(16, 16), ds.pixel_array)
    metadata = json.loads((media_root / instance.series.metadata_json).read_text())
    assert len(metadata) == 3 and "7FE00010" not in metadata[0]
    assert [m["00080018"]["Value"][0] for m in metadata] == list(
        instance.series.instances.values_list("sop_instance_uid", flat=True))


def test_reimport_is_a_reported_noop(tmp_path, media_root, snapshot):
    write_study(tmp_path / "in", "C001", slices=3)
    manifest = write_manifest(tmp_path / "m.csv", [manifest_row("C001")])
    import_cases(tmp_path / "in", manifest)
    before = snapshot()
    report = import_cases(tmp_path / "in", manifest)
    assert report.unchanged_cases == ["C001"] and report.imported_cases == [] and report.is_noop
    assert snapshot() == before


def test_phi_is_refused_without_deidentify_and_replaced_with_it(tmp_path, media_root):
    study = write_study(tmp_path / "in", "C001", slices=3, deidentified=False)
    manifest = write_manifest(tmp_path / "m.csv", [manifest_row("C001")])
    with pytest.raises(Exception, match="contains identifying data.*--deidentify"):
        import_cases(tmp_path / "in", manifest)
    report = import_cases(tmp_path / "in", manifest, deidentify=True)
    assert report.deidentified
    uids = set(Series.objects.values_list("series_instance_uid", flat=True))
    assert uids.isdisjoint(study.series_uids.values()) and len(uids) == 4
    stored = [pydicom.dcmread(media_root / p) for p in Instance.objects.values_list("path", flat=True)]
    assert {str(ds.PatientName) for ds in stored} == {"C001"}
    assert {ds.PatientIdentityRemoved for ds in stored} == {"YES"} and all(ds.DeidentificationMethod for ds in stored)
    assert len({ds.StudyInstanceUID for ds in stored}) == 1 and len({ds.FrameOfReferenceUID for ds in stored}) == 1
    assert {ds.SeriesInstanceUID for ds in stored} == uids
    again = import_cases(tmp_path / "in", manifest, deidentify=True)
    assert again.unchanged_cases == ["C001"]


def test_all_phases_in_one_series_are_split_by_acquisition_number(tmp_path, media_root):
    shared_uid = "1.2.826.0.1.3680043.8.498.1"

    def one_series(ds, phase, k):
        ds.SeriesInstanceUID, ds.SeriesNumber, ds.SeriesDescription = shared_uid, 3, "LIVER 4 PHASE"
        ds.AcquisitionNumber = PHASES.index(phase) + 1

    write_study(tmp_path / "in", "C001", slices=3, mutate=one_series)
    report = import_cases(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    series = {s.phase: s for s in Series.objects.all()}
    assert len({s.series_instance_uid for s in series.values()}) == 4
    assert series["pre_contrast"].phase_source == "no contrast agent"
    assert series["delayed"].phase_source == "acquisition order"
    for s in series.values():
        path = media_root / s.instances.first().path
        assert pydicom.dcmread(path).SeriesInstanceUID == s.series_instance_uid
    assert "part 4" in report.phases["C001"]["delayed"]


def test_scouts_and_non_dicom_files_are_listed_not_fatal(tmp_path, media_root):
    study = write_study(tmp_path / "in", "C001", slices=3)
    scout = pydicom.dcmread(study.files[Phase.PORTAL_VENOUS][0])
    scout.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    scout.SeriesInstanceUID = scout.SOPInstanceUID = scout.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4.5"
    scout.SeriesNumber, scout.SeriesDescription = 1, "Topogram"
    scout.save_as(study.folder / "dicom" / "scout.dcm")
    (study.folder / "AUTORUN.INF").write_text("[autorun]")
    (tmp_path / "in" / "viewer.exe").write_bytes(b"MZ" + bytes(200))
    report = import_cases(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    assert report.imported_cases == ["C001"]
    assert {s.path for s in report.skipped_files} == {"C001/AUTORUN.INF", "viewer.exe"}
    ignored = [(i.series_instance_uid, i.reason) for i in report.ignored_series]
    assert ignored == [("1.2.3.4.5", "scout / localizer images")]
    assert "Skipped viewer.exe" in report.summary()


def test_zip_import_matches_folder_import(tmp_path, media_root):
    study = write_study(tmp_path / "in", "C001", slices=3)
    with zipfile.ZipFile(tmp_path / "study.zip", "w") as archive:
        for path in study.folder.rglob("*.dcm"):
            archive.write(path, path.relative_to(tmp_path / "in"))
    report = import_cases(tmp_path / "study.zip", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    assert report.imported_cases == ["C001"] and Instance.objects.count() == 12
    assert not (media_root / ".import-staging").exists()


def test_exported_cd_with_dicomdir_imports_only_referenced_images(tmp_path, media_root):
    from pydicom.fileset import FileSet

    def dated(ds, phase, k):  # the DICOMDIR study record needs these
        ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber = "20240101", "100000", "1", ""

    study = write_study(tmp_path / "raw", "C001", slices=3, mutate=dated)
    file_set = FileSet()
    for paths in study.files.values():
        for path in paths:
            file_set.add(path)
    file_set.write(tmp_path / "cd" / "C001")
    stray = pydicom.dcmread(study.files[Phase.ARTERIAL][0])
    stray.SOPInstanceUID = stray.file_meta.MediaStorageSOPInstanceUID = "1.2.3.999"
    stray.save_as(tmp_path / "cd" / "C001" / "IMPORT_ME_NOT")
    (tmp_path / "cd" / "C001" / "VIEWER.EXE").write_bytes(b"MZ" + bytes(100))
    report = import_cases(tmp_path / "cd", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    assert report.instances == 12 and not Instance.objects.filter(sop_instance_uid="1.2.3.999").exists()
    reasons = {s.path: s.reason for s in report.skipped_files}
    assert reasons["C001/IMPORT_ME_NOT"] == "not referenced by the DICOMDIR"
    assert reasons["C001/DICOMDIR"].startswith("DICOMDIR index")
    assert reasons["C001/VIEWER.EXE"] == "not referenced by the DICOMDIR"


def add_extra_series(study, *, thin: bool = True) -> None:
    """A 1.25 mm recon of the venous phase, a coronal MPR and a dose report, as scanners export them."""
    folder = study.folder / "dicom" / "extra"
    folder.mkdir()
    base = pydicom.dcmread(study.files[Phase.PORTAL_VENOUS][0])
    for k in range(9 if thin else 0):
        ds = base.copy()
        ds.SeriesInstanceUID, ds.SeriesNumber, ds.SliceThickness = uid(study.case_id, "thin"), 51, 1.25
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid(study.case_id, "thin", k)
        ds.ImagePositionPatient = [-6.0, -6.0, -100.0 + 1.25 * k]
        ds.save_as(folder / f"thin{k}.dcm")
    mpr = base.copy()
    mpr.SeriesInstanceUID = mpr.SOPInstanceUID = mpr.file_meta.MediaStorageSOPInstanceUID = uid(study.case_id, "mpr")
    mpr.ImageType, mpr.ImageOrientationPatient = ["DERIVED", "SECONDARY", "MPR"], [1, 0, 0, 0, 0, -1]
    mpr.SeriesNumber = 52
    mpr.save_as(folder / "mpr.dcm")
    dose = pydicom.dcmread(study.files[Phase.PORTAL_VENOUS][0], stop_before_pixels=True)
    for keyword in ("PixelData", "Rows", "Columns", "ImagePositionPatient", "ImageOrientationPatient"):
        if keyword in dose:
            delattr(dose, keyword)
    dose.Modality, dose.SOPClassUID, dose.SeriesNumber = "SR", "1.2.840.10008.5.1.4.1.1.88.67", 53
    dose.file_meta.MediaStorageSOPClassUID = dose.SOPClassUID
    dose.SeriesInstanceUID = dose.SOPInstanceUID = dose.file_meta.MediaStorageSOPInstanceUID = uid(study.case_id, "sr")
    dose.save_as(folder / "dose.dcm")


def test_thin_recon_mpr_and_dose_report_are_ignored_and_the_recon_selectable(tmp_path, media_root):
    add_extra_series(write_study(tmp_path / "in", "C001", slices=3))
    add_extra_series(write_study(tmp_path / "in", "C002", slices=3, seed=1))
    manifest = write_manifest(tmp_path / "m.csv", [
        manifest_row("C001"), manifest_row("C002", phase_portal_venous=uid("C002", "thin"))])
    report = import_cases(tmp_path / "in", manifest)
    reasons = {(i.case_id, i.series_number): i.reason for i in report.ignored_series}
    assert reasons[("C001", 51)].startswith("thin-slice reconstruction (1.25 mm) of the portal_venous phase")
    assert reasons[("C001", 52)].startswith("DERIVED\\SECONDARY reformat")
    assert reasons[("C001", 53)].startswith("structured report")
    assert reasons[("C002", 4)].endswith("the manifest override chose another series")
    assert ("C002", 51) not in reasons
    chosen = Series.objects.get(study__case__case_id="C002", phase="portal_venous")
    assert (chosen.slice_count, chosen.slice_spacing, chosen.phase_source) == (9, 1.25, "manifest override")


def test_enhanced_multiframe_ct_is_stored_as_single_frame_slices(tmp_path, media_root):
    from .factories import enhanced_ct

    study = write_study(tmp_path / "raw", "C001", slices=4)
    out = tmp_path / "in" / "C001"
    out.mkdir(parents=True)
    for phase, paths in study.files.items():
        enhanced_ct([pydicom.dcmread(p) for p in paths]).save_as(out / f"{phase.value}.dcm",
                                                                 enforce_file_format=True)
    import_cases(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    for phase in PHASES:
        series = Series.objects.get(phase=phase.value)
        assert series.series_instance_uid == study.series_uids[phase] and series.slice_count == 4
        assert np.array_equal(load_series_volume(series).hu, study.volumes[phase].astype(np.float32))
        stored = pydicom.dcmread(media_root / series.instances.first().path)
        assert stored.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2" and "NumberOfFrames" not in stored
        assert "PerFrameFunctionalGroupsSequence" not in stored and stored.ImagePositionPatient[2] == -100.0
        assert series.instances.first().pixel_length == 16 * 16 * 2


def write_mask(path, labels_zyx, affine):
    import nibabel as nib

    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(np.ascontiguousarray(labels_zyx.transpose(2, 1, 0)), affine), str(path))


def test_masks_dir_masks_are_checked_against_the_series_grid(tmp_path, media_root, snapshot):
    from reader_study.cases.models import ReferenceMask
    from reader_study.cases.volumes import load_mask
    from reader_study.dicom_import.masks import grid_affine

    write_study(tmp_path / "in", "C001", slices=4)
    manifest = write_manifest(tmp_path / "m.csv", [manifest_row("C001")])
    affine = grid_affine([1, 0, 0, 0, 1, 0], [0.8, 0.8], 5.0, [0, 0, 1], [-6.0, -6.0, -100.0])
    labels = np.zeros((4, 16, 16), np.uint8)
    labels[1:3, 4:12, 4:12], labels[2, 6:8, 6:8] = 1, 2
    flipped = affine @ np.diag([-1.0, 1, 1, 1])  # stored with x reversed: reoriented on import
    flipped[:3, 3] = affine[:3, :3] @ [15, 0, 0] + affine[:3, 3]
    write_mask(tmp_path / "masks" / "C001" / "arterial.nii.gz", labels[:, :, ::-1], flipped)
    write_mask(tmp_path / "bad" / "C001" / "arterial.nii.gz", labels[:3], affine)
    before = snapshot()
    with pytest.raises(Exception, match=r"C001/masks/arterial.nii.gz: mask shape \(z,y,x\) \(3, 16, 16\)"):
        import_cases(tmp_path / "in", manifest, masks_dir=tmp_path / "bad")
    assert snapshot() == before
    import_cases(tmp_path / "in", manifest, masks_dir=tmp_path / "masks")
    mask = ReferenceMask.objects.get()
    assert mask.phase == "arterial" and np.array_equal(load_mask(mask), labels)


def test_empty_manifest_sex_is_taken_from_patient_sex_and_must_be_m_or_f(tmp_path, media_root):
    def other_sex(ds, phase, k):
        ds.PatientSex = "O" if ds.PatientID == "C002" else "F"

    write_study(tmp_path / "in", "C001", slices=3, mutate=other_sex)
    import_cases(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001", sex="")]))
    assert Case.objects.get(case_id="C001").sex == "F"
    write_study(tmp_path / "in2", "C002", slices=3, mutate=other_sex)
    with pytest.raises(Exception, match="PatientSex 'O' is not M or F; give the sex in the manifest"):
        import_cases(tmp_path / "in2", write_manifest(tmp_path / "m2.csv", [manifest_row("C002", sex="")]))
    import_cases(tmp_path / "in2", write_manifest(tmp_path / "m3.csv", [manifest_row("C002", sex="female")]))
    assert Case.objects.get(case_id="C002").sex == "F"


def test_staging_left_by_a_killed_worker_is_cleaned_up_later(tmp_path, media_root):
    import os
    import time

    stale = media_root / ".import-staging" / "deadbeef"
    (stale / "cases").mkdir(parents=True)
    (stale / "cases" / "half.dcm").write_bytes(b"x")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    write_study(tmp_path / "in", "C001", slices=3)
    import_cases(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    assert not (media_root / ".import-staging").exists()
