"""Agreement sections of the report: Cohen's kappa per reader pair and reader vs AI, Fleiss' kappa per arm."""
from __future__ import annotations

from itertools import combinations

from reader_study.reports.records import StudyData
from reader_study.stats.agreement import cohen_kappa, fleiss_counts, fleiss_kappa


def _calls(data: StudyData, reader: str, arm: str) -> dict[str, str]:
    return {r.case: r.diagnosis for r in data.reads if r.reader == reader and r.arm == arm}


def cohen_pairs(data: StudyData, options) -> list[dict]:
    """Cohen's kappa of the diagnosis for every reader pair and every reader vs the AI, per arm (common cases)."""
    ai = {a.case: a.final_class for a in data.ai}
    rows = []
    for arm in data.arms:
        calls = {reader: _calls(data, reader, arm) for reader in data.readers()}
        raters = [(reader, calls[reader]) for reader in data.readers()] + ([("AI", ai)] if ai else [])
        for (name_a, a), (name_b, b) in combinations(raters, 2):
            common = sorted(set(a) & set(b))
            if common:
                rows.append({"arm": arm, "rater_a": name_a, "rater_b": name_b,
                             "kappa": cohen_kappa([a[c] for c in common], [b[c] for c in common], data.labels)})
    return rows


def fleiss_by_arm(data: StudyData, options) -> dict:
    """Fleiss' kappa across all readers per arm on the cases every reader read, with a case-bootstrap CI."""
    out = {}
    readers = data.readers()
    for arm in data.arms:
        calls = {reader: _calls(data, reader, arm) for reader in readers}
        common = sorted(set.intersection(*(set(c) for c in calls.values()))) if readers else []
        if len(readers) >= 2 and len(common) >= 2:
            table = fleiss_counts([[calls[r][case] for r in readers] for case in common], data.labels)
            out[arm] = fleiss_kappa(table, options.n_bootstrap, options.seed)
    return out
