"""The process-backed runner: the Runner's behaviour, with the run in a child process that ends on close."""
import time

import numpy as np
import pytest

from gancore import ConfigError, RunState, TrainConfig
from gancore.procrunner import ProcessRunner, Spares
from tests.support import wait_for

SMALL = TrainConfig(g_width=32, d_width=32, batch_size=64)



@pytest.fixture(scope="module")
def runner():
    r = ProcessRunner(SMALL)
    yield r
    r.close()


def test_it_plays_pauses_and_steps_like_a_runner(runner):
    assert runner.snapshot().step == 0 and runner.latest().state is RunState.PAUSED
    runner.play()
    assert wait_for(lambda: runner.snapshot().step > 20) and runner.running
    runner.pause()
    at = runner.snapshot().step
    assert not runner.running and runner.latest().state is RunState.PAUSED
    time.sleep(0.3)
    assert runner.snapshot().step == at
    runner.step(n=3)
    assert runner.snapshot().step == at + 3


def test_snapshots_arrive_read_only(runner):
    snap = runner.snapshot()
    with pytest.raises(ValueError):
        snap.fake[0, 0] = 1.0
    assert not snap.history["loss_d"].flags.writeable


def test_bad_config_raises_the_engines_error_and_keeps_the_run(runner):
    at = runner.snapshot().step
    with pytest.raises(ConfigError, match="d_lr: -1.0 is outside"):
        runner.update(runner.config.replace(d_lr=-1.0))
    assert runner.snapshot().step == at
    assert runner.update(runner.config.replace(d_lr=0.005)) is True and runner.config.d_lr == 0.005
    assert runner.update(runner.config.replace(g_layers=1)) is False and runner.snapshot().step == 0


def test_two_process_runs_train_at_once_and_their_processes_end_on_close():
    runs = [ProcessRunner(SMALL.replace(loss=loss)) for loss in ("minimax", "nonsaturating")]
    for r in runs:
        r.play()
    assert wait_for(lambda: all(r.snapshot().step > 20 for r in runs))
    for r in runs:
        r.close()
        assert r._process.poll() is not None            # the child has exited
    assert np.array_equal(runs[0].snapshot().real, runs[1].snapshot().real)   # same seed, same probe


def test_a_spare_child_carries_the_run_and_is_replaced_behind_it():
    spares = Spares(1)
    try:
        assert wait_for(lambda: len(spares._ready) == 1)
        ready = spares._ready[0].process
        r = ProcessRunner(SMALL, spares=spares)
        assert r._process is ready                        # started ahead of need
        r.step(n=2)
        assert r.snapshot().step == 2
        assert wait_for(lambda: len(spares._ready) == 1)  # a new spare is on its way
        r.close()
        assert ready.poll() is not None
    finally:
        spares.close()
    assert all(c.process.poll() is not None for c in spares._ready)


def test_a_killed_child_leaves_a_message_and_reset_starts_a_new_one():
    r = ProcessRunner(SMALL)
    try:
        r.play()
        assert wait_for(lambda: r.snapshot().step > 5)
        r._process.kill()
        assert wait_for(lambda: r.snapshot().failed)
        assert r.latest().state is RunState.LOST and "process ended unexpectedly" in r.latest().status
        assert not r.running
        r.play()                                    # refused quietly, no exception
        r.reset()
        assert r.snapshot().step == 0 and r.latest().state is RunState.PAUSED
        r.step(n=2)
        assert r.snapshot().step == 2
    finally:
        r.close()


def test_frames_come_on_demand_each_read_finds_a_fresh_one():
    r = ProcessRunner(SMALL, publish_every_s=0.02)
    try:
        r.play()
        for _ in range(10):                      # each read asks for the next frame, which then comes
            before = r.snapshot().key
            assert wait_for(lambda: r.latest().key != before, timeout=10)
        assert r.trained_steps() >= r.latest().step
    finally:
        r.close()


def test_an_unread_run_still_sends_a_frame_a_second():
    r = ProcessRunner(SMALL)
    try:
        r.play()
        assert wait_for(lambda: r.latest().step > 0)
        seen, end = set(), time.monotonic() + 3.0
        while time.monotonic() < end:            # nobody reads (latest() is no read): no frame is asked for
            seen.add(r.latest().key)
            time.sleep(0.05)
        assert 2 <= len(seen) <= 5               # yet about one a second arrives, not one per poll
    finally:
        r.close()
