"""Interleaved wall-clock measurement: rates over fixed windows, summarised by median and spread.

The machine is shared and noisy, so absolute times drift. Every comparison is therefore made
inside one run, with the cases taking turns (A, B, A, B, ...), and reported as the median of
per-repetition ratios: a slow spell hits both sides of a pair alike.
"""
from __future__ import annotations

import multiprocessing
import statistics
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence, TypeVar

import torch


T = TypeVar("T")


@dataclass(frozen=True)
class Spread:
    """The median of repeated measurements and their range."""

    median: float
    low: float
    high: float
    n: int

    def range_text(self, fmt: str = "{:.3g}") -> str:
        return f"{fmt.format(self.low)}..{fmt.format(self.high)} (n={self.n})"


def summarise(values: Sequence[float]) -> Spread:
    return Spread(statistics.median(values), min(values), max(values), len(values))


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Per-repetition ratios: each pair was measured back to back, so drift mostly cancels."""
    return [a / b for a, b in zip(numerators, denominators)]


def rate(step: Callable[[], object], seconds: float) -> float:
    """Calls per second of `step`, over a window of about `seconds` of wall time."""
    n, start = 0, time.perf_counter()
    end = start + seconds
    while True:
        step()
        n += 1
        now = time.perf_counter()
        if now >= end:
            return n / (now - start)


def in_thread(work: Callable[[], T]) -> T:
    """Run `work` in a fresh thread and return its result (or raise its error).

    The app never computes in the main thread: a Runner trains in a thread that lives while it
    plays. That matters here: libgomp (torch's OpenMP) spin-waits hard while a process holds no
    more OpenMP threads than cores, and a pool made in the main thread would live for the whole
    run and change every later figure. A fresh thread's pool is made and freed with it.
    """
    out: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(work())
        except BaseException as err:   # re-raised in the caller's thread
            errors.append(err)

    thread = threading.Thread(target=target, name="benchmark-work")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return out[0]


def interleave(cases: dict[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Measure every case once per repetition, taking turns; returns each case's figures in order."""
    out: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(reps):
        for name, measure in cases.items():
            out[name].append(measure())
    return out


def time_calls(calls: dict[str, Callable[[], object]], reps: int) -> dict[str, list[float]]:
    """Milliseconds per call of each callable, calls taking turns."""
    def timed(call: Callable[[], object]) -> Callable[[], float]:
        def once() -> float:
            start = time.perf_counter()
            call()
            return (time.perf_counter() - start) * 1e3
        return once
    return interleave({name: timed(call) for name, call in calls.items()}, reps)


def cpu_share(seconds: float = 0.3) -> float:
    """The fraction of one core this process gets right now: CPU time over wall time of a busy loop."""
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        pass
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def capacity(seconds: float = 0.5) -> tuple[float, float]:
    """Cores this machine gives us right now: (one busy process's share, two busy processes' total).

    On a shared machine other tenants' work decides what two runs at once can reach: if two busy
    processes together get no more than one does, compare mode cannot beat 0.5x per run.
    """
    ctx = multiprocessing.get_context("fork")    # the children only spin; they never touch torch
    shares = []
    for n in (1, 2):
        queue = ctx.Queue()
        procs = [ctx.Process(target=_spin, args=(queue, seconds)) for _ in range(n)]
        for p in procs:
            p.start()
        shares.append(sum(queue.get() for _ in procs))
        for p in procs:
            p.join()
    return shares[0], shares[1]


def _spin(queue: "multiprocessing.Queue[float]", seconds: float) -> None:
    queue.put(cpu_share(seconds))


def thread_counts() -> list[int]:
    """torch's current intra-op thread count, then 1 (once, if they are the same)."""
    return sorted({torch.get_num_threads(), 1}, reverse=True)


def threads_label(n: int) -> str:
    return f"{n} thread{'s' if n != 1 else ''}"


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run a block with n intra-op threads; threads started inside (runners) inherit the setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
