"""Shape the gated AI payload (PROTOCOL's ``do_show_ai_for_read``) for the reading page's panel."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from reader_study.vocabulary import ORIGIN_SYSTEMS, TUMOUR_CLASSES

from .. import services
from ..models import Read

OVERLAY_LABELS = {"masks": "Liver and tumour masks", "heatmaps": "Heat map (Grad-CAM)"}


def _bars(probabilities: dict | None, keys, labels: dict, dominant: str | None) -> list[dict]:
    if not probabilities:
        return []
    return [{"key": key, "name": labels.get(key, key), "percent": round(100 * float(probabilities.get(key, 0.0))),
             "dominant": key == dominant} for key in keys if key in probabilities]


def ai_context(user, read: Read) -> dict | None:
    """Return what the AI panel shows for a read, or None when the protocol does not allow AI output now."""
    try:
        payload = services.do_show_ai_for_read(user, read)
    except PermissionDenied:
        return None
    return panel(payload, services.ai_result_for(read.study, read.case))


def panel(payload: dict, result) -> dict:
    """Shape one gated payload (``ai_payload``) for the ``_ai_panel.html`` template."""
    if not payload.get("available"):
        return {"result": None, "status": "not computed yet", "label": ""}
    probabilities = payload.get("probabilities")
    dominant = payload.get("dominant_diagnosis") or None
    class_labels = {c.value: c.value for c in TUMOUR_CLASSES}
    origin_labels = {o.value: o.label for o in ORIGIN_SYSTEMS}
    overlays = [{"key": key, "label": OVERLAY_LABELS[key]} for key, on in payload.get("overlays", {}).items() if on]
    return {
        "result": result,
        "label": payload.get("model", {}).get("label", ""),
        "probabilities": _bars(probabilities, [c.value for c in TUMOUR_CLASSES], class_labels, dominant),
        "dominant": dominant,
        "dominant_label": {c.value: c.label for c in TUMOUR_CLASSES}.get(dominant or "", ""),
        "origins": _bars(payload.get("origin_probabilities"), [o.value for o in ORIGIN_SYSTEMS], origin_labels,
                         payload.get("dominant_origin")),
        "overlays": overlays,
        "elements": payload.get("elements", []),
    }
