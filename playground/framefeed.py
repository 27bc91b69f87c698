"""The frame feed: an HTTP endpoint the run views' charts poll for their next picture.

Why not a timed fragment: each fragment run is a script run on the server and a React render of
the page in the browser. At ten frames a second that kept the browser's main thread fully busy
(a trace: ~35 ms of React and ~35 ms of message handling per frame) and held the page near 6-7
fresh frames a second while slowing training. The chart's iframe asks this endpoint instead, one
request per frame: the answer comes as soon as the run has a picture the chart has not drawn,
or 204 after LONG_POLL_S, so a paused run costs one cheap request a second.

Served by playground/server.py (`st.App` with this route); the page itself stays a plain script.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlencode

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gancore.snapshot import Snapshot
from playground import sessions, viewstate
from playground.figures import ViewOptions, run_view
from playground.live_chart import to_jsonable, to_payload

FRAME_PATH = "/gan/frame"
LONG_POLL_S = 1.0        # longest wait for a new frame before answering 204 (nothing new)
CHECK_EVERY_S = 0.01     # how often a waiting request looks at the run
RUN_NAMES = ("a", "b")
REQUEST_KEYS = ("token", "run", "have", "at", "replay", "fps")   # the rest of a query is view options


class FeedError(Exception):
    """A request the feed cannot answer: an HTTP status and a message for the chart to show."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Moment:
    """Which recorded frame to show instead of the present: one step, or a replay of them all."""

    step: int | None = None          # the recorded frame nearest this step
    replay_from: float | None = None  # server time (time.time()) the replay started: frame i at i / fps
    fps: float = 10.0

    def params(self) -> dict[str, str]:
        if self.replay_from is not None:
            return {"replay": repr(self.replay_from), "fps": repr(self.fps)}
        return {} if self.step is None else {"at": str(self.step)}

    def pick(self, steps) -> int:
        """The recorded step to show now, from the steps the timeline holds."""
        if self.replay_from is None:
            return int(steps[int(abs(steps - self.step).argmin())])
        i = int((time.time() - self.replay_from) * self.fps)
        return int(steps[min(max(i, 0), len(steps) - 1)])


LIVE = Moment()


@dataclass(frozen=True)
class FrameRequest:
    token: str
    run: str
    opts: ViewOptions
    have: str               # key of the frame the chart shows already ("" for none)
    moment: Moment = LIVE


def url(token: str, run: str, opts: ViewOptions, moment: Moment = LIVE) -> str:
    """The feed address of one run's view, as the chart's iframe requests it: every view option."""
    query = {"token": token, "run": run, **viewstate.to_params(opts), **moment.params()}
    return f"{FRAME_PATH}?{urlencode(query)}"


def parse(query: Mapping[str, str]) -> FrameRequest:
    """Check a request's parameters; FeedError(400) names the first bad one."""
    token, run = query.get("token", ""), query.get("run", "")
    if not token:
        raise FeedError(400, "token is missing")
    if run not in RUN_NAMES:
        raise FeedError(400, f"run must be one of {', '.join(RUN_NAMES)}, not {run[:20]!r}")
    view = {k: v for k, v in query.items() if k not in REQUEST_KEYS}
    try:
        opts, _ = viewstate.from_params(view)
    except viewstate.ViewError as err:
        raise FeedError(400, str(err)) from None
    return FrameRequest(token, run, opts, query.get("have", ""), _moment(query))


def _moment(query: Mapping[str, str]) -> Moment:
    try:
        if "replay" in query:
            moment = Moment(replay_from=float(query["replay"]), fps=float(query.get("fps", "10")))
            if not (moment.fps > 0 and moment.fps <= 60):
                raise ValueError
            return moment
        return Moment(step=int(query["at"])) if "at" in query else LIVE
    except ValueError:
        raise FeedError(400, "at must be a whole number of steps, replay a time and fps 0 to 60") from None


def frame_body(snap: Snapshot, opts: ViewOptions, compare: bool, name: str, recorded: bool = False) -> bytes:
    """The JSON the chart draws: the figure and the frame's key (sent back as `have`)."""
    # The picture carries its own step: the status line above it is refreshed twice a second.
    title = f"{name.upper()}: {snap.config.loss}" if compare else ""
    caption = f"step {snap.step:,} · recorded" if recorded else f"step {snap.step:,} · {snap.rate}"
    figure = run_view(snap, opts, title, caption)
    overlay = figure.pop("overlay")
    overlay["layers"] = [{k: packed(v) if k in PACKED else v for k, v in layer.items()} for layer in overlay["layers"]]
    payload = to_payload(figure)
    payload["overlay"] = to_jsonable(overlay)
    return json.dumps({"key": snap.key, "figure": payload}, separators=(",", ":"), allow_nan=False).encode()


PACKED = ("xy", "z")    # the overlay's big arrays travel as float32 bytes, not JSON numbers


def packed(values) -> dict[str, str]:
    """Little-endian float32 bytes in base64 (NaN kept): 5.3 characters a number against ~7 as
    JSON, and no number formatting on the server or parsing in the browser (main.js `floats`)."""
    return {"f32": base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode("ascii")}


def _session(token: str) -> sessions.SessionRuns:
    runs = sessions.find(token)
    if runs is None:
        raise FeedError(404, "this page's session has ended; reload the page")
    return runs


async def next_frame(req: FrameRequest, long_poll_s: float = LONG_POLL_S) -> Snapshot | None:
    """The run's latest frame once it differs from the one the chart has; None if none came in time,
    or at once if the session has no such run (left compare mode: the page's next run removes the
    view; an error status here would only flash a notice and log a console error meanwhile)."""
    deadline = time.monotonic() + long_poll_s
    while True:
        runs = _session(req.token)
        if not runs.has(req.run):             # compare mode was just left: the view is on its way out
            return None
        runner = runs[req.run]
        if req.moment is not LIVE:
            return await _recorded(runner, req, deadline)
        snap = runner.snapshot()              # a read: the runner makes the next frame
        if snap.key != req.have:
            return snap
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(CHECK_EVERY_S)


async def _recorded(runner, req: FrameRequest, deadline: float) -> Snapshot | None:
    """A frame from the run's timeline (scrubbing, replay) once it differs from the chart's."""
    runner.snapshot()                         # watching the past is watching: no idle pause
    steps = await run_in_threadpool(runner.recorded_steps)     # a call into a child process, maybe
    if not len(steps):
        return None
    shown = None
    while True:
        step = req.moment.pick(steps)
        if step != shown:
            shown, snap = step, await run_in_threadpool(runner.frame_at, step)
            if snap.key != req.have:
                return snap
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(CHECK_EVERY_S)


async def frame_endpoint(request: Request) -> Response:
    """GET FRAME_PATH?token=..&run=a&arrows=1&manifold=0&optimal=0&have=KEY"""
    try:
        req = parse(request.query_params)
        snap = await next_frame(req)
        if snap is None:
            return Response(status_code=204, headers={"Cache-Control": "no-store"})
        compare = _session(req.token).has("b")
        # Building the figure and its JSON takes milliseconds: off the event loop.
        body = await run_in_threadpool(frame_body, snap, req.opts, compare, req.run, req.moment is not LIVE)
    except FeedError as err:
        return _error(err.status, err.message)
    except Exception as err:      # the chart shows the message; the server never sends a traceback
        return _error(500, f"could not draw this frame ({type(err).__name__}: {err})")
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})
