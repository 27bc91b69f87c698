"""Many browser sessions against one server: isolation, the runner cap, and cleanup on close."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT, assert_no_exception, wait_for_app
from playwright.sync_api import Browser, Page, expect

from playground.sessions import SPARE_CHILDREN

APP = REPO_ROOT / "playground" / "server.py"       # the app as served: page + frame feed
SESSIONS = int(os.environ.get("GAN_SESSIONS", "24"))    # 24 in CI; GAN_SESSIONS=200 for a soak by hand
BATCH = 2                         # tabs open at once while cycling (2 cores serve them and the browser)


def proc_status(pid: int) -> dict[str, int]:
    """Threads, training threads (named gan-runner-N by the engine) and resident memory (kB) of
    the server process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    names = [p.read_text().strip() for p in Path(f"/proc/{pid}/task").glob("*/comm")]
    return {"threads": int(fields["Threads"]), "runners": sum(n.startswith("gan-runner-") for n in names),
            "rss_kb": int(fields["VmRSS"].split()[0])}


def step_of(page: Page) -> int:
    text = page.get_by_text(re.compile(r"step [\d,]+ ·")).first.inner_text()
    return int(re.search(r"step ([\d,]+)", text).group(1).replace(",", ""))


def open_page(browser: Browser, url: str, charts: bool = True) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if not charts:
        # Cycling sessions tests the server; drawing 4.8 MB of plotly.js per chart on the same two
        # cores would only slow it down. The page, its websocket session and its runs are all real.
        context.route("**/plotly.min.js", lambda route: route.abort())
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"step [\d,]+ ·")).first).to_be_visible(timeout=30_000)
    return page


def play(page: Page) -> None:
    page.locator(".st-key-play button").click()


def wait_until(condition, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_two_sessions_never_see_each_others_runs_or_settings(streamlit_server, browser):
    url = streamlit_server(APP)
    one, two = open_page(browser, url), open_page(browser, f"{url}/?loss=hinge")
    one.get_by_role("button", name="Step", exact=True).click()
    assert wait_until(lambda: step_of(one) == 1)
    expect(two.get_by_role("combobox", name="loss")).to_have_value(re.compile("^hinge"), timeout=30_000)
    expect(one.get_by_role("combobox", name="loss")).to_have_value(re.compile("^nonsaturating"), timeout=30_000)
    assert step_of(two) == 0
    for page in (one, two):
        page.context.close()


def test_the_runner_cap_refuses_a_new_run_clearly_and_leaves_running_ones_alone(streamlit_server, browser):
    url = streamlit_server(APP, env={"GAN_PLAYGROUND_MAX_RUNNERS": "1"})
    one, two = open_page(browser, url), open_page(browser, url)
    play(one)
    assert wait_until(lambda: step_of(one) > 20)
    play(two)
    expect(two.get_by_text(re.compile("cannot start: the server is already training 1 run"))).to_be_visible(timeout=40_000)
    assert_no_exception(two)
    before = step_of(one)
    assert wait_until(lambda: step_of(one) > before + 20), "the running session was disturbed"
    assert step_of(two) == 0
    for page in (one, two):
        page.context.close()


@pytest.mark.timeout(900)
def test_many_sessions_opened_and_closed_leave_no_threads_or_memory_behind(streamlit_server, browser):
    url = streamlit_server(APP)
    pid = streamlit_server.pids[url]
    warm = open_page(browser, url)             # imports, caches and the component's files: one-off costs
    play(warm)
    assert wait_until(lambda: step_of(warm) > 0)
    warm.context.close()
    assert wait_until(lambda: proc_status(pid)["runners"] == 0, timeout=40)    # its run ended with it
    before = proc_status(pid)
    for start in range(0, SESSIONS, BATCH):
        pages = [open_page(browser, url, charts=False) for _ in range(BATCH)]
        for page in pages:
            play(page)
        assert wait_until(lambda: all(step_of(p) > 0 for p in pages)), \
            f"session {start}: " + " | ".join(p.get_by_text(re.compile(r"step [\d,]+ ·")).first.inner_text() for p in pages) \
            + " | " + " | ".join(a.inner_text() for p in pages for a in p.locator('[data-testid="stAlert"]').all())
        for page in pages:
            page.context.close()
    # Closing a tab ends its session; the release hook closes its runs (the watchdog is the backstop).
    assert wait_until(lambda: proc_status(pid)["runners"] == 0, timeout=40), \
        f"{proc_status(pid)['runners']} training threads left after {SESSIONS} sessions were closed"
    # The web server's own worker pools (AnyIO, executors) grow and shrink with load: allow their
    # slack, but not a thread per session.
    assert wait_until(lambda: proc_status(pid)["threads"] <= before["threads"] + 6, timeout=30), \
        f"threads: {before['threads']} before, {proc_status(pid)['threads']} after {SESSIONS} sessions"
    after = proc_status(pid)
    growth_mb = (after["rss_kb"] - before["rss_kb"]) / 1024
    print(f"\n{SESSIONS} sessions: threads {before['threads']} -> {after['threads']}, "
          f"RSS {before['rss_kb'] / 1024:.0f} MB -> {after['rss_kb'] / 1024:.0f} MB ({growth_mb:+.0f} MB)")
    assert growth_mb < 100, f"server memory grew by {growth_mb:.0f} MB over {SESSIONS} sessions"


def run_processes(server_pid: int) -> list[int]:
    """The server's child processes running gancore.procrunner: compare-mode runs and the spares."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue                                   # the process ended while we looked
        if ppid == server_pid and b"gancore.procrunner" in cmdline:
            found.append(int(stat.parent.name))
    return found


def test_compare_mode_runs_in_two_processes_that_end_with_the_session(streamlit_server, browser):
    """Two run processes for the session, beside the server's SPARE_CHILDREN started ahead (which stay)."""
    url = streamlit_server(APP)
    pid = streamlit_server.pids[url]
    page = open_page(browser, f"{url}/?compare=1&b.loss=minimax")
    assert wait_until(lambda: len(run_processes(pid)) == 2 + SPARE_CHILDREN), f"run processes: {run_processes(pid)}"
    play(page)
    assert wait_until(lambda: step_of(page) > 20)
    page.context.close()                    # the tab goes: its session's release hook closes both runs
    assert wait_until(lambda: len(run_processes(pid)) == SPARE_CHILDREN, timeout=30), \
        f"left behind: {run_processes(pid)} ({SPARE_CHILDREN} spares expected)"
