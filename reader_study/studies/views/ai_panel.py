"""Shape the gated AI payload (PROTOCOL's ``do_show_ai_for_read``) for the reading page's panel."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from reader_study.vocabulary import ORIGIN_SYSTEMS, TUMOUR_CLASSES

from .. import services
from ..models import AIElement, Read

OVERLAY_LABELS = {"masks": "Liver and tumour masks", "heatmaps": "Heat map (Grad-CAM)"}


def _bars(probabilities: dict | None, keys, labels: dict, dominant: str | None) -> list[dict]:
    if not probabilities:
        return []
    return [{"key": key, "name": labels.get(key, key), "percent": round(100 * float(probabilities.get(key, 0.0))),
             "dominant": key == dominant} for key in keys if key in probabilities]


def ai_context(user, read: Read) -> dict | None:
    """Return what the AI panel shows, or None when the protocol does not allow AI output now."""
    try:
        payload = services.do_show_ai_for_read(user, read)
    except PermissionDenied:
        return None
    if not payload.get("available"):
        return {"result": None, "status": "not computed yet", "label": ""}
    result = services.ai_result_for(read.study, read.case)
    probabilities = payload.get("probabilities")
    dominant = payload.get("dominant_diagnosis") or None
    if dominant is None and probabilities:
        dominant = max(probabilities, key=probabilities.get)
    class_labels = {c.value: c.value for c in TUMOUR_CLASSES}
    origin_labels = {o.value: o.label for o in ORIGIN_SYSTEMS}
    overlays = [{"key": key, "label": OVERLAY_LABELS[key]} for key, on in payload.get("overlays", {}).items() if on]
    return {
        "result": result,
        "label": payload.get("model", {}).get("label", ""),
        "probabilities": _bars(probabilities, [c.value for c in TUMOUR_CLASSES], class_labels, dominant),
        "dominant": payload.get("dominant_diagnosis"),
        "dominant_label": dict((c.value, c.label) for c in TUMOUR_CLASSES).get(payload.get("dominant_diagnosis"), ""),
        "origins": _bars(payload.get("origin_probabilities"), [o.value for o in ORIGIN_SYSTEMS], origin_labels,
                         payload.get("dominant_origin")),
        "overlays": overlays,
        "elements": payload.get("elements", []),
        "shows_dominant": AIElement.DOMINANT_DIAGNOSIS in payload.get("elements", []),
    }
