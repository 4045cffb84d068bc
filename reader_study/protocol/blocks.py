"""Balanced split of a study's cases into blocks A and B for the crossover design.

Balancing by diagnosis needs the truth, which this module never sees: the
caller passes a *stratification key* per case (computed by a coordinator-side
service, e.g. the tumour class) or nothing. Within each stratum the cases are
shuffled with a fixed seed and dealt alternately, and the dealing continues
across strata so that odd strata do not pile up in one block.
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping

from .designs import Block


def assign_blocks(
    cases: Iterable[Hashable], *, seed: int, strata: Mapping[Hashable, Hashable] | None = None
) -> dict[Hashable, Block]:
    """Return case -> Block with block sizes differing by at most one overall and within each stratum."""
    by_stratum: dict[str, list] = defaultdict(list)
    for case in sorted(cases):
        key = "" if strata is None else str(strata.get(case, ""))
        by_stratum[key].append(case)
    rng = random.Random(seed)
    result: dict[Hashable, Block] = {}
    next_block = 0
    for key in sorted(by_stratum):
        members = by_stratum[key]
        rng.shuffle(members)
        for case in members:
            result[case] = (Block.A, Block.B)[next_block]
            next_block = 1 - next_block
    return result
