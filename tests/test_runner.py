"""The background runner: lifecycle, thread hygiene, live changes, divergence, errors, the cap."""
import threading
import time

import numpy as np
import pytest

from gancore import ConfigError, Runner, RunState, TrainConfig
from gancore.runner import THREAD_PREFIX
from gancore.trainer import Trainer
from tests.support import wait_for

SMALL = TrainConfig(g_width=32, d_width=32, batch_size=64)


def runner_threads():
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]



@pytest.fixture
def runner():
    r = Runner(SMALL, publish_every_s=0.02)
    yield r
    r.close()


def test_new_runner_is_paused_at_step_zero_with_a_snapshot_and_no_thread(runner):
    snap = runner.snapshot()
    assert (snap.step, snap.state, snap.rate) == (0, RunState.PAUSED, "not training")
    assert not runner.running and not runner_threads()
    assert snap.real.shape == (512, 2) and snap.d_surface.shape == (64, 64)
    assert not snap.fake.flags.writeable and not snap.d_surface.flags.writeable


def test_play_trains_in_background_pause_stops_and_resume_continues(runner):
    runner.play()
    assert wait_for(lambda: runner.snapshot().step > 20)
    assert runner.running and len(runner_threads()) == 1
    runner.pause()
    assert not runner.running and not runner_threads()
    paused_at = runner.snapshot().step
    time.sleep(0.1)
    assert runner.snapshot().step == paused_at and runner.latest().state is RunState.PAUSED
    runner.play()
    assert wait_for(lambda: runner.snapshot().step > paused_at)
    runner.close()
    assert not runner_threads()


def test_snapshots_are_immutable_frames_that_move_between_steps(runner):
    before = runner.snapshot()
    runner.step(n=5)
    after = runner.snapshot()
    assert after.step == 5 and before.step == 0
    assert np.array_equal(before.real, after.real)           # the fixed real sample
    assert not np.array_equal(before.fake, after.fake)        # G moved its fixed-z fakes
    with pytest.raises(ValueError):
        after.fake[0, 0] = 1.0


def test_step_d_and_step_g_count_one_iteration_each(runner):
    runner.step("d")
    runner.step("g")
    assert runner.snapshot().step == 2


def test_live_change_keeps_step_count_and_structural_change_starts_fresh(runner):
    runner.step(n=10)
    assert runner.update(runner.config.replace(d_lr=0.01, loss="hinge")) is True
    assert runner.snapshot().step == 10 and runner.config.loss == "hinge"
    assert runner.update(runner.config.replace(g_layers=1)) is False
    assert runner.snapshot().step == 0 and runner.config.g_layers == 1


def test_invalid_update_raises_before_touching_the_run(runner):
    runner.step(n=3)
    with pytest.raises(ConfigError, match="^d_lr: -1.0 is outside"):
        runner.update(runner.config.replace(d_lr=-1.0))
    assert runner.snapshot().step == 3


def test_diverging_run_stops_with_a_message_and_keeps_its_last_good_frame():
    r = Runner(SMALL.replace(d_optimizer="sgd", g_optimizer="sgd", d_lr=10.0, g_lr=10.0,
                             loss="wgan-gp", gp_weight=0.0), publish_every_s=0.0)
    r.play()
    assert wait_for(lambda: r.snapshot().diverged)
    snap = r.snapshot()
    assert snap.state is RunState.DIVERGED and snap.status.startswith("diverged at step")
    assert "nan" in snap.detail or "inf" in snap.detail
    assert np.isfinite(snap.fake).all() and np.isfinite(snap.d_surface).all()
    assert wait_for(lambda: not r.running)
    r.play()                                     # a failed run does not restart; reset does
    assert not r.running
    r.reset()
    assert r.snapshot().state is RunState.PAUSED and r.snapshot().step == 0
    r.close()


def test_an_exception_inside_a_step_ends_the_run_with_a_message(monkeypatch):
    r = Runner(SMALL)

    def explode(self):
        raise RuntimeError("simulated fault")
    monkeypatch.setattr(Trainer, "iterate", explode)
    r.play()
    assert wait_for(lambda: r.latest().state is RunState.FAILED)
    assert "RuntimeError: simulated fault" in r.latest().status
    assert wait_for(lambda: not r.running)
    r.close()
    assert not runner_threads()


def test_a_run_whose_fakes_all_leave_for_good_is_stopped_as_diverged():
    """Adam at learning rate 10 sends every fake far away with no NaN and a gradient of 0; the run
    must not sit there looking alive (issue 9)."""
    r = Runner(SMALL.replace(g_lr=10.0, d_lr=10.0), publish_every_s=0.0, metrics_every_s=0.0)
    r.play()
    assert wait_for(lambda: r.latest().failed, timeout=30)
    snap = r.latest()
    assert snap.state is RunState.DIVERGED and "view-widths" in snap.detail
    r.close()


def test_rate_is_measured_over_a_second_and_a_paused_run_shows_none(runner):
    runner.play()
    assert wait_for(lambda: runner.snapshot().steps_per_s > 0)
    s0, t0 = runner.trained_steps(), time.monotonic()
    time.sleep(2.0)
    s1, dt = runner.trained_steps(), time.monotonic() - t0
    assert runner.snapshot().steps_per_s == pytest.approx((s1 - s0) / dt, rel=0.5)
    assert runner.snapshot().rate == f"{runner.snapshot().steps_per_s:,.0f} it/s"
    runner.pause()
    assert runner.snapshot().steps_per_s == 0 and runner.snapshot().rate == "not training"


def test_two_runners_train_at_once_and_close_cleanly():
    runners = [Runner(SMALL.replace(loss=loss)) for loss in ("minimax", "nonsaturating")]
    for r in runners:
        r.play()
    assert wait_for(lambda: all(r.snapshot().step > 10 for r in runners))
    assert len(runner_threads()) == 2
    for r in runners:
        r.close()
    assert not runner_threads()


def test_live_changes_are_recorded_as_events_at_their_step(runner):
    runner.step(n=4)
    runner.update(runner.config.replace(d_lr=0.01))
    snap = runner.snapshot()
    assert snap.events == ((4, "d_lr 0.001 → 0.01"),)
    runner.reset()
    assert runner.snapshot().events == ()


def test_the_timeline_holds_every_published_frame_and_gives_it_back(runner):
    runner.step(n=3)
    third = runner.snapshot()
    runner.step(n=2)
    assert list(runner.recorded_steps()) == [0, 3, 5]
    back = runner.frame_at(2)                                  # the recorded step nearest 2
    assert back.step == 3 and np.allclose(back.fake, third.fake) and np.allclose(back.d_surface, third.d_surface, atol=1e-3)
