"""The whole journey with the production shape, in Debian's Chromium.

PostgreSQL, Redis as broker, a real Celery worker process (queues default and
gpu, CPU here), Django served by gunicorn in its own process, Playwright:

1. the coordinator uploads a DICOM zip with its manifest and watches the import,
   and the ALMSS inference runs; the worker is killed while a case is being
   inferred and started again: every case ends with one complete result;
2. the coordinator creates a study and enrols a junior and a senior reader;
3. each reader reads all cases unaided in the viewer (scroll, preset, answers
   with confidence);
4. the aided session is refused until the clock passes the washout, then each
   reader reads with the AI panel and overlays;
5. the coordinator opens the statistics page and downloads the long CSV, the
   iMRMC file and the PDF report, whose numbers must match the reads made here.
"""
from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

TIMEOUT_MS = 240_000


def wait_until(predicate, timeout: float = 300.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator(".usermenu")).to_contain_text(username)


def log_out(page: Page) -> None:
    page.click(".usermenu button")
    expect(page.locator("#login-form")).to_be_visible()


# --- 1. upload, import, inference with a worker crash ----------------------------------------------------------

def upload_and_import(page: Page, base: str, world) -> None:
    page.goto(base + "/imports/upload/")
    page.set_input_files("#id_archive", str(world.archive))
    page.set_input_files("#id_manifest", str(world.manifest))
    page.click("text=Upload and import")
    expect(page.locator("#import-status")).to_have_text("done", timeout=TIMEOUT_MS)
    expect(page.locator("#import-report")).to_be_visible()


def crash_worker_during_inference(worker, model) -> int:
    """Kill the worker (SIGKILL) while a case is being inferred; restart it; return the crashed result's pk."""
    from inference.models import InferenceResult

    running = wait_until(
        lambda: InferenceResult.objects.filter(model_version=model, status="running").first(),
        interval=0.05, what="a case being inferred")
    worker.kill()
    running.refresh_from_db()
    assert running.status == "running" and running.storage_dir == ""
    # The broker redelivers the unacknowledged task after the visibility timeout (acks_late).
    worker.env["CELERY_VISIBILITY_TIMEOUT"] = "2"
    time.sleep(3)
    worker.start()
    return running.pk


def assert_one_complete_result_per_case(model, media: Path, crashed_pk: int) -> None:
    from inference.models import InferenceResult
    from reader_study.cases.models import Case

    results = wait_until(lambda: (
        list(InferenceResult.objects.filter(model_version=model))
        if InferenceResult.objects.filter(model_version=model).exclude(status="done").count() == 0 else None),
        what="every inference result to be done")
    assert sorted(r.case_id for r in results) == sorted(Case.objects.values_list("pk", flat=True))
    for result in results:
        folder = media / result.storage_dir
        assert folder.is_dir() and sorted(p.name for p in (folder / "overlays").iterdir()) == [
            "arterial.npz", "delayed.npz", "portal_venous.npz", "pre_contrast.npz"]
        assert abs(sum(result.primary_probabilities.values()) - 1) < 1e-4
    crashed = next(r for r in results if r.pk == crashed_pk)
    assert crashed.attempts >= 2
    result_dirs = [p.name for p in (media / "inference" / "results").iterdir()]
    assert sorted(result_dirs) == sorted(str(r.pk) for r in results)  # no duplicate, no leftover
    leftovers = [p for p in media.rglob("*") if p.is_dir() and re.fullmatch(rf"{crashed_pk}-[0-9a-f]+", p.name)]
    assert leftovers == []  # no partial files of the crashed attempt


# --- 2. study set-up in the browser ------------------------------------------------------------------------------

def create_study(page: Page, base: str, model) -> int:
    page.goto(base + "/studies/new/")
    page.fill("#id_name", "Journey study")
    page.select_option("#id_model_version", str(model.pk))
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r"/studies/\d+/cases/$"))
    study_pk = int(re.search(r"/studies/(\d+)/cases/$", page.url).group(1))
    for box in page.locator("table.cases input[type=checkbox]").all():
        box.check()
    page.click("text=Save case list")
    for reader in ("junior", "senior"):
        page.goto(f"{base}/studies/{study_pk}/readers/")
        value = page.locator("#id_reader option", has_text=f"{reader} (").first.get_attribute("value")
        page.select_option("#id_reader", value)
        page.click("main button:text-is('Enrol')")
        expect(page.locator("table")).to_contain_text(reader)
    page.goto(f"{base}/studies/{study_pk}/")
    page.click("text=Open for reading")
    expect(page.locator("h1 .badge")).to_have_text(re.compile("open", re.I))
    expect(page.locator("#inference-status")).to_contain_text("done")
    return study_pk


# --- 3-4. reading ------------------------------------------------------------------------------------------------

def use_viewer(page: Page) -> None:
    """Scroll all four phases with the wheel and switch to the liver preset, as a radiologist would."""
    page.wait_for_function("() => window.__viewer && window.__viewer.ready", timeout=TIMEOUT_MS)
    before = page.evaluate("() => window.__viewer.current().map(v => v.index)")
    box = page.locator("[data-rs-viewer] canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 120)
    page.wait_for_function(f"() => JSON.stringify(window.__viewer.current().map(v => v.index)) !== '{before}'",
                           timeout=30_000)
    voi = page.evaluate("() => JSON.stringify(window.__viewer.voi())")
    page.keyboard.press("2")
    page.wait_for_function(f"() => JSON.stringify(window.__viewer.voi()) !== '{voi}'", timeout=30_000)


def answer(page: Page, diagnosis: str, origin: str | None) -> dict:
    page.check(f"#diagnosis-{diagnosis}")
    page.locator("#id_diagnosis_confidence").fill("80")
    if origin:
        page.check(f"#origin-{origin}")
        page.locator("#id_origin_confidence").fill("60")
    confidences = {"HCC": 10, "ICC": 10, "LM": 10, diagnosis: 85}
    for label, value in confidences.items():
        page.locator(f"#id_class_confidence_{label}").fill(str(value))
    page.click("#submit-read")
    return {"diagnosis": diagnosis, "origin": origin, "class_confidence": confidences}


def read_session(page: Page, choose, *, aided: bool) -> dict[str, dict]:
    """Read the whole worklist in the reader's order; returns {case key: answers}.

    After each submit the server sends the reader to the next case, and after the last one to the worklist.
    """
    made: dict[str, dict] = {}
    page.click("#next-case")
    while re.search(r"/cases/[^/]+/(un)?aided/$", page.url):
        key = re.search(r"/cases/([^/]+)/", page.url).group(1)
        use_viewer(page)
        if aided:
            expect(page.locator("#ai-panel")).to_be_visible()
            expect(page.locator("#ai-model-label")).to_contain_text("synthetic")
            page.wait_for_function("() => Object.keys(window.__viewer.overlays.loaded).length === 4",
                                   timeout=TIMEOUT_MS)
        else:
            expect(page.locator("#ai-panel")).to_have_count(0)
            assert page.evaluate("() => Object.keys(window.__viewer.overlays.loaded).length") == 0
        current = page.url
        made[key] = answer(page, *choose(key))
        page.wait_for_url(lambda url, current=current: url != current)
    expect(page.locator("h1")).to_contain_text("worklist")
    return made


def reader_journey(page: Page, base: str, study_pk: int, username: str, choose_unaided, choose_aided,
                   move_clock) -> dict:
    log_in(page, base, username)
    page.goto(f"{base}/my/studies/{study_pk}/")
    page.click("text=Start session 1")
    unaided = read_session(page, choose_unaided, aided=False)
    any_key = next(iter(unaided))
    page.goto(f"{base}/my/studies/{study_pk}/cases/{any_key}/aided/")
    expect(page.locator("#refusal")).to_be_visible()
    expect(page.locator("#opens-at")).to_contain_text("Opens on")
    move_clock(days=31)
    page.goto(f"{base}/my/studies/{study_pk}/")
    page.click("text=Start session 2")
    aided = read_session(page, choose_aided, aided=True)
    log_out(page)
    return {"unaided": unaided, "aided": aided}


# --- 5. statistics and exports -----------------------------------------------------------------------------------

def download(page: Page, link_text: str) -> bytes:
    with page.expect_download() as info:
        page.click(f"a:text-is('{link_text}')")
    return Path(info.value.path()).read_bytes()


def check_exports(page: Page, base: str, study_pk: int, made: dict, truth_by_key: dict) -> None:
    page.goto(f"{base}/statistics/{study_pk}/")
    expect(page.locator("main")).to_contain_text("Journey study")
    rows = list(csv.DictReader(io.StringIO(download(page, "Reads (long CSV)").decode())))
    assert len(rows) == 2 * 3 * 2
    for reader, arms in made.items():
        for arm, answers in arms.items():
            for key, given in answers.items():
                truth_class = truth_by_key[key][0]
                row = next(r for r in rows if r["reader"] == reader and r["arm"] == arm
                           and r["case"] in (key, truth_by_key[key][2]))
                assert row["diagnosis"] == given["diagnosis"]
                assert row["truth_class"] == truth_class
                correct = row["correct"].strip().lower() in {"true", "1", "yes"}
                assert correct == (given["diagnosis"] == truth_class)
                assert float(row["class_confidence_HCC"]) == given["class_confidence"]["HCC"]
    imrmc = download(page, "iMRMC HCC").decode()
    score_rows = [line.split(",") for line in imrmc.split("BEGIN DATA:")[1].split() if not line.startswith("-1,")]
    assert len(score_rows) == 2 * 3 * 2
    assert len({reader for reader, _, _, _ in score_rows}) == 2
    for _, _, arm, score in score_rows:
        assert arm in {"unaided", "aided"} and float(score) in {10.0, 85.0}
    pdf = download(page, "Report (PDF)")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    statistics = json.loads(download(page, "Statistics JSON"))
    for arm in ("unaided", "aided"):
        answers = [(given["diagnosis"], truth_by_key[key][0]) for arms in made.values()
                   for key, given in arms[arm].items()]
        expected = sum(d == t for d, t in answers) / len(answers)
        pooled = [row for row in statistics["diagnosis_performance"]
                  if row["level"] == "pooled" and row["arm"] == arm]
        assert pooled, statistics["diagnosis_performance"]
        accuracy = pooled[0]["performance"]["accuracy"]
        assert accuracy["n"] == len(answers)
        assert accuracy["estimate"] == pytest.approx(expected)


def test_the_whole_journey(page: Page, app_server, celery_worker, journey_world, move_clock):
    from reader_study.cases.models import CaseTruth
    from reader_study.studies.models import StudyCase

    base = app_server.url
    page.set_default_timeout(60_000)
    log_in(page, base, "coordinator")
    upload_and_import(page, base, journey_world)
    crashed_pk = crash_worker_during_inference(celery_worker, journey_world.model)
    assert_one_complete_result_per_case(journey_world.model, journey_world.media, crashed_pk)

    study_pk = create_study(page, base, journey_world.model)
    log_out(page)
    truth_by_key = {}
    for entry in StudyCase.objects.filter(study_id=study_pk).select_related("case"):
        truth = CaseTruth.objects.get(case=entry.case)
        truth_by_key[entry.key] = (truth.tumour_class, truth.origin or None, entry.case.case_id)

    def right(key):
        return truth_by_key[key][:2]

    slip_key = sorted(truth_by_key)[0]

    def junior_unaided(key):
        """Right everywhere but one case, which the aided read corrects."""
        if key != slip_key:
            return right(key)
        return ("ICC", None) if truth_by_key[key][0] != "ICC" else ("HCC", None)

    made = {
        "junior": reader_journey(page, base, study_pk, "junior", junior_unaided, right, move_clock),
        "senior": reader_journey(page, base, study_pk, "senior", right, right, move_clock),
    }
    log_in(page, base, "coordinator")
    page.goto(f"{base}/studies/{study_pk}/progress/")
    for reader in ("junior", "senior"):
        for number in (1, 2):
            expect(page.locator(f"tr[data-reader='{reader}'][data-session='{number}']")).to_contain_text("3 / 3")
    check_exports(page, base, study_pk, made, truth_by_key)
