"""DICOMweb WADO-RS subset and AI-overlay endpoints; every request asks ``studies.access`` first.

Images: ``can_view_case_images``; overlays: ``can_view_ai_output`` (a reader in an unaided read gets 403, not a
hidden button). A SOP instance never changes under its UID, so answers are cached for a year, ``private`` because
they are patient images, with an ETag (If-None-Match gives 304 after the permission check).
"""
from __future__ import annotations

import gzip
import hashlib

from django.contrib.auth.decorators import user_passes_test
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from reader_study.cases.models import Case
from reader_study.studies import access
from reader_study.viewer import dicomweb, services

CACHE_FOREVER = "private, max-age=31536000, immutable"
FORBIDDEN = "You may not view these images now."


def _cached(request: HttpRequest, etag: str) -> HttpResponse | None:
    """Return a 304 when the client already holds this version."""
    quoted = f'"{etag}"'
    if quoted in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
        return _with_cache_headers(response, etag)
    return None


def _with_cache_headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["Cache-Control"] = CACHE_FOREVER
    response["ETag"] = f'"{etag}"'
    return response


def _series_or_403(request: HttpRequest, study_uid: str, series_uid: str):
    series = services.series_for(study_uid, series_uid)
    if series is None:
        raise Http404("No such series")
    if not access.can_view_case_images(request.user, series.study.case):
        return None
    return series


@require_safe
def series_metadata(request: HttpRequest, study_uid: str, series_uid: str) -> HttpResponse:
    """WADO-RS series metadata: one DICOM JSON object per instance, sorted along the slice normal."""
    series = _series_or_403(request, study_uid, series_uid)
    if series is None:
        return HttpResponseForbidden(FORBIDDEN)
    body = services.series_metadata_bytes(series)
    etag = hashlib.sha256(body).hexdigest()[:32]
    if not_modified := _cached(request, etag):
        return not_modified
    return _with_cache_headers(HttpResponse(body, content_type="application/dicom+json"), etag)


def _instance_or_403(request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str):
    inst = services.instance_for(study_uid, series_uid, sop_uid)
    if inst is None:
        raise Http404("No such instance")
    if not access.can_view_case_images(request.user, inst.series.study.case):
        return None
    return inst


@require_safe
def instance(request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str) -> HttpResponse:
    """WADO-RS instance retrieval as a single Part-10 file (``application/dicom``), byte for byte as stored."""
    inst = _instance_or_403(request, study_uid, series_uid, sop_uid)
    if inst is None:
        return HttpResponseForbidden(FORBIDDEN)
    if not_modified := _cached(request, inst.sha256):
        return not_modified
    response = FileResponse(open(services.media_path(inst.path), "rb"), content_type="application/dicom")
    return _with_cache_headers(response, inst.sha256)


@require_safe
def frames(request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str, frame: int) -> HttpResponse:
    """WADO-RS frames as multipart/related; compressed frames pass through with their transfer syntax."""
    inst = _instance_or_403(request, study_uid, series_uid, sop_uid)
    if inst is None:
        return HttpResponseForbidden(FORBIDDEN)
    etag = f"{inst.sha256[:32]}-f{frame}"
    if not_modified := _cached(request, etag):
        return not_modified
    try:
        data, media_type = services.frame_bytes(inst, frame)
    except dicomweb.FrameNotFound as exc:
        raise Http404(str(exc)) from exc
    body, content_type = dicomweb.multipart_related([(media_type, data)])
    return _with_cache_headers(HttpResponse(body, content_type=content_type), etag)


# The study setting (``ReaderStudy.ai_elements``) that must allow each overlay kind.
OVERLAY_ELEMENT = {"labelmap": "masks", "heatmap": "heatmaps"}


@require_safe
def overlay(request: HttpRequest, result_pk: int, phase: str, kind: str) -> HttpResponse:
    """An AI overlay (labelmap 0/1/2 or heat map 0..255) of one phase as raw uint8 (z, y, x), gzip-encoded."""
    result = services.inference_result(result_pk)
    if result is None:
        raise Http404("No finished result")
    if OVERLAY_ELEMENT[kind] not in access.ai_elements_for(request.user, result.case):
        return HttpResponseForbidden("You may not view this AI output for this case now.")
    payload = services.overlay_payload(result, phase, kind)
    if payload is None:
        raise Http404("No such overlay")
    if not_modified := _cached(request, payload.etag):
        return not_modified
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    body = payload.gzipped if accepts_gzip else gzip.decompress(payload.gzipped)
    response = HttpResponse(body, content_type="application/octet-stream")
    if accepts_gzip:
        response["Content-Encoding"] = "gzip"
    response["X-Overlay-Shape"] = ",".join(str(n) for n in payload.shape)
    response["Vary"] = "Accept-Encoding"
    return _with_cache_headers(response, payload.etag)


@user_passes_test(access.is_coordinator)
def preview(request: HttpRequest, case_pk: int) -> HttpResponse:
    """Coordinator preview of a case in the reading viewer, with AI overlays when a finished result exists."""
    case = get_object_or_404(Case, pk=case_pk)
    return render(request, "viewer/preview.html", {"case": case, "show_overlays": True})
