"""The frame feed (playground/framefeed.py): parameters, long poll, answers, and the frames' content."""
import asyncio
import concurrent.futures
import json
import time

import numpy as np
import pytest
from starlette.requests import Request

from gancore import Runner, Slots, TrainConfig
from playground import framefeed
from gancore.views import nice_ceil as _nice_ceil
from playground.figures import ARROW_NAME, FAKE_NAME, REAL_NAME, ViewOptions, arrow_tips, run_view
from playground.framefeed import FeedError, FrameRequest, frame_body, frame_endpoint, next_frame, parse
from playground.sessions import SessionRuns, find

SMALL = TrainConfig(g_width=16, d_width=16, batch_size=32)


@pytest.fixture
def runs():
    r = SessionRuns(Slots(4))
    r.get("a", SMALL)
    yield r
    r.close()


def run_async(coroutine):
    """Run a coroutine to the end in a thread of its own: Playwright's sync API (the browser
    tests, earlier in the same session) leaves an event loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def call(query: str) -> tuple[int, dict, bytes]:
    """Call the endpoint as Starlette would, without a server."""
    scope = {"type": "http", "method": "GET", "path": framefeed.FRAME_PATH, "query_string": query.encode(),
             "headers": []}
    response = run_async(frame_endpoint(Request(scope)))
    return response.status_code, dict(response.headers), response.body


@pytest.mark.parametrize("query, message", [
    ({}, "token is missing"),
    ({"token": "t", "run": "c"}, "run must be one of a, b"),
    ({"token": "t", "run": "a", "arrows": "yes"}, "arrows must be 0 or 1"),
    ({"token": "t", "run": "a", "optimal": "2"}, "optimal must be 0 or 1"),
])
def test_bad_parameters_are_refused_by_name(query, message):
    with pytest.raises(FeedError, match=message) as err:
        parse(query)
    assert err.value.status == 400


def test_good_parameters_become_view_options():
    req = parse({"token": "t", "run": "b", "arrows": "0", "manifold": "1", "have": "3:7:paused"})
    assert req == FrameRequest("t", "b", ViewOptions(arrows=False, manifold=True, optimal=False), "3:7:paused")


def test_url_round_trips_through_parse(runs):
    opts = ViewOptions(arrows=False, optimal=True)
    url = framefeed.url(runs.token, "a", opts)
    query = dict(pair.split("=") for pair in url.split("?", 1)[1].split("&"))
    assert parse(query).opts == opts and parse(query).token == runs.token


def test_a_new_frame_is_answered_at_once_and_a_known_one_waits_then_none(runs):
    first = run_async(next_frame(FrameRequest(runs.token, "a", ViewOptions(), "")))
    assert first is not None and first.step == 0
    # the chart has it: nothing new while paused, so the long poll ends empty
    assert run_async(next_frame(FrameRequest(runs.token, "a", ViewOptions(), first.key), long_poll_s=0.05)) is None
    runs["a"].step(n=2)
    newer = run_async(next_frame(FrameRequest(runs.token, "a", ViewOptions(), first.key), long_poll_s=0.05))
    assert newer.step == 2 and newer.key != first.key


def test_a_closed_session_answers_404_and_a_run_just_closed_nothing_new(runs):
    # Leaving compare mode closes run B a moment before the page removes its view: no error then
    # (monkey seed 22: two 404s in the console after "compare off"), just nothing new, at once.
    started = time.monotonic()
    assert run_async(next_frame(FrameRequest(runs.token, "b", ViewOptions(), ""))) is None
    assert time.monotonic() - started < 0.5
    token = runs.token
    runs.close()
    assert find(token) is None
    with pytest.raises(FeedError, match="session has ended"):
        run_async(next_frame(FrameRequest(token, "a", ViewOptions(), "")))


def test_endpoint_answers_200_204_400_404_never_cached(runs):
    status, headers, body = call(f"token={runs.token}&run=a&arrows=1")
    assert status == 200 and headers["cache-control"] == "no-store"
    frame = json.loads(body)
    assert frame["key"] == runs["a"].snapshot().key
    status, _, _ = call(f"token={runs.token}&run=a&arrows=1&have={frame['key']}")
    assert status == 204                                   # paused: nothing new within the long poll
    status, headers, body = call("token=nope&run=a")
    assert status == 404 and "reload the page" in json.loads(body)["error"]
    status, _, body = call(f"token={runs.token}&run=a&manifold=maybe")
    assert status == 400 and "manifold must be 0 or 1" in json.loads(body)["error"]


def test_frame_body_carries_the_step_caption_and_compare_title(runs):
    runs["a"].step(n=3)
    snap = runs["a"].snapshot()
    one = json.loads(frame_body(snap, ViewOptions(), False, "a"))["figure"]
    two = json.loads(frame_body(snap, ViewOptions(), True, "b"))["figure"]
    assert one["overlay"]["caption"].startswith("step 3 ·") and one["layout"]["meta"] == 3
    assert two["layout"]["title"]["text"] == "B: nonsaturating"


def test_overlay_layers_hold_the_snapshots_points_and_arrows():
    runner = Runner(SMALL)
    runner.step(n=5)
    snap, opts = runner.snapshot(), ViewOptions()
    layers = {(layer["name"], layer["xaxis"]): layer for layer in run_view(snap, opts)["overlay"]["layers"]}
    np.testing.assert_array_equal(layers[(REAL_NAME, "xaxis")]["xy"], snap.real.ravel())
    np.testing.assert_array_equal(layers[(FAKE_NAME, "xaxis")]["xy"], snap.fake.ravel())
    segments = np.asarray(layers[(ARROW_NAME, "xaxis")]["xy"]).reshape(-1, 4)
    np.testing.assert_allclose(segments[:, :2], snap.fake)
    np.testing.assert_allclose(segments[:, 2:], arrow_tips(snap.fake, snap.g_field, opts, snap.extent))
    surface = layers[("D(x)", "xaxis")]
    np.testing.assert_array_equal(np.reshape(surface["z"], (surface["ny"], surface["nx"])), snap.d_surface)
    assert (surface["zmin"], surface["zmax"]) == (0.0, 1.0)
    runner.close()


def test_legend_entries_match_the_overlay_and_arrows_can_be_off():
    snap = Runner(SMALL).snapshot()
    names = [t.get("name") for t in run_view(snap, ViewOptions(arrows=False))["data"] if t.get("showlegend") is not False]
    assert names == [REAL_NAME, FAKE_NAME]
    figure = run_view(snap, ViewOptions(arrows=True, manifold=True))
    assert [t["name"] for t in figure["data"] if t.get("showlegend") is not False] == [
        "G(z) manifold", REAL_NAME, FAKE_NAME, ARROW_NAME]


def test_score_surfaces_get_a_symmetric_stepped_range_around_the_equilibrium():
    snap = Runner(SMALL.replace(loss="hinge")).snapshot()
    surface = run_view(snap, ViewOptions())["overlay"]["layers"][0]
    half = surface["zmax"]                       # hinge: centred on 0, its decision boundary
    assert surface["name"] == "score" and surface["zmin"] == pytest.approx(-half)
    # the range is the one the probe set from D's scores at the shown points (see test_figures.py)
    assert (surface["zmin"], surface["zmax"]) == snap.surface_range and half == _nice_ceil(half)


@pytest.mark.parametrize("value, nice", [(0.46, 0.5), (1.0, 1.0), (1.01, 2.0), (7.0, 10.0), (0.0031, 0.005), (20.0, 20.0)])
def test_nice_ceil_known_answers(value, nice):
    assert _nice_ceil(value) == pytest.approx(nice)


def test_fakes_outside_the_view_are_counted_in_the_overlay_note():
    import dataclasses
    snap = Runner(SMALL).snapshot()
    assert run_view(snap, ViewOptions())["overlay"]["note"] == ""
    x0, x1, y0, y1 = snap.extent
    fake = np.array(snap.fake)
    fake[:3] = [x1 + 1.0, y0 - 5.0]
    far = dataclasses.replace(snap, fake=fake)
    assert run_view(far, ViewOptions())["overlay"]["note"] == f"3 of {len(fake)} fakes outside the view"


def test_overlay_arrays_travel_as_float32_bytes_that_decode_to_the_snapshot():
    import base64
    runner = Runner(SMALL.replace(noise_dim=1))
    runner.step(n=4)
    snap = runner.snapshot()
    figure = json.loads(frame_body(snap, ViewOptions(manifold=True), False, "a"))["figure"]
    layers = {layer["name"]: layer for layer in figure["overlay"]["layers"]}

    def unpack(value):
        return np.frombuffer(base64.b64decode(value["f32"]), dtype="<f4")
    np.testing.assert_array_equal(unpack(layers[FAKE_NAME]["xy"]), snap.fake.astype(np.float32).ravel())
    np.testing.assert_array_equal(unpack(layers["D(x)"]["z"]), snap.d_surface.astype(np.float32).ravel())
    assert len(unpack(layers["G(z) manifold"]["xy"])) == snap.manifold.size
    runner.close()


def test_a_frame_that_cannot_be_drawn_answers_500_with_a_message(runs, monkeypatch):
    def broken(*args):
        raise ValueError("bad surface")
    monkeypatch.setattr(framefeed, "frame_body", broken)
    status, _, body = call(f"token={runs.token}&run=a")
    assert status == 500 and json.loads(body)["error"] == "could not draw this frame (ValueError: bad surface)"


def test_a_moment_of_the_past_is_answered_from_the_timeline(runs):
    runs["a"].step(n=3)
    third = runs["a"].snapshot()
    runs["a"].step(n=4)
    past = run_async(next_frame(FrameRequest(runs.token, "a", ViewOptions(), "", framefeed.Moment(step=2))))
    assert past.step == 3 and np.allclose(past.fake, third.fake)            # the recorded frame nearest step 2
    again = run_async(next_frame(FrameRequest(runs.token, "a", ViewOptions(), past.key, framefeed.Moment(step=3)),
                                 long_poll_s=0.05))
    assert again is None                                                     # the chart has it already
    body = json.loads(framefeed.frame_body(past, ViewOptions(), False, "a", recorded=True))
    assert body["figure"]["overlay"]["caption"] == "step 3 · recorded"


def test_a_replay_walks_the_recorded_frames_in_time(runs):
    for _ in range(3):
        runs["a"].step(n=2)
    start = time.time()
    first = run_async(next_frame(FrameRequest(runs.token, "a", ViewOptions(), "",
                                              framefeed.Moment(replay_from=start, fps=20.0))))
    assert first.step == 0
    later = run_async(next_frame(FrameRequest(runs.token, "a", ViewOptions(), first.key,
                                              framefeed.Moment(replay_from=start - 10.0, fps=20.0))))
    assert later.step == 6                                                    # past the end: the last frame


def test_moment_parameters_round_trip_and_bad_ones_are_refused(runs):
    for moment in (framefeed.Moment(step=7), framefeed.Moment(replay_from=12.5, fps=20.0)):
        query = dict(pair.split("=") for pair in framefeed.url(runs.token, "a", ViewOptions(), moment).split("?", 1)[1].split("&"))
        assert parse(query).moment == moment
    with pytest.raises(FeedError, match="at must be a whole number"):
        parse({"token": "t", "run": "a", "at": "soon"})


def test_a_frame_the_app_sends_stays_under_100_kb_with_every_layer_on():
    # The feed's real payload (overlay arrays as float32 base64): ~46 KB by default, ~90 KB in compare
    # mode with the manifold and D*; a change that bloats it shows here.
    runner = Runner(TrainConfig())
    try:
        runner.step(n=5)
        body = framefeed.frame_body(runner.snapshot(), ViewOptions(manifold=True, optimal=True), True, "a")
    finally:
        runner.close()
    assert len(body) < 100_000 and b'"f32"' in body
