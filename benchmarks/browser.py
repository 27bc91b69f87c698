"""The app in a real browser, as a user sees it: fresh pictures per second on screen, training speed
while watched vs headless, and how long the first picture, the first moving frame and compare mode take.

Starts `streamlit run playground/server.py` on a free loopback port (timed: the cold start, torch
import included), opens it in Debian's headless Chromium (Playwright), presses play and counts,
inside the run view's iframe, the animation frames whose pixels changed (main.js watchScreen:
the page's own count of what reached the screen, not the feed's). Windows alternate with a headless
Runner in this process (browser, headless, browser, ...), so the ratio is measured side by side.
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
    window, reps = (4.0, 2) if budget is QUICK else (10.0, 3)
    started = time.perf_counter()
    server, url = _start_server()
    cold_s = time.perf_counter() - started
    try:
        screen, feed, browser_rates, headless_rates, kept, times = _windows(url, window, reps)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    fps, fed = summarise(screen), summarise(feed)
    first, moving, compare = (summarise(times[k]) for k in ("first_picture", "first_move", "compare"))
    section.rows += [
        Row("fresh pictures/s on screen while training (the page's own count)", fps.median, "/s",
            fps.range_text("{:.1f}"), ">= 12", fps.median >= 12),
        Row("fresh frames/s delivered by the feed", fed.median, "/s", fed.range_text("{:.1f}")),
        _ratio("training while watched / headless", ratios(browser_rates, headless_rates), 0.85),
        Row("page load to the first picture", first.median, "s", first.range_text("{:.2f}"), "<= 2 s", first.median <= 2),
        Row("Play to the first moving frame", moving.median, "s", moving.range_text("{:.2f}"), "<= 0.5 s",
            moving.median <= 0.5),
        Row("compare mode on to both views drawing", compare.median, "s", compare.range_text("{:.2f}"), "<= 2 s",
            compare.median <= 2),
        Row("cold start: streamlit run to a healthy server", cold_s, "s"),
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


def _windows(url: str, window: float, reps: int):
    from playwright.sync_api import sync_playwright
    screen, feed, watched, headless = [], [], [], []
    times: dict[str, list[float]] = {"first_picture": [], "first_move": [], "compare": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for _ in range(reps):                     # a fresh tab each time: what a new user waits for
            page, chart, seconds = _open(browser, url)
            times["first_picture"].append(seconds)
            page.close()
        page, chart, _ = _open(browser, url)
        chart.evaluate("() => { document.querySelector('#chart .svg-container').dataset.benchTag = 'kept'; }")
        for _ in range(reps):
            t_click = time.perf_counter()
            meta0 = chart.evaluate("() => window.__liveChart.lastMeta")
            page.locator(".st-key-play button").click()
            chart.wait_for_function(f"() => window.__liveChart.lastMeta > {meta0}", timeout=60_000, polling=10)
            times["first_move"].append(time.perf_counter() - t_click)
            time.sleep(1.0)                                   # let the rerun and the first frames settle
            (s0, f0, step0), t0 = _counts(chart), time.perf_counter()
            time.sleep(window)
            (s1, f1, step1), t1 = _counts(chart), time.perf_counter()
            screen.append((s1 - s0) / (t1 - t0))
            feed.append((f1 - f0) / (t1 - t0))
            watched.append((step1 - step0) / (t1 - t0))
            page.locator(".st-key-play button").click()       # pause while the headless run measures
            headless.append(_headless_rate(window))
        kept = chart.evaluate("() => window.__liveChart.newPlots === 1 && "
                              "!!document.querySelector('#chart .svg-container[data-bench-tag=kept]')")
        for _ in range(reps):
            times["compare"].append(_compare_on(page))
        browser.close()
    return screen, feed, watched, headless, bool(kept), times


def _open(browser, url: str):
    """A new tab on the app: (page, the run view's frame, seconds from navigation to its first picture)."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    started = time.perf_counter()
    page.goto(url)
    iframe = page.locator(".st-key-view-a iframe")
    iframe.wait_for(state="visible", timeout=60_000)
    chart = iframe.element_handle().content_frame()
    chart.wait_for_function("() => window.__liveChart?.screenFresh >= 1 && window.__liveChart.renders >= 1",
                            timeout=60_000, polling=10)
    return page, chart, time.perf_counter() - started


def _compare_on(page) -> float:
    """Seconds from switching compare mode on to both run views drawing; then switch it off again."""
    toggle = page.locator(".st-key-w-compare")
    if not toggle.is_visible():
        page.locator("[data-testid=stExpander]", has=toggle).locator("summary").click()
    started = time.perf_counter()
    toggle.locator("label").click()
    for key in ("view-a", "view-b"):
        iframe = page.locator(f".st-key-{key} iframe")
        iframe.wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => document.querySelector('.st-key-view-b iframe')?.contentWindow?.__liveChart?.renders >= 1"
                           " && document.querySelector('.st-key-view-a iframe')?.contentWindow?.__liveChart?.lastMeta === 0",
                           timeout=60_000, polling=10)
    seconds = time.perf_counter() - started
    toggle.locator("label").click()
    page.wait_for_function("() => !document.querySelector('.st-key-view-b iframe')", timeout=60_000)
    time.sleep(6.0)                                    # the spare processes are started again behind it
    return seconds


def _counts(chart) -> tuple[int, int, int]:
    """Pictures that reached the screen, frames the feed delivered, and the step on screen (layout.meta)."""
    return tuple(chart.evaluate("() => [window.__liveChart.screenFresh, window.__liveChart.fresh, "
                                "window.__liveChart.lastMeta]"))


def _headless_rate(window: float) -> float:
    runner = Runner(TrainConfig())
    runner.play()
    time.sleep(1.0)
    s0, t0 = runner.snapshot().step, time.perf_counter()
    time.sleep(window)
    s1, t1 = runner.snapshot().step, time.perf_counter()
    runner.close()
    return (s1 - s0) / (t1 - t0)
