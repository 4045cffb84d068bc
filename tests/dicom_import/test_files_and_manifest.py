"""Pure file handling: scanning, vendor transfer syntaxes, SOP class checks, PHI, manifest rows."""
from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import JPEGLSLossless, RLELossless, SecondaryCaptureImageStorage

from reader_study.dicom_import.deidentify import declares_deidentified, deidentify, find_phi
from reader_study.dicom_import.errors import ImportFailed
from reader_study.dicom_import.manifest import read_manifest
from reader_study.dicom_import.scan import check_zip_names, scan_folder
from reader_study.dicom_import.validate import check_ct_image, decode_hu, read_dataset
from reader_study.vocabulary import OriginSystem, Phase, TumourClass

from .factories import manifest_row, write_manifest, write_study


def vendor_file(name: str):
    return get_testdata_file(name, download=False)


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("explicit_VR-UN.dcm", "1.2.840.10008.1.2.4.90"),  # JPEG 2000 lossless, TCIA Pancreas-CT abdomen
        ("693_J2KI.dcm", "1.2.840.10008.1.2.4.91"),  # JPEG 2000 lossy, BitsStored mismatch
        ("J2K_pixelrep_mismatch.dcm", "1.2.840.10008.1.2.4.90"),  # signedness quirk
        ("bad_sequence.dcm", "1.2.840.10008.1.2.4.70"),  # Siemens JPEG Lossless SV1, malformed sequence
        ("CT_small.dcm", "1.2.840.10008.1.2.1"),
    ],
)
def test_vendor_ct_files_decode_to_plausible_hu(name, syntax):
    ds = read_dataset(vendor_file(name), name)
    assert ds.file_meta.TransferSyntaxUID == syntax
    check_ct_image(ds, name)
    hu = decode_hu(ds, name)
    assert hu.shape[0] == 1 and hu.shape[1] >= 128
    assert -1100 < float(np.median(hu)) < 3000


def test_abdominal_slice_has_liver_like_values_at_the_liver():
    hu = decode_hu(read_dataset(vendor_file("explicit_VR-UN.dcm"), "x"), "x")[0]
    body = hu[hu > -500]
    assert body.size > 50_000  # the abdomen fills much of the 512 x 512 field of view
    assert 0 < np.median(body) < 100 and 60 < np.percentile(body, 75) < 160  # fat, muscle, enhanced liver


@pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_bigendian.dcm"])
def test_rle_jpegls_and_big_endian_decode_identically(name):
    reference = decode_hu(read_dataset(vendor_file("MR_small.dcm"), "ref"), "ref")
    assert np.array_equal(decode_hu(read_dataset(vendor_file(name), name), name), reference)


def test_missing_file_meta_falls_back_to_implicit_little_endian(tmp_path):
    ds = pydicom.dcmread(vendor_file("CT_small.dcm"))
    ds.preamble = None
    del ds.file_meta
    ds.save_as(tmp_path / "nometa.dcm", implicit_vr=True, little_endian=True, enforce_file_format=False)
    assert (tmp_path / "nometa.dcm").read_bytes()[128:132] != b"DICM"
    again = read_dataset(tmp_path / "nometa.dcm", "nometa.dcm")
    assert again.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
    check_ct_image(again, "nometa.dcm")
    assert np.array_equal(decode_hu(again, "n"), decode_hu(read_dataset(vendor_file("CT_small.dcm"), "c"), "c"))


@pytest.mark.parametrize("name", ["no_meta.dcm", "meta_missing_tsyntax.dcm"])
def test_registry_files_without_usable_meta_give_a_clear_error(name):
    """pydicom's no_meta.dcm starts with a stray byte and meta_missing_tsyntax.dcm holds no image header."""
    with pytest.raises(ImportFailed, match=f"{name}: claims to be DICOM but does not parse"):
        read_dataset(vendor_file(name), name)


def test_big_endian_without_meta_is_read_as_explicit_big_endian():
    ds = read_dataset(vendor_file("ExplVR_BigEndNoMeta.dcm"), "be")
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.2"
    with pytest.raises(ImportFailed, match="modality RTPLAN"):
        check_ct_image(ds, "be")


def test_ct_compressed_by_us_as_rle_and_jpegls_round_trips(tmp_path):
    original = pydicom.dcmread(vendor_file("CT_small.dcm"))
    for syntax in (RLELossless, JPEGLSLossless):
        ds = pydicom.dcmread(vendor_file("CT_small.dcm"))
        ds.compress(syntax)
        ds.save_as(tmp_path / "c.dcm")
        again = read_dataset(tmp_path / "c.dcm", "c.dcm")
        assert again.file_meta.TransferSyntaxUID == syntax
        assert np.array_equal(decode_hu(again, "c"), decode_hu(original, "o"))


def test_secondary_capture_ct_and_truncated_files_are_refused(tmp_path):
    ds = pydicom.dcmread(vendor_file("CT_small.dcm"))
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    with pytest.raises(ImportFailed, match="Secondary Capture.*not quantitative CT"):
        check_ct_image(ds, "sc.dcm")
    truncated = tmp_path / "trunc.dcm"
    truncated.write_bytes(open(vendor_file("CT_small.dcm"), "rb").read()[:-500])
    with pytest.raises(ImportFailed, match="trunc.dcm: pixel data cannot be decoded"):
        decode_hu(read_dataset(truncated, "trunc.dcm"), "trunc.dcm")


def test_enhanced_ct_is_accepted_as_a_ct_sop_class():
    ds = read_dataset(vendor_file("eCT_Supplemental.dcm"), "e")
    check_ct_image(ds, "e")
    assert decode_hu(ds, "e").shape == (2, 512, 512)


def test_scan_skips_non_dicom_and_lists_it(tmp_path):
    write_study(tmp_path, slices=2)
    (tmp_path / "README.TXT").write_text("Viewer CD")
    (tmp_path / "viewer.exe").write_bytes(b"MZ\x90\x00" * 100)
    (tmp_path / "noext").write_bytes(b"just bytes" * 20)
    result = scan_folder(tmp_path)
    assert len(result.dicom_files) == 8
    assert {s.path for s in result.skipped} == {"README.TXT", "viewer.exe", "noext"}


def test_scan_uses_dicomdir_when_present(tmp_path):
    source = vendor_file("DICOMDIR")
    shutil.copytree(source.rsplit("/", 1)[0], tmp_path / "cd")
    result = scan_folder(tmp_path / "cd")
    assert any(s.reason.startswith("DICOMDIR index") for s in result.skipped)
    assert len(result.dicom_files) > 0
    assert all(not p.name.startswith("DICOMDIR") for p in result.dicom_files)


@pytest.mark.parametrize("content", [b"", b"DICM-but-not-really"])
def test_dcm_file_that_does_not_parse_is_an_error(tmp_path, content):
    (tmp_path / "bad.dcm").write_bytes(content)
    with pytest.raises(ImportFailed, match="bad.dcm"):
        for path in scan_folder(tmp_path).dicom_files:
            read_dataset(path, path.name)


@pytest.mark.parametrize("name", ["../evil.dcm", "/abs/evil.dcm", "a/../../evil.dcm"])
def test_zip_with_escaping_names_is_refused(tmp_path, name):
    with zipfile.ZipFile(tmp_path / "in.zip", "w") as archive:
        archive.writestr("ok/readme.txt", "fine")
        archive.writestr(name, b"x")
    with pytest.raises(ImportFailed, match="unsafe zip entry"):
        check_zip_names(tmp_path / "in.zip")


def test_phi_is_found_and_removed_with_consistent_uids():
    ds = pydicom.dcmread(vendor_file("CT_small.dcm"))
    assert {"PatientName", "PatientID", "InstitutionName", "StudyDate"} <= set(find_phi(ds))
    twin = pydicom.dcmread(vendor_file("CT_small.dcm"))
    deidentify(ds, case_id="C9", salt="s")
    deidentify(twin, case_id="C9", salt="s")
    assert find_phi(ds) == [] and declares_deidentified(ds)
    assert str(ds.PatientName) == "C9" and "InstitutionName" not in ds
    assert ds.StudyInstanceUID == twin.StudyInstanceUID != "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322"
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID


def test_manifest_rows_are_validated_and_normalised(tmp_path):
    path = write_manifest(tmp_path / "m.csv", [
        manifest_row("A1", sex="female", phase_arterial="7", lab_AFP="12.5", history="HBV"),
        manifest_row("A2", tumour_class="LM", origin="", pathology_type="COAD"),
    ])
    rows = read_manifest(path)
    assert rows["A1"].sex == "F" and rows["A1"].phase_overrides == {Phase.ARTERIAL: "7"}
    assert rows["A1"].lab_values == {"AFP": 12.5} and rows["A1"].notes == {"history": "HBV"}
    assert rows["A2"].tumour_class is TumourClass.METASTASIS and rows["A2"].origin is OriginSystem.INTESTINAL


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"tumour_class": "HCCX"}, "unknown tumour_class"),
        ({"sex": "O"}, "sex must be M or F"),
        ({"origin": "breast"}, "origin is only for LM"),
        ({"tumour_class": "LM", "origin": "breast", "pathology_type": "COAD"}, "has origin intestinal"),
        ({"pathology_type": "ICC"}, "is not a HCC"),
        ({"age": "old"}, "not a number"),
        ({"cohort": "somewhere"}, "unknown cohort"),
        ({"case_id": "../x"}, "case_id"),
    ],
)
def test_bad_manifest_rows_name_the_row(tmp_path, changes, problem):
    path = write_manifest(tmp_path / "m.csv", [manifest_row("A1"), manifest_row(**{"case_id": "A2", **changes})])
    with pytest.raises(ImportFailed, match=problem) as info:
        read_manifest(path)
    assert "line 3" in info.value.file


def test_ge_style_signed_pixels_with_padding_decode_to_hu():
    ds = pydicom.dcmread(vendor_file("CT_small.dcm"))
    hu = decode_hu(ds, "ct").astype(np.int16)[0]
    hu[:4, :4] = -2000  # PixelPaddingValue outside the circular field of view
    ds.PixelRepresentation, ds.RescaleIntercept, ds.PixelPaddingValue = 1, 0, -2000
    ds.PixelData = hu.astype("<i2").tobytes()
    assert np.array_equal(decode_hu(ds, "ge"), hu[np.newaxis].astype(np.float32))
