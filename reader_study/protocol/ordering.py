"""Seeded, reproducible case order per reader and per session.

The seed derives from (study, reader, session number) through SHA-256, not
Python's ``hash`` (salted per process), so that it is stable across machines
and releases and the two sessions of one reader get different orders. The
service stores both the seed and the resulting order; resuming reads the
stored order and never reshuffles.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from .designs import Arm, PlannedItem, SessionPlan

SEED_BITS = 63  # fits a signed 64-bit database column


def derive_seed(study_id: int, reader_id: int, session_number: int, *, salt: str = "reader-study-order-v1") -> int:
    """Return the stable seed of one reader's session."""
    text = f"{salt}:{study_id}:{reader_id}:{session_number}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") >> (64 - SEED_BITS)


def shuffled(values: Sequence, seed: int) -> list:
    """Return a shuffled copy of ``values`` (sorted first, so input order never matters)."""
    result = sorted(values)
    random.Random(seed).shuffle(result)
    return result


def order_session(plan: SessionPlan, seed: int) -> list[PlannedItem]:
    """Return the reading order of one session.

    Cases are shuffled; within a case the unaided read always comes before the
    aided one (the sequential design). In a crossover session the unaided block
    is read first, so no AI output has been shown earlier in the sitting.
    """
    position = {case: i for i, case in enumerate(shuffled(list(plan.cases), seed))}
    arm_rank = {Arm.UNAIDED: 0, Arm.AIDED: 1}
    unaided_block_first = set(plan.assignment) == {"A", "B"}

    def rank(item: PlannedItem) -> tuple[int, int]:
        if unaided_block_first:
            return arm_rank[item.arm], position[item.case]
        return position[item.case], arm_rank[item.arm]

    return sorted(plan.items, key=rank)
