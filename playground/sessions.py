"""Each browser session's runs, released when the session ends, under a server-wide cap."""
from __future__ import annotations

import os
import secrets
import threading
import weakref
from typing import Callable

import streamlit as st

from gancore import Runner, RunHandle, Slots, Supervised, TrainConfig
from gancore.procrunner import ProcessRunner, Spares

# How many runs this server trains at once, over all sessions (compare mode uses two).
MAX_RUNNERS = int(os.environ.get("GAN_PLAYGROUND_MAX_RUNNERS", "8"))
# A run nobody has looked at for this long pauses itself: the watchdog behind the release hook,
# for a tab that vanished without a clean disconnect.
IDLE_TIMEOUT_S = float(os.environ.get("GAN_PLAYGROUND_IDLE_TIMEOUT_S", "10"))
# Frames come on demand (one per page read), at most this often: a little above what the chart
# draws (main.js MAX_FPS: 15 a second on two cores, 30 on more), so a read never waits for one.
PUBLISH_EVERY_S = 1 / 20 if (os.cpu_count() or 2) <= 2 else 1 / 40
SPARE_CHILDREN = 2        # processes started ahead, so compare mode's two runs start at once
# ... but not while the first page loads: two Pythons importing torch took the CPU the browser needed
# to draw the first picture (about a second of it on a 2-core machine).
SPARES_AFTER_S = 5.0


_BY_TOKEN: "weakref.WeakValueDictionary[str, SessionRuns]" = weakref.WeakValueDictionary()


def find(token: str) -> "SessionRuns | None":
    """The live session whose token this is, or None (unknown, expired or closed)."""
    return _BY_TOKEN.get(token)


def _in_thread(config: TrainConfig) -> RunHandle:
    return Runner(config, publish_every_s=PUBLISH_EVERY_S)


def _in_process(config: TrainConfig) -> RunHandle:
    return ProcessRunner(config, publish_every_s=PUBLISH_EVERY_S, spares=server_spares())


def _on_ray(config: TrainConfig) -> RunHandle:
    from gancore import rayrunner        # Ray is optional: imported only by a server started for it
    rayrunner.connect(RAY_ADDRESS)
    return rayrunner.RayRunner(config, publish_every_s=PUBLISH_EVERY_S)


# Where a run trains: one run in a thread of the server (cheap: no process to start); compare
# mode's runs in processes of their own (two threads of one process share Python's lock and ran
# at half speed each; two processes run at full speed).
PLACES: dict[str, Callable[[TrainConfig], RunHandle]] = {"thread": _in_thread, "process": _in_process, "ray": _on_ray}
# A server started with a Ray address trains every run on that cluster (a classroom): the server
# only relays frames. Compare mode's runs are Ray actors then too.
RAY_ADDRESS = os.environ.get("GAN_PLAYGROUND_RAY_ADDRESS") or None


def _join_ray_early() -> None:
    # Joining the cluster (and uploading gancore to it) takes seconds: start it with the server,
    # not with the first student's page.
    from gancore import rayrunner
    threading.Thread(target=rayrunner.connect, args=(RAY_ADDRESS,), name="gan-ray-connect", daemon=True).start()


if RAY_ADDRESS:
    _join_ray_early()


def place_of(asked: str) -> str:
    """Where a run trains: on Ray when the server has an address, else where the page asked."""
    return "ray" if RAY_ADDRESS else asked


class SessionRuns:
    """The runs of one browser session: "a" always, "b" in compare mode."""

    def __init__(self, slots: Slots):
        self._slots = slots
        self._runners: dict[str, Supervised] = {}
        self._lock = threading.Lock()
        # The session's key to the frame feed (playground/framefeed.py): unguessable, and the
        # only way to reach these runs from outside Streamlit's own session.
        self.token = secrets.token_urlsafe(16)
        _BY_TOKEN[self.token] = self

    def _make(self, config: TrainConfig, place: str) -> Supervised:
        return Supervised(PLACES[place_of(place)](config), slots=self._slots, idle_timeout_s=IDLE_TIMEOUT_S)

    def get(self, name: str, config: TrainConfig, place: str = "thread") -> Supervised:
        """The named run, created paused from `config` the first time it is asked for."""
        with self._lock:
            if name not in self._runners:
                self._runners[name] = self._make(config, place)
            return self._runners[name]

    def replace(self, configs: dict[str, TrainConfig], place: str) -> None:
        """New runs for these names, swapped in at once: the frame feed never finds a name missing."""
        fresh = {name: self._make(config, place) for name, config in configs.items()}
        with self._lock:
            old = [self._runners[n] for n in fresh if n in self._runners]
            self._runners.update(fresh)
        for runner in old:
            runner.close()

    def __getitem__(self, name: str) -> Supervised:
        return self._runners[name]

    def has(self, name: str) -> bool:
        return name in self._runners

    def drop(self, name: str) -> None:
        with self._lock:
            runner = self._runners.pop(name, None)
        if runner is not None:
            runner.close()

    def close(self) -> None:
        """Stop every run of the session (its threads end); called when the session goes away."""
        _BY_TOKEN.pop(self.token, None)        # the feed stops answering for this session
        with self._lock:
            runners, self._runners = list(self._runners.values()), {}
        for runner in runners:
            runner.close()


@st.cache_resource(show_spinner=False)
def server_slots() -> Slots:
    return Slots(MAX_RUNNERS)


@st.cache_resource(show_spinner=False)
def server_spares() -> Spares:
    return Spares(0 if RAY_ADDRESS else SPARE_CHILDREN, delay_s=SPARES_AFTER_S)


@st.cache_resource(scope="session", on_release=SessionRuns.close, show_spinner=False)
def session_runs() -> SessionRuns:
    server_spares()                   # started with the first page, ready before compare mode is asked for
    return SessionRuns(server_slots())
