"""REST API (DRF): the same services and permission rules as the pages.

Errors: 403 who (``PermissionDenied``), 404 what you may not know exists,
409 when (``ProtocolError``: every violation with its code and ``opens_at``),
400 what (bad answers or settings). Session authentication enforces CSRF on
every unsafe method; token authentication is for scripts.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from reader_study.cases.models import Case
from reader_study.protocol import ProtocolError

from . import serializers as s
from . import services
from .access import is_study_coordinator
from .models import ConsensusRead, Read, ReaderStudy, ReadingSession, StudyCase

CONFLICT = OpenApiResponse(s.ProtocolErrorSerializer, description="Refused by the protocol (with opening date).")


class ServiceErrorsMixin:
    """Translate service errors into HTTP answers; nothing was changed when they are raised."""

    def handle_exception(self, exc):
        if isinstance(exc, ProtocolError):
            violations = [{"code": v.code, "message": v.message, "opens_at": v.opens_at} for v in exc.violations]
            body = s.ProtocolErrorSerializer({"detail": str(exc), "violations": violations, "opens_at": exc.opens_at})
            return Response(body.data, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            exc = ValidationError(detail)
        return super().handle_exception(exc)


class StudyViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Studies: readers see the studies they are enrolled in; coordinators the ones they coordinate."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return services.studies_for(self.request.user).prefetch_related("coordinators")

    def get_serializer_class(self):
        if self.action in ("create", "partial_update", "update"):
            return s.CoordinatorStudySerializer
        study = getattr(self, "_study", None)
        if self.action == "retrieve" and study is not None and is_study_coordinator(self.request.user, study):
            return s.CoordinatorStudySerializer
        return s.StudySerializer

    def get_object(self):
        self._study = super().get_object()
        return self._study

    def _coordinated(self) -> ReaderStudy:
        study = self.get_object()
        services.check_can_coordinate(self.request.user, study)
        return study

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("reason", None)
        serializer.instance = services.do_create_study(self.request.user, **data)

    def perform_update(self, serializer):
        study = self._coordinated()
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        serializer.instance = services.do_configure_study(self.request.user, study, reason=reason, **data)

    @extend_schema(methods=["get"], responses=s.StudyCaseSerializer(many=True))
    @extend_schema(methods=["post"], request=s.SetCasesSerializer, responses=s.StudyCaseSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def cases(self, request, pk=None):
        """GET: the study's cases by opaque key. POST (coordinators, draft studies): replace the case list."""
        study = self.get_object()
        if request.method == "POST":
            study = self._coordinated()
            payload = s.SetCasesSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            wanted = set(payload.validated_data["case_ids"])
            cases = list(Case.objects.filter(case_id__in=wanted))
            unknown = sorted(wanted - {c.case_id for c in cases})
            if unknown:
                raise ValidationError({"case_ids": [f"Unknown case id(s): {', '.join(unknown[:10])}."]})
            services.do_set_cases(request.user, study, cases)
        rows = StudyCase.objects.filter(study=study).select_related("case").order_by("key")
        return Response(s.StudyCaseSerializer(rows, many=True).data)

    @extend_schema(responses=s.SessionStatusSerializer(many=True))
    @action(detail=True, methods=["get"])
    def sessions(self, request, pk=None):
        study = self.get_object()
        opened = {x.number: x for x in ReadingSession.objects.filter(study=study, reader=request.user)}
        rows = []
        for status_ in services.reader_sessions(study, request.user):
            session = opened.get(status_.number)
            rows.append({
                "number": status_.number, "state": status_.state.value, "total": status_.total,
                "locked": status_.locked, "opens_at": status_.opens_at, "message": status_.message,
                "opened_at": session.opened_at if session else None,
                "completed_at": session.completed_at if session else None,
                "worklist": [vars(i) for i in services.worklist(session)] if session else [],
            })
        return Response(s.SessionStatusSerializer(rows, many=True).data)

    @extend_schema(request=None, responses={201: s.SessionStatusSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path=r"sessions/(?P<number>[0-9]+)/open")
    def open_session(self, request, pk=None, number=None):
        study = self.get_object()
        session = services.do_open_session(study, request.user, int(number))
        current = next(x for x in services.reader_sessions(study, request.user) if x.number == session.number)
        body = {"number": session.number, "state": current.state.value, "total": current.total,
                "locked": current.locked, "opens_at": None, "message": "",
                "opened_at": session.opened_at, "completed_at": session.completed_at,
                "worklist": [vars(i) for i in services.worklist(session)]}
        return Response(s.SessionStatusSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.ProgressSerializer(many=True))
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        study = self._coordinated()
        return Response(s.ProgressSerializer(services.study_progress(request.user, study), many=True).data)

    @extend_schema(request=s.EnrolSerializer, responses={201: s.EnrolSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        study = self._coordinated()
        payload = s.EnrolSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reader = get_user_model().objects.filter(username=payload.validated_data["reader"], is_active=True).first()
        if reader is None:
            raise ValidationError({"reader": ["No active user with this username."]})
        services.do_enrol_reader(request.user, study, reader)
        return Response({"reader": reader.username}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.CoordinatorStudySerializer)
    @action(detail=True, methods=["post"], url_path="open")
    def open_study(self, request, pk=None):
        study = services.do_open_study(request.user, self._coordinated())
        return Response(s.CoordinatorStudySerializer(study).data)

    @extend_schema(request=None, responses=s.CoordinatorStudySerializer)
    @action(detail=True, methods=["post"], url_path="close")
    def close_study(self, request, pk=None):
        study = services.do_close_study(request.user, self._coordinated())
        return Response(s.CoordinatorStudySerializer(study).data)

    @extend_schema(responses=s.AIPayloadSerializer)
    @action(detail=True, methods=["get"], url_path=r"cases/(?P<key>[A-Z0-9]+)/ai")
    def case_ai(self, request, pk=None, key=None):
        """AI output of a study case for coordinators (readers get it through their aided read)."""
        study = self._coordinated()
        study_case = get_object_or_404(StudyCase, study=study, key=key)
        return Response(services.ai_payload(study, services.ai_result_for(study, study_case.case)))


    def _group(self, study: ReaderStudy, data: dict):
        users = list(get_user_model().objects.filter(username__in=data["readers"]))
        if len(users) != len(set(data["readers"])):
            raise ValidationError({"readers": ["Every member must be an existing username."]})
        study_case = get_object_or_404(StudyCase, study=study, key=data["case_key"])
        return users, study_case.case

    @extend_schema(methods=["get"], responses=s.ConsensusReadSerializer(many=True))
    @extend_schema(methods=["post"], request=s.SubmitConsensusSerializer,
                   responses={201: s.ConsensusReadSerializer, 409: CONFLICT})
    @action(detail=True, methods=["get", "post"])
    def consensus(self, request, pk=None):
        """Challenging-case mode: a group's joint answers (coordinators see all; readers their groups')."""
        study = self.get_object()
        if request.method == "GET":
            rows = ConsensusRead.objects.filter(study=study).prefetch_related("readers")
            if not is_study_coordinator(request.user, study):
                rows = rows.filter(readers=request.user)
            return Response(s.ConsensusReadSerializer(rows, many=True).data)
        payload = s.SubmitConsensusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        readers, case = self._group(study, payload.validated_data)
        consensus = services.do_submit_consensus(request.user, study, readers=readers, case=case,
                                                 arm=payload.validated_data["arm"],
                                                 answers=payload.validated_data["answers"])
        return Response(s.ConsensusReadSerializer(consensus).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ConsensusGroupSerializer, responses={200: s.AIPayloadSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="consensus/ai")
    def consensus_ai(self, request, pk=None):
        """AI output for a group's aided answer, once its unaided answer is locked."""
        study = self.get_object()
        payload = s.ConsensusGroupSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        readers, case = self._group(study, payload.validated_data)
        return Response(services.consensus_ai_payload(request.user, study, readers=readers, case=case))


class ReadViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reads: a reader lists and acts on their own; a coordinator lists the reads of studies they coordinate."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Read.objects.none()
        user = self.request.user
        own = Read.objects.filter(reader=user)
        if user.is_superuser:
            queryset = Read.objects.all()
        else:
            queryset = own | Read.objects.filter(study__coordinators=user)
        study = self.request.query_params.get("study")
        if study and study.isdigit():
            queryset = queryset.filter(study_id=int(study))
        return queryset.distinct().select_related("session").prefetch_related("amendments__by", "reader")

    def get_serializer_class(self):
        if self.request.user.is_staff or self.request.user.is_superuser:
            return s.CoordinatorReadSerializer
        return s.ReadSerializer

    def _own(self) -> Read:
        read = self.get_object()
        services.check_owns_read(self.request.user, read)
        return read

    @extend_schema(request=s.StartReadSerializer, responses={201: s.ReadSerializer, 409: CONFLICT})
    def create(self, request):
        payload = s.StartReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        study = get_object_or_404(services.studies_for(request.user), pk=data["study"])
        study_case = get_object_or_404(StudyCase, study=study, key=data["case_key"])
        read = services.do_start_read(study, request.user, study_case.case, data["arm"])
        return Response(s.ReadSerializer(read).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AnswersSerializer, responses={200: s.ReadSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        read = self._own()
        payload = s.AnswersSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        read = services.do_submit_read(request.user, read, payload.validated_data["answers"])
        return Response(s.ReadSerializer(read).data)

    @extend_schema(request=s.HeartbeatSerializer, responses=s.ReadSerializer)
    @action(detail=True, methods=["post"])
    def heartbeat(self, request, pk=None):
        read = self._own()
        payload = s.HeartbeatSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        read = services.do_record_heartbeat(request.user, read, payload.validated_data["seconds"])
        return Response(s.ReadSerializer(read).data)

    @extend_schema(responses=s.AIPayloadSerializer)
    @action(detail=True, methods=["get"])
    def ai(self, request, pk=None):
        """The AI output allowed in this aided read; records which result and elements were shown."""
        return Response(services.do_show_ai_for_read(request.user, self._own()))

    @extend_schema(request=s.AmendSerializer, responses={201: s.AmendmentSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        read = self.get_object()
        if read.reader_id == request.user.pk:
            raise PermissionDenied("Readers cannot amend reads; ask a coordinator.")
        payload = s.AmendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        amendment = services.do_amend_read(request.user, read, data["answers"], data["reason"])
        return Response(s.AmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)
