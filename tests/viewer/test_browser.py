"""The viewer in Debian's Chromium: four phases render, slices and windows stay linked, JPEG-LS decodes, AI gating."""
from __future__ import annotations

import os

import numpy as np
import pytest
from django.conf import settings
from django.test import Client

from reader_study.cases.models import Series
from reader_study.vocabulary import PHASES, Phase

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.viewer.urls"),
]
TIMEOUT_MS = 60_000


@pytest.fixture(autouse=True)
def _leave_page_before_the_database_is_flushed(page, live_server):
    """Stop background prefetching before teardown empties the database under the live server."""
    yield
    page.goto("about:blank")


def open_viewer(page, live_server, user, path: str) -> None:
    """Log ``user`` in (session cookie), open ``path`` and wait until the viewer has rendered every phase."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page.goto(live_server.url + path)
    page.wait_for_function("() => window.__viewer && (window.__viewer.ready || window.__viewer.errors.length)",
                           timeout=TIMEOUT_MS)
    assert page.evaluate("window.__viewer.errors") == []
    page.wait_for_function("() => window.__viewer.current().every((v) => v && v.imageId)", timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.__viewer.firstImageMs !== null", timeout=TIMEOUT_MS)


def wait_all_loaded(page) -> None:
    page.wait_for_function("() => window.__viewer.allLoadedMs !== null", timeout=TIMEOUT_MS)


def preview(case) -> str:
    return f"/dicomweb/preview/{case.pk}/"


NON_BLANK_JS = """() => Array.from(document.querySelectorAll('.rsv-viewport canvas')).map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 20 || d[i + 1] > 20 || d[i + 2] > 20) n++;
  return n / (c.width * c.height); })"""


def test_four_phases_render_and_scroll_together_by_patient_position(page, live_server, study, coordinator):
    case, series = study
    open_viewer(page, live_server, coordinator, preview(case))
    labels = page.locator(".rsv-label").all_inner_texts()
    assert labels == ["Pre-contrast", "Arterial", "Portal venous", "Delayed"]
    page.wait_for_timeout(300)
    fractions = page.evaluate(NON_BLANK_JS)
    assert len(fractions) == 4 and all(f > 0.2 for f in fractions), fractions
    box = page.locator(".rsv-viewport").nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => /-?\\d+ HU/.test(document.querySelectorAll('.rsv-hu')[1].textContent)",
                           timeout=TIMEOUT_MS)

    before = page.evaluate("window.__viewer.current()")
    z = [v["position"][2] for v in before]
    assert max(z) - min(z) < 1e-3, z  # opened at one patient position
    box = page.locator(".rsv-viewport").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 120)
    page.wait_for_function("(b) => window.__viewer.current().every((v, i) => v.imageId !== b[i].imageId)",
                           arg=before, timeout=TIMEOUT_MS)
    after = page.evaluate("window.__viewer.current()")
    z_after = [v["position"][2] for v in after]
    assert max(z_after) - min(z_after) < 1e-3, z_after
    assert abs(z_after[0] - z[0]) == pytest.approx(series[Phase.PRE_CONTRAST].spacing)
    indices = [v["index"] for v in after]
    assert indices[0] != indices[1]  # arterial starts 10 mm higher: same position, different slice index
    page.keyboard.press("ArrowUp")
    page.wait_for_function("(z) => window.__viewer.current().every((v) => Math.abs(v.position[2] - z) < 1e-3)",
                           arg=z[0], timeout=TIMEOUT_MS)


def test_preset_keys_change_the_window_of_all_four(page, live_server, study, coordinator):
    open_viewer(page, live_server, coordinator, preview(study[0]))
    abdomen = page.evaluate("window.__viewer.voi()")
    assert all(abs((hi - lo) - 400) <= 1 for lo, hi in abdomen), abdomen
    page.locator(".rsv-viewport").nth(2).click()
    page.keyboard.press("2")
    page.wait_for_function("(a) => window.__viewer.voi().every((v, i) => v[0] !== a[i][0])", arg=abdomen,
                           timeout=TIMEOUT_MS)
    liver = page.evaluate("window.__viewer.voi()")
    widths = [hi - lo for lo, hi in liver]
    levels = [(hi + lo) / 2 for lo, hi in liver]
    assert all(abs(w - 150) <= 1 for w in widths), liver
    assert abs(levels[0] - 50) <= 1 and all(abs(level - 90) <= 1 for level in levels[1:]), liver
    assert page.evaluate("window.__viewer.linked()") == {"slices": True, "voi": True, "zoompan": True}
    box = page.locator(".rsv-viewport").nth(3).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 40, steps=5)
    page.mouse.up()
    dragged = page.evaluate("window.__viewer.voi()")
    assert dragged[3] != liver[3] and all(v == dragged[3] for v in dragged), dragged  # W/L drag is linked
    page.keyboard.press("m")
    page.mouse.move(x - 40, y)
    page.mouse.down()
    page.mouse.move(x + 40, y, steps=5)
    page.mouse.up()
    page.wait_for_function("() => window.__viewer.measurements().length === 1", timeout=TIMEOUT_MS)
    assert page.evaluate("window.__viewer.voi()") == dragged  # left drag measured, did not window
    page.keyboard.press("v")
    assert page.evaluate("window.__viewer.linked()")["voi"] is False
    page.keyboard.press("f")
    assert page.locator(".rsv--single .rsv-cell--active").get_attribute("data-phase") == "delayed"  # last clicked
    page.keyboard.press("]")
    assert page.locator(".rsv--single .rsv-cell--active").get_attribute("data-phase") == "pre_contrast"
    assert page.locator(".rsv-cell:visible").count() == 1
    page.keyboard.press("?")
    assert page.locator(".rsv-help").is_visible()


def _hu_of(page, phase_index: int, slice_index: int) -> np.ndarray:
    values = page.evaluate("([p, k]) => window.__viewer.huValues(window.__viewer.imageIds(p)[k])",
                           [phase_index, slice_index])
    assert values is not None
    return np.array(values, dtype=np.float64)


def test_compressed_series_decode_to_the_same_hu_as_their_uncompressed_twin(
    page, live_server, twin_studies, coordinator
):
    """JPEG-LS (charls wasm) and JPEG 2000 (openjpeg wasm) decode in the worker to the stored HU, exactly."""
    (plain_case, plain), (jls_case, _), (j2k_case, _) = twin_studies
    syntaxes = {s.phase: s.instances.first().transfer_syntax_uid for s in Series.objects.filter(study__case=jls_case)}
    assert set(syntaxes.values()) == {"1.2.840.10008.1.2.4.80"}
    assert Series.objects.get(study__case=j2k_case, phase="arterial").instances.first().transfer_syntax_uid == (
        "1.2.840.10008.1.2.4.90")
    decoded = {}
    for name, case in (("plain", plain_case), ("jpeg-ls", jls_case), ("jpeg2000", j2k_case)):
        open_viewer(page, live_server, coordinator, preview(case))
        wait_all_loaded(page)
        decoded[name] = {(p, k): _hu_of(page, p, k) for p in range(4) for k in (0, 5, 11)}
    for name, values_by_slice in decoded.items():
        for (p, k), values in values_by_slice.items():
            assert np.array_equal(values, plain[PHASES[p]].hu[k].ravel()), (name, p, k)


RED_PIXELS_JS = """(index) => { const c = document.querySelectorAll('.rsv-viewport canvas')[index];
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] - d[i + 1] > 40 && d[i] - d[i + 2] > 40) n++;
  return n; }"""
OVERLAY_STATUS_JS = """async (url) => (await fetch(url, {credentials: 'same-origin'})).status"""


def test_overlays_absent_and_refused_in_the_unaided_read(page, live_server, ai_result, unaided_read, reader):
    from django.urls import reverse

    open_viewer(page, live_server, reader, f"/viewer-test/read/{unaided_read.case.pk}/?arm=aided")
    assert page.evaluate("window.__viewer.overlays.enabled") is False
    assert page.locator(".rsv-ai").count() == 0
    assert "/dicomweb/overlays/" not in page.content()
    for kind in ("labelmap", "heatmap"):
        url = reverse("viewer:overlay", args=[ai_result.pk, "arterial", kind])
        assert page.evaluate(OVERLAY_STATUS_JS, url) == 403


def test_overlays_shown_in_the_aided_read(page, live_server, ai_result, aided_read, reader):
    open_viewer(page, live_server, reader, f"/viewer-test/read/{aided_read.case.pk}/?arm=aided")
    page.wait_for_function("() => Object.keys(window.__viewer.overlays.loaded).length === 4"
                           " || window.__viewer.errors.length", timeout=TIMEOUT_MS)
    assert page.evaluate("window.__viewer.errors") == []
    loaded = page.evaluate("window.__viewer.overlays.loaded")
    tumour_slices = {phase: item["tumourSlice"] for phase, item in loaded.items()}
    assert all(6 - 2 <= k <= 6 + 2 for k in tumour_slices.values()), tumour_slices
    assert page.locator(".rsv-ai").count() == 1
    assert page.evaluate("window.__viewer.rendering()") == "gpu"
    page.wait_for_timeout(300)
    assert page.evaluate(RED_PIXELS_JS, 2) > 20  # tumour mask and heat map drawn over the portal-venous image
    page.keyboard.press("o")
    page.keyboard.press("h")
    page.wait_for_function(f"() => ({RED_PIXELS_JS})(2) === 0", timeout=TIMEOUT_MS)
    assert page.locator("[data-action='ai-mask']").get_attribute("aria-pressed") == "false"
    page.keyboard.press("h")
    page.wait_for_function(f"() => ({RED_PIXELS_JS})(2) > 20", timeout=TIMEOUT_MS)
    page.locator("[data-action='heatmap-opacity']").fill("0")
    page.wait_for_function(f"() => ({RED_PIXELS_JS})(2) === 0", timeout=TIMEOUT_MS)
    page.locator("[data-action='jump-tumour']").click()
    page.wait_for_function("(k) => window.__viewer.current()[window.__viewer.active].index === k",
                           arg=tumour_slices["portal_venous"], timeout=TIMEOUT_MS)
    if os.environ.get("VIEWER_SHOT"):  # a screenshot for a human look: VIEWER_SHOT=/tmp/aided.png
        page.wait_for_timeout(500)
        page.screenshot(path=os.environ["VIEWER_SHOT"])


def test_the_unaided_arm_of_the_page_never_asks_for_overlays(page, live_server, ai_result, aided_read, reader):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    open_viewer(page, live_server, reader, f"/viewer-test/read/{aided_read.case.pk}/")
    wait_all_loaded(page)
    assert page.evaluate("window.__viewer.overlays.enabled") is False
    assert not [url for url in requested if "/overlays/" in url]
