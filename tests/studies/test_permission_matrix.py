"""Permission matrix: every API route and page URL for every role, plus truth, other readers and CSRF.

The table lives in ``matrix_cases.py``. ``test_every_route_is_in_the_table`` walks the real URL
configuration, so a route added anywhere outside the external prefixes fails until it has a row.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from reader_study.studies import services

from .conftest import ANSWERS, LM_ANSWERS, build_cast, make_user
from .matrix_cases import API_ROWS, COVERED_PREFIXES, EXTERNAL_PREFIXES, PAGE_ROWS, ROLES, Row

pytestmark = pytest.mark.django_db
ROWS = API_ROWS + PAGE_ROWS


def iter_routes(patterns=None, prefix: str = "", namespace: str = ""):
    """Yield (route, name) for every URL pattern, with namespaces joined as Django reverses them."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(x for x in (namespace, pattern.namespace or "") if x)
            yield from iter_routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, (f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name)


def in_scope(route: str) -> bool:
    route = route.lstrip("^")
    return route.startswith(COVERED_PREFIXES) and not route.startswith(EXTERNAL_PREFIXES)


def test_every_route_is_in_the_table():
    covered = {row.name for row in ROWS}
    missing = sorted({f"{name or '(unnamed)'} -> /{route}" for route, name in iter_routes()
                      if in_scope(route) and name not in covered})
    assert not missing, "Routes without a permission-matrix row (add them to matrix_cases.py):\n" + "\n".join(missing)


def test_every_table_row_names_a_real_route():
    names = {name for _, name in iter_routes()}
    assert {row.name for row in ROWS} <= names


def matrix_world():
    cast = build_cast()
    services.do_open_session(cast.study, cast.reader, 1)
    read = services.do_start_read(cast.study, cast.reader, cast.cases[0], "unaided")
    services.do_submit_read(cast.reader, read, ANSWERS)
    make_user("newcomer")
    key = cast.study.study_cases.get(case=cast.cases[1]).key
    return SimpleNamespace(
        cast=cast, study_pk=cast.study.pk, read_pk=read.pk, case_key=key, one=1, submit_body={"answers": ANSWERS},
        start_read={"study": cast.study.pk, "case_key": key, "arm": "unaided"},
        amendment={"answers": LM_ANSWERS, "reason": "slip reported by the reader"},
        consensus_group={"readers": ["reader", "reader2"], "case_key": key},
        consensus_body={"readers": ["reader", "reader2"], "case_key": key, "arm": "unaided", "answers": ANSWERS},
        users={"reader": cast.reader, "other_reader": cast.other_reader, "coordinator": cast.coordinator,
               "other_coordinator": cast.other_coordinator},
    )


def request_as(world, role: str, row: Row):
    client = Client()
    if role != "anon":
        client.force_login(world.users[role])
    url = reverse(row.name, kwargs={k: getattr(world, v) for k, v in row.kwargs.items()})
    data = getattr(world, row.data) if isinstance(row.data, str) else row.data
    if row.method == "get":
        return client.get(url)
    return getattr(client, row.method)(url, data=json.dumps(data or {}), content_type="application/json")


def test_every_route_answers_each_role_as_the_table_says():
    """One world, every row and role inside a savepoint; all mismatches are reported together."""
    world = matrix_world()
    mismatches = []
    for row in ROWS:
        got = {}
        for role in ROLES:
            savepoint = transaction.savepoint()
            got[role] = request_as(world, role, row).status_code
            transaction.savepoint_rollback(savepoint)
        if got != row.expected:
            wrong = {r: f"{got[r]} (table: {row.expected[r]})" for r in ROLES if got[r] != row.expected[r]}
            mismatches.append(f"{row.method.upper()} {row.name}: {wrong}")
    assert not mismatches, "\n".join(mismatches)


def test_readers_never_receive_truth_manifest_ids_or_other_readers_answers():
    world = matrix_world()
    cast = world.cast
    services.do_open_session(cast.study, cast.second_reader, 1)
    other = services.do_start_read(cast.study, cast.second_reader, cast.cases[0], "unaided")
    services.do_submit_read(cast.second_reader, other, LM_ANSWERS)
    client = Client()
    client.force_login(cast.reader)
    urls = [reverse("api-study-list"), reverse("api-study-detail", kwargs={"pk": cast.study.pk}),
            reverse("api-study-cases", kwargs={"pk": cast.study.pk}),
            reverse("api-study-sessions", kwargs={"pk": cast.study.pk}), reverse("api-read-list")]
    for url in urls:
        body = client.get(url).content.decode()
        assert "S1-HCC" not in body and "tumour_class" not in body and "pathology" not in body, url
        assert "breast" not in body and "rim enhancement" not in body, url
    assert client.get(reverse("api-read-detail", kwargs={"pk": other.pk})).status_code == 404
    reads = client.get(reverse("api-read-list")).json()["results"]
    assert [r["id"] for r in reads] == [world.read_pk]


def test_aided_read_and_ai_are_refused_too_early_with_the_opening_date():
    world = matrix_world()
    cast = world.cast
    client = Client()
    client.force_login(cast.reader)
    key = cast.study.study_cases.get(case=cast.cases[0]).key
    response = client.post(reverse("api-read-list"), data={"study": cast.study.pk, "case_key": key, "arm": "aided"},
                           content_type="application/json")
    assert response.status_code == 409
    assert "session_not_open" in [v["code"] for v in response.json()["violations"]]
    response = client.post(reverse("api-study-open-session", kwargs={"pk": cast.study.pk, "number": 2}))
    assert response.status_code == 409 and "previous_session_incomplete" in response.content.decode()


def test_state_changing_calls_need_the_csrf_token_with_session_auth():
    """Every unsafe API call and page POST is refused without the token (403), before any change."""
    world = matrix_world()
    accepted = []
    for row in [r for r in ROWS if r.method != "get"]:
        role = next((r for r in ("coordinator", "reader", "other_reader") if row.expected[r] < 400), "coordinator")
        savepoint = transaction.savepoint()
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.users[role])
        url = reverse(row.name, kwargs={k: getattr(world, v) for k, v in row.kwargs.items()})
        data = getattr(world, row.data) if isinstance(row.data, str) else row.data
        response = getattr(client, row.method)(url, data=json.dumps(data or {}), content_type="application/json")
        transaction.savepoint_rollback(savepoint)
        if response.status_code != 403 or b"CSRF" not in response.content:
            accepted.append(f"{row.method.upper()} {row.name} as {role}: {response.status_code}")
    assert not accepted, "\n".join(accepted)


def test_token_authentication_works_without_csrf():
    world = matrix_world()
    token = Token.objects.create(user=world.cast.reader)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(reverse("api-read-heartbeat", kwargs={"pk": world.read_pk}), data={"seconds": 1},
                           content_type="application/json")
    assert response.status_code == 200


def test_reader_pages_show_neither_manifest_ids_nor_truth():
    world = matrix_world()
    client = Client()
    client.force_login(world.cast.reader)
    rows = [r for r in PAGE_ROWS if r.method == "get" and r.expected["reader"] == 200]
    assert len(rows) >= 4
    for row in rows:
        url = reverse(row.name, kwargs={k: getattr(world, v) for k, v in row.kwargs.items()})
        body = client.get(url).content.decode()
        assert "S1-HCC" not in body and "S2-HCC" not in body, url
