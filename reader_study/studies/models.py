"""Reader studies: configuration, enrolment, sessions, reads, amendments and consensus reads.

Nothing here reaches the truth: :class:`~reader_study.cases.models.CaseTruth`
has no reverse accessor, and no model of this app points to it. Readers see a
case through :class:`StudyCase.key`, an opaque per-study key, because the
manifest's case id may reveal the class. All times come from
``reader_study.clock.now()`` through the services; no field has an ``auto_now``.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from reader_study.protocol import Arm, Block, Design

DESIGN_CHOICES = [(d.value, d.label) for d in Design]
ARM_CHOICES = [(a.value, a.value) for a in Arm]
BLOCK_CHOICES = [(b.value, f"Block {b.value}") for b in Block]


class AIElement(models.TextChoices):
    """Parts of the ALMSS output a study may show in aided reads."""

    PROBABILITIES = "probabilities", "Class probabilities (HCC, ICC, LM)"
    DOMINANT_DIAGNOSIS = "dominant_diagnosis", "Dominant diagnosis"
    ORIGIN_PROBABILITIES = "origin_probabilities", "Origin probabilities (metastases)"
    HEATMAPS = "heatmaps", "Heat maps"
    MASKS = "masks", "Liver and tumour masks"


def all_ai_elements() -> list[str]:
    return [e.value for e in AIElement]


class ReaderProfile(models.Model):
    """A reader's experience stratum (the paper compares junior and senior radiologists)."""

    class Experience(models.TextChoices):
        JUNIOR = "junior", "Junior"
        SENIOR = "senior", "Senior"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_profile")
    experience = models.CharField(max_length=8, choices=Experience.choices)
    years_of_experience = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user} ({self.experience}, {self.years_of_experience} y)"


class ReaderStudy(models.Model):
    """One reader study: cases, design, washout, what AI output aided reads show, who coordinates."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for reading"
        CLOSED = "closed", "Closed"

    class ConfidenceScale(models.TextChoices):
        PERCENT = "percent", "0-100"
        FIVE_POINT = "five_point", "5-point scale"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    design = models.CharField(max_length=32, choices=DESIGN_CHOICES, default=Design.UNAIDED_THEN_AIDED.value)
    washout_days = models.PositiveIntegerField(default=30)
    is_pilot = models.BooleanField(default=False, help_text="Only a pilot may have its washout shortened.")
    ai_elements = models.JSONField(default=all_ai_elements, blank=True, help_text="AIElement values shown.")
    show_clinical_notes = models.BooleanField(default=False)
    confidence_scale = models.CharField(max_length=16, choices=ConfidenceScale.choices, default="percent")
    model_version = models.ForeignKey(
        "inference.ModelVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="reader_studies"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True)
    config_locked_at = models.DateTimeField(null=True, blank=True, help_text="Set when the first session opens.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    coordinators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="coordinated_studies", blank=True)
    cases = models.ManyToManyField("cases.Case", through="StudyCase", related_name="reader_studies", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "reader studies"

    def __str__(self) -> str:
        return self.name

    @property
    def design_enum(self) -> Design:
        return Design(self.design)

    @property
    def is_locked(self) -> bool:
        """The configuration is fixed once reading has started."""
        return self.config_locked_at is not None


class StudyCase(models.Model):
    """A case in a study, under an opaque per-study key; the crossover block if any."""

    study = models.ForeignKey(ReaderStudy, on_delete=models.CASCADE, related_name="study_cases")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="study_entries")
    key = models.CharField(max_length=16, help_text="Opaque key readers see instead of the manifest case id.")
    block = models.CharField(max_length=1, choices=BLOCK_CHOICES, blank=True)

    class Meta:
        ordering = ["study", "key"]
        constraints = [
            models.UniqueConstraint(fields=["study", "case"], name="case_once_per_study"),
            models.UniqueConstraint(fields=["study", "key"], name="unique_case_key_per_study"),
        ]

    def __str__(self) -> str:
        return f"{self.study_id}:{self.key}"


class Enrolment(models.Model):
    """A reader taking part in a study; ``crossover_group`` alternates between readers."""

    study = models.ForeignKey(ReaderStudy, on_delete=models.CASCADE, related_name="enrolments")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_at = models.DateTimeField()
    crossover_group = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["study", "enrolled_at", "id"]
        constraints = [models.UniqueConstraint(fields=["study", "reader"], name="enrol_once")]

    def __str__(self) -> str:
        return f"{self.reader} in {self.study}"


class ReadingSession(models.Model):
    """One opened session of one reader: its seed and its stored case order (resume keeps it)."""

    study = models.ForeignKey(ReaderStudy, on_delete=models.CASCADE, related_name="sessions")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reading_sessions")
    number = models.PositiveSmallIntegerField()
    assignment = models.JSONField(default=dict, help_text='Arm or block assignment, e.g. {"A": "aided"}.')
    seed = models.BigIntegerField()
    case_order = models.JSONField(default=list, help_text='[{"case": pk, "arm": "unaided"}, ...] in reading order.')
    opened_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["study", "reader", "number"]
        constraints = [models.UniqueConstraint(fields=["study", "reader", "number"], name="one_session_number")]

    def __str__(self) -> str:
        return f"{self.reader} session {self.number} of {self.study}"


class Read(models.Model):
    """One reader's answer for one case in one arm (contract 7). Locked for good once submitted."""

    study = models.ForeignKey(ReaderStudy, on_delete=models.PROTECT, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reads")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="reads")
    session = models.ForeignKey(ReadingSession, on_delete=models.PROTECT, related_name="reads")
    arm = models.CharField(max_length=8, choices=ARM_CHOICES)
    answers = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    active_seconds = models.FloatField(default=0.0, help_text="Visible, non-idle reading time.")
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False)
    ai_result = models.ForeignKey(
        "inference.InferenceResult", null=True, blank=True, on_delete=models.PROTECT, related_name="reads"
    )
    ai_elements_shown = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["study", "reader", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "reader", "case", "arm"], name="one_read_per_arm")
        ]

    def __str__(self) -> str:
        return f"{self.reader} {self.arm} read of {self.case_id} in {self.study_id}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored = {"locked": instance.__dict__.get("locked"), "answers": instance.__dict__.get("answers")}
        return instance

    def save(self, *args, **kwargs):
        """Refuse to change the answers of, or unlock, a read that was loaded locked (the lock is for good)."""
        stored = getattr(self, "_stored", None)
        if stored and stored["locked"] and (not self.locked or self.answers != stored["answers"]):
            raise PermissionError("A submitted read is locked; record an amendment instead.")
        super().save(*args, **kwargs)
        self._stored = {"locked": self.locked, "answers": self.answers}


class Amendment(models.Model):
    """A coordinator's correction of a locked read: a reason, before and after; the read stays as given."""

    read = models.ForeignKey(Read, on_delete=models.PROTECT, related_name="amendments")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField()
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        ordering = ["read", "at", "id"]

    def __str__(self) -> str:
        return f"Amendment of read {self.read_id} by {self.by} at {self.at:%Y-%m-%d}"


class ConsensusRead(models.Model):
    """A group's joint answer for a challenging case (paper): unaided first, then aided, clinical notes shown."""

    study = models.ForeignKey(ReaderStudy, on_delete=models.PROTECT, related_name="consensus_reads")
    group_name = models.CharField(max_length=100)
    readers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="consensus_reads")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="consensus_reads")
    arm = models.CharField(max_length=8, choices=ARM_CHOICES)
    answers = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False)
    clinical_notes_shown = models.BooleanField(default=True)
    ai_result = models.ForeignKey(
        "inference.InferenceResult", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ai_elements_shown = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["study", "group_name", "case", "arm"]
        constraints = [
            models.UniqueConstraint(fields=["study", "group_name", "case", "arm"], name="one_consensus_per_arm")
        ]

    def __str__(self) -> str:
        return f"{self.group_name} {self.arm} consensus on {self.case_id}"
