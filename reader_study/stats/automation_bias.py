"""Automation bias: how readers' answers moved from the unaided to the aided read, split by whether the AI was right.

On cases where the AI was wrong, the harmful move is a correct unaided answer changed to the AI's wrong answer; where
the AI was right, the helpful move is a wrong unaided answer changed to the right (AI's) answer.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reader_study.stats.errors import StatsInputError
from reader_study.stats.proportions import CIMethod, ProportionCI, proportion_ci


@dataclass(frozen=True)
class AutomationBias:
    """Counts and rates of answer changes, with CIs; denominators are stated by the field names."""

    n_pairs: int
    n_ai_wrong: int
    n_ai_right: int
    correct_to_ai_wrong: ProportionCI  # among AI-wrong cases with a correct unaided answer
    wrong_to_ai_right: ProportionCI  # among AI-right cases with a wrong unaided answer
    any_change_ai_wrong: ProportionCI  # among AI-wrong cases, answer changed at all
    any_change_ai_right: ProportionCI  # among AI-right cases, answer changed at all
    transitions: tuple[tuple[str, str, int], ...]  # (unaided answer, aided answer, count), for a Sankey


def automation_bias(truth: Sequence[str], unaided: Sequence[str], aided: Sequence[str], ai: Sequence[str],
                    ci_method: CIMethod = "wilson") -> AutomationBias:
    """Summarise answer changes between paired unaided and aided reads (one element per reader x case).

    References
    ----------
    Goddard K, Roudsari A, Wyatt JC. Automation bias: a systematic review of frequency, effect mediators, and
    mitigators. J Am Med Inform Assoc 2012;19:121-127. doi:10.1136/amiajnl-2011-000089
    """
    n = len(truth)
    if not (len(unaided) == len(aided) == len(ai) == n):
        raise StatsInputError("truth, unaided, aided and ai must have the same length (one per reader x case)")
    rows = list(zip(truth, unaided, aided, ai))
    wrong = [r for r in rows if r[3] != r[0]]
    right = [r for r in rows if r[3] == r[0]]
    wrong_base = [r for r in wrong if r[1] == r[0]]
    right_base = [r for r in right if r[1] != r[0]]
    transitions = Counter((u, a) for _, u, a, _ in rows)
    return AutomationBias(
        n_pairs=n, n_ai_wrong=len(wrong), n_ai_right=len(right),
        correct_to_ai_wrong=proportion_ci(sum(r[2] == r[3] for r in wrong_base), len(wrong_base), ci_method),
        wrong_to_ai_right=proportion_ci(sum(r[2] == r[0] for r in right_base), len(right_base), ci_method),
        any_change_ai_wrong=proportion_ci(sum(r[1] != r[2] for r in wrong), len(wrong), ci_method),
        any_change_ai_right=proportion_ci(sum(r[1] != r[2] for r in right), len(right), ci_method),
        transitions=tuple((u, a, c) for (u, a), c in sorted(transitions.items())),
    )
