"""The answer form: the study's scale, the origin only for metastases, every error at once."""
import pytest
from django.core.exceptions import ValidationError

from reader_study.studies.answers import validate_answers

from .conftest import ANSWERS, LM_ANSWERS


def codes(error: ValidationError) -> dict[str, set[str]]:
    return {field: {e.code for e in errors} for field, errors in error.error_dict.items()}


def test_valid_answers_are_returned_in_the_stored_shape():
    cleaned = validate_answers(LM_ANSWERS, confidence_scale="percent")
    assert cleaned["origin"] == "breast" and cleaned["class_confidence"] == {"HCC": 10, "ICC": 30, "LM": 60}
    assert cleaned["origin_confidence_by_class"] is None and cleaned["comment"] == "rim enhancement"


@pytest.mark.parametrize("value,ok", [(0, False), (1, True), (5, True), (6, False)])
def test_five_point_scale_edges(value, ok):
    answers = {**ANSWERS, "diagnosis_confidence": value}
    if ok:
        assert validate_answers(answers, confidence_scale="five_point")["diagnosis_confidence"] == value
    else:
        with pytest.raises(ValidationError) as error:
            validate_answers(answers, confidence_scale="five_point")
        assert "confidence_out_of_scale" in codes(error.value)["diagnosis_confidence"]


def test_all_problems_are_reported_together():
    answers = {**ANSWERS, "diagnosis": "HCC", "origin": "breast", "class_confidence": {"HCC": 120}}
    with pytest.raises(ValidationError) as error:
        validate_answers(answers, confidence_scale="percent")
    found = codes(error.value)
    assert "origin_not_applicable" in found["origin"]
    assert {"class_confidence_HCC", "class_confidence_ICC", "class_confidence_LM"} <= set(found)


def test_metastasis_needs_an_origin_and_its_confidence():
    with pytest.raises(ValidationError) as error:
        validate_answers({**LM_ANSWERS, "origin": None}, confidence_scale="percent")
    assert "origin_required" in codes(error.value)["origin"]
    with pytest.raises(ValidationError) as error:
        validate_answers({**LM_ANSWERS, "origin_confidence": None}, confidence_scale="percent")
    assert "origin_confidence_required" in codes(error.value)["origin_confidence"]


@pytest.mark.parametrize("bad", [[], "HCC", {"class_confidence": [1, 2, 3]}])
def test_malformed_payloads_are_validation_errors(bad):
    with pytest.raises(ValidationError):
        validate_answers(bad, confidence_scale="percent")
