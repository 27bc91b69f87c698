"""The run policy (gancore/run.py): the same slot cap and idle pause whatever carries the run."""
import threading

import pytest

from gancore import CapacityError, Runner, RunState, Slots, Supervised, TrainConfig
from gancore.procrunner import ProcessRunner
from tests.support import wait_for

SMALL = TrainConfig(g_width=32, d_width=32, batch_size=64)
TRANSPORTS = {"thread": Runner, "process": ProcessRunner}



@pytest.fixture(params=list(TRANSPORTS))
def transport(request):
    return TRANSPORTS[request.param]


def test_slots_cap_training_and_free_up_on_pause(transport):
    slots = Slots(1)
    a, b = (Supervised(transport(SMALL), slots=slots) for _ in range(2))
    try:
        a.play()
        with pytest.raises(CapacityError, match="already training 1"):
            b.play()
        assert a.running and not b.running
        a.pause()
        assert slots.used == 0
        b.play()
        assert b.running and slots.used == 1
    finally:
        for r in (a, b):
            r.close()
    assert slots.used == 0


def test_a_run_nobody_reads_pauses_itself_and_gives_its_slot_back(transport):
    slots = Slots(1)
    r = Supervised(transport(SMALL), slots=slots, idle_timeout_s=0.5)
    try:
        r.play()
        assert wait_for(lambda: r.latest().state is RunState.IDLE)
        assert r.latest().status == "paused (nobody watched for 0.5 s)" and not r.running
        assert wait_for(lambda: slots.used == 0)
    finally:
        r.close()


def test_a_run_that_fails_by_itself_gives_its_slot_back():
    slots = Slots(1)
    r = Supervised(Runner(SMALL.replace(d_optimizer="sgd", g_optimizer="sgd", d_lr=10.0, g_lr=10.0,
                                        loss="wgan-gp", gp_weight=0.0), publish_every_s=0.0), slots=slots)
    try:
        r.play()
        assert wait_for(lambda: r.latest().failed)
        assert wait_for(lambda: slots.used == 0)
    finally:
        r.close()


def test_slots_never_release_more_than_they_gave():
    slots = Slots(2)
    assert slots.acquire() and slots.acquire() and not slots.acquire()
    slots.release()
    assert slots.used == 1
    slots.release()
    with pytest.raises(ValueError, match="released too many times"):
        slots.release()


def test_watchers_end_with_their_run():
    r = Supervised(Runner(SMALL), slots=Slots(1))
    r.play()
    assert any(t.name == "gan-run-watch" for t in threading.enumerate())
    r.pause()
    r.close()
    assert wait_for(lambda: not [t for t in threading.enumerate() if t.name == "gan-run-watch"], timeout=5)
