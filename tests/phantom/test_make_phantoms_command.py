"""The thin ``make_phantoms`` management command."""
from __future__ import annotations

import csv

import pytest
from django.core.management import CommandError, call_command

from reader_study.phantom import MANIFEST_COLUMNS


def test_command_writes_cases_masks_and_manifest(tmp_path, capsys):
    out = tmp_path / "set"
    call_command("make_phantoms", "--out", str(out), "--cases", "2", "--seed", "4", "--size", "24", "--slices", "5",
                 "--compressed-fraction", "0.25", "--classes", "HCC,breast")
    with open(out / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == MANIFEST_COLUMNS
    assert {row["origin"] or row["tumour_class"] for row in rows} == {"HCC", "breast"}
    for row in rows:
        assert len(list((out / row["case_id"] / "dicom").glob("*.dcm"))) == 4 * 5
        assert sorted(p.name for p in (out / row["case_id"] / "masks").iterdir()) == [
            "arterial.nii.gz", "delayed.nii.gz", "portal_venous.nii.gz", "pre_contrast.nii.gz"]
    assert "Wrote 2 synthetic cases" in capsys.readouterr().out


@pytest.mark.parametrize("arguments, message", [
    (["--classes", "HCC,melanoma"], "unknown phantom class"),
    (["--compressed-fraction", "1.5"], "compressed fraction"),
    (["--cohort", "expandability", "--classes", "HCC"], "no cases"),
])
def test_bad_arguments_give_a_clear_error_and_write_nothing(tmp_path, arguments, message):
    out = tmp_path / "set"
    with pytest.raises(CommandError, match=message):
        call_command("make_phantoms", "--out", str(out), "--cases", "1", "--size", "16", "--slices", "4", *arguments)
    assert not out.exists()


def test_command_refuses_a_folder_that_already_holds_a_data_set(tmp_path):
    call_command("make_phantoms", "--out", str(tmp_path), "--cases", "1", "--size", "16", "--slices", "4")
    with pytest.raises(CommandError, match="already exists"):
        call_command("make_phantoms", "--out", str(tmp_path), "--cases", "1", "--size", "16", "--slices", "4")
