"""The reading protocol in Debian's Chromium: unaided reads, the washout refusal, aided reads with AI, progress.

A reader logs in, reads two cases unaided, is refused the aided session, the
clock moves past the 30-day washout (the live server shares the file-based
clock), the reader reads both cases aided with the AI panel, and the
coordinator sees the completed sessions on the progress page.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from reader_study import clock
from reader_study.studies import services
from reader_study.studies.models import Read

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "browser-test-passphrase-7"
AI_LABEL = "synthetic data, not for clinical use"


@pytest.fixture
def world(transactional_db):
    from django.contrib.auth import get_user_model

    from inference.models import InferenceResult, ModelVersion
    from reader_study.cases.models import Case, CaseTruth

    users = get_user_model().objects
    coordinator = users.create_user("coordinator", "c@example.org", PASSWORD, is_staff=True)
    reader = users.create_user("junior", "j@example.org", PASSWORD)
    cases = []
    for case_id, klass in (("PH-0001", "HCC"), ("PH-0002", "ICC")):
        case = Case.objects.create(case_id=case_id, age=58, sex="M", cohort="internal_test", imported_at=clock.now())
        CaseTruth.objects.create(case=case, tumour_class=klass)
        cases.append(case)
    model = ModelVersion.objects.create(name="almss-demo", version="1", path="/nonexistent", checksum="0" * 64,
                                        label=AI_LABEL, created_at=clock.now())
    for case in cases:
        InferenceResult.objects.create(case=case, model_version=model, status="done", created_at=clock.now(),
                                       primary_probabilities={"HCC": 0.72, "ICC": 0.18, "LM": 0.10},
                                       final_class="HCC")
    study = services.do_create_study(coordinator, name="Browser study", cases=cases, model_version=model)
    services.do_set_reader_profile(coordinator, reader, experience="junior", years_of_experience=2)
    services.do_enrol_reader(coordinator, study, reader)
    services.do_open_study(coordinator, study)
    return SimpleNamespace(study=study, reader=reader, coordinator=coordinator)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator(".usermenu")).to_contain_text(username)


def read_session(page: Page, diagnoses: list[str], *, aided: bool) -> None:
    """Read every case of the open worklist, following the reader's order."""
    page.click("#next-case")
    for diagnosis in diagnoses:
        expect(page.locator("h1")).to_contain_text("aided" if aided else "unaided")
        if aided:
            expect(page.locator("#ai-panel")).to_be_visible()
            expect(page.locator("#ai-model-label")).to_have_text(re.compile(AI_LABEL, re.I))
            expect(page.locator("#ai-probabilities")).to_contain_text("72%")
        else:
            expect(page.locator("#ai-panel")).to_have_count(0)
        page.check(f"#diagnosis-{diagnosis}")
        page.click("#submit-read")
    expect(page.locator("h1")).to_contain_text("worklist")
    expect(page.locator("table.worklist")).not_to_contain_text("To read")


def test_reader_runs_the_protocol_and_coordinator_sees_progress(page: Page, live_server, world, move_clock):
    base = live_server.url
    log_in(page, base, "junior")
    page.click("text=Browser study")
    page.click("text=Start session 1")
    read_session(page, ["HCC", "ICC"], aided=False)
    assert Read.objects.filter(reader=world.reader, arm="unaided", locked=True).count() == 2

    page.goto(f"{base}/my/studies/{world.study.pk}/")
    session_two = page.locator("#session-2")
    expect(session_two).to_contain_text("Not open yet")
    expect(session_two).to_contain_text("UTC")
    key = world.study.study_cases.first().key
    page.goto(f"{base}/my/studies/{world.study.pk}/cases/{key}/aided/")
    expect(page.locator("#refusal")).to_be_visible()
    expect(page.locator("#opens-at")).to_contain_text("Opens on")
    assert not Read.objects.filter(arm="aided").exists()

    move_clock(days=31)
    page.goto(f"{base}/my/studies/{world.study.pk}/")
    page.click("text=Start session 2")
    read_session(page, ["HCC", "HCC"], aided=True)
    aided = Read.objects.filter(reader=world.reader, arm="aided", locked=True)
    assert aided.count() == 2 and all(read.ai_result_id for read in aided)

    page.click(".usermenu button")
    log_in(page, base, "coordinator")
    page.goto(f"{base}/studies/{world.study.pk}/progress/")
    rows = page.locator("#progress-table tbody tr")
    expect(rows).to_have_count(2)
    for number in (1, 2):
        row = page.locator(f"tr[data-reader='junior'][data-session='{number}']")
        expect(row).to_contain_text("2 / 2")
        expect(row).to_contain_text("completed")


HIDE_TAB = """() => {
  Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""
SHOW_TAB = """() => {
  Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""
SECONDS_SHOWN = r"""() => {
  const m = document.getElementById('active-time').textContent.match(/(\d+):(\d+)/);
  return m ? 60 * Number(m[1]) + Number(m[2]) : -1;
}"""


def test_active_time_pauses_while_the_tab_is_hidden_and_is_stored(page: Page, live_server, world):
    base = live_server.url
    log_in(page, base, "junior")
    page.goto(f"{base}/my/studies/{world.study.pk}/")
    page.click("text=Start session 1")
    page.click("#next-case")
    page.wait_for_function(f"({SECONDS_SHOWN})() >= 2", timeout=30000)
    page.evaluate(HIDE_TAB)
    expect(page.locator("#active-time")).to_have_class(re.compile("paused"))
    frozen = page.evaluate(SECONDS_SHOWN)
    page.wait_for_timeout(2500)
    assert page.evaluate(SECONDS_SHOWN) == frozen
    page.evaluate(SHOW_TAB)
    page.wait_for_function(f"({SECONDS_SHOWN})() > {frozen}", timeout=30000)
    page.check("#diagnosis-HCC")
    page.click("#submit-read")
    expect(page.locator("h1")).to_contain_text("Case")
    read = Read.objects.get(reader=world.reader, locked=True)
    assert frozen <= read.active_seconds < frozen + 30
