"""The timeline: a frame read back equals the one published at its step; memory stays bounded over
a long run; thinning keeps the first and latest frames and spreads the rest evenly; safe across threads."""
import dataclasses
import threading
import tracemalloc

import numpy as np
import pytest
import torch

from gancore.config import TrainConfig
from gancore.render import PALETTE, draw_frame
from gancore.snapshot import Snapshot
from gancore.timeline import MAX_BYTES, MAX_FRAMES, Timeline, paired
from gancore.trainer import Trainer
from gancore.views import Probe
from tests.support import one_torch_thread  # noqa: F401 (autouse fixture)

SMALL = TrainConfig(g_width=32, d_width=32, batch_size=64)
FLOAT16_RTOL = 2.0 ** -11           # float16's relative rounding error



@pytest.fixture(scope="module")
def published() -> list[Snapshot]:
    """A short run's frames as a runner publishes them: every 5 steps, metrics every 20."""
    torch.set_num_threads(1)
    trainer = Trainer(SMALL)
    probe = Probe(trainer)
    frames = [probe.snapshot("running", 0.0)]
    while trainer.step < 100:
        for _ in range(5):
            trainer.iterate()
        frames.append(probe.snapshot("running", 12.5, with_metrics=trainer.step % 20 == 0))
    return frames


def fresh(snap: Snapshot, step: int) -> Snapshot:
    """snap at another step with arrays of its own, as every Probe frame has (nothing to share)."""
    return dataclasses.replace(snap, step=step, fake=snap.fake.copy(), g_field=snap.g_field.copy(),
                               d_surface=snap.d_surface.copy(), manifold=snap.manifold.copy(),
                               optimal_d=None if snap.optimal_d is None else snap.optimal_d.copy())


def assert_same_frame(got: Snapshot, want: Snapshot) -> None:
    """Every field equal; surfaces within float16's rounding; histories row for row."""
    for f in dataclasses.fields(Snapshot):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if f.name in ("d_surface", "optimal_d") and b is not None:
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=FLOAT16_RTOL, atol=1e-7, err_msg=f.name)
        elif isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f.name)
        elif isinstance(b, dict) and b and isinstance(next(iter(b.values())), np.ndarray):
            assert a.keys() == b.keys(), f.name
            for k in b:
                np.testing.assert_array_equal(a[k], b[k], err_msg=f"{f.name}[{k}]")
        else:
            assert a == b, f.name


def test_a_recorded_frame_equals_the_one_published_at_its_step(published):
    timeline = Timeline()
    for snap in published:
        timeline.record(snap)
    latest = published[-1]
    assert list(timeline.steps()) == [s.step for s in published]
    for snap in published:
        assert_same_frame(timeline.at(snap.step, latest), snap)
    # Default base: the latest recorded snapshot; replay gives them all in order.
    assert_same_frame(timeline.at(published[3].step), published[3])
    for got, want in zip(timeline.replay(), published, strict=True):
        assert_same_frame(got, want)


def test_frames_read_back_are_read_only_and_float32(published):
    timeline = Timeline()
    timeline.record(published[4])
    snap = timeline.at(0)
    assert snap.d_surface.dtype == np.float32 and not snap.d_surface.flags.writeable
    assert not snap.fake.flags.writeable and not snap.history["loss_d"].flags.writeable


def test_float16_surfaces_draw_the_same_picture(published):
    """The stored precision is invisible: where a colour moves at all it moves by one of the 224
    steps of the scale (at most 3 of 255 in a channel), in a few pixels (float16 rounds a value
    to within 1/2048 of it)."""
    timeline = Timeline()
    for snap in published:
        timeline.record(snap)
    for snap in published[::5]:
        want, got = draw_frame(snap), draw_frame(timeline.at(snap.step))
        assert np.abs(got.astype(int) - want).max() <= 1
        assert np.abs(PALETTE[got].astype(int) - PALETTE[want]).max() <= 3
        assert np.mean(got != want) < 0.05


def test_a_score_surface_is_kept_exactly(published):
    # Drawn over a range of its own (maybe far from 0, a critic's offset): float16 could show there.
    score = dataclasses.replace(published[1], d_surface=published[1].d_surface * 3 + 1e3, surface_probability=False)
    timeline = Timeline()
    timeline.record(score)
    np.testing.assert_array_equal(timeline.at(score.step).d_surface, score.d_surface)


def test_only_a_new_step_is_recorded(published):
    timeline = Timeline()
    timeline.record(published[2])
    timeline.record(dataclasses.replace(published[2], state="paused"))   # same step, new state line
    timeline.record(published[1])                                         # an older step
    assert list(timeline.steps()) == [published[2].step] and timeline.at(0).state == published[2].state


def test_nearest_picks_the_closest_recorded_step(published):
    timeline = Timeline()
    with pytest.raises(LookupError):
        timeline.nearest(0)
    for step in (0, 10, 20):
        timeline.record(fresh(published[1], step))
    got = {s: timeline.nearest(s) for s in (-5, 0, 4, 5, 6, 14, 15, 16, 20, 999)}
    assert got == {-5: 0, 0: 0, 4: 0, 5: 0, 6: 10, 14: 10, 15: 10, 16: 20, 20: 20, 999: 20}
    assert timeline.at(16).step == 20


def test_thinning_keeps_the_first_and_latest_frames_evenly_spaced(published):
    timeline = Timeline(max_frames=8)
    for step in range(1, 1001):
        timeline.record(fresh(published[1], step))
        assert len(timeline) <= 8
    steps = timeline.steps()
    assert steps[0] == 1 and steps[-1] == 1000
    gaps = np.diff(steps)
    # Anchors one spacing apart (it doubled with every thinning); the latest frame may come sooner.
    assert len(set(gaps[:-1])) == 1 and 0 < gaps[-1] <= gaps[0]
    assert gaps[0] >= (1000 - 1) / 8


def test_memory_stays_under_25_mb_over_a_long_run(published):
    """20,000 frames of a real Probe, none sharing an array: at most MAX_FRAMES kept, under 25 MB by
    the timeline's count and by what Python holds, spanning the first to the last step."""
    sources = [s for s in published if s.optimal_d is not None][-4:]
    timeline = Timeline()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            timeline.record(fresh(sources[i % len(sources)], 10 * i))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert MAX_FRAMES // 2 <= len(timeline) <= MAX_FRAMES
    assert timeline.nbytes <= MAX_BYTES and held <= 25_000_000
    assert abs(held - timeline.nbytes) < 0.1 * held          # its count is what memory it holds
    assert timeline.steps()[0] == 0 and timeline.steps()[-1] == 10 * 19_999
    per_frame = timeline.nbytes / len(timeline)
    assert 25_000 < per_frame < 45_000          # 512 fakes + arrows + manifold, two float16 surfaces


def test_max_bytes_caps_the_arrays_whatever_their_shapes(published):
    snap = published[-1]
    frame_bytes = 33_000
    timeline = Timeline(max_bytes=10 * frame_bytes)
    for step in range(1, 200):
        timeline.record(fresh(snap, step))
        assert timeline.nbytes <= 10 * frame_bytes
    assert timeline.steps()[0] == 1 and timeline.steps()[-1] == 199


def test_a_shared_optimal_d_is_stored_once(published):
    # Between metric frames the probe hands out the very same D* array: the timeline keeps one copy.
    same = [(a, b) for a, b in zip(published, published[1:]) if a.optimal_d is b.optimal_d][0]
    alone, shared = Timeline(), Timeline()
    alone.record(same[0])
    shared.record(same[0])
    shared.record(same[1])
    alone.record(fresh(same[1], same[1].step))
    assert alone.nbytes - shared.nbytes == same[0].optimal_d.size * 2     # one float16 D* less
    np.testing.assert_array_equal(shared.at(same[1].step).optimal_d, shared.at(same[0].step).optimal_d)


def test_histories_are_cut_to_the_frames_step(published):
    timeline = Timeline()
    for snap in published:
        timeline.record(snap)
    old = timeline.at(40, published[-1])
    assert old.history["step"][-1] == 40 and len(old.history["step"]) == 40
    assert old.metric_history["step"][-1] == 40 and old.metric_history["step"].max() <= 40
    assert old.last() == published[8].last()


def test_rows_kept_beside_a_history_are_cut_with_it(published):
    """Snapshot.mode_occupancy (a row per metric_history row) is cut like the history beside it."""
    def with_rows(snap: Snapshot) -> Snapshot:
        rows = np.asarray(snap.metric_history["step"], float)[:, None] * [1.0, 2.0]   # (r, 2)
        return dataclasses.replace(snap, mode_occupancy=rows)

    timeline = Timeline()
    frames = [with_rows(s) for s in published]
    for snap in frames:
        timeline.record(snap)
    for snap in frames[::4]:
        np.testing.assert_array_equal(timeline.at(snap.step, frames[-1]).mode_occupancy, snap.mode_occupancy)
    assert timeline.nbytes < 30_000 * len(frames)      # a row a frame is stored, not the whole table


def test_paired_runs_line_up_and_the_shorter_holds_its_last_frame(published):
    a, b = Timeline(), Timeline()
    for snap in published:
        a.record(snap)
        if snap.step <= 50:
            b.record(snap)
    pairs = [(x.step, y.step) for x, y in paired(a, b)]
    assert pairs == [(s.step, min(s.step, 50)) for s in published]


def test_reading_while_another_thread_records(published):
    timeline = Timeline(max_frames=16)
    timeline.record(fresh(published[1], 0))
    errors: list[BaseException] = []

    def record() -> None:
        try:
            for step in range(1, 3000):
                timeline.record(fresh(published[1 + step % 4], step))
        except BaseException as err:
            errors.append(err)

    writer = threading.Thread(target=record)
    writer.start()
    reads = 0
    while writer.is_alive() or reads < 50:
        got = timeline.at(int(np.random.default_rng(reads).integers(0, 3000)))
        # A whole frame, never fields of two: its fakes are those recorded with its step.
        np.testing.assert_array_equal(got.fake, published[1 + got.step % 4].fake)
        assert len(list(timeline.replay())) <= 16
        reads += 1
    writer.join()
    assert not errors and timeline.steps()[-1] == 2999 and len(timeline) <= 16
