"""The study's questions as a Django form, used by the reading page and the API alike.

Answers are stored as JSON (contract 7)::

    {"diagnosis": "HCC" | "ICC" | "LM", "diagnosis_confidence": int,
     "origin": one of the six origin systems or None, "origin_confidence": int or None,
     "class_confidence": {"HCC": 0-100, "ICC": 0-100, "LM": 0-100},
     "origin_confidence_by_class": {origin: 0-100, ...} (optional), "comment": str}

``diagnosis_confidence`` and ``origin_confidence`` use the study's scale
(0-100 or 1-5); ``class_confidence`` is always 0-100 so that ROC and MRMC
analyses see one scale in every study.
"""
from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from reader_study.vocabulary import ORIGIN_SYSTEMS, TUMOUR_CLASSES, TumourClass

SCALE_RANGES = {"percent": (0, 100), "five_point": (1, 5)}
CLASS_KEYS = tuple(c.value for c in TUMOUR_CLASSES)
ORIGIN_KEYS = tuple(o.value for o in ORIGIN_SYSTEMS)


class ReadAnswersForm(forms.Form):
    """Diagnosis, origin if metastasis, confidences and a comment, checked against the study's scale."""

    diagnosis = forms.ChoiceField(choices=[(c.value, c.label) for c in TUMOUR_CLASSES])
    diagnosis_confidence = forms.IntegerField()
    origin = forms.ChoiceField(choices=[("", "—")] + [(o.value, o.label) for o in ORIGIN_SYSTEMS], required=False)
    origin_confidence = forms.IntegerField(required=False)
    comment = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, confidence_scale: str = "percent", **kwargs: Any):
        super().__init__(*args, **kwargs)
        low, high = SCALE_RANGES[confidence_scale]
        self.scale = (low, high)
        for name in ("diagnosis_confidence", "origin_confidence"):
            self.fields[name].widget.attrs.update({"min": low, "max": high})
        for key in CLASS_KEYS:
            self.fields[f"class_confidence_{key}"] = forms.IntegerField(
                min_value=0, max_value=100, label=f"Confidence {key} (0-100)"
            )
        for key in ORIGIN_KEYS:
            self.fields[f"origin_confidence_by_class_{key}"] = forms.IntegerField(
                min_value=0, max_value=100, required=False
            )

    def _check_range(self, name: str) -> None:
        value = self.cleaned_data.get(name)
        low, high = self.scale
        if value is not None and not low <= value <= high:
            self.add_error(name, ValidationError(
                "%(value)s is outside the study's confidence scale %(low)s-%(high)s.",
                code="confidence_out_of_scale", params={"value": value, "low": low, "high": high},
            ))

    def clean(self) -> dict:
        cleaned = super().clean()
        self._check_range("diagnosis_confidence")
        self._check_range("origin_confidence")
        is_metastasis = cleaned.get("diagnosis") == TumourClass.METASTASIS.value
        if is_metastasis and not cleaned.get("origin"):
            self.add_error("origin", ValidationError(
                "A liver metastasis needs a primary origin; choose one of the six systems.", code="origin_required"
            ))
        if cleaned.get("diagnosis") and not is_metastasis and cleaned.get("origin"):
            self.add_error("origin", ValidationError(
                "An origin is asked only for a liver metastasis; clear it or change the diagnosis.",
                code="origin_not_applicable",
            ))
        if cleaned.get("origin") and cleaned.get("origin_confidence") is None:
            self.add_error("origin_confidence", ValidationError(
                "Give a confidence for the origin.", code="origin_confidence_required"
            ))
        return cleaned

    def answers(self) -> dict:
        """Return the validated answers as stored JSON (call after ``is_valid()``)."""
        data = self.cleaned_data
        origin = data.get("origin") or None
        by_class = {k: data[f"origin_confidence_by_class_{k}"] for k in ORIGIN_KEYS
                    if data.get(f"origin_confidence_by_class_{k}") is not None}
        return {
            "diagnosis": data["diagnosis"],
            "diagnosis_confidence": data["diagnosis_confidence"],
            "origin": origin,
            "origin_confidence": data.get("origin_confidence") if origin else None,
            "class_confidence": {k: data[f"class_confidence_{k}"] for k in CLASS_KEYS},
            "origin_confidence_by_class": by_class or None,
            "comment": data.get("comment") or "",
        }


def form_data_from_answers(answers: dict) -> dict:
    """Flatten stored/JSON answers into form data (the API posts JSON)."""
    if not isinstance(answers, dict):
        raise ValidationError("Answers must be a JSON object.", code="answers_not_object")
    data = {k: answers.get(k) for k in ("diagnosis", "diagnosis_confidence", "origin", "origin_confidence",
                                         "comment")}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for group, keys in (("class_confidence", CLASS_KEYS), ("origin_confidence_by_class", ORIGIN_KEYS)):
        values = answers.get(group) or {}
        if not isinstance(values, dict):
            raise ValidationError(f"{group} must be an object keyed by class.", code="confidence_not_object")
        for key in keys:
            value = values.get(key)
            data[f"{group}_{key}"] = "" if value is None else value
    return data


def validate_answers(answers: dict, *, confidence_scale: str) -> dict:
    """Return cleaned answers or raise ``ValidationError`` with every field error at once."""
    form = ReadAnswersForm(data=form_data_from_answers(answers), confidence_scale=confidence_scale)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.answers()
