"""The real app in headless Chromium against `streamlit run`: live training, live and structural
changes, compare mode, shareable links, divergence."""
from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest
from conftest import REPO_ROOT, assert_no_exception, wait_for_app
from playwright.sync_api import Page, expect

from playground.figures import FAKE_DOT

APP = REPO_ROOT / "playground" / "server.py"       # the app as served: page + frame feed
SHOTS = Path("/tmp/gan-playground-shots")


def step_of(page: Page, run: str = "") -> int:
    """The step counter of the run's status line (run "" = the only run, "A"/"B" in compare mode)."""
    line = page.get_by_text(re.compile(rf"{'Run ' + run + ' · ' if run else ''}step [\d,]+ ·")).first.inner_text()
    return int(re.search(r"step ([\d,]+)", line).group(1).replace(",", ""))


def wait_until(condition, timeout: float = 40.0, every: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every)
    return False


def query(page: Page) -> dict[str, list[str]]:
    # Read from the page itself: the sync API's page.url only catches up while Playwright is called.
    return parse_qs(page.evaluate("() => location.search").lstrip("?"))


def view_meta(page: Page, key: str = "view-a"):
    """The step of the frame the run view last drew (the figure's layout.meta), read in its iframe."""
    iframe = page.locator(f".st-key-{key} iframe")
    expect(iframe).to_be_visible(timeout=30_000)
    frame = iframe.element_handle().content_frame()
    frame.wait_for_function("() => window.__liveChart?.newPlots >= 1", timeout=30_000)
    return frame.evaluate("() => window.__liveChart.lastMeta")


@pytest.fixture
def app(streamlit_server, page: Page):
    base = streamlit_server(APP)

    def open_(query: str = "") -> Page:
        page.goto(f"{base}/{query}")
        wait_for_app(page)
        expect(page.get_by_text(re.compile(r"step [\d,]+ ·")).first).to_be_visible(timeout=30_000)
        return page
    return open_


def test_page_loads_and_play_makes_the_counter_and_the_plot_move(app):
    page = app()
    assert_no_exception(page)
    assert step_of(page) == 0 and view_meta(page) == 0
    page.locator(".st-key-play button").click()
    assert wait_until(lambda: step_of(page) > 50), "the step counter did not move"
    assert wait_until(lambda: (view_meta(page) or 0) > 50), "the plot did not move"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "playing.png"), full_page=True)
    assert_no_exception(page)


def test_changing_a_learning_rate_mid_run_keeps_the_step_count(app):
    page = app()
    page.locator(".st-key-play button").click()
    assert wait_until(lambda: step_of(page) > 100)
    slider = page.locator(".st-key-w-cfg-d_lr input[type=range]")
    at_change = step_of(page)
    slider.focus()
    page.keyboard.press("ArrowRight")          # one notch up the log scale: 0.001 -> 0.002
    assert wait_until(lambda: query(page).get("d_lr") == ["0.002"])
    assert step_of(page) >= at_change > 100       # not a fresh run: it kept its steps
    assert wait_until(lambda: step_of(page) > at_change + 50)     # and goes on training
    assert_no_exception(page)


def test_a_structural_change_starts_a_fresh_run(app):
    page = app()
    page.get_by_role("button", name="Step", exact=True).click()
    assert wait_until(lambda: step_of(page) == 1)
    page.locator(".st-key-pick-moons button").click()
    expect(page.get_by_text("started a fresh run")).to_be_visible(timeout=40_000)
    assert step_of(page) == 0
    assert query(page)["target"] == ["moons"]


def test_compare_mode_shows_two_live_views(app):
    page = app("?compare=1&b.loss=minimax")
    page.locator(".st-key-play button").click()
    assert wait_until(lambda: step_of(page, "A") > 30 and step_of(page, "B") > 30)
    assert wait_until(lambda: (view_meta(page, "view-a") or 0) > 30 and (view_meta(page, "view-b") or 0) > 30)
    expect(page.get_by_text(re.compile(r"^Run B · step")).first).to_be_visible()
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)
    assert_no_exception(page)


def test_a_shared_link_reproduces_the_settings(app, browser):
    page = app("?loss=hinge&d_steps=3&seed=7&target=grid25")
    expect(page.get_by_role("combobox", name="loss")).to_have_value(re.compile("^hinge"), timeout=30_000)
    expect(page.get_by_role("combobox", name="target distribution")).to_have_value("grid25", timeout=30_000)
    link = page.evaluate("() => location.href")
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    other.goto(link)
    wait_for_app(other)
    expect(other.get_by_role("combobox", name="loss")).to_have_value(re.compile("^hinge"), timeout=30_000)
    expect(other.get_by_role("combobox", name="target distribution")).to_have_value("grid25", timeout=30_000)
    expect(other.locator(".st-key-w-cfg-seed input")).to_have_value("7", timeout=30_000)
    other.context.close()


def test_bad_link_values_are_ignored_with_a_notice(app):
    page = app("?d_lr=-5&g_width=abc&loss=nope&compare=maybe")
    expect(page.get_by_text(re.compile("ignored d_lr"))).to_be_visible()
    expect(page.get_by_text(re.compile("ignored g_width"))).to_be_visible()
    assert_no_exception(page)


def test_a_diverging_run_shows_a_message_and_a_reset_not_a_traceback(app):
    page = app("?d_optimizer=sgd&g_optimizer=sgd&d_lr=10&g_lr=10&loss=wgan-gp&gp_weight=0")
    page.locator(".st-key-play button").click()
    expect(page.get_by_text(re.compile(r"diverged at step \d+")).first).to_be_visible(timeout=40_000)
    expect(page.get_by_role("button", name="Reset this run")).to_be_visible()
    assert_no_exception(page)
    page.get_by_role("button", name="Reset this run").click()
    expect(page.get_by_role("button", name="Reset this run")).to_have_count(0, timeout=40_000)
    assert step_of(page) == 0


def chart_stats(page: Page, key: str = "view-a") -> dict:
    """The live chart's counters (see live_chart_frontend/main.js), once it has drawn a frame."""
    iframe = page.locator(f".st-key-{key} iframe")
    expect(iframe).to_be_visible(timeout=30_000)
    frame = iframe.element_handle().content_frame()
    frame.wait_for_function("() => window.__liveChart?.newPlots >= 1", timeout=30_000)
    return frame.evaluate("() => ({...window.__liveChart})")


def test_the_view_is_fed_frames_without_page_reruns_and_plotly_stays_put(app):
    page = app()
    page.locator(".st-key-play button").click()
    assert wait_until(lambda: (view_meta(page) or 0) > 20)
    before = chart_stats(page)
    frame = page.locator(".st-key-view-a iframe").element_handle().content_frame()
    # Ten fresh frames, however long a busy machine takes (the rate is a benchmark figure).
    frame.wait_for_function(f"() => window.__liveChart.fresh >= {before['fresh'] + 10}", timeout=60_000)
    after = chart_stats(page)
    # Frames change the canvas overlay; the Plotly SVG is redrawn only when its own part changes.
    assert after["plotlyCalls"] - before["plotlyCalls"] <= 2
    assert after["newPlots"] == 1 and after["notice"] == ""
    # the picture's own step moves with the frames, ahead of the status line (refreshed twice a second)
    assert after["lastMeta"] > before["lastMeta"]
    assert_no_exception(page)


def test_the_feed_refuses_strangers_and_bad_parameters_with_a_message(app):
    page = app()
    source = chart_stats(page)["source"]
    base = page.evaluate("() => location.origin")
    answer = page.request.get(f"{base}/gan/frame?token=not-a-session&run=a")
    assert answer.status == 404 and "reload the page" in answer.json()["error"]
    answer = page.request.get(f"{base}{source.replace('arrows=1', 'arrows=yes')}")
    assert answer.status == 400 and "arrows must be 0 or 1" in answer.json()["error"]
    answer = page.request.get(f"{base}{source}")
    assert answer.status == 200 and answer.json()["figure"]["layout"]["meta"] == 0


def test_view_options_reach_the_feed_and_the_legend_hides_an_overlay_layer(app):
    page = app()
    assert "arrows=1" in chart_stats(page)["source"]
    page.get_by_text("generator's gradient arrows").first.click()
    assert wait_until(lambda: "arrows=0" in (chart_stats(page)["source"] or ""))
    frame = page.locator(".st-key-view-a iframe").element_handle().content_frame()
    r, g, b = (int(FAKE_DOT[i:i + 2], 16) for i in (1, 3, 5))   # the fakes' dot colour, within 40 per channel
    fake_pixels = "() => { const c = document.getElementById('overlay'); const d = c.getContext('2d')" \
                  ".getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4)" \
                  f" if (Math.abs(d[i] - {r}) < 40 && Math.abs(d[i+1] - {g}) < 40 && Math.abs(d[i+2] - {b}) < 40) n++;" \
                  " return n; }"
    assert wait_until(lambda: frame.evaluate(fake_pixels) > 50), "no fakes on the canvas"
    frame.locator(".traces", has=frame.locator(".legendtext", has_text="fake G(z)")).locator(".legendtoggle").click()
    assert wait_until(lambda: frame.evaluate(fake_pixels) < 5), "the legend click did not hide the fakes"
    assert_no_exception(page)


def test_the_page_run_as_a_plain_script_says_how_to_start_the_feed(streamlit_server, page: Page):
    page.goto(streamlit_server(REPO_ROOT / "playground" / "app.py"))
    wait_for_app(page)
    iframe = page.locator(".st-key-view-a iframe")
    expect(iframe).to_be_visible(timeout=30_000)
    frame = iframe.element_handle().content_frame()
    expect(frame.locator("#notice")).to_contain_text("streamlit run playground/server.py", timeout=40_000)
    assert_no_exception(page)


def test_a_number_box_shown_again_keeps_its_value(app):
    """Monkey seed 11 found it: the second return to a target that shows "shape noise" brought the
    box back at its minimum (0.0), and the next click anywhere stored that as the user's setting."""
    page = app("?target=moons")
    page.locator(".st-key-play button").click()
    for cycle in range(3):
        for target in ("grid25", "moons"):
            page.locator(f".st-key-pick-{target} button").click()
            assert wait_until(lambda: query(page).get("target") == [target])
        expect(page.locator(".st-key-w-cfg-data_noise input")).to_have_value("0.05", timeout=30_000)
        page.locator(".st-key-w-view-arrows label").click()
        assert wait_until(lambda: query(page).get("view.arrows") == (["0"] if cycle % 2 == 0 else None))
        assert "data_noise" not in query(page), f"cycle {cycle}: {query(page)}"
    assert_no_exception(page)


def test_the_png_download_is_the_picture_on_screen_with_its_points(app, tmp_path):
    """Plotly's own PNG button saved the axes without the canvas overlay (issue 9): ours saves both."""
    page = app()
    page.get_by_role("button", name="Step", exact=True).click()
    assert wait_until(lambda: step_of(page) == 1)
    iframe = page.locator(".st-key-view-a iframe")
    frame = iframe.element_handle().content_frame()
    frame.wait_for_function("() => window.__liveChart.lastMeta === 1", timeout=40_000)
    iframe.hover()
    with page.expect_download(timeout=40_000) as download:
        frame.locator('[data-title="download the picture as PNG"]').click()
    path = tmp_path / "picture.png"
    download.value.save_as(path)
    from PIL import Image
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3).astype(int)
    magenta = (pixels[:, 0] > 120) & (pixels[:, 1] < 90) & (pixels[:, 2] > 60)          # G's fakes
    greenish = (pixels[:, 1] > pixels[:, 0] + 30) & (pixels[:, 1] > pixels[:, 2] + 30)   # D's surface, real points
    # Plotly's own PNG had neither: the fakes and the surface are on the canvas.
    assert magenta.sum() > 20 and greenish.sum() > 1000, (magenta.sum(), greenish.sum())
    assert frame.locator('[data-title="Download plot as a png"]').count() == 0
