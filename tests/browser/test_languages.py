"""The theory panel in Chinese, in the real browser: the text is drawn with real glyphs (a CJK font is
installed, see .ci/run), not the empty boxes a browser falls back to."""
from __future__ import annotations

from pathlib import Path

from conftest import REPO_ROOT, assert_no_exception, wait_for_app
from playwright.sync_api import Page, expect

APP = REPO_ROOT / "playground" / "server.py"
SHOTS = Path("/tmp/gan-playground-shots")
# Draw a string with the page's own font on a canvas and return its ink, pixel by pixel: glyphs of
# different characters differ; the "missing glyph" boxes a browser draws for every character it has
# no font for are all alike.
INK = """([a, b, font]) => {
  const draw = (text) => { const c = document.createElement('canvas'); c.width = 64; c.height = 32;
    const g = c.getContext('2d'); g.font = font; g.fillText(text, 2, 24);
    return Array.from(g.getImageData(0, 0, 64, 32).data.filter((_, i) => i % 4 === 3)).join(','); };
  return [draw(a), draw(b)]; }"""


def test_the_chinese_theory_panel_is_drawn_in_chinese_glyphs(streamlit_server, page: Page):
    page.goto(f"{streamlit_server(APP)}/?lang=zh")
    wait_for_app(page)
    page.get_by_role("tab", name="Theory").click()
    heading = page.get_by_role("heading", name="博弈", exact=False).first
    expect(heading).to_be_visible(timeout=30_000)
    font = heading.evaluate("e => getComputedStyle(e).fontWeight + ' 20px ' + getComputedStyle(e).fontFamily")
    one, other = page.evaluate(INK, ["生成器", "判别器", font])
    boxes, _ = page.evaluate(INK, ["\ue000\ue001\ue002", "", font])     # private-use: no font has them
    assert one != other and one != boxes, f"Chinese characters draw as boxes with {font!r}: no CJK font"
    SHOTS.mkdir(exist_ok=True)
    heading.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "theory-zh.png"))
    assert_no_exception(page)
