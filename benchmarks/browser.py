"""The app in a real browser: fresh frames per second shown while training, and training speed vs headless.

Starts `streamlit run playground/server.py` on a free loopback port, opens it in Debian's headless
Chromium (Playwright), presses play and counts, inside the run view's iframe, the renders whose
frame (layout.meta = the step) was new. Windows alternate with a headless Runner in this process
(browser, headless, browser, ...), so the ratio is measured side by side.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.budget import QUICK, Budget
from benchmarks.report import Row, Section
from benchmarks.timing import Spread, ratios, summarise
from gancore import Runner, TrainConfig

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GAN_LAB_FRAMES_PER_S = 60 / 50    # GAN Lab redraws every 50 iterations at <= 60 iterations/s


def measure(budget: Budget) -> Section:
    section = Section("6. The browser (streamlit run + headless Chromium)")
    if not Path("/usr/bin/chromium").exists():
        section.notes.append("skipped: /usr/bin/chromium is missing (apt-get install chromium)")
        return section
    window, reps = (4.0, 2) if budget is QUICK else (6.0, 4)
    server, url = _start_server()
    try:
        frames, browser_rates, headless_rates, kept = _windows(url, window, reps)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    fps = summarise(frames)
    section.rows += [
        Row("fresh frames/s shown in the browser", fps.median, "/s", fps.range_text("{:.1f}"), ">= 10", fps.median >= 10),
        _ratio("training while watched / headless", ratios(browser_rates, headless_rates), 0.8),
        Row("chart element kept (Plotly.react, not re-created)", float(kept), "", "", "== 1", kept),
    ]
    section.notes.append(f"steps/s watched {summarise(browser_rates).median:.0f}, headless {summarise(headless_rates).median:.0f}; "
                         f"GAN Lab's reference: about {GAN_LAB_FRAMES_PER_S:.1f} fresh frames/s")
    return section


def _ratio(figure: str, values: list[float], minimum: float) -> Row:
    s: Spread = summarise(values)
    return Row(figure, s.median, "x", s.range_text("{:.2f}"), f">= {minimum:g}x", s.median >= minimum)


def _start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "playground" / "server.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("streamlit did not start")


def _windows(url: str, window: float, reps: int) -> tuple[list[float], list[float], list[float], bool]:
    from playwright.sync_api import sync_playwright
    frames, watched, headless = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url)
        iframe = page.locator(".st-key-view-a iframe")
        iframe.wait_for(state="visible", timeout=60_000)
        chart = iframe.element_handle().content_frame()
        chart.wait_for_function("() => window.__liveChart?.newPlots >= 1", timeout=60_000)
        chart.evaluate("() => { document.querySelector('#chart .svg-container').dataset.benchTag = 'kept'; }")
        for _ in range(reps):
            page.locator(".st-key-play button").click()
            time.sleep(1.0)                                   # let the rerun and the first frames settle
            fresh0, step0, t0 = *_fresh_and_step(chart), time.perf_counter()
            time.sleep(window)
            fresh1, step1, t1 = *_fresh_and_step(chart), time.perf_counter()
            frames.append((fresh1 - fresh0) / (t1 - t0))
            watched.append((step1 - step0) / (t1 - t0))
            page.locator(".st-key-play button").click()       # pause while the headless run measures
            headless.append(_headless_rate(window))
        kept = chart.evaluate("() => window.__liveChart.newPlots === 1 && "
                              "!!document.querySelector('#chart .svg-container[data-bench-tag=kept]')")
        browser.close()
    return frames, watched, headless, bool(kept)


def _fresh_and_step(chart) -> tuple[int, int]:
    """Fresh frames drawn so far, and the step of the frame on screen (layout.meta): the picture's
    own step is current to a frame, where the status line above it is refreshed twice a second."""
    return tuple(chart.evaluate("() => [window.__liveChart.fresh, window.__liveChart.lastMeta]"))


def _headless_rate(window: float) -> float:
    runner = Runner(TrainConfig())
    runner.play()
    time.sleep(1.0)
    s0, t0 = runner.snapshot().step, time.perf_counter()
    time.sleep(window)
    s1, t1 = runner.snapshot().step, time.perf_counter()
    runner.close()
    return (s1 - s0) / (t1 - t0)
