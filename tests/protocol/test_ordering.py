"""Seeded case order: stable seeds, different sessions differ, resume keeps order."""
from reader_study.protocol import Arm, Block, Design, derive_seed, order_session, plan_sessions


def test_seed_is_stable_and_distinct_per_study_reader_and_session():
    assert derive_seed(1, 2, 1) == derive_seed(1, 2, 1)
    seeds = {derive_seed(s, r, n) for s in (1, 2) for r in (1, 2) for n in (1, 2)}
    assert len(seeds) == 8
    assert 0 <= derive_seed(1, 2, 1) < 2**63


def test_known_seed_value_does_not_drift_between_releases():
    # Pinned: stored orders are reproduced from stored seeds, so the derivation must never change silently.
    assert derive_seed(1, 2, 1) == 7399289948244774958


def test_two_sessions_of_one_reader_get_different_orders():
    cases = list(range(30))
    s1, s2 = plan_sessions(Design.UNAIDED_THEN_AIDED, cases)
    order1 = [i.case for i in order_session(s1, derive_seed(9, 4, 1))]
    order2 = [i.case for i in order_session(s2, derive_seed(9, 4, 2))]
    assert sorted(order1) == sorted(order2) == cases
    assert order1 != order2


def test_resume_reproduces_the_same_order_from_the_stored_seed():
    (plan, _) = plan_sessions(Design.UNAIDED_THEN_AIDED, list(range(20)))
    seed = derive_seed(3, 5, 1)
    assert order_session(plan, seed) == order_session(plan, seed)


def test_sequential_order_puts_unaided_before_aided_for_each_case():
    (plan,) = plan_sessions(Design.SEQUENTIAL, list(range(10)))
    order = order_session(plan, 42)
    for case in range(10):
        arms = [i.arm for i in order if i.case == case]
        assert arms == [Arm.UNAIDED, Arm.AIDED]
    positions = [order.index(i) for i in order if i.arm is Arm.UNAIDED]
    assert all(order[p + 1].case == order[p].case for p in positions)


def test_crossover_session_reads_the_unaided_block_first():
    blocks = {c: (Block.A if c % 2 else Block.B) for c in range(10)}
    s1, _ = plan_sessions(Design.CROSSOVER, blocks, blocks=blocks, group=0)
    arms = [i.arm for i in order_session(s1, 5)]
    assert arms == sorted(arms, key=lambda a: a is Arm.AIDED)
