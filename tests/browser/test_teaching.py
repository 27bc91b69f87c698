"""What a teacher shows a class, in the real browser: every lesson link, and scrubbing back through a run."""
from __future__ import annotations

import re

from conftest import REPO_ROOT, assert_no_exception, wait_for_app
from playwright.sync_api import Page, expect

from gancore.lessons import LESSONS, View
from playground.lesson_texts import lesson_text

APP = REPO_ROOT / "playground" / "server.py"
WAIT_MS = 60_000


def chart(page: Page, key: str):
    iframe = page.locator(f".st-key-{key} iframe")
    expect(iframe).to_be_visible(timeout=WAIT_MS)
    frame = iframe.element_handle().content_frame()
    frame.wait_for_function("() => window.__liveChart?.renders >= 1", timeout=WAIT_MS)
    return frame


def test_every_lesson_link_opens_clean_and_shows_what_it_says(streamlit_server, page: Page):
    base = streamlit_server(APP)
    for key, lesson in LESSONS.items():
        page.goto(f"{base}/?lesson={key}")
        wait_for_app(page, timeout_ms=WAIT_MS)
        text = lesson_text(key, "en")
        card = page.locator(".st-key-lesson-card")
        expect(card).to_contain_text(text.title, timeout=WAIT_MS)
        expect(card).to_contain_text("What to watch")
        if lesson.view is View.DIRAC:                          # both games, side by side
            expect(page.get_by_text(re.compile(r"^B: "))).to_be_visible(timeout=WAIT_MS)
        else:                                                  # loaded and started: the view moves
            expect(page.locator(".st-key-play button")).to_contain_text("Pause", timeout=WAIT_MS)
            frame = chart(page, "view-a")
            frame.wait_for_function("() => window.__liveChart.lastMeta > 0", timeout=WAIT_MS)
            if lesson.compare:
                chart(page, "view-b")
        assert_no_exception(page)


def test_pause_scrub_back_replay_and_resume(streamlit_server, page: Page):
    page.goto(streamlit_server(APP))
    wait_for_app(page, timeout_ms=WAIT_MS)
    view = chart(page, "view-a")
    page.locator(".st-key-play button").click()
    view.wait_for_function("() => window.__liveChart.lastMeta > 100", timeout=WAIT_MS)
    page.locator(".st-key-play button").click()                       # pause
    slider = page.locator(".st-key-w-scrub_step input[type=range]")
    expect(slider).to_be_visible(timeout=WAIT_MS)
    latest = int(view.evaluate("() => window.__liveChart.lastMeta"))
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")                               # back through the recorded moments
    view.wait_for_function(f"() => window.__liveChart.lastMeta < {latest}", timeout=WAIT_MS)
    shown = int(view.evaluate("() => window.__liveChart.lastMeta"))
    assert 0 <= shown < latest
    charts = chart(page, "charts")                                     # the history charts mark that step
    charts.wait_for_function(
        f"() => (document.getElementById('chart').layout.annotations || []).some(a => a.text === 'shown' && a.x === {shown})",
        timeout=WAIT_MS)
    # The slowest replay: on a busy machine the first replayed frame can take seconds to reach the
    # chart, and at a faster speed the first half of a short recording is over by then.
    page.locator(".st-key-w-replay_speed input[role=combobox]").click()
    page.get_by_role("option", name="5 frames/s").click()
    expect(page.locator(".st-key-w-replay_speed input[role=combobox]")).to_have_value("5 frames/s", timeout=WAIT_MS)
    page.locator(".st-key-replay button").first.click()                # the recording from its first frame
    view.wait_for_function(f"() => window.__liveChart.lastMeta < {latest} / 2", timeout=WAIT_MS, polling=20)
    view.wait_for_function(f"() => window.__liveChart.lastMeta >= {latest}", timeout=WAIT_MS)
    page.locator(".st-key-play button").click()                       # resume: the present again
    expect(slider).to_have_count(0, timeout=WAIT_MS)
    view.wait_for_function(f"() => window.__liveChart.lastMeta > {latest}", timeout=WAIT_MS)
    assert_no_exception(page)
