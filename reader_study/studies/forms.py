"""Forms of the HTML pages (the rules behind them live in PROTOCOL's services)."""
from __future__ import annotations

import zipfile

from django import forms
from django.core.exceptions import ValidationError

MAX_MANIFEST_BYTES = 5 * 1024 * 1024


class ImportUploadForm(forms.Form):
    """A zip of DICOM files plus the manifest CSV (columns as written by the phantom generator)."""

    archive = forms.FileField(help_text="A .zip with one folder per case holding its DICOM files.")
    manifest = forms.FileField(help_text="manifest.csv: case_id,age,sex,tumour_class,origin,pathology_type,cohort")
    deidentify = forms.BooleanField(required=False, initial=True, help_text="Apply the de-identification profile.")

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if not zipfile.is_zipfile(archive):
            raise ValidationError("The DICOM archive must be a .zip file.", code="not_zip")
        archive.seek(0)
        return archive

    def clean_manifest(self):
        manifest = self.cleaned_data["manifest"]
        if manifest.size > MAX_MANIFEST_BYTES:
            raise ValidationError("The manifest is larger than 5 MB.", code="manifest_too_large")
        head = manifest.read(2048)
        manifest.seek(0)
        try:
            first_line = head.decode("utf-8-sig").splitlines()[0]
        except (UnicodeDecodeError, IndexError):
            raise ValidationError("The manifest must be a UTF-8 CSV file.", code="manifest_not_csv") from None
        if "case_id" not in first_line.split(","):
            raise ValidationError("The manifest's first line must name the columns, including case_id.",
                                  code="manifest_no_header")
        return manifest
