"""The data set on disk: DICOM tags and geometry, HU read back through pydicom, masks, manifest, determinism."""
from __future__ import annotations

import csv
import re

import nibabel as nib
import numpy as np
import pytest
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, JPEGLSLossless

from reader_study.phantom import MANIFEST_COLUMNS, generate_case, generate_dataset, load_mask_zyx
from reader_study.phantom.classes import CLASS_SPECS, pathology_weights
from reader_study.vocabulary import EIGHT_CLASSES, PATHOLOGY_TYPES, PHASES

from .conftest import SEED, TINY, hu_volume, read_series


def _manifest(folder):
    with open(folder / "manifest.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def _eight_class(row) -> str:
    return row["origin"] or row["tumour_class"]


def _regenerate(row):
    return generate_case(row["case_id"], _eight_class(row), seed=SEED, **TINY)


def _by_phase(case, series):
    """Map each phase to the series whose HU equal the generator's volume."""
    matched = {}
    for phase in PHASES:
        hits = [uid for uid, dss in series.items() if np.array_equal(hu_volume(dss), case.volumes[phase])]
        assert len(hits) == 1, f"{phase.value}: expected exactly one series with the generator's HU"
        matched[phase] = series[hits[0]]
    return matched


def test_manifest_follows_the_contract(tiny_dataset):
    rows = _manifest(tiny_dataset)
    assert tuple(rows[0]) == MANIFEST_COLUMNS
    assert len(rows) == 3
    for row in rows:
        assert row["sex"] in {"M", "F"} and 18 <= int(row["age"]) <= 95
        assert row["cohort"] == "train"
        assert (row["origin"] != "") == (row["tumour_class"] == "LM")
        assert _eight_class(row) in EIGHT_CLASSES
        assert row["pathology_type"] in pathology_weights(_eight_class(row))
        assert PATHOLOGY_TYPES[row["pathology_type"]][0].value == row["tumour_class"]
        assert (tiny_dataset / row["case_id"] / "dicom").is_dir()


def test_hu_read_back_through_pydicom_equal_the_generator(tiny_dataset):
    for row in _manifest(tiny_dataset):
        case = _regenerate(row)
        series = read_series(tiny_dataset / row["case_id"])
        assert len(series) == 4
        _by_phase(case, series)


def test_some_series_are_jpeg_ls_and_decode_to_the_same_hu(tiny_dataset):
    syntaxes = []
    for row in _manifest(tiny_dataset):
        matched = _by_phase(_regenerate(row), read_series(tiny_dataset / row["case_id"]))
        syntaxes += [dss[0].file_meta.TransferSyntaxUID for dss in matched.values()]
    assert syntaxes.count(JPEGLSLossless) == 6  # half of 12 series
    assert syntaxes.count(ExplicitVRLittleEndian) == 6


def test_tags_of_every_series(tiny_dataset):
    for row in _manifest(tiny_dataset):
        case = _regenerate(row)
        matched = _by_phase(case, read_series(tiny_dataset / row["case_id"]))
        first = [dss[0] for dss in matched.values()]
        assert len({ds.StudyInstanceUID for ds in first}) == 1
        assert len({ds.FrameOfReferenceUID for ds in first}) == 1
        assert len({ds.SeriesInstanceUID for ds in first}) == 4
        times = [float(ds.AcquisitionTime) for ds in first]
        assert times == sorted(times) and len(set(times)) == 4
        assert "ContrastBolusAgent" not in first[0]
        assert all(ds.ContrastBolusAgent for ds in first[1:])
        for ds in (ds for dss in matched.values() for ds in dss):
            assert ds.Modality == "CT" and ds.SOPClassUID == CTImageStorage
            assert list(ds.ImageType) == ["ORIGINAL", "PRIMARY", "AXIAL"]
            assert ds.PatientIdentityRemoved == "YES" and ds.DeidentificationMethod
            assert str(ds.PatientName).startswith("SYNTH^") and ds.PatientID == row["case_id"]
            assert ds.PatientSex == row["sex"]
            assert "SYNTHETIC - NOT FOR CLINICAL USE" in ds.ImageComments
            assert "SYNTHETIC - NOT FOR CLINICAL USE" in ds.StudyDescription
            assert (ds.PixelRepresentation, float(ds.RescaleIntercept), float(ds.RescaleSlope)) == (0, -1024, 1)


def test_geometry_matches_the_generator_grid(tiny_dataset):
    for row in _manifest(tiny_dataset):
        case = _regenerate(row)
        for phase, dss in _by_phase(case, read_series(tiny_dataset / row["case_id"])).items():
            grid = case.grids[phase]
            dz, dy, dx = grid.spacing
            positions = np.array([[float(v) for v in ds.ImagePositionPatient] for ds in dss])
            assert [float(v) for v in dss[0].ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
            assert np.allclose(positions[0], grid.origin, atol=1e-3)
            assert np.allclose(np.diff(positions[:, 2]), dz, atol=1e-3)
            assert np.ptp(positions[:, :2], axis=0).max() == 0
            for ds in dss:
                assert [float(v) for v in ds.PixelSpacing] == pytest.approx([dy, dx], abs=1e-6)
                assert float(ds.SliceThickness) == pytest.approx(dz)
            assert [int(ds.InstanceNumber) for ds in dss] == list(range(len(dss), 0, -1))


def test_masks_are_on_each_phase_grid_with_a_dicom_consistent_affine(tiny_dataset):
    for row in _manifest(tiny_dataset):
        case = _regenerate(row)
        matched = _by_phase(case, read_series(tiny_dataset / row["case_id"]))
        for phase, dss in matched.items():
            path = tiny_dataset / row["case_id"] / "masks" / f"{phase.value}.nii.gz"
            mask, affine = load_mask_zyx(path)
            assert mask.dtype == np.uint8 and np.array_equal(mask, case.masks[phase])
            assert nib.aff2axcodes(affine) == ("L", "P", "S")
            for k in (0, len(dss) - 1):  # voxel (i=0, j=0, k) must land on slice k's ImagePositionPatient
                ras = affine @ np.array([0, 0, k, 1.0])
                lps = np.array([-ras[0], -ras[1], ras[2]])
                assert np.allclose(lps, [float(v) for v in dss[k].ImagePositionPatient], atol=1e-3)


def test_file_names_and_metadata_reveal_neither_class_nor_order(tiny_dataset):
    forbidden = {name.lower() for name in EIGHT_CLASSES} | {code.lower() for code in PATHOLOGY_TYPES} | {
        spec.origin.value for spec in CLASS_SPECS.values() if spec.origin} | {"lm", "metasta"}
    for row in _manifest(tiny_dataset):
        files = list((tiny_dataset / row["case_id"] / "dicom").iterdir())
        assert all(re.fullmatch(r"[0-9a-f]{16}\.dcm", path.name) for path in files)
        for dss in read_series(tiny_dataset / row["case_id"]).values():
            for ds in dss[:1]:
                text = [str(el.value).lower() for el in ds.iterall() if el.VR in {"LO", "SH", "LT", "PN", "CS", "ST"}]
                words = set(re.split(r"[^a-z0-9]+", " ".join(text)))
                assert not words & forbidden, f"class words in metadata: {words & forbidden}"


def test_same_seed_writes_byte_identical_files(tmp_path):
    for name in ("a", "b"):
        generate_dataset(tmp_path / name, 1, seed=5, size=24, slices=6, compressed_fraction=0.5)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for relative in files_a:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes(), relative


def test_refuses_to_overwrite_an_existing_data_set(tmp_path):
    generate_dataset(tmp_path, 1, seed=1, size=16, slices=4)
    with pytest.raises(FileExistsError):
        generate_dataset(tmp_path, 1, seed=1, size=16, slices=4)
