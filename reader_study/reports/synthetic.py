"""A seeded synthetic study (reads, truth, AI output) for the benchmark and tests; never for real analyses."""
from __future__ import annotations

import numpy as np

from reader_study.reports.records import AIRecord, ReadRecord, StudyData
from reader_study.vocabulary import ORIGIN_SYSTEMS, TUMOUR_CLASSES

LABELS = tuple(c.value for c in TUMOUR_CLASSES)
ORIGINS = tuple(o.value for o in ORIGIN_SYSTEMS)


def _ai_records(rng: np.random.Generator, cases: list[str], truth: np.ndarray, origins: list) -> list[AIRecord]:
    logits = rng.normal(size=(len(cases), 3)) + 2.0 * np.eye(3)[truth]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return [AIRecord(case, LABELS[truth[k]], origins[k], dict(zip(LABELS, map(float, probs[k]))),
                     LABELS[int(probs[k].argmax())]) for k, case in enumerate(cases)]


def _reader_reads(rng, reader: str, group: str, cases: list[str], truth: np.ndarray, origins: list,
                  ai: list[AIRecord]) -> list[ReadRecord]:
    reads = []
    for arm, skill in (("unaided", 0.72), ("aided", 0.84)):
        for k, case in enumerate(cases):
            right = rng.random() < skill
            follow_ai = arm == "aided" and rng.random() < 0.5
            call = ai[k].final_class if follow_ai else (LABELS[truth[k]] if right else LABELS[rng.integers(0, 3)])
            confidence = {label: float(np.clip(rng.normal(70 if label == call else 25, 15), 0, 100))
                          for label in LABELS}
            origin = (origins[k] if rng.random() < 0.6 else ORIGINS[rng.integers(0, 6)]) if call == "LM" else None
            reads.append(ReadRecord(reader, group, arm, case, LABELS[truth[k]], origins[k], call, origin, confidence,
                                    active_seconds=float(rng.uniform(30, 300)),
                                    ai_elements_shown=("probabilities",) if arm == "aided" else ()))
    return reads


def synthetic_study(n_readers: int = 2, n_cases: int = 60, seed: int = 0) -> StudyData:
    """Return a fully crossed synthetic study: every reader reads every case unaided and aided."""
    rng = np.random.default_rng(seed)
    cases = [f"c{k:05d}" for k in range(n_cases)]
    truth = np.arange(n_cases) % 3
    origins = [ORIGINS[rng.integers(0, 6)] if t == 2 else None for t in truth]
    ai = _ai_records(rng, cases, truth, origins)
    reads = []
    for j in range(n_readers):
        reads += _reader_reads(rng, f"reader{j + 1}", "junior" if j % 2 == 0 else "senior", cases, truth, origins, ai)
    return StudyData(0, "synthetic", LABELS, ORIGINS, tuple(reads), tuple(ai), "synthetic model",
                     {"HCC": 0.4, "ICC": 0.4, "LM": 0.4})
