"""Training samples from the database for ``train_almss`` / ``evaluate_almss`` (truth allowed: not reader-facing).

Cases of a cohort with their ``CaseTruth``, the four phase series (``load_series_volume``) and the
reference masks (``load_mask``; 0 background / 1 liver / 2 tumour on each phase's grid).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from inference.almss.data import Sample
from inference.almss.preprocess import PhaseInput
from reader_study.vocabulary import PHASES


def database_samples(cohort: str, warn: Callable[[str], None]) -> Iterator[Sample]:
    """Yield the cohort's cases that have truth, four series and four reference masks; warn about the rest."""
    from reader_study.cases.models import Case, CaseTruth, ReferenceMask, Series
    from reader_study.cases.volumes import load_mask, load_series_volume

    truths = {t.case_id: t for t in CaseTruth.objects.filter(case__cohort=cohort)}
    for case in Case.objects.filter(cohort=cohort).order_by("case_id"):
        truth = truths.get(case.pk)
        series = {s.phase: s for s in Series.objects.filter(study__case=case)}
        masks = {m.phase: m for m in ReferenceMask.objects.filter(case=case)}
        missing = [p.value for p in PHASES if p.value not in series or p.value not in masks]
        if truth is None or missing:
            reason = "no truth" if truth is None else f"no series or reference mask for {', '.join(missing)}"
            warn(f"skipping case {case.case_id}: {reason}")
            continue
        inputs = {}
        for phase in PHASES:
            volume = load_series_volume(series[phase.value])
            inputs[phase] = PhaseInput.from_labelmap(volume.hu, load_mask(masks[phase.value]), volume.spacing_zyx)
        yield Sample(inputs, case.age, case.sex, truth.tumour_class, truth.origin or None, case.case_id)
