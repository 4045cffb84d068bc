"""Services: the paper's protocol end to end, locking, amendments, audit, AI gating, access rules."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reader_study import clock
from reader_study.audit.models import AuditEvent
from reader_study.protocol import ProtocolError
from reader_study.studies import services
from reader_study.studies.access import ai_elements_for, can_view_ai_output, can_view_case_images
from reader_study.studies.models import Amendment, Read, ReadingSession

from .conftest import ANSWERS, LM_ANSWERS, make_result, read_all

pytestmark = pytest.mark.django_db


def test_paper_protocol_refuses_aided_until_washout_then_allows(cast, move_clock):
    study, reader = cast.study, cast.reader
    read_all(study, reader, cast.cases, "unaided", 1)
    with pytest.raises(ProtocolError) as refused:
        services.do_open_session(study, reader, 2)
    assert refused.value.codes == ("washout_not_elapsed",)
    assert "opens on" in str(refused.value)
    with pytest.raises(ProtocolError):
        services.do_start_read(study, reader, cast.cases[0], "aided")
    move_clock(days=30, seconds=1)
    reads = read_all(study, reader, cast.cases, "aided", 2)
    assert all(r.locked and r.arm == "aided" for r in reads)
    states = [s.state.value for s in services.reader_sessions(study, reader)]
    assert states == ["completed", "completed"]


def test_sessions_differ_and_resume_keeps_order(db):
    from .conftest import build_cast

    cast = build_cast(n_cases=8)
    first = services.do_open_session(cast.study, cast.reader, 1)
    again = services.do_open_session(cast.study, cast.reader, 1)
    assert again.pk == first.pk and again.case_order == first.case_order
    other = services.do_open_session(cast.study, cast.second_reader, 1)
    assert other.seed != first.seed
    assert [e["case"] for e in other.case_order] != [e["case"] for e in first.case_order]


def test_submit_locks_double_submit_is_harmless_and_changes_are_refused(cast):
    services.do_open_session(cast.study, cast.reader, 1)
    read = services.do_start_read(cast.study, cast.reader, cast.cases[0], "unaided")
    services.do_submit_read(cast.reader, read, ANSWERS)
    services.do_submit_read(cast.reader, read, ANSWERS)
    assert AuditEvent.objects.filter(action="read.submitted", object_id=str(read.pk)).count() == 1
    with pytest.raises(ProtocolError) as refused:
        services.do_submit_read(cast.reader, read, LM_ANSWERS)
    assert refused.value.codes == ("read_locked",)
    read.refresh_from_db()
    assert read.answers["diagnosis"] == "HCC"


def test_bad_answers_change_nothing(cast):
    services.do_open_session(cast.study, cast.reader, 1)
    read = services.do_start_read(cast.study, cast.reader, cast.cases[0], "unaided")
    bad = {**ANSWERS, "diagnosis": "LM", "diagnosis_confidence": 300}
    with pytest.raises(ValidationError) as error:
        services.do_submit_read(cast.reader, read, bad)
    assert {"origin", "diagnosis_confidence"} <= set(error.value.message_dict)
    read.refresh_from_db()
    assert not read.locked and read.answers == {}


def test_other_reader_cannot_submit_or_start_reads(cast):
    services.do_open_session(cast.study, cast.reader, 1)
    read = services.do_start_read(cast.study, cast.reader, cast.cases[0], "unaided")
    with pytest.raises(PermissionDenied):
        services.do_submit_read(cast.second_reader, read, ANSWERS)
    with pytest.raises(PermissionDenied):
        services.do_start_read(cast.study, cast.other_reader, cast.cases[0], "unaided")


def test_amendment_keeps_the_original_and_needs_a_reason(cast):
    (read, _) = read_all(cast.study, cast.reader, cast.cases, "unaided", 1)
    with pytest.raises(ValidationError):
        services.do_amend_read(cast.coordinator, read, LM_ANSWERS, reason=" ")
    with pytest.raises(PermissionDenied):
        services.do_amend_read(cast.other_coordinator, read, LM_ANSWERS, reason="typo")
    amendment = services.do_amend_read(cast.coordinator, read, LM_ANSWERS, reason="reader reported a slip")
    read.refresh_from_db()
    assert read.answers["diagnosis"] == "HCC"
    assert amendment.before["diagnosis"] == "HCC" and amendment.after["diagnosis"] == "LM"
    assert services.effective_answers(read)["diagnosis"] == "LM"
    assert Amendment.objects.count() == 1
    assert AuditEvent.objects.filter(action="read.amended").exists()


def test_washout_shortening_only_for_pilots_before_reading(db):
    from .conftest import make_user

    coordinator = make_user("c", staff=True)
    with pytest.raises(ValidationError) as error:
        services.do_create_study(coordinator, name="x", washout_days=3)
    assert error.value.error_dict["washout_days"][0].code == "washout_too_short"
    study = services.do_create_study(coordinator, name="pilot", is_pilot=True)
    services.do_configure_study(coordinator, study, washout_days=1, reason="pilot run")
    assert AuditEvent.objects.filter(action="study.washout_shortened", message="pilot run").exists()


def test_configuration_is_locked_once_reading_starts(cast):
    services.do_open_session(cast.study, cast.reader, 1)
    cast.study.refresh_from_db()
    assert cast.study.is_locked
    with pytest.raises(ValidationError) as error:
        services.do_configure_study(cast.coordinator, cast.study, design="sequential")
    assert "config_locked" in [e.code for e in error.value.error_dict["__all__"]]
    services.do_configure_study(cast.coordinator, cast.study, name="Renamed")


def test_ai_payload_is_gated_and_recorded(cast, move_clock):
    result = make_result(cast.cases[0])
    services.do_configure_study(cast.coordinator, cast.study, model_version=result.model_version,
                                ai_elements=["probabilities", "heatmaps"])
    cast.study.refresh_from_db()
    assert not can_view_ai_output(cast.reader, cast.cases[0])
    read_all(cast.study, cast.reader, cast.cases, "unaided", 1)
    assert not can_view_ai_output(cast.reader, cast.cases[0])
    move_clock(days=31)
    services.do_open_session(cast.study, cast.reader, 2)
    assert can_view_ai_output(cast.reader, cast.cases[0])
    assert not can_view_ai_output(cast.second_reader, cast.cases[0])
    assert ai_elements_for(cast.reader, cast.cases[0]) == {"probabilities", "heatmaps"}
    assert ai_elements_for(cast.second_reader, cast.cases[0]) == set()
    read = services.do_start_read(cast.study, cast.reader, cast.cases[0], "aided")
    payload = services.do_show_ai_for_read(cast.reader, read)
    assert payload["probabilities"]["HCC"] == 0.7 and payload["result_id"] == result.pk
    assert "dominant_diagnosis" not in payload and payload["overlays"] == {"heatmaps": True, "masks": False}
    read.refresh_from_db()
    assert read.ai_result_id == result.pk and "heatmaps" in read.ai_elements_shown
    unaided = Read.objects.get(reader=cast.reader, case=cast.cases[0], arm="unaided")
    with pytest.raises(PermissionDenied):
        services.do_show_ai_for_read(cast.reader, unaided)


def test_image_access_follows_sessions(cast):
    case = cast.cases[0]
    assert can_view_case_images(cast.coordinator, case)
    assert not can_view_case_images(cast.other_coordinator, case)
    assert not can_view_case_images(cast.reader, case)  # no session opened yet
    services.do_open_session(cast.study, cast.reader, 1)
    assert can_view_case_images(cast.reader, case)
    assert not can_view_case_images(cast.other_reader, case)
    services.do_close_study(cast.coordinator, cast.study)
    assert not can_view_case_images(cast.reader, case)


def test_sequential_unlocks_aided_per_case(db):
    from .conftest import build_cast

    cast = build_cast(design="sequential")
    services.do_open_session(cast.study, cast.reader, 1)
    first, second = cast.cases
    with pytest.raises(ProtocolError) as refused:
        services.do_start_read(cast.study, cast.reader, first, "aided")
    assert refused.value.codes == ("unaided_read_not_locked",)
    services.do_submit_read(cast.reader, services.do_start_read(cast.study, cast.reader, first, "unaided"), ANSWERS)
    assert can_view_ai_output(cast.reader, first) and not can_view_ai_output(cast.reader, second)
    services.do_start_read(cast.study, cast.reader, first, "aided")


def test_crossover_blocks_balanced_and_readers_alternate(db):
    from .conftest import build_cast

    cast = build_cast(design="crossover", n_cases=6)
    blocks = list(cast.study.study_cases.values_list("block", flat=True))
    assert sorted(blocks) == ["A", "A", "A", "B", "B", "B"]
    one = services.do_open_session(cast.study, cast.reader, 1)
    two = services.do_open_session(cast.study, cast.second_reader, 1)
    assert one.assignment == {"A": "aided", "B": "unaided"} and two.assignment == {"A": "unaided", "B": "aided"}


def test_heartbeat_is_bounded_by_server_time(cast, move_clock):
    services.do_open_session(cast.study, cast.reader, 1)
    read = services.do_start_read(cast.study, cast.reader, cast.cases[0], "unaided")
    move_clock(seconds=10)
    read = services.do_record_heartbeat(cast.reader, read, 5000)
    wall = (clock.now() - read.started_at).total_seconds()
    assert 10 <= read.active_seconds <= wall + 1  # never more than the server's own elapsed time
    read = services.do_record_heartbeat(cast.reader, read, 5000)
    # each beat adds at most the time since the previous one plus 1 s: a burst adds almost nothing
    assert read.active_seconds <= (clock.now() - read.started_at).total_seconds() + 2


def test_progress_for_coordinators_only(cast):
    read_all(cast.study, cast.reader, cast.cases, "unaided", 1)
    rows = services.study_progress(cast.coordinator, cast.study)
    mine = next(r for r in rows if r["reader"] == "reader")
    assert mine["experience"] == "junior"
    assert mine["sessions"][0]["state"] == "completed" and mine["sessions"][1]["opens_at"] is not None
    with pytest.raises(PermissionDenied):
        services.study_progress(cast.other_coordinator, cast.study)
    with pytest.raises(PermissionDenied):
        services.study_progress(cast.reader, cast.study)


def test_every_state_change_is_audited(cast):
    read_all(cast.study, cast.reader, cast.cases, "unaided", 1)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"study.created", "reader.enrolled", "study.opened", "session.opened", "read.started",
            "read.submitted", "session.completed", "study.config_locked"} <= actions
    assert ReadingSession.objects.get(reader=cast.reader, number=1).completed_at is not None


def test_consensus_unaided_then_aided_for_a_group(cast):
    from reader_study.studies.models import ConsensusRead

    group = [cast.reader, cast.second_reader]
    case = cast.cases[0]
    with pytest.raises(ProtocolError) as refused:
        services.do_submit_consensus(cast.reader, cast.study, readers=group, case=case, arm="aided", answers=ANSWERS)
    assert refused.value.codes == ("unaided_read_not_locked",)
    with pytest.raises(PermissionDenied):
        services.do_submit_consensus(cast.other_reader, cast.study, readers=group, case=case, arm="unaided",
                                     answers=ANSWERS)
    first = services.do_submit_consensus(cast.reader, cast.study, readers=group, case=case, arm="unaided",
                                         answers=ANSWERS)
    again = services.do_submit_consensus(cast.second_reader, cast.study, readers=group[::-1], case=case,
                                         arm="unaided", answers=ANSWERS)
    assert again.pk == first.pk and first.locked
    services.do_submit_consensus(cast.coordinator, cast.study, readers=group, case=case, arm="aided",
                                 answers=LM_ANSWERS)
    assert ConsensusRead.objects.filter(case=case).count() == 2
    assert AuditEvent.objects.filter(action="consensus.submitted").count() == 2


def test_crossover_end_to_end_hides_ai_during_the_later_unaided_read(db, move_clock):
    from .conftest import build_cast

    cast = build_cast(design="crossover", n_cases=4)
    reader, study = cast.reader, cast.study
    blocks = dict(study.study_cases.values_list("case_id", "block"))
    session = services.do_open_session(study, reader, 1)
    items = services.worklist(session)
    assert [i.arm for i in items] == ["unaided", "unaided", "aided", "aided"]
    aided_first = [c for c in cast.cases if blocks[c.pk] == "A"]
    assert can_view_ai_output(reader, aided_first[0])
    for item in items:
        case = next(c for c in cast.cases if c.pk == item.case_id)
        services.do_submit_read(reader, services.do_start_read(study, reader, case, item.arm), ANSWERS)
    with pytest.raises(ProtocolError) as refused:
        services.do_open_session(study, reader, 2)
    assert refused.value.codes == ("washout_not_elapsed",)
    move_clock(days=30, seconds=1)
    services.do_open_session(study, reader, 2)
    assert not can_view_ai_output(reader, aided_first[0])  # now read unaided
    services.do_submit_read(reader, services.do_start_read(study, reader, aided_first[0], "unaided"), ANSWERS)
    assert can_view_ai_output(reader, aided_first[0])
    aided_second = next(c for c in cast.cases if blocks[c.pk] == "B")
    assert can_view_ai_output(reader, aided_second)


def test_coordinator_accounts_cannot_be_enrolled_as_readers(cast):
    with pytest.raises(ValidationError) as refused:
        services.do_enrol_reader(cast.coordinator, cast.study, cast.other_coordinator)
    assert refused.value.code == "coordinator_reader"


def test_visible_studies_query_has_no_order_by_inside_the_union(cast):
    """SQLite (the demo's database) refuses ORDER BY in subqueries of a compound statement."""
    from reader_study.studies.services.studies import _visible_ids

    assert "ORDER BY" not in str(_visible_ids(cast.reader).query)
    assert list(services.studies_for(cast.reader)) == [cast.study]
