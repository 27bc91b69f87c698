"""The Ray-actor runner on a local Ray: the Runner's behaviour with the run in an actor, and the server's policy over it."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import ray

import test_run                      # the policy's behaviour, one spec for every transport
from gancore import CapacityError, ConfigError, RunState, Slots, Supervised, TrainConfig
from gancore import rayrunner
from gancore.rayrunner import RayRunner

SMALL = TrainConfig(g_width=32, d_width=32, batch_size=64)
ROOT = Path(__file__).resolve().parents[1]
wait_for = test_run.wait_for


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    # address="local": a Ray of our own even when someone's `ray start` cluster runs on this machine.
    # Two CPUs: an actor holds one, so at most two runs exist at once in these tests.
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
    yield
    ray.shutdown()


class TestLikeARunner:
    @pytest.fixture(scope="class")
    def runner(self):
        r = RayRunner(SMALL)
        yield r
        r.close()

    def test_it_plays_pauses_and_steps_like_a_runner(self, runner):
        assert runner.snapshot().step == 0 and runner.latest().state is RunState.PAUSED
        runner.play()
        assert wait_for(lambda: runner.snapshot().step > 20) and runner.running
        runner.pause()
        at = runner.snapshot().step
        assert not runner.running and runner.latest().state is RunState.PAUSED
        time.sleep(0.3)
        assert runner.snapshot().step == at == runner.trained_steps()
        runner.step(n=3)
        assert runner.snapshot().step == at + 3
        runner.step("g")
        assert runner.snapshot().step == at + 4        # the app's "step G" counts as an iteration
        runner.max_steps_per_s = 20.0                  # the speed setting reaches the actor's Runner
        started = time.monotonic()
        runner.play()
        assert wait_for(lambda: runner.trained_steps() >= at + 4 + 10)
        elapsed = time.monotonic() - started
        runner.pause()
        # at most 20 a second (a busy machine may give fewer, never more)
        assert runner.max_steps_per_s == 20.0 and (runner.snapshot().step - (at + 4)) / elapsed <= 25

    def test_snapshots_arrive_read_only(self, runner):
        snap = runner.snapshot()
        with pytest.raises(ValueError):
            snap.fake[0, 0] = 1.0
        assert not snap.history["loss_d"].flags.writeable

    def test_its_timeline_is_read_through_the_actor(self, runner):
        at = runner.snapshot().step
        assert at in runner.recorded_steps()
        assert runner.frame_at(at).step == at and not runner.frame_at(at).fake.flags.writeable
        frames = runner.recording(max_frames=3)
        assert len(frames) == 3 and frames[-1].step == at and frames[0].history == {}   # light: no histories

    def test_bad_config_raises_the_engines_error_and_keeps_the_run(self, runner):
        at = runner.snapshot().step
        with pytest.raises(ConfigError, match="d_lr: -1.0 is outside") as caught:
            runner.update(runner.config.replace(d_lr=-1.0))
        assert type(caught.value) is ConfigError            # the engine's own error, not Ray's wrapper
        assert runner.snapshot().step == at
        assert runner.update(runner.config.replace(d_lr=0.005)) is True and runner.config.d_lr == 0.005
        assert runner.update(runner.config.replace(g_layers=1)) is False and runner.snapshot().step == 0


def test_frames_come_on_demand_each_read_finds_a_fresh_one():
    r = RayRunner(SMALL, publish_every_s=0.02)
    try:
        r.play()
        for _ in range(10):                      # each read asks for the next frame, which then comes
            before = r.snapshot().key
            assert wait_for(lambda: r.latest().key != before, timeout=10)
        assert r.trained_steps() >= r.latest().step
        # Unread, the run still brings a frame about once a second; none for each step it trains.
        seen, end = set(), time.monotonic() + 3.0
        while time.monotonic() < end:
            seen.add(r.latest().key)                          # latest(): not a read
            time.sleep(0.05)
        assert 2 <= len(seen) <= 5, f"{len(seen)} frames in 3 s unread"
    finally:
        r.close()


@pytest.mark.parametrize("behaviour", [test_run.test_slots_cap_training_and_free_up_on_pause,
                                       test_run.test_a_run_nobody_reads_pauses_itself_and_gives_its_slot_back],
                         ids=["slot-cap", "idle-pause"])
def test_the_servers_policy_holds_over_ray_actors(behaviour):
    behaviour(RayRunner)


def test_a_killed_actor_leaves_a_message_frees_its_slot_and_reset_starts_a_new_one():
    slots = Slots(1)
    r = Supervised(RayRunner(SMALL), slots=slots)
    try:
        r.play()
        assert wait_for(lambda: r.snapshot().step > 5)
        old = r.run._actor
        ray.kill(old)
        assert wait_for(lambda: r.latest().failed)
        assert r.latest().state is RunState.LOST and "Ray actor ended unexpectedly" in r.latest().status
        assert r.latest().step > 5 and not r.running        # the last frame stays on screen
        assert wait_for(lambda: slots.used == 0)
        r.play()                                            # refused quietly, no exception
        r.reset()
        assert r.run._actor is not old
        assert r.snapshot().step == 0 and r.latest().state is RunState.PAUSED
        r.play()
        assert slots.used == 1 and wait_for(lambda: r.snapshot().step > 2)
    finally:
        r.close()
    assert slots.used == 0


def test_a_full_cluster_refuses_a_run_clearly_and_a_closed_run_frees_its_cpu(monkeypatch):
    a, b = RayRunner(SMALL), RayRunner(SMALL)               # both CPUs of the local Ray are held
    try:
        with monkeypatch.context() as patch:
            patch.setattr(rayrunner, "START_TIMEOUT_S", 3.0)
            with pytest.raises(CapacityError, match="no Ray worker took the run within 3 s"):
                RayRunner(SMALL)
        a.close()
        c = RayRunner(SMALL)                                # the closed run's CPU is free again
        c.step(n=2)
        assert c.snapshot().step == 2
        c.close()
    finally:
        a.close()
        b.close()


def test_without_ray_the_error_names_the_install_command():
    hide_ray = "import sys; sys.modules['ray'] = None; import gancore.rayrunner"
    done = subprocess.run([sys.executable, "-c", hide_ray], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode != 0
    assert "ImportError: live runs on Ray need ray: pip install -r requirements-ray.txt" in done.stderr
