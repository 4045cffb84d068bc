"""Decide which series is which contrast phase, or say clearly why it cannot.

Signals, in order of trust: a manifest override (SeriesInstanceUID or
SeriesNumber), SeriesDescription keywords (English/German vendor wordings and
Chinese 平扫/动脉期/门脉期/静脉期/延迟期), the delay after ContrastBolusStartTime,
the absence of a contrast agent, and finally acquisition-time order. A guess is
never made: conflicting or missing evidence raises an error that names the
series and says how to override it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from reader_study.vocabulary import PHASES, Phase

from .errors import ImportFailed
from .records import seconds_of_day
from .report import IgnoredSeries
from .series import SeriesCandidate, ignore_candidate

LATIN_TOKENS: dict[Phase, set[str]] = {
    Phase.PRE_CONTRAST: {
        "plain", "nc", "ncct", "native", "nativ", "unenhanced", "nonenhanced", "noncontrast", "precontrast",
        "pre", "noncon", "woc", "nativo",
    },
    Phase.ARTERIAL: {"arterial", "art", "arteriell", "arterielle", "ap", "lap", "eap", "hap", "cta", "arteria"},
    Phase.PORTAL_VENOUS: {"portal", "pvp", "pv", "venous", "ven", "venos", "venoes", "portalvenous", "vp", "portale"},
    Phase.DELAYED: {"delay", "delayed", "dp", "del", "equilibrium", "eq", "late", "spaet", "spat", "tardive", "dly"},
}
LATIN_PHRASES: dict[Phase, tuple[str, ...]] = {
    Phase.PRE_CONTRAST: ("non contrast", "without contrast", "wo contrast", "w o contrast", "pre contrast",
                         "non enhanced", "no contrast"),
    Phase.ARTERIAL: ("late arterial", "early arterial"),
    Phase.PORTAL_VENOUS: ("portal venous",),
    Phase.DELAYED: (),
}
CJK_KEYWORDS: dict[Phase, tuple[str, ...]] = {
    Phase.PRE_CONTRAST: ("平扫", "平掃", "非增强", "非造影"),
    Phase.ARTERIAL: ("动脉", "動脈"),
    Phase.PORTAL_VENOUS: ("门脉", "门静脉", "門脈", "静脉期", "靜脈期"),
    Phase.DELAYED: ("延迟", "延遲", "平衡期", "平衡相"),
}
# Bands of delay after the start of the bolus (seconds), from the note on phase timing.
DELAY_BANDS: tuple[tuple[float, float, Phase], ...] = (
    (15.0, 52.0, Phase.ARTERIAL),
    (52.0, 115.0, Phase.PORTAL_VENOUS),
    (115.0, 1800.0, Phase.DELAYED),
)


@dataclass
class PhaseAssignment:
    """The chosen series per phase, how each was decided, and the candidates left out."""

    series: dict[Phase, SeriesCandidate] = field(default_factory=dict)
    source: dict[Phase, str] = field(default_factory=dict)
    ignored: list[IgnoredSeries] = field(default_factory=list)


def keyword_phases(description: str) -> set[Phase]:
    """Every phase whose keywords occur in a SeriesDescription."""
    text = (description or "").lower()
    found = {phase for phase, words in CJK_KEYWORDS.items() if any(w in text for w in words)}
    latin = " " + " ".join(re.split(r"[^a-z0-9]+", text)) + " "
    for phase, phrases in LATIN_PHRASES.items():
        for phrase in phrases:
            if f" {phrase} " in latin:
                found.add(phase)
                latin = latin.replace(f" {phrase} ", " ")
    tokens = set(latin.split())
    found |= {phase for phase, words in LATIN_TOKENS.items() if tokens & words}
    return found


def delay_phase(candidate: SeriesCandidate) -> Phase | None:
    """Phase from the delay between ContrastBolusStartTime and AcquisitionTime, if both exist."""
    start = seconds_of_day(candidate.first.contrast_start_time)
    acquired = candidate.acquisition_seconds
    if start is None or acquired is None:
        return None
    delay = acquired - start
    return next((phase for low, high, phase in DELAY_BANDS if low <= delay < high), None)


def assign_phases(
    case_id: str, candidates: list[SeriesCandidate], overrides: dict[Phase, str] | None = None
) -> PhaseAssignment:
    """Assign exactly one candidate to each of the four phases, or raise :class:`ImportFailed`."""
    result = PhaseAssignment()
    remaining = _apply_overrides(case_id, candidates, overrides or {}, result)
    claims: dict[Phase, list[tuple[SeriesCandidate, str]]] = {p: [] for p in PHASES}
    unknown: list[SeriesCandidate] = []
    any_contrast = any(c.contrast_agent for c in candidates)
    for candidate in remaining:
        phase, source = _detect(candidate, any_contrast=any_contrast)
        if phase is None:
            unknown.append(candidate)
        elif phase in result.series:
            reason = f"also looks {phase.value}; the manifest override chose another series"
            result.ignored.append(ignore_candidate(case_id, candidate, reason))
        else:
            claims[phase].append((candidate, source))
    for phase, claimed in claims.items():
        if claimed:
            _resolve_claims(case_id, phase, claimed, result)
    _fill_by_time_order(case_id, unknown, result)
    missing = [p.value for p in PHASES if p not in result.series]
    if missing:
        found = "; ".join(f"{p.value}: {c.name}" for p, c in result.series.items()) or "no phase series"
        raise ImportFailed(case_id, f"missing phase(s) {', '.join(missing)} (found {found})")
    return result


def _apply_overrides(
    case_id: str, candidates: list[SeriesCandidate], overrides: dict[Phase, str], result: PhaseAssignment
) -> list[SeriesCandidate]:
    remaining = list(candidates)
    for phase, value in overrides.items():
        matches = [c for c in remaining if c.matches(value)]
        if len(matches) != 1:
            available = ", ".join(c.name for c in candidates)
            problem = "matches no series" if not matches else "matches several series"
            raise ImportFailed(f"manifest, case {case_id}", f"phase_{phase.value} = {value!r} {problem} "
                                                            f"(available: {available})")
        result.series[phase] = matches[0]
        result.source[phase] = "manifest override"
        remaining.remove(matches[0])
    return remaining


def _detect(candidate: SeriesCandidate, *, any_contrast: bool) -> tuple[Phase | None, str]:
    phases = keyword_phases(candidate.description)
    if len(phases) > 1:
        names = ", ".join(sorted(p.value for p in phases))
        raise ImportFailed(
            candidate.name,
            f"ambiguous SeriesDescription: matches phases {names}; set the phase in the manifest "
            f"(phase_<name> = SeriesInstanceUID or SeriesNumber)",
        )
    if phases:
        phase = phases.pop()
        if phase is Phase.PRE_CONTRAST and candidate.contrast_agent:
            raise ImportFailed(
                candidate.name,
                f"description says pre-contrast but ContrastBolusAgent is {candidate.contrast_agent!r}; "
                "set the phase in the manifest",
            )
        return phase, "series description"
    by_delay = delay_phase(candidate)
    if by_delay is not None:
        return by_delay, "contrast timing"
    if any_contrast and not candidate.contrast_agent:
        return Phase.PRE_CONTRAST, "no contrast agent"
    return None, ""


def _resolve_claims(
    case_id: str, phase: Phase, claimed: list[tuple[SeriesCandidate, str]], result: PhaseAssignment
) -> None:
    """One claimant wins; thinner reconstructions of the same phase are ignored (selectable)."""
    if len(claimed) > 1:
        thickness = [c.slice_thickness or 0.0 for c, _ in claimed]
        thickest = max(thickness)
        winners = [item for item, t in zip(claimed, thickness) if t == thickest]
        if len(winners) > 1:
            names = " and ".join(c.name for c, _ in winners)
            raise ImportFailed(case_id, f"two series claim the {phase.value} phase: {names}; "
                                        f"choose one with phase_{phase.value} in the manifest")
        for candidate, _ in claimed:
            if candidate is not winners[0][0]:
                result.ignored.append(ignore_candidate(
                    case_id, candidate,
                    f"thin-slice reconstruction ({candidate.slice_thickness} mm) of the {phase.value} phase; "
                    f"select it with phase_{phase.value} in the manifest",
                ))
        claimed = winners
    candidate, source = claimed[0]
    result.series[phase] = candidate
    result.source[phase] = source


def _fill_by_time_order(case_id: str, unknown: list[SeriesCandidate], result: PhaseAssignment) -> None:
    """Give undetected series the missing phases when acquisition order leaves no doubt."""
    if not unknown:
        return
    missing = [p for p in PHASES if p not in result.series]
    if not missing:  # e.g. a test-bolus series: listed, not used
        result.ignored += [ignore_candidate(case_id, c, "no phase detected; all four phases already assigned")
                           for c in unknown]
        return
    everyone = list(result.series.values()) + unknown
    keys = [_order_key(c, everyone) for c in everyone]
    names = ", ".join(c.name for c in unknown)
    if len(unknown) != len(missing) or any(k is None for k in keys) or len(set(keys)) != len(keys):
        raise ImportFailed(case_id, f"cannot tell the phase of {names} (no keyword, contrast timing or "
                                    "unambiguous acquisition order); set phase_<name> in the manifest")
    ordered = [c for _, c in sorted(zip(keys, everyone), key=lambda item: item[0])]
    known = {id(c): p for p, c in result.series.items()}
    slots = iter(missing)
    proposal = [known.get(id(c)) or next(slots) for c in ordered]
    if [PHASES.index(p) for p in proposal] != sorted(PHASES.index(p) for p in proposal):
        raise ImportFailed(case_id, f"cannot tell the phase of {names}: acquisition order contradicts the "
                                    "detected phases; set phase_<name> in the manifest")
    for candidate, phase in zip(ordered, proposal):
        if id(candidate) not in known:
            result.series[phase] = candidate
            result.source[phase] = "acquisition order"


def _order_key(candidate: SeriesCandidate, everyone: list[SeriesCandidate]) -> float | None:
    """Acquisition time; for parts of one split series without times, the acquisition number."""
    if candidate.acquisition_seconds is not None and all(c.acquisition_seconds is not None for c in everyone):
        return candidate.acquisition_seconds
    if candidate.split_label and len({c.original_series_uid for c in everyone}) == 1:
        try:
            return float(candidate.split_label)
        except ValueError:
            return None
    return None
