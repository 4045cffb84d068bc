"""Viewer speed in Debian's Chromium: time to first image, time until all four phases are loaded, slice-step latency.

Usage::

    .venv/bin/python benchmarks/viewer.py            # 4 x 64 x 512^2 phantom study (the issue's figure)
    .venv/bin/python benchmarks/viewer.py --quick    # 4 x 16 x 256^2, a few seconds of browser time
    .venv/bin/python benchmarks/viewer.py --jpegls   # the same study stored JPEG-LS lossless

Django runs under gunicorn (WhiteNoise for the bundle). The page is the coordinator preview (the same embed as
the reading page). Baseline in the same run and browser: fetching every frame of the study with plain ``fetch``
(8 in flight, no decoding or rendering): the ratio viewer-all-loaded / raw-fetch shows what decoding, caching and
rendering add on top of the transfer. Slice-step latency: the time from a scroll step of the active viewport until
all four viewports rendered their new slice (linked by patient position), after everything is cached, and
during loading (the first steps right after the first image).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import viewer_setup  # benchmarks/ is sys.path[0] when run as a script


def median(values: list[float]) -> float:
    """Median (the stdlib ``statistics`` is shadowed by benchmarks/statistics.py when run from benchmarks/)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RAW_FETCH_JS = """async ([urls, accept]) => {
  const started = performance.now(); let bytes = 0; const queue = urls.slice(); const failed = [];
  const worker = async () => { while (queue.length) { const r = await fetch(queue.shift(),
      { headers: { Accept: accept }, cache: 'no-store' }); const n = (await r.arrayBuffer()).byteLength; bytes += n;
      if (r.status !== 200) failed.push(r.status); } };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { ms: performance.now() - started, bytes, failed }; }"""
STEPS_JS = """async (n) => { const out = [];
  for (let i = 0; i < n; i += 1) out.push(await window.__viewer.scrollAll(i % 2 ? -1 : 1));
  return out; }"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 x 16 x 256^2 instead of 4 x 64 x 512^2")
    parser.add_argument("--jpegls", action="store_true", help="store the study JPEG-LS compressed")
    parser.add_argument("--steps", type=int, default=30, help="slice steps to time once everything is loaded")
    parser.add_argument("--rendering", default="gpu,cpu",
                        help="comma list of gpu (WebGL, the default the readers get) and cpu (?rendering=cpu); "
                             "each a fresh browser")
    return parser.parse_args()


def run_browser(server, study, cookie: tuple[str, str], steps: int, rendering: str) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_cookies([{"name": cookie[0], "value": cookie[1], "url": server.url}])
        page = context.new_page()
        page.goto(f"{server.url}/dicomweb/preview/{study.case_pk}/?rendering={rendering}")
        page.wait_for_function("() => window.__viewer && window.__viewer.firstImageMs !== null", timeout=120_000)
        early = page.evaluate(STEPS_JS, 4)  # while the background prefetch still runs
        try:
            page.wait_for_function("() => window.__viewer.allLoadedMs !== null || window.__viewer.errors.length",
                                   timeout=240_000)
        except PlaywrightTimeout as exc:  # seen intermittently in the second browser of a run; report, don't hang
            loaded = page.evaluate("JSON.stringify(window.__viewer.loaded)")
            raise RuntimeError(f"not all images loaded after 240 s (loaded per phase: {loaded})") from exc
        hook = page.evaluate("({first: __viewer.firstImageMs, all: __viewer.allLoadedMs, errors: __viewer.errors,"
                             " rendering: __viewer.rendering()})")
        if hook["errors"]:
            raise RuntimeError(f"viewer errors: {hook['errors'][:3]}")
        warm = page.evaluate(STEPS_JS, steps)
        accept = "multipart/related; type=application/octet-stream; transfer-syntax=*"
        raw = page.evaluate(RAW_FETCH_JS, [[server.url + u for u in study.frame_urls], accept])
        browser.close()
    return {"first": hook["first"], "all": hook["all"], "early": early, "warm": warm, "raw": raw,
            "rendering": hook["rendering"]}


def warm_up(server, study, cookie: tuple[str, str]) -> None:
    """Load the page and a few frames once, so the first measured mode does not pay gunicorn's cold start."""
    import urllib.request

    headers = {"Cookie": f"{cookie[0]}={cookie[1]}"}
    for path in [f"/dicomweb/preview/{study.case_pk}/", *study.frame_urls[:16]]:
        urllib.request.urlopen(urllib.request.Request(server.url + path, headers=headers), timeout=60).read()


def report(result: dict, study, slices: int, size: int, compressed: bool) -> None:
    warm = [s for s in result["warm"] if s is not None]
    early = [s for s in result["early"] if s is not None]
    n = len(study.frame_urls)
    print(f"Viewer, {result['rendering'].upper()} rendering: 4 x {slices} x {size}^2 "
          f"({'JPEG-LS' if compressed else 'uncompressed'}, {study.total_bytes / 1e6:.1f} MB on disk), "
          "Chromium headless (software GL), gunicorn 2x4")
    print(f"  time to first image (page JS start)   {result['first']:8.0f} ms")
    print(f"  all four phases loaded ({n} images)  {result['all']:8.0f} ms")
    print(f"  slice step, all cached: median        {median(warm):8.1f} ms "
          f"(p90 {sorted(warm)[int(0.9 * (len(warm) - 1))]:.1f} ms, {len(warm)} steps)")
    if early:
        print(f"  slice step while loading: median      {median(early):8.1f} ms ({len(early)} steps)")
    raw = result["raw"]
    print(f"  baseline: raw fetch of all frames     {raw['ms']:8.0f} ms ({raw['bytes'] / 1e6:.1f} MB, 8 in flight)")
    print(f"  ratio all-loaded / raw fetch          {result['all'] / raw['ms']:8.2f}")
    if raw["failed"]:
        print(f"  warning: {len(raw['failed'])} raw fetches failed: {sorted(set(raw['failed']))}")
    if len(warm) < len(result["warm"]):
        print(f"  warning: {len(result['warm']) - len(warm)} steps timed out (10 s)")


def main() -> None:
    args = parse_args()
    size, slices = (256, 16) if args.quick else (512, 64)
    work = Path(tempfile.mkdtemp(prefix="bench-viewer-"))
    viewer_setup.configure_django(work)
    original, created = viewer_setup.create_database()
    server = None
    try:
        study = viewer_setup.make_study(work, size=size, slices=slices, compressed=args.jpegls)
        cookie = viewer_setup.session_cookie()
        server = viewer_setup.Gunicorn(work)
        warm_up(server, study, cookie)
        for rendering in args.rendering.split(","):
            result = run_browser(server, study, cookie, args.steps, rendering)
            report(result, study, slices, size, args.jpegls)
    finally:
        if server:
            server.stop()
        viewer_setup.destroy_database(original, created)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
