"""Pure reading-protocol rules (no Django): designs, blocks, ordering, washout, blinding.

The services in :mod:`reader_study.studies.services` turn database rows into
the plain facts of :mod:`.state` and ask these modules what is allowed.
"""
from .blinding import SessionStatus, may_show_ai, next_opening, session_statuses
from .blocks import assign_blocks
from .designs import Arm, Block, Design, PlannedItem, SessionPlan, crossover_group, plan_sessions, sessions_of_case
from .ordering import derive_seed, order_session
from .rules import ProtocolError, Violation
from .state import ReaderState, ReadFact, SessionFact, SessionState
from .washout import read_violations, session_violations

__all__ = [
    "Arm", "Block", "Design", "PlannedItem", "ProtocolError", "ReadFact", "ReaderState", "SessionFact",
    "SessionPlan", "SessionState", "SessionStatus", "Violation", "assign_blocks", "crossover_group",
    "derive_seed", "may_show_ai", "next_opening", "order_session", "plan_sessions", "read_violations",
    "session_statuses", "session_violations", "sessions_of_case",
]
