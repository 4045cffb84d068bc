"""REST serializers. Readers get reader-safe fields only: cases by opaque key, never the manifest id or truth."""
from __future__ import annotations

from rest_framework import serializers

from .models import AIElement, Amendment, ConsensusRead, Read, ReaderStudy, StudyCase


class StudySerializer(serializers.ModelSerializer):
    """What a reader may know about a study."""

    class Meta:
        model = ReaderStudy
        fields = ["id", "name", "description", "design", "washout_days", "status", "confidence_scale",
                  "ai_elements", "show_clinical_notes", "is_pilot"]
        read_only_fields = fields


class CoordinatorStudySerializer(serializers.ModelSerializer):
    """A coordinator's view and the writable configuration (writes go through the audited services)."""

    coordinators = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    ai_elements = serializers.ListField(child=serializers.ChoiceField(choices=AIElement.choices), required=False)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                   help_text="Why (recorded in the audit trail; needed to shorten a pilot washout).")

    class Meta:
        model = ReaderStudy
        fields = ["id", "name", "description", "design", "washout_days", "is_pilot", "ai_elements",
                  "show_clinical_notes", "confidence_scale", "model_version", "status", "config_locked_at",
                  "created_at", "coordinators", "reason"]
        read_only_fields = ["id", "status", "config_locked_at", "created_at", "coordinators"]


class StudyCaseSerializer(serializers.ModelSerializer):
    """A case as a reader sees it: opaque per-study key, age, sex."""

    age = serializers.IntegerField(source="case.age", read_only=True)
    sex = serializers.CharField(source="case.sex", read_only=True)

    class Meta:
        model = StudyCase
        fields = ["key", "age", "sex"]


class SetCasesSerializer(serializers.Serializer):
    case_ids = serializers.ListField(child=serializers.CharField(), help_text="Manifest case ids (coordinators).")


class WorklistItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    case_key = serializers.CharField()
    arm = serializers.CharField()
    read_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()


class SessionStatusSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    state = serializers.CharField()
    total = serializers.IntegerField()
    locked = serializers.IntegerField()
    opens_at = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField()
    opened_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    worklist = WorklistItemSerializer(many=True)


class ProgressSessionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    state = serializers.CharField()
    locked = serializers.IntegerField()
    total = serializers.IntegerField()
    opened_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    opens_at = serializers.DateTimeField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    reader = serializers.CharField()
    reader_id = serializers.IntegerField()
    experience = serializers.CharField()
    crossover_group = serializers.IntegerField()
    sessions = ProgressSessionSerializer(many=True)


class ReadSerializer(serializers.ModelSerializer):
    case_key = serializers.SerializerMethodField()
    session_number = serializers.IntegerField(source="session.number", read_only=True)

    class Meta:
        model = Read
        fields = ["id", "study", "case_key", "arm", "session_number", "answers", "started_at", "submitted_at",
                  "active_seconds", "locked", "ai_result", "ai_elements_shown"]
        read_only_fields = fields

    def get_case_key(self, read: Read) -> str:
        keys = self.context.setdefault("case_keys", {})
        if read.study_id not in keys:
            keys[read.study_id] = dict(StudyCase.objects.filter(study_id=read.study_id).values_list("case_id", "key"))
        return keys[read.study_id].get(read.case_id, "")


class AmendmentSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = Amendment
        fields = ["id", "read", "by", "at", "reason", "before", "after"]
        read_only_fields = fields


class CoordinatorReadSerializer(ReadSerializer):
    reader = serializers.CharField(source="reader.username", read_only=True)
    amendments = AmendmentSerializer(many=True, read_only=True)

    class Meta(ReadSerializer.Meta):
        fields = ReadSerializer.Meta.fields + ["reader", "amendments"]
        read_only_fields = fields


class StartReadSerializer(serializers.Serializer):
    study = serializers.IntegerField()
    case_key = serializers.CharField(max_length=16)
    arm = serializers.ChoiceField(choices=["unaided", "aided"])


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(help_text="See reader_study.studies.answers for the fields.")


class AmendSerializer(AnswersSerializer):
    reason = serializers.CharField()


class HeartbeatSerializer(serializers.Serializer):
    seconds = serializers.FloatField(min_value=0)


class EnrolSerializer(serializers.Serializer):
    reader = serializers.CharField(help_text="Username of the reader.")


class AIPayloadSerializer(serializers.Serializer):
    available = serializers.BooleanField()
    elements = serializers.ListField(child=serializers.CharField())
    result_id = serializers.IntegerField(required=False)
    model = serializers.DictField(required=False)
    probabilities = serializers.DictField(child=serializers.FloatField(), required=False, allow_null=True)
    dominant_diagnosis = serializers.CharField(required=False)
    origin_probabilities = serializers.DictField(child=serializers.FloatField(), required=False, allow_null=True)
    dominant_origin = serializers.CharField(required=False, allow_null=True)
    overlays = serializers.DictField(child=serializers.BooleanField(), required=False)


class ConsensusReadSerializer(serializers.ModelSerializer):
    readers = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    case_key = serializers.SerializerMethodField()

    class Meta:
        model = ConsensusRead
        fields = ["id", "study", "group_name", "readers", "case_key", "arm", "answers", "submitted_at", "locked",
                  "clinical_notes_shown", "ai_result", "ai_elements_shown"]
        read_only_fields = fields

    def get_case_key(self, consensus: ConsensusRead) -> str:
        return StudyCase.objects.filter(study_id=consensus.study_id, case_id=consensus.case_id).values_list(
            "key", flat=True).first() or ""


class ConsensusGroupSerializer(serializers.Serializer):
    readers = serializers.ListField(child=serializers.CharField(), min_length=2, help_text="Usernames.")
    case_key = serializers.CharField(max_length=16)


class SubmitConsensusSerializer(ConsensusGroupSerializer):
    arm = serializers.ChoiceField(choices=["unaided", "aided"])
    answers = serializers.DictField()


class ViolationSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    opens_at = serializers.DateTimeField(allow_null=True)


class ProtocolErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    violations = ViolationSerializer(many=True)
    opens_at = serializers.DateTimeField(allow_null=True)
