"""Session plans of the three designs and the balanced crossover blocks."""
from collections import Counter

import pytest

from reader_study.protocol import Arm, Block, Design, assign_blocks, crossover_group, plan_sessions


def test_unaided_then_aided_reads_every_case_once_per_session():
    plans = plan_sessions(Design.UNAIDED_THEN_AIDED, [3, 1, 2])
    assert [p.number for p in plans] == [1, 2]
    assert {(i.case, i.arm) for i in plans[0].items} == {(c, Arm.UNAIDED) for c in (1, 2, 3)}
    assert {(i.case, i.arm) for i in plans[1].items} == {(c, Arm.AIDED) for c in (1, 2, 3)}


def test_sequential_has_one_session_with_both_arms_per_case():
    (plan,) = plan_sessions(Design.SEQUENTIAL, [1, 2])
    assert Counter(i.case for i in plan.items) == {1: 2, 2: 2}
    assert {i.arm for i in plan.items} == {Arm.UNAIDED, Arm.AIDED}


@pytest.mark.parametrize("group,first_aided", [(0, Block.A), (1, Block.B)])
def test_crossover_swaps_blocks_between_sessions(group, first_aided):
    blocks = {1: Block.A, 2: Block.B, 3: Block.A, 4: Block.B}
    s1, s2 = plan_sessions(Design.CROSSOVER, blocks, blocks=blocks, group=group)
    aided_first = {i.case for i in s1.items if i.arm is Arm.AIDED}
    assert aided_first == {c for c, b in blocks.items() if b is first_aided}
    for item in s2.items:
        first = next(i for i in s1.items if i.case == item.case)
        assert item.arm is not first.arm
    assert s1.assignment[first_aided.value] == "aided"


def test_crossover_needs_a_block_for_every_case():
    with pytest.raises(ValueError, match="missing"):
        plan_sessions(Design.CROSSOVER, [1, 2], blocks={1: Block.A}, group=0)


def test_readers_alternate_crossover_groups():
    assert [crossover_group(i) for i in range(4)] == [0, 1, 0, 1]


def test_blocks_are_balanced_overall_and_within_each_stratum():
    cases = list(range(1, 22))
    strata = {c: ("HCC", "ICC", "LM")[c % 3] for c in cases}
    blocks = assign_blocks(cases, seed=7, strata=strata)
    assert abs(Counter(blocks.values())[Block.A] - Counter(blocks.values())[Block.B]) <= 1
    for stratum in ("HCC", "ICC", "LM"):
        counts = Counter(b for c, b in blocks.items() if strata[c] == stratum)
        assert abs(counts[Block.A] - counts[Block.B]) <= 1


def test_blocks_are_reproducible_and_depend_on_the_seed():
    cases = list(range(40))
    assert assign_blocks(cases, seed=1) == assign_blocks(list(reversed(cases)), seed=1)
    assert assign_blocks(cases, seed=1) != assign_blocks(cases, seed=2)
