"""Services of the reader-study app: ``check_*`` (permission, protocol) and ``do_*`` (atomic, audited writes).

Views, the API and commands call these; none of them re-implements a rule.
Errors: ``PermissionDenied`` (who), ``ProtocolError`` (when; carries every
violation with a stable code and, where time decides, ``opens_at``) and
``ValidationError`` (what: bad answers or settings). Nothing is changed when
any of them is raised.
"""
from reader_study.protocol import ProtocolError

from .consensus import check_can_submit_consensus, consensus_ai_payload, do_submit_consensus
from .facts import reader_state, study_plans
from .reads import (
    ai_payload,
    ai_result_for,
    check_ai_allowed,
    check_can_start_read,
    check_owns_read,
    do_amend_read,
    do_record_heartbeat,
    do_show_ai_for_read,
    do_start_read,
    do_submit_read,
    effective_answers,
)
from .sessions import (
    WorklistItem,
    check_can_open_session,
    do_open_session,
    get_enrolment,
    reader_sessions,
    study_progress,
    worklist,
)
from .studies import (
    DEFAULT_WASHOUT_DAYS,
    check_can_coordinate,
    check_can_create_study,
    check_configuration,
    do_add_coordinator,
    do_close_study,
    do_configure_study,
    do_create_study,
    do_enrol_reader,
    do_open_study,
    do_set_cases,
    do_set_reader_profile,
    studies_for,
)

__all__ = [
    "DEFAULT_WASHOUT_DAYS", "ProtocolError", "WorklistItem", "ai_payload", "ai_result_for", "check_ai_allowed",
    "check_can_coordinate", "check_can_submit_consensus", "consensus_ai_payload", "do_submit_consensus",
    "check_can_create_study", "check_can_open_session", "check_can_start_read",
    "check_configuration", "check_owns_read", "do_add_coordinator", "do_amend_read", "do_close_study",
    "do_configure_study", "do_create_study", "do_enrol_reader", "do_open_session", "do_open_study",
    "do_record_heartbeat", "do_set_cases", "do_set_reader_profile", "do_show_ai_for_read", "do_start_read",
    "do_submit_read", "effective_answers", "get_enrolment", "reader_sessions", "reader_state", "studies_for",
    "study_plans", "study_progress", "worklist",
]
