"""A restless student in the real browser: random clicks while the GAN trains, checked after every one.

Each test run plays a fixed number of actions per seed (printed, so a failure can be replayed with
GAN_MONKEY_SEEDS=<seed>): target thumbnails, the loss, k, learning rates, optimisers, batch size,
the architecture, the noise, compare mode and run B's loss, the view layers, play / pause / step /
step D / step G / reset, the theory language and the tabs. After every action the page must show no
exception, no traceback, no blank page and no browser console error, every setting must still hold
the value the user last gave it (in the URL and in the widgets on screen), and a playing run's step
counter must move.

A longer soak by hand: GAN_MONKEY_ACTIONS=1000 GAN_MONKEY_SEEDS=1,2,3 python -m pytest tests/browser/test_monkey.py
"""
from __future__ import annotations

import os
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl

import pytest
from conftest import REPO_ROOT, wait_for_app
from playwright.sync_api import Page, TimeoutError, expect

from gancore.config import TrainConfig
from gancore.lessons import LESSONS
from playground import urlstate, widgets
from playground.thumbnails import pickable

APP = REPO_ROOT / "playground" / "server.py"
SEEDS = [int(s) for s in os.environ.get("GAN_MONKEY_SEEDS", "11,22,33").split(",")]
ACTIONS = int(os.environ.get("GAN_MONKEY_ACTIONS", "50"))        # per seed: 150 in all by default
SHOTS = Path("/tmp/gan-playground-shots")
SETTLE_S = 40.0           # longest wait for the page to reflect an action (a busy 2-core machine)
LOSSES = ("minimax", "nonsaturating", "lsgan", "hinge", "wgan-gp")
# Fields the monkey edits with the keyboard on a slider, and how far it may move them.
SLIDERS = ("d_steps", "d_lr", "g_lr", "g_layers", "d_layers")
CHOICES = {"loss": LOSSES, "d_optimizer": ("adam", "sgd"), "g_optimizer": ("adam", "sgd"),
           "noise": ("gaussian", "uniform")}
NUMBERS = {"batch_size": (32, 64, 128, 256, 512), "g_width": (16, 32, 64, 128)}
VIEW_TOGGLES = {"arrows": "generator's gradient arrows", "manifold": "generator manifold G(z)",
                "optimal": "optimal D* beside D"}


def css_key(key: str) -> str:
    """Streamlit's class for a widget key: st-key- and the key with anything but letters, digits, - and _ as -."""
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key)


@dataclass
class Model:
    """What the user has given, as the monkey believes it: the page must agree after every action."""

    a: dict[str, Any] = field(default_factory=lambda: TrainConfig().to_dict())
    b: dict[str, Any] = field(default_factory=lambda: TrainConfig().to_dict())
    compare: bool = False
    b_fields: tuple[str, ...] = ("loss",)
    view: dict[str, bool] = field(default_factory=lambda: {name: name == "arrows" for name in VIEW_TOGGLES})
    lang: str = "en"
    page: str = "plane"
    lesson: str = ""


def reveal(page: Page, key: str):
    """The widget of `key`, its sidebar expander opened first if it is folded away."""
    widget = page.locator(css_key(key))
    if not widget.is_visible():
        page.locator("[data-testid=stExpander]", has=widget).locator("summary").click()
    return widget


def shown(page: Page, key: str, inner: str, read: Callable) -> Any:
    """What the widget of `key` shows, or None while it is not on the page (mid-rerun)."""
    box = page.locator(css_key(key)).locator(inner)
    return read(box.first) if box.count() else None


class Monkey:
    def __init__(self, page: Page, seed: int):
        self.page, self.rng, self.model = page, random.Random(seed), Model()
        self.errors: list[str] = []
        self.log: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    # ---- the actions ------------------------------------------------------------------------
    def thumbnail(self) -> str:
        if self.model.page != "plane":
            return self.switch_page()
        key = self.rng.choice(pickable())
        self.page.locator(f"{css_key('pick-' + key)} button").click()
        self.model.a["target"] = key
        if widgets.target_dim(key) == 1:
            self.model.a["noise"] = "uniform"          # the paper's z line, set with the target
        return f"target {key}"

    def choice(self) -> str:
        if self.model.page != "plane":
            return self.switch_page()
        name = self.rng.choice(list(CHOICES))
        value = self.rng.choice(CHOICES[name])
        self._choose(f"w.cfg.{name}", value)
        self.model.a[name] = value
        return f"{name} = {value}"

    def slider(self) -> str:
        if self.model.page != "plane":
            return self.switch_page()
        name = self.rng.choice(SLIDERS)
        self.model.a[name] = value = self._nudge(f"w.cfg.{name}", type(TrainConfig().to_dict()[name]))
        return f"{name} -> {value}"

    def number(self) -> str:
        if self.model.page != "plane":
            return self.switch_page()
        name = self.rng.choice(list(NUMBERS))
        value = self.rng.choice(NUMBERS[name])
        box = reveal(self.page, f"w.cfg.{name}").locator("input")
        box.fill(str(value))
        box.press("Enter")
        self.model.a[name] = value
        return f"{name} = {value}"

    def compare(self) -> str:
        if self.model.page != "plane":
            return self.switch_page()
        reveal(self.page, "w.compare").locator("label").click()
        m = self.model
        m.compare = not m.compare
        if m.compare and m.b_fields == ("loss",) and m.b["loss"] == m.a["loss"]:
            m.b["loss"] = "minimax" if m.a["loss"] != "minimax" else "nonsaturating"
        return f"compare {'on' if m.compare else 'off'}"

    def run_b(self) -> str:
        """Change one of the fields run B differs in, whatever its kind of widget."""
        if self.model.page != "plane" or not self.model.compare:
            return self.compare()
        name = self.rng.choice(self.model.b_fields)
        kind = widgets.kind_of(name)
        if kind == "choice":
            value = self.rng.choice([c for c in widgets.spec_of(name).choices if c != "cuda"])
            self._choose(f"w.b.{name}", value)
        elif kind in ("slider", "log"):
            value = self._nudge(f"w.b.{name}", type(TrainConfig().to_dict()[name] or 0.0))
        else:
            value = self.rng.choice([0.0, 1.0, 10.0, 30.0]) if kind in ("float", "optional") else 2
            box = reveal(self.page, f"w.b.{name}").locator("input")
            box.fill(str(value))
            box.press("Enter")
        self.model.b[name] = value
        return f"b.{name} = {value}"

    def _choose(self, key: str, value: str) -> None:
        box = reveal(self.page, key).locator("input[role=combobox]")
        option = self.page.get_by_role("option", name=re.compile(rf"^{re.escape(value)}( |$)")).first
        for _ in range(3):                   # a click during a rerun can land before the list opens
            box.click()
            try:
                option.wait_for(timeout=5_000)
                break
            except TimeoutError:
                box.press("Escape")
        option.click()

    def _nudge(self, key: str, kind: type) -> Any:
        thumb = reveal(self.page, key).locator("input[type=range]")
        thumb.focus()
        self.page.keyboard.press(self.rng.choice(["ArrowLeft", "ArrowRight"]))
        return kind(float(thumb.get_attribute("aria-valuetext")))

    def view(self) -> str:
        if self.model.page != "plane":
            return self.switch_page()
        on_a_line = widgets.target_dim(self.model.a["target"]) == 1
        name = self.rng.choice([n for n in VIEW_TOGGLES if not (on_a_line and n == "manifold")])
        reveal(self.page, f"w.view.{name}").locator("label").click()
        self.model.view[name] = not self.model.view[name]
        return f"view {name} {'on' if self.model.view[name] else 'off'}"

    def button(self) -> str:
        if self.model.page != "plane":
            return self.switch_page()
        key = self.rng.choice(["play", "play", "step", "step_d", "step_g", "reset"])
        self.page.locator(f"{css_key(key)} button").first.click()
        return f"button {key}"

    def switch_page(self) -> str:
        page = "dirac" if self.model.page == "plane" else "plane"
        label = "Dirac-GAN (why training cycles)" if page == "dirac" else "a GAN on data (2D, or on a line)"
        self.page.locator(css_key("w.page")).get_by_text(label).click()
        self.model.page = page
        return f"page {page}"

    def lesson(self) -> str:
        key = self.rng.choice(list(LESSONS))
        # The lessons' expander folds away once a lesson is loaded: a student opens it again first.
        reveal(self.page, "lesson-" + key).locator("button").first.click()
        state, m = urlstate.lesson_state(key), self.model
        m.a = state.config.to_dict()
        m.b = state.config.replace(**state.b_overrides).to_dict()
        m.compare, m.b_fields = state.compare, tuple(state.b_overrides) or ("loss",)
        m.view = {n: getattr(state.view, n) for n in VIEW_TOGGLES}
        m.page, m.lesson = state.page, key
        return f"lesson {key}"

    def language(self) -> str:
        self.page.get_by_role("tab", name="Theory").click()
        lang = "zh" if self.model.lang == "en" else "en"
        self.page.locator(css_key("w.lang")).get_by_text("中文" if lang == "zh" else "English").click()
        self.model.lang = lang
        return f"language {lang}"

    def tab(self) -> str:
        name = self.rng.choice(["Theory", "Your own points", "Export"])
        self.page.get_by_role("tab", name=name).click()
        return f"tab {name}"

    # ---- the checks -------------------------------------------------------------------------
    def url_matches(self) -> str:
        """'' when the URL says what the model says, else what differs."""
        params = dict(parse_qsl(self.page.evaluate("() => location.search").lstrip("?")))
        state = urlstate.read(params)
        m, diffs = self.model, []
        got = state.config.to_dict()
        diffs += [f"{n}: url {got[n]!r} != {m.a[n]!r}" for n in m.a if n != "points" and got[n] != m.a[n]]
        if state.compare != m.compare:
            diffs.append(f"compare: url {state.compare} != {m.compare}")
        if m.compare:
            want = {n: m.b[n] for n in m.b_fields}
            if state.b_overrides != want:
                diffs.append(f"run B: url {state.b_overrides} != {want}")
        got_view = {n: getattr(state.view, n) for n in VIEW_TOGGLES}
        if got_view != m.view:
            diffs.append(f"view: url {got_view} != {m.view}")
        if state.lang != m.lang:
            diffs.append(f"lang: url {state.lang} != {m.lang}")
        if (state.page, state.lesson) != (m.page, m.lesson):
            diffs.append(f"page, lesson: url {state.page, state.lesson} != {m.page, m.lesson}")
        if state.notices:
            diffs.append(f"notices: {state.notices}")
        return "; ".join(diffs)

    def widgets_match(self) -> str:
        m, page, diffs = self.model, self.page, []
        if m.page != "plane":
            return ""
        loss = shown(page, "w.cfg.loss", "input[role=combobox]", lambda e: e.input_value())
        if not (loss or "").startswith(m.a["loss"] + " "):
            diffs.append(f"loss widget shows {loss!r}, not {m.a['loss']}")
        k = shown(page, "w.cfg.d_steps", "input[type=range]", lambda e: e.get_attribute("aria-valuetext"))
        if k != str(m.a["d_steps"]):
            diffs.append(f"k widget shows {k}, not {m.a['d_steps']}")
        if m.a["target"] == "ring8":
            radius = shown(page, "w.cfg.ring_radius", "input", lambda e: e.input_value())
            if radius is None or float(radius) != m.a["ring_radius"]:
                diffs.append(f"ring radius widget shows {radius}, not {m.a['ring_radius']}")
        return "; ".join(diffs)

    def settled(self) -> bool:
        return not self.url_matches() and not self.widgets_match()

    def check(self, what: str) -> None:
        page = self.page
        exceptions = page.locator('[data-testid="stException"]')
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline and not self.settled() and not exceptions.count():
            time.sleep(0.2)
        context = f"after {len(self.log)} actions ({' | '.join(self.log[-5:])})"
        assert exceptions.count() == 0, f"{context}: exception shown: {exceptions.first.inner_text()[:500]}"
        assert self.settled(), f"{context}: settings lost: {self.url_matches()} {self.widgets_match()}"
        assert "Traceback" not in page.locator('[data-testid="stApp"]').inner_text(), f"{context}: a traceback"
        expect(page.get_by_role("heading", name="GAN Playground")).to_be_visible(timeout=int(SETTLE_S * 1000))
        if self.model.page == "plane":
            expect(page.locator(css_key("view-a")).locator("iframe")).to_be_visible(timeout=int(SETTLE_S * 1000))
        assert not self.errors, f"{context}: {self.errors[:3]}"

    def playing(self) -> bool:
        """The page says the run plays (its button offers Pause)."""
        return self.model.page == "plane" and self.page.locator(f"{css_key('play')} button").first.inner_text().strip().endswith("Pause")

    def status_moves(self) -> None:
        """A playing run's step counter goes up (run A's line; in compare mode both lines are there)."""
        pattern = re.compile(r"step ([\d,]+) ·")

        def step() -> int:
            texts = self.page.get_by_text(pattern).all_inner_texts()
            return int(pattern.search(texts[0]).group(1).replace(",", "")) if texts else -1
        before = step()
        deadline = time.monotonic() + SETTLE_S
        # The button is read again each time: a Reset just clicked pauses the run, and its rerun
        # can land after the first look said "Pause".
        while time.monotonic() < deadline and step() <= before and self.playing():
            time.sleep(0.3)
        assert step() > before or not self.playing(), \
            f"after {len(self.log)} actions ({' | '.join(self.log[-5:])}): status line stuck at {before}"


ACTION_WEIGHTS: dict[Callable[[Monkey], str], int] = {
    Monkey.thumbnail: 4, Monkey.choice: 3, Monkey.slider: 4, Monkey.number: 2, Monkey.compare: 1,
    Monkey.run_b: 2, Monkey.view: 2, Monkey.button: 4, Monkey.language: 1, Monkey.tab: 1,
    Monkey.switch_page: 1, Monkey.lesson: 1,
}


@pytest.mark.parametrize("seed", SEEDS)
def test_a_restless_student_never_sees_a_traceback_or_loses_a_setting(streamlit_server, page: Page, seed: int):
    print(f"monkey seed {seed}, {ACTIONS} actions (replay: GAN_MONKEY_SEEDS={seed})")
    page.goto(streamlit_server(APP))
    wait_for_app(page)
    monkey = Monkey(page, seed)
    monkey.check("the first page")
    page.locator(f"{css_key('play')} button").click()
    actions, weights = list(ACTION_WEIGHTS), list(ACTION_WEIGHTS.values())
    try:
        for i in range(ACTIONS):
            action = monkey.rng.choices(actions, weights)[0]
            monkey.log.append(f"({action.__name__})")        # named before it runs: a failing action shows
            monkey.log[-1] = action(monkey)
            monkey.check(monkey.log[-1])
            if i % 5 == 4 and monkey.playing():
                monkey.status_moves()
    except BaseException:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"monkey-{seed}.png"), full_page=True)
        print(f"seed {seed} failed after: {' | '.join(monkey.log)}\nconsole: {monkey.errors[:5]}\n"
              f"screenshot: {SHOTS / f'monkey-{seed}.png'}")
        raise
    print(f"seed {seed}: {len(monkey.log)} actions: {' | '.join(monkey.log)}")
