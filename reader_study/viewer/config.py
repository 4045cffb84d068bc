"""What the browser viewer is told about a case: series URLs per phase, window presets and (maybe) overlay URLs.

The same permission functions as the endpoints decide what goes in: no overlay URL is ever handed to a user who
may not see AI output (and the endpoints refuse them anyway).
"""
from __future__ import annotations

from typing import Any

from django.apps import apps
from django.templatetags.static import static
from django.urls import reverse

from reader_study.studies import access
from reader_study.viewer import services
from reader_study.vocabulary import PHASES, Phase

# Window presets (width, level) in HU. Liver: enhanced phases 150/90, unenhanced 150/50 (notes/viewer.md §1.7).
ABDOMEN = (400, 50)
LIVER_ENHANCED = (150, 90)
LIVER_UNENHANCED = (150, 50)


def presets_for(phase: Phase) -> dict[str, tuple[int, int]]:
    """Return the window presets of a phase."""
    liver = LIVER_UNENHANCED if phase == Phase.PRE_CONTRAST else LIVER_ENHANCED
    return {"abdomen": ABDOMEN, "liver": liver}


def latest_result(case: Any):
    """Return the newest finished inference result of a case, or None."""
    model = apps.get_model("inference", "InferenceResult")
    return model.objects.filter(case=case, status="done").order_by("-created_at").first()


def overlay_config(result: Any) -> dict:
    """Return overlay URLs per phase (versioned by file, so the immutable caching stays correct)."""
    phases = {}
    for phase in PHASES:
        version = services.overlay_version(result, phase.value)
        if version == "0":
            continue
        phases[phase.value] = {
            kind: reverse("viewer:overlay", args=[result.pk, phase.value, kind]) + f"?v={version}"
            for kind in services.OVERLAY_KINDS
        }
    return {"resultId": result.pk, "phases": phases}


def viewer_config(user: Any, case: Any, *, show_overlays: bool = False, ai_result: Any = None) -> dict | None:
    """Return the viewer configuration, or None when ``user`` may not see the images of ``case`` now."""
    if case is None or not access.can_view_case_images(user, case):
        return None
    study = getattr(case, "imaging_study", None)
    series_by_phase = {s.phase: s for s in study.series.all()} if study else {}
    root = reverse("viewer:series-metadata", args=["1", "1"]).split("/studies/")[0]
    phases = []
    for phase in PHASES:
        series = series_by_phase.get(phase.value)
        phases.append({
            "phase": phase.value,
            "label": phase.label,
            "seriesUid": series.series_instance_uid if series else None,
            "slices": series.slice_count if series else 0,
            "presets": presets_for(phase),
        })
    overlays = None
    # The viewer draws both overlays together, so it gets them only when the study shows masks and heat maps.
    if show_overlays and {"masks", "heatmaps"} <= access.ai_elements_for(user, case):
        result = ai_result or latest_result(case)
        if getattr(result, "status", None) == "done" and getattr(result, "case_id", None) == case.pk:
            overlays = overlay_config(result)
    return {
        "dicomweb": root,
        "staticBase": static("viewer/dist/"),
        "studyUid": study.study_instance_uid if study else None,
        "phases": phases,
        "overlays": overlays,
    }
