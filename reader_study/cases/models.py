"""Cases, their imaging (study, series per phase, instances) and their reference truth.

Truth lives in :class:`CaseTruth`, a separate table with no reverse accessor
from :class:`Case` (``related_name="+"``): reader-facing code queries ``Case``
and never reaches the truth by attribute access. Only coordinator views, the
statistics and the training commands query ``CaseTruth`` explicitly.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from reader_study.vocabulary import COHORTS, ORIGIN_SYSTEMS, PATHOLOGY_TYPES, PHASES, TUMOUR_CLASSES

PHASE_CHOICES = [(p.value, p.label) for p in PHASES]
TUMOUR_CLASS_CHOICES = [(c.value, c.label) for c in TUMOUR_CLASSES]
ORIGIN_CHOICES = [(o.value, o.label) for o in ORIGIN_SYSTEMS]
PATHOLOGY_CHOICES = [(k, f"{k}: {v[2]}") for k, v in PATHOLOGY_TYPES.items()]
COHORT_CHOICES = [(c.value, c.value.replace("_", " ")) for c in COHORTS]
SEX_CHOICES = [("M", "male"), ("F", "female")]


class ImportJob(models.Model):
    """One run of the DICOM importer (command, Celery task or web upload)."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=1024, help_text="Folder or zip that was imported.")
    manifest = models.CharField(max_length=1024, blank=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0, help_text="0..1")
    progress_message = models.CharField(max_length=255, blank=True)
    report = models.JSONField(default=dict, blank=True, help_text="Imported, skipped and ignored files.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"


class Case(models.Model):
    """A patient case as readers may see it: pseudonymous id, age and sex only."""

    case_id = models.CharField(max_length=64, unique=True, help_text="Pseudonymous case id from the manifest.")
    age = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(130)])
    sex = models.CharField(max_length=1, choices=SEX_CHOICES)
    cohort = models.CharField(max_length=32, choices=COHORT_CHOICES, db_index=True)
    imported_at = models.DateTimeField()
    import_job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")

    class Meta:
        ordering = ["case_id"]

    def __str__(self) -> str:
        return self.case_id


class CaseTruth(models.Model):
    """Reference standard of a case (pathology). Never shown to readers."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="+", primary_key=True)
    tumour_class = models.CharField(max_length=8, choices=TUMOUR_CLASS_CHOICES)
    origin = models.CharField(max_length=32, choices=ORIGIN_CHOICES, blank=True)
    pathology_type = models.CharField(max_length=8, choices=PATHOLOGY_CHOICES, blank=True)
    source = models.CharField(max_length=255, blank=True, help_text="e.g. surgical pathology, biopsy, follow-up")

    class Meta:
        verbose_name_plural = "case truths"

    def __str__(self) -> str:
        return f"{self.case_id}: {self.tumour_class}{'/' + self.origin if self.origin else ''}"


class ClinicalNote(models.Model):
    """Clinical information for the challenging-case mode (shown only if a study allows it)."""

    class Kind(models.TextChoices):
        LABORATORY = "laboratory"
        HISTORY = "history"
        PATHOLOGY_REPORT = "pathology_report"
        OTHER = "other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clinical_notes")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    text = models.TextField(blank=True)
    values = models.JSONField(default=dict, blank=True, help_text="Structured values, e.g. {'AFP': 12.3}.")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class ImagingStudy(models.Model):
    """The DICOM study of a case (one 4-phase CT examination)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="imaging_study")
    study_instance_uid = models.CharField(max_length=64, unique=True)
    frame_of_reference_uid = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=255, blank=True)
    storage_dir = models.CharField(max_length=512, help_text="Relative to MEDIA_ROOT.")

    class Meta:
        verbose_name_plural = "imaging studies"

    def __str__(self) -> str:
        return f"{self.case} study"


class Series(models.Model):
    """One contrast phase: a geometrically consistent stack of axial CT slices."""

    study = models.ForeignKey(ImagingStudy, on_delete=models.CASCADE, related_name="series")
    phase = models.CharField(max_length=16, choices=PHASE_CHOICES)
    series_instance_uid = models.CharField(max_length=64, unique=True)
    series_number = models.IntegerField(null=True, blank=True)
    series_description = models.CharField(max_length=255, blank=True)
    phase_source = models.CharField(max_length=32, blank=True, help_text="How the phase was decided.")
    rows = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    pixel_spacing = models.JSONField(help_text="[row spacing, column spacing] in mm")
    slice_thickness = models.FloatField(null=True, blank=True)
    slice_spacing = models.FloatField(help_text="Distance between slice centres along the normal, mm.")
    orientation = models.JSONField(help_text="ImageOrientationPatient (6 values)")
    origin = models.JSONField(help_text="ImagePositionPatient of the first slice in sorted order")
    slice_count = models.PositiveIntegerField()
    acquisition_time = models.CharField(max_length=32, blank=True)
    contrast_agent = models.CharField(max_length=128, blank=True)
    storage_dir = models.CharField(max_length=512, help_text="Relative to MEDIA_ROOT.")
    metadata_json = models.CharField(max_length=512, blank=True, help_text="Cached DICOM JSON metadata, relative path.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["study", "phase"], name="one_series_per_phase")]
        ordering = ["study", "phase"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"{self.study.case} {self.phase}"


class Instance(models.Model):
    """One slice (a DICOM file), in sorted order along the slice normal."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="instances")
    sop_instance_uid = models.CharField(max_length=64, unique=True)
    index = models.PositiveIntegerField(help_text="0-based position along the slice normal.")
    position = models.FloatField(help_text="ImagePositionPatient projected on the slice normal, mm.")
    image_position = models.JSONField()
    instance_number = models.IntegerField(null=True, blank=True)
    path = models.CharField(max_length=512, help_text="Relative to MEDIA_ROOT.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    transfer_syntax_uid = models.CharField(max_length=64)
    pixel_offset = models.PositiveBigIntegerField(null=True, blank=True, help_text="Byte offset of pixel data value.")
    pixel_length = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["series", "index"]
        constraints = [models.UniqueConstraint(fields=["series", "index"], name="unique_slice_index")]

    def __str__(self) -> str:
        return f"{self.series} #{self.index}"


class ReferenceMask(models.Model):
    """A reference segmentation (0 background, 1 liver, 2 tumour) of one phase, for training."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reference_masks")
    phase = models.CharField(max_length=16, choices=PHASE_CHOICES)
    path = models.CharField(max_length=512, help_text="NIfTI file relative to MEDIA_ROOT.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "phase"], name="one_mask_per_phase")]

    def __str__(self) -> str:
        return f"{self.case} {self.phase} mask"
