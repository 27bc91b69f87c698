"""Where a sweep's runs train: a registry of backends that turn (config, steps) tasks into run results."""
from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import sys
import types
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

import torch

from gancore.cli import run
from gancore.config import ConfigError, TrainConfig
from gancore.trainer import TORCH_THREADS

Task = tuple[TrainConfig, int]      # a validated config and the steps to train it for
Result = dict[str, Any]             # what gancore.cli.run reports (the object `train --json` prints)
# tasks, workers (None: the backend's default), address (Ray only) -> results in the order they finish
Backend = Callable[[Sequence[Task], "int | None", "str | None"], Iterator[Result]]

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = str(PACKAGE_DIR.parent)
RAY_INSTALL = "pip install -r requirements-ray.txt"


class _NotATerminal:
    """A worker's stderr: written through, but never a terminal.

    Spawned workers inherit the sweep's terminal, and cli.run draws its own bar when stderr is
    one: N workers would scribble over the sweep's bar. Warnings and tracebacks still get through.
    """

    def __init__(self, stream: TextIO):
        self._stream = stream

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def train_one(config: TrainConfig, steps: int) -> Result:
    """One run in whichever worker a backend put it on; the same object `train --json` prints."""
    # Each worker trains one run at a time on one core: more intra-op threads only oversubscribe.
    torch.set_num_threads(TORCH_THREADS)
    return run(config, steps, label=f"seed {config.seed}")


def _local_worker_started() -> None:
    sys.stderr = _NotATerminal(sys.stderr)


@contextlib.contextmanager
def _no_parent_main() -> Iterator[None]:
    """While workers spawn, hide the parent's __main__ from multiprocessing.

    A spawned worker re-runs the parent's main script before it takes any work. Under Streamlit
    that script is the app (it fails outside a session), under pytest it can be whatever AppTest
    left as __main__; the workers need only gancore, which they import by name.
    """
    parent = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = parent


# ---- local: a pool of worker processes ------------------------------------------------------
def run_local(tasks: Sequence[Task], workers: int | None, address: str | None) -> Iterator[Result]:
    """A process pool on this machine, one worker per core by default; workers are reused across runs."""
    if address is not None:
        raise ConfigError("address", "is only used with --backend ray")
    size = min(workers or os.cpu_count() or 1, len(tasks))
    # spawn, not fork: a forked child would inherit torch's thread pools (and any Runner threads)
    # of the parent mid-state. Spawned workers start once (~1 s each) and then take run after run.
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_local_worker_started)
    # At most one run per worker is handed over at a time: the pool's own queue would keep a run
    # or two more per worker that cancelling cannot reach, and Ctrl-C would wait for them to train.
    waiting, running = collections.deque(tasks), set()
    try:
        while waiting or running:
            with _no_parent_main():             # a submit may start a worker process
                while waiting and len(running) < size:
                    running.add(pool.submit(train_one, *waiting.popleft()))
            done, running = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        # Reached on completion, on an error and when the caller stops early (Ctrl-C): the runs
        # in flight finish or abort (a terminal's Ctrl-C reaches the workers too), then they exit.
        pool.shutdown(wait=True, cancel_futures=True)


# ---- ray: one task per run -------------------------------------------------------------------
def run_ray(tasks: Sequence[Task], workers: int | None, address: str | None) -> Iterator[Result]:
    """One Ray task per run: on a local Ray started (and stopped) here, or on the cluster at `address`."""
    try:
        import ray
    except ImportError:
        raise ConfigError("backend", f"ray is not installed; {RAY_INSTALL}") from None
    # A Ray this process already joined (the app's, a notebook's) is used as it is, and left running.
    started = not ray.is_initialized()
    if started:
        start_ray(ray, workers, address)
    # Ray places each task on a free CPU; `workers` also caps how many of ours run at once on a
    # cluster, so a sweep can share one.
    cap = workers or len(tasks)
    remote = ray.remote(num_cpus=1)(train_one)
    waiting, running = collections.deque(tasks), []
    try:
        while waiting or running:
            while waiting and len(running) < cap:
                running.append(remote.remote(*waiting.popleft()))
            done, running = ray.wait(running, num_returns=1)
            yield ray.get(done[0])
    finally:
        for ref in running:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()


def start_ray(ray: Any, workers: int | None, address: str | None) -> None:
    """Join the cluster at `address`, or start a local Ray of `workers` CPUs, set up to import gancore."""
    if address is None:
        # A local Ray for this sweep only: "local", since with no address ray.init would join any
        # cluster that RAY_ADDRESS or a `ray start` on this machine points to. Its workers are fresh
        # Pythons started elsewhere than our working directory, so they find gancore through PYTHONPATH.
        path = os.pathsep.join(filter(None, (REPO_ROOT, os.environ.get("PYTHONPATH"))))
        ray.init(address="local", num_cpus=workers or os.cpu_count(), include_dashboard=False,
                 logging_level=logging.WARNING, runtime_env={"env_vars": {"PYTHONPATH": path}})
        return
    try:
        # A cluster may not share our disk: Ray uploads the gancore package to it once.
        ray.init(address=address, logging_level=logging.WARNING, runtime_env={"py_modules": [str(PACKAGE_DIR)]})
    except ConnectionError as err:
        raise ConfigError("address", f"no Ray cluster answers at {address} ({err})") from None


BACKENDS: dict[str, Backend] = {"local": run_local, "ray": run_ray}
