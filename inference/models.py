"""Registered ALMSS model versions and their per-case inference results (contract 5).

A :class:`ModelVersion` is an immutable artefact on disk: an ALMSS classifier bundle
(contract 6) plus an nnU-Net model folder for the liver/tumour segmentation. Results
record which version made them, so re-registering a model never changes old results.
"""
from __future__ import annotations

from django.db import models

from reader_study.cases.models import Case


class ModelVersion(models.Model):
    """One registered, checksummed model (classifier bundle + segmentation model)."""

    name = models.CharField(max_length=128)
    version = models.CharField(max_length=64)
    path = models.CharField(max_length=1024, help_text="ALMSS bundle directory (absolute or relative to MEDIA_ROOT).")
    segmentation_path = models.CharField(
        max_length=1024, blank=True, help_text="nnU-Net model folder (the trainer/plans/configuration folder)."
    )
    segmentation_config = models.JSONField(
        default=dict, blank=True, help_text="nnU-Net configuration, folds, checkpoint, mirroring."
    )
    checksum = models.CharField(max_length=64, help_text="SHA-256 over every file of both folders.")
    config = models.JSONField(default=dict, blank=True, help_text="Classifier configuration (config.json).")
    cutoffs = models.JSONField(default=dict, blank=True, help_text="One-vs-rest cut-offs chosen at best F1.")
    metrics = models.JSONField(default=dict, blank=True, help_text="Evaluation metrics (metrics.json).")
    training_data = models.JSONField(default=dict, blank=True, help_text="Description of the training data.")
    label = models.CharField(max_length=255, blank=True, help_text='e.g. "synthetic data, not for clinical use"')
    is_demo = models.BooleanField(default=False, help_text="Trained on phantoms by build_demo_model.")
    active_default = models.BooleanField(
        default=False,
        help_text="Used for newly imported cases that belong to no study with its own model (at most one).",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="unique_model_name_version"),
            models.UniqueConstraint(
                fields=["active_default"], condition=models.Q(active_default=True), name="one_active_default_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class InferenceResult(models.Model):
    """The ALMSS output for one case and one model version (written atomically by the task)."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="inference_results")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="results")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    message = models.TextField(blank=True, help_text="Progress step, or the error of a failed run.")
    primary_probabilities = models.JSONField(null=True, blank=True, help_text="{HCC, ICC, LM}")
    origin_probabilities = models.JSONField(null=True, blank=True, help_text="{6 origin systems} or null")
    final_class = models.CharField(max_length=8, blank=True)
    final_origin = models.CharField(max_length=32, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per step.")
    storage_dir = models.CharField(max_length=512, blank=True, help_text="Relative to MEDIA_ROOT; set when done.")
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "model_version"], name="one_result_per_case_and_model")
        ]

    def __str__(self) -> str:
        return f"{self.case} / {self.model_version}: {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE
