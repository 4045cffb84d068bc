"""DICOMweb (WADO-RS subset), AI overlays and the coordinator preview, mounted at ``/dicomweb/``.

URLs carry only UIDs (de-identified at import) and internal primary keys, never names or patient ids.
"""
from django.urls import path, register_converter

from reader_study.viewer import views


class UIDConverter:
    """A DICOM UID: digits and dots, at most 64 characters."""

    regex = r"[0-9][0-9.]{0,63}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class OverlayKindConverter:
    regex = "labelmap|heatmap"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UIDConverter, "uid")
register_converter(OverlayKindConverter, "overlay")

app_name = "viewer"
SERIES = "studies/<uid:study_uid>/series/<uid:series_uid>"
urlpatterns = [
    path(f"{SERIES}/metadata", views.series_metadata, name="series-metadata"),
    path(f"{SERIES}/instances/<uid:sop_uid>", views.instance, name="instance"),
    path(f"{SERIES}/instances/<uid:sop_uid>/frames/<int:frame>", views.frames, name="frames"),
    path("overlays/<int:result_pk>/<slug:phase>/<overlay:kind>", views.overlay, name="overlay"),
    path("preview/<int:case_pk>/", views.preview, name="preview"),
]
