"""The permission table: every route in scope, each method, the expected status for each role.

Roles: ``anon``, ``reader`` (enrolled in the study), ``other_reader`` (enrolled in another study),
``coordinator`` (of the study) and ``other_coordinator`` (of another study).

The world every row runs in (``matrix_world``): study S1 is open with two cases; the reader has opened
session 1 and submitted an unaided read of case 0 (so the aided session is still closed by the washout).

A new route fails ``test_every_route_is_in_the_table`` until a row is added here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("anon", "reader", "other_reader", "coordinator", "other_coordinator")


@dataclass(frozen=True)
class Row:
    name: str  # URL name, namespaced where the route has a namespace
    method: str
    expected: dict[str, int]
    kwargs: dict[str, str] = field(default_factory=dict)  # URL kwarg -> world attribute
    data: Any = None


def expect(anon=403, reader=403, other_reader=404, coordinator=200, other_coordinator=404) -> dict[str, int]:
    return dict(anon=anon, reader=reader, other_reader=other_reader, coordinator=coordinator,
                other_coordinator=other_coordinator)


STUDY = {"pk": "study_pk"}
READ = {"pk": "read_pk"}
SUBMIT = "submit_body"

API_ROWS = [
    Row("api-study-list", "get", expect(reader=200, other_reader=200, other_coordinator=200)),
    Row("api-study-list", "post", expect(other_reader=403, coordinator=201, other_coordinator=201),
        data={"name": "New study"}),
    Row("api-study-detail", "get", expect(reader=200), STUDY),
    Row("api-study-detail", "patch", expect(), STUDY, data={"description": "changed"}),
    Row("api-study-cases", "get", expect(reader=200), STUDY),
    Row("api-study-cases", "post", expect(coordinator=400), STUDY, data={"case_ids": []}),  # open study: refused
    Row("api-study-sessions", "get", expect(reader=200, coordinator=403), STUDY),
    Row("api-study-open-session", "post", expect(reader=201, coordinator=403), {**STUDY, "number": "one"}),
    Row("api-study-progress", "get", expect(), STUDY),
    Row("api-study-enrol", "post", expect(coordinator=201), STUDY, data={"reader": "newcomer"}),
    Row("api-study-open-study", "post", expect(coordinator=400), STUDY),
    Row("api-study-close-study", "post", expect(), STUDY),
    Row("api-study-case-ai", "get", expect(), {**STUDY, "key": "case_key"}),
    Row("api-read-list", "get", expect(reader=200, other_reader=200, other_coordinator=200)),
    Row("api-read-list", "post", expect(reader=201, other_reader=404, coordinator=403, other_coordinator=404),
        data="start_read"),
    Row("api-read-detail", "get", expect(reader=200), READ),
    Row("api-read-submit", "post", expect(reader=200, coordinator=403), READ, data=SUBMIT),
    Row("api-read-heartbeat", "post", expect(reader=200, coordinator=403), READ, data={"seconds": 5}),
    Row("api-read-ai", "get", expect(reader=403, coordinator=403), READ),  # unaided read: never AI
    Row("api-read-amend", "post", expect(coordinator=201), READ, data="amendment"),
    Row("api-study-consensus", "get", expect(reader=200), STUDY),
    Row("api-study-consensus", "post", expect(reader=201, coordinator=201), STUDY, data="consensus_body"),
    Row("api-study-consensus-ai", "post", expect(reader=409, coordinator=409), STUDY,  # no unaided answer yet
        data="consensus_group"),
    Row("schema", "get", expect(anon=200, reader=200, other_reader=200, other_coordinator=200)),
    Row("api-docs", "get", expect(anon=200, reader=200, other_reader=200, other_coordinator=200)),
]

# Page routes (PAGES' views). Anonymous users are sent to the login page (302); readers get 403 on a study
# they read in and 404 on anything not theirs; coordinators of another study get 404 on this one.


def page(anon=302, reader=403, other_reader=404, coordinator=200, other_coordinator=404) -> dict[str, int]:
    return expect(anon, reader, other_reader, coordinator, other_coordinator)


def everyone(status: int, anon: int | None = None) -> dict[str, int]:
    return page(status if anon is None else anon, status, status, status, status)


def coordinators_only(status: int = 200) -> dict[str, int]:
    return page(reader=403, other_reader=403, coordinator=status, other_coordinator=status)


def own_reading(reader=200) -> dict[str, int]:
    return page(reader=reader, other_reader=404, coordinator=404, other_coordinator=404)


CASE = {**STUDY, "key": "case_key"}
SESSION_ONE = {**STUDY, "number": "one"}
PAGE_STUDY = {"study_pk": "study_pk"}

PAGE_ROWS: list[Row] = [
    Row("login", "get", everyone(302, anon=200)),  # logged-in users are sent on
    Row("login", "post", everyone(302, anon=200)),  # anonymous: empty form, errors; logged in: sent on
    Row("logout", "post", everyone(302)),
    Row("password_change", "get", everyone(200, anon=302)),
    Row("password_change_done", "get", everyone(200, anon=302)),
    Row("password_reset", "get", everyone(200)),
    Row("password_reset_done", "get", everyone(200)),
    Row("password_reset_confirm", "get", everyone(200), {"uidb64": "case_key", "token": "case_key"}),  # bad link
    Row("password_reset_complete", "get", everyone(200)),
    Row("studies:home", "get", everyone(302)),
    Row("studies:my_studies", "get", everyone(200, anon=302)),
    Row("studies:reader_study", "get", own_reading(), PAGE_STUDY),
    Row("studies:worklist", "get", own_reading(), {"study_pk": "study_pk", "number": "one"}),
    Row("studies:open_session", "post", own_reading(302), {"study_pk": "study_pk", "number": "one"}),
    Row("studies:read_unaided", "get", own_reading(), {"study_pk": "study_pk", "key": "case_key"}),
    Row("studies:read_unaided", "post", own_reading(), {"study_pk": "study_pk", "key": "case_key"}),  # no answers
    Row("studies:read_aided", "get", own_reading(403), {"study_pk": "study_pk", "key": "case_key"}),  # washout
    Row("studies:read_aided", "post", own_reading(403), {"study_pk": "study_pk", "key": "case_key"}),
    Row("studies:read_heartbeat", "post", own_reading(), {"read_pk": "read_pk"}),
    Row("studies:coordinator_studies", "get", coordinators_only()),
    Row("studies:study_create", "get", coordinators_only()),
    Row("studies:study_create", "post", coordinators_only()),  # empty form: errors, nothing created
    Row("studies:study_detail", "get", page(), PAGE_STUDY),
    Row("studies:study_configure", "get", page(), PAGE_STUDY),
    Row("studies:study_configure", "post", page(), PAGE_STUDY),  # empty form: errors, nothing changed
    Row("studies:study_open", "post", page(coordinator=302), PAGE_STUDY),  # already open: message, no change
    Row("studies:study_close", "post", page(coordinator=302), PAGE_STUDY),
    Row("studies:study_cases", "get", page(), PAGE_STUDY),
    Row("studies:study_cases", "post", page(coordinator=302), PAGE_STUDY),  # open study: refused with a message
    Row("studies:study_readers", "get", page(), PAGE_STUDY),
    Row("studies:study_readers", "post", page(), PAGE_STUDY),  # no reader chosen: form error
    Row("studies:study_progress", "get", page(), PAGE_STUDY),
    Row("studies:study_reads", "get", page(), PAGE_STUDY),
    Row("studies:amend_read", "get", page(), {"study_pk": "study_pk", "read_pk": "read_pk"}),
    Row("studies:amend_read", "post", page(coordinator=400), {"study_pk": "study_pk", "read_pk": "read_pk"}),
    Row("studies:study_consensus", "get", page(), PAGE_STUDY),
    # No group chosen: coordinators are sent back with a message; readers of the study are not in the group.
    Row("studies:consensus_unaided", "get", page(coordinator=302), {"study_pk": "study_pk", "key": "case_key"}),
    Row("studies:consensus_unaided", "post", page(coordinator=302), {"study_pk": "study_pk", "key": "case_key"}),
    Row("studies:consensus_aided", "get", page(coordinator=302), {"study_pk": "study_pk", "key": "case_key"}),
    Row("studies:readers", "get", coordinators_only()),
    Row("studies:readers", "post", coordinators_only()),  # empty form: errors, nobody created
    Row("studies:reader_invite", "post", coordinators_only(302), {"pk": "read_pk"}),  # no invited reader: message
    Row("studies:imports", "get", coordinators_only()),
    Row("studies:import_upload", "get", coordinators_only()),
    Row("studies:import_upload", "post", coordinators_only()),  # no files: errors, no job
    Row("studies:import_detail", "get", coordinators_only(404), {"pk": "study_pk"}),  # no such job
    Row("studies:import_status", "get", coordinators_only(404), {"pk": "study_pk"}),
    Row("studies:audit_log", "get", coordinators_only()),
]

# Route prefixes whose every route must have a row ("" = every route outside the external prefixes).
COVERED_PREFIXES = ("",)

# Route prefixes owned and permission-tested by other areas (they call access.py): not in this table.
EXTERNAL_PREFIXES = ("admin/", "dicomweb/", "statistics/", "inference/", "static/", "media-not-served/")
