"""Who may see what, now (contract 4). Every view and API of every app asks these questions.

* ``is_coordinator(user)``: staff or superuser accounts; they may create studies.
* ``is_study_coordinator(user, study)``: a coordinator of that study (or a superuser).
* ``can_view_case_images(user, case)``: coordinators of a study containing the case; readers enrolled in an
  *open* study containing the case while they have an opened session that includes it.
* ``can_view_ai_output(user, case)``: coordinators; readers only when the protocol allows AI for that case now
  (their unaided read is locked and the design allows aided viewing; see ``reader_study.protocol.blinding``).

Never duplicate these rules elsewhere; call them.
"""
from __future__ import annotations

from typing import Any


def is_coordinator(user: Any) -> bool:
    """Return True for study coordinators (and superusers)."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_staff or user.is_superuser))


def is_study_coordinator(user: Any, study: Any) -> bool:
    """Return True when ``user`` coordinates ``study`` (superusers coordinate every study)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or study.coordinators.filter(pk=user.pk).exists())


def _coordinates_a_study_with(user: Any, case: Any) -> bool:
    from .models import ReaderStudy

    return user.is_superuser or ReaderStudy.objects.filter(coordinators=user, study_cases__case=case).exists()


def _open_enrolled_studies_with(user: Any, case: Any):
    from .models import ReaderStudy

    return ReaderStudy.objects.filter(
        status=ReaderStudy.Status.OPEN, enrolments__reader=user, study_cases__case=case
    ).distinct()


def can_view_case_images(user: Any, case: Any) -> bool:
    """Return True when ``user`` may load the images of ``case`` now."""
    from .models import ReadingSession

    if not getattr(user, "is_authenticated", False):
        return False
    if _coordinates_a_study_with(user, case):
        return True
    orders = ReadingSession.objects.filter(
        reader=user, study__status="open", study__enrolments__reader=user, study__study_cases__case=case
    ).values_list("case_order", flat=True)
    return any(entry["case"] == case.pk for order in orders for entry in order)


def can_view_ai_output(user: Any, case: Any) -> bool:
    """Return True when ``user`` may see ALMSS output (probabilities, masks, heat maps) of ``case`` now."""
    from reader_study.protocol import may_show_ai

    from .services.facts import reader_state

    if not getattr(user, "is_authenticated", False):
        return False
    if is_coordinator(user):
        return True
    return any(may_show_ai(reader_state(study, user, cases=[case.pk]), case.pk)
               for study in _open_enrolled_studies_with(user, case))


def ai_elements_for(user: Any, case: Any) -> frozenset[str]:
    """Return which AI elements (``AIElement`` values) ``user`` may see for ``case`` now; empty when none.

    Coordinators get every element; a reader gets the union of ``ai_elements`` over the open studies
    whose protocol allows AI for that case now. Overlay endpoints should require "heatmaps" for heat
    maps and "masks" for label maps (an addition to contract 4).
    """
    from reader_study.protocol import may_show_ai

    from .models import all_ai_elements
    from .services.facts import reader_state

    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if is_coordinator(user):
        return frozenset(all_ai_elements())
    allowed: set[str] = set()
    for study in _open_enrolled_studies_with(user, case):
        if may_show_ai(reader_state(study, user, cases=[case.pk]), case.pk):
            allowed.update(study.ai_elements)
    return frozenset(allowed)
