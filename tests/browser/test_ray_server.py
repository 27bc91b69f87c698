"""A server started with a Ray address trains its runs in Ray actors: the page plays as with threads."""
from __future__ import annotations

import re
import pytest
from conftest import REPO_ROOT, assert_no_exception, wait_for_app
from playwright.sync_api import Page, expect

APP = REPO_ROOT / "playground" / "server.py"


@pytest.fixture(scope="module")
def ray_address():
    """A local Ray started by this test process (the classroom's cluster); ray.shutdown() stops it."""
    import ray
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def step_of(page: Page) -> int:
    line = page.get_by_text(re.compile(r"step [\d,]+ ·")).first.inner_text()
    return int(re.search(r"step ([\d,]+)", line).group(1).replace(",", ""))


def test_a_classroom_server_trains_on_ray_and_the_page_plays_as_usual(streamlit_server, page: Page, ray_address):
    page.goto(streamlit_server(APP, env={"GAN_PLAYGROUND_RAY_ADDRESS": ray_address}))
    wait_for_app(page, timeout_ms=120_000)           # the first run's actor: Ray uploads gancore once
    expect(page.get_by_text(re.compile(r"step [\d,]+ ·")).first).to_be_visible(timeout=60_000)
    page.locator(".st-key-play button").click()
    expect(page.get_by_text(re.compile(r"step [1-9][\d,]* ·")).first).to_be_visible(timeout=90_000)
    frame = page.locator(".st-key-view-a iframe").element_handle().content_frame()
    frame.wait_for_function("() => window.__liveChart && window.__liveChart.lastMeta > 10", timeout=90_000)
    assert_no_exception(page)
