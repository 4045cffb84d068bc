"""Study designs and the session plan each one implies (pure Python).

A *plan* says, for one reader, which sessions exist and which (case, arm)
items each session holds. Case identifiers are opaque to this module: any
hashable, sortable value (the service passes primary keys).

Designs (ALMSS paper and FDA CAD guidance):

* ``unaided_then_aided``: session 1 reads every case unaided, session 2 every
  case aided, after the washout (the paper).
* ``sequential``: one session; for each case the unaided read is locked, then
  the AI output is shown and the aided read is given in the same sitting.
* ``crossover``: cases split into two balanced blocks A and B. Reader group 0
  reads A aided and B unaided in session 1 and the opposite in session 2;
  group 1 starts the other way round (readers alternate).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Design(StrEnum):
    UNAIDED_THEN_AIDED = "unaided_then_aided"
    SEQUENTIAL = "sequential"
    CROSSOVER = "crossover"

    @property
    def label(self) -> str:
        return DESIGN_LABELS[self]

    @property
    def has_washout(self) -> bool:
        """Designs whose sessions are separated by a washout (the per-case rule applies)."""
        return self is not Design.SEQUENTIAL


DESIGN_LABELS = {
    Design.UNAIDED_THEN_AIDED: "Unaided, then aided after a washout (paper)",
    Design.SEQUENTIAL: "Sequential (unaided then aided per case, same sitting)",
    Design.CROSSOVER: "Crossover, counterbalanced blocks",
}


class Arm(StrEnum):
    UNAIDED = "unaided"
    AIDED = "aided"


class Block(StrEnum):
    A = "A"
    B = "B"


@dataclass(frozen=True)
class PlannedItem:
    """One read to be given: a case in an arm."""

    case: Hashable
    arm: Arm


@dataclass(frozen=True)
class SessionPlan:
    """The reads of one session, in canonical (unshuffled) order."""

    number: int
    items: tuple[PlannedItem, ...]
    assignment: Mapping[str, str]  # e.g. {"arm": "unaided"} or {"A": "aided", "B": "unaided"}

    @property
    def cases(self) -> frozenset:
        return frozenset(item.case for item in self.items)


def crossover_group(enrolment_index: int) -> int:
    """Return the crossover group (0 or 1) of the n-th enrolled reader: readers alternate."""
    return enrolment_index % 2


def plan_sessions(
    design: Design,
    cases: Iterable[Hashable],
    *,
    blocks: Mapping[Hashable, Block] | None = None,
    group: int = 0,
) -> tuple[SessionPlan, ...]:
    """Return the sessions one reader goes through under ``design``.

    ``blocks`` (case -> Block) is required for the crossover design; ``group``
    (0 or 1) says which block that reader reads aided first.
    """
    ordered = tuple(sorted(cases))
    design = Design(design)
    if design is Design.UNAIDED_THEN_AIDED:
        return (
            SessionPlan(1, tuple(PlannedItem(c, Arm.UNAIDED) for c in ordered), {"arm": Arm.UNAIDED}),
            SessionPlan(2, tuple(PlannedItem(c, Arm.AIDED) for c in ordered), {"arm": Arm.AIDED}),
        )
    if design is Design.SEQUENTIAL:
        items = tuple(PlannedItem(c, arm) for c in ordered for arm in (Arm.UNAIDED, Arm.AIDED))
        return (SessionPlan(1, items, {"arm": "unaided_then_aided_per_case"}),)
    return _plan_crossover(ordered, blocks or {}, group)


def _plan_crossover(cases: tuple, blocks: Mapping[Hashable, Block], group: int) -> tuple[SessionPlan, ...]:
    missing = [c for c in cases if c not in blocks]
    if missing:
        raise ValueError(f"crossover needs a block (A or B) for every case; missing for {missing[:5]}")
    if group not in (0, 1):
        raise ValueError(f"crossover group must be 0 or 1, got {group!r}")
    first_aided = Block.A if group == 0 else Block.B
    sessions = []
    for number, aided_block in ((1, first_aided), (2, Block.B if first_aided is Block.A else Block.A)):
        arm_of = {b: (Arm.AIDED if b is aided_block else Arm.UNAIDED) for b in Block}
        items = tuple(PlannedItem(c, arm_of[Block(blocks[c])]) for c in cases)
        sessions.append(SessionPlan(number, items, {b.value: arm_of[b].value for b in Block}))
    return tuple(sessions)


def sessions_of_case(plans: Iterable[SessionPlan], case: Hashable) -> dict[Arm, int]:
    """Return, for one case, the session number of each arm it is read in."""
    found: dict[Arm, int] = {}
    for plan in plans:
        for item in plan.items:
            if item.case == case:
                found[item.arm] = plan.number
    return found
