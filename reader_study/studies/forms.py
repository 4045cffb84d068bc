"""Forms of the HTML pages (the rules behind them live in PROTOCOL's services)."""
from __future__ import annotations

import zipfile

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from reader_study.cases.models import COHORT_CHOICES, TUMOUR_CLASS_CHOICES

from .models import AIElement, ReaderStudy

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



# --- Study configuration (rules are checked by PROTOCOL's check_configuration / do_configure_study) --------------

class StudyConfigForm(forms.ModelForm):
    """Create or configure a study; once reading starts only name and description stay editable."""

    ai_elements = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="What readers see in aided reads.",
    )
    reason = forms.CharField(
        required=False, max_length=500,
        help_text="Why you change the configuration (required to shorten the washout of a pilot study).",
    )

    class Meta:
        model = ReaderStudy
        fields = ["name", "description", "design", "washout_days", "is_pilot", "ai_elements", "show_clinical_notes",
                  "confidence_scale", "model_version"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    TEXT_FIELDS = ("name", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ai_elements"].choices = AIElement.choices
        if not self.instance.pk:
            self.fields.pop("reason")
            self.initial.setdefault("ai_elements", [e.value for e in AIElement])
        elif self.instance.is_locked:
            for name, field in self.fields.items():
                if name not in self.TEXT_FIELDS and name != "reason":
                    field.disabled = True
                    field.help_text = "Fixed: reading has started."

    def clean(self):
        cleaned = super().clean()
        shortened = (self.instance.pk and "washout_days" in self.changed_data
                     and (cleaned.get("washout_days") or 0) < self.instance.washout_days)
        if shortened and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for shortening the washout (it is audited).")
        return cleaned

    def config(self) -> dict:
        """The changed settings, as keyword arguments for the services."""
        names = self.changed_data if self.instance.pk else list(self.Meta.fields)
        return {name: self.cleaned_data[name] for name in names if name in self.Meta.fields
                and not self.fields[name].disabled}


class CaseFilterForm(forms.Form):
    """Filter imported cases by cohort and (coordinators only) the true class."""

    cohort = forms.ChoiceField(required=False)
    tumour_class = forms.ChoiceField(required=False, label="Class")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", "all cohorts"), *COHORT_CHOICES]
        self.fields["tumour_class"].choices = [("", "all classes"), *TUMOUR_CLASS_CHOICES]


class EnrolForm(forms.Form):
    """Enrol an existing reader account (accounts are created on the Readers page)."""

    reader = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, study, **kwargs):
        super().__init__(*args, **kwargs)
        taken = study.enrolments.values("reader_id")
        self.fields["reader"].queryset = (
            get_user_model().objects.filter(is_active=True, is_staff=False, is_superuser=False)
            .exclude(pk__in=taken).order_by("username")
        )
        self.fields["reader"].label_from_instance = _reader_label


def _reader_label(user) -> str:
    profile = getattr(user, "reader_profile", None)
    return f"{user.username} ({profile.experience})" if profile else user.username
