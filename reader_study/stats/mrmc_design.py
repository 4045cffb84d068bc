"""Build and validate a fully crossed reader-study design (treatments x readers x cases) from long-format reads."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reader_study.stats.errors import MRMCDesignError

COLUMNS = ("reader", "treatment", "case", "truth", "rating")


@dataclass(frozen=True, eq=False)
class MRMCDesign:
    """Ratings of every reader on every case in every treatment; ``ratings`` has shape (t, r, c)."""

    treatments: tuple[str, ...]
    readers: tuple[str, ...]
    cases: tuple[str, ...]
    truth: np.ndarray
    ratings: np.ndarray


def natural_order(values: Iterable[str]) -> list[str]:
    """Sort labels numerically when all are numbers, else as strings (the CLI's treatment order)."""
    unique = list(dict.fromkeys(str(v) for v in values))
    try:
        return sorted(unique, key=float)
    except ValueError:
        return sorted(unique)


def _parse_rating(value: object, where: str) -> float:
    try:
        rating = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise MRMCDesignError(f"non-numeric rating {value!r} ({where})") from None
    if math.isnan(rating) or math.isinf(rating):
        raise MRMCDesignError(f"rating {value!r} is not a finite number ({where})")
    return rating


def _parse_truth(value: object, where: str) -> int:
    text = str(value).strip()
    if text not in ("0", "1", "0.0", "1.0", "True", "False"):
        raise MRMCDesignError(f"truth must be 0 or 1, got {value!r} ({where})")
    return 1 if text in ("1", "1.0", "True") else 0


def design_from_rows(rows: Iterable[Mapping[str, object]], treatment_order: Sequence[str] | None = None
                     ) -> MRMCDesign:
    """Return a validated :class:`MRMCDesign` from rows with keys reader, treatment, case, truth, rating.

    Parameters
    ----------
    rows : iterable of mapping
        One row per read. Labels are compared as strings.
    treatment_order : sequence of str, optional
        Treatment order (differences are reported later minus earlier). Default: :func:`natural_order`.

    Raises
    ------
    MRMCDesignError
        For a missing column, a non-numeric rating, truth not 0/1 or inconsistent within a case, a duplicate read,
        a reader missing a case (the analysis needs a fully crossed design), fewer than two readers or treatments,
        or a truth class absent.
    """
    reads: dict[tuple[str, str, str], float] = {}
    truth: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        missing = [c for c in COLUMNS if c not in row]
        if missing:
            raise MRMCDesignError(f"missing column(s) {', '.join(missing)} (row {number})")
        reader, treatment, case = (str(row[k]).strip() for k in ("reader", "treatment", "case"))
        where = f"row {number}: reader {reader}, treatment {treatment}, case {case}"
        rating, case_truth = _parse_rating(row["rating"], where), _parse_truth(row["truth"], where)
        if truth.setdefault(case, case_truth) != case_truth:
            raise MRMCDesignError(f"case {case} has truth {truth[case]} and {case_truth} ({where})")
        if (treatment, reader, case) in reads:
            raise MRMCDesignError(f"duplicate read ({where})")
        reads[(treatment, reader, case)] = rating
    if not reads:
        raise MRMCDesignError("no reads")
    return _assemble(reads, truth, treatment_order)


def design_from_mappings(ratings: Mapping[tuple[str, str, str], object], truth: Mapping[str, int],
                         treatment_order: Sequence[str] | None = None) -> MRMCDesign:
    """Return a validated design from {(treatment, reader, case): rating} and {case: 0/1} (no per-row parsing).

    A rating that is not a finite number (e.g. a missing confidence, ``None``) raises :class:`MRMCDesignError`
    naming the read.
    """
    parsed = {}
    for (treatment, reader, case), value in ratings.items():
        parsed[(str(treatment), str(reader), str(case))] = _parse_rating(
            value, f"reader {reader}, treatment {treatment}, case {case}")
    return _assemble(parsed, {str(k): int(v) for k, v in truth.items()}, treatment_order)


def _assemble(reads: dict[tuple[str, str, str], float], truth: dict[str, int],
              treatment_order: Sequence[str] | None) -> MRMCDesign:
    treatments, readers, cases, ratings = crossed_array(reads, treatment_order)
    truth_arr = np.array([truth[c] for c in cases], dtype=int)
    if truth_arr.min() == truth_arr.max():
        raise MRMCDesignError(f"one truth class only (all cases have truth {truth_arr[0]}): need diseased and "
                              "non-diseased cases")
    return MRMCDesign(treatments, readers, cases, truth_arr, ratings)


def crossed_array(reads: Mapping[tuple[str, str, str], float], treatment_order: Sequence[str] | None = None
                  ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], np.ndarray]:
    """Return (treatments, readers, cases, values (t, r, c)) from {(treatment, reader, case): value}.

    Raises
    ------
    MRMCDesignError
        For fewer than two readers or treatments, a treatment outside ``treatment_order``, or a missing read.
    """
    if not reads:
        raise MRMCDesignError("no reads")
    treatments = [str(t) for t in treatment_order] if treatment_order else natural_order(k[0] for k in reads)
    unknown = {k[0] for k in reads} - set(treatments)
    if unknown:
        raise MRMCDesignError(f"treatment(s) {sorted(unknown)} not in the treatment order {treatments}")
    readers, cases = natural_order(k[1] for k in reads), natural_order(k[2] for k in reads)
    if len(readers) < 2:
        raise MRMCDesignError(f"one reader only ({readers[0]}): random-reader analysis needs at least two readers")
    if len(treatments) < 2:
        raise MRMCDesignError(f"one treatment only ({treatments[0]}): need at least two to compare")
    values = np.full((len(treatments), len(readers), len(cases)), np.nan)
    t_index = {t: i for i, t in enumerate(treatments)}
    r_index = {r: j for j, r in enumerate(readers)}
    c_index = {c: k for k, c in enumerate(cases)}
    for (t, r, c), value in reads.items():
        values[t_index[t], r_index[r], c_index[c]] = value
    if np.isnan(values).any():
        missing = [f"reader {readers[j]} / treatment {treatments[i]} / case {cases[k]}"
                   for i, j, k in zip(*np.nonzero(np.isnan(values)))]
        raise MRMCDesignError(f"{len(missing)} missing read(s), the design must be fully crossed: "
                              + "; ".join(missing[:5]) + (" ..." if len(missing) > 5 else ""))
    return tuple(treatments), tuple(readers), tuple(cases), values
