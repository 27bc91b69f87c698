"""Measured effects of suggested engine changes: `python -m benchmarks.proposals [--quick]`.

Each suggestion is prototyped in benchmarks/prototypes.py (or set from outside, for OpenMP) and
measured against gancore as it is, interleaved in one run like every other figure here.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path

import torch

from benchmarks.budget import FULL, QUICK, Budget
from benchmarks.engine import SIZES
from benchmarks.prototypes import DirectClearTrainer
from benchmarks.report import Row, Section, machine, print_header, print_section
from benchmarks.timing import in_thread, interleave, rate, ratios, summarise, torch_threads
from gancore.config import TrainConfig
from gancore.trainer import Trainer

ROOT = Path(__file__).resolve().parent.parent
PAIR_CHILD = """
import sys, torch
from gancore import Trainer, TrainConfig
from benchmarks.timing import rate
torch.set_num_threads(1)
torch.set_flush_denormal(True)
t = Trainer(TrainConfig())
rate(t.iterate, 0.5)
print("ready", flush=True)
sys.stdin.readline()               # start together with the other process
print(rate(t.iterate, {seconds}), flush=True)
"""
CHILD = """
import torch
from gancore import Trainer, TrainConfig
from benchmarks.timing import in_thread, rate
torch.set_num_threads({threads})
t = Trainer(TrainConfig())
print(in_thread(lambda: (rate(t.iterate, 0.5), rate(t.iterate, {seconds}))[1]))
"""


def omp_wait_policy(budget: Budget, section: Section) -> None:
    """Trainer iterations/s in fresh processes: 2 threads as shipped, 2 with passive OpenMP waits, 1 thread."""
    cases = {"2 threads": (2, {}), "2 threads, OMP_WAIT_POLICY=PASSIVE": (2, {"OMP_WAIT_POLICY": "PASSIVE"}),
             "1 thread": (1, {})}
    got = interleave({name: (lambda n=n, env=env: _child_rate(n, env, budget.engine_window_s * 1.5))
                      for name, (n, env) in cases.items()}, max(3, budget.engine_reps // 2))
    for name in cases:
        s = summarise(got[name])
        section.rows.append(Row(f"fresh process, {name}", s.median, "steps/s", s.range_text("{:.0f}")))
    s = summarise(ratios(got["2 threads, OMP_WAIT_POLICY=PASSIVE"], got["2 threads"]))
    section.rows.append(Row("2 threads: PASSIVE / as shipped", s.median, "x", s.range_text("{:.2f}")))


def direct_clear(budget: Budget, section: Section) -> None:
    """Iterations/s with gradients cleared directly vs through Optimizer.zero_grad, 1 thread."""
    with torch_threads(1):
        for label, config in SIZES.items():
            stock, lean = Trainer(config), DirectClearTrainer(config)
            cases = {name: (lambda t=t: in_thread(lambda: rate(t.iterate, budget.engine_window_s)))
                     for name, t in (("stock", stock), ("lean", lean))}
            for measure in cases.values():
                measure()                      # warm-up
            got = interleave(cases, budget.engine_reps)
            s = summarise(ratios(got["lean"], got["stock"]))
            section.rows.append(Row(f"{label}, 1 thread: DirectClearTrainer / Trainer", s.median, "x",
                                    s.range_text("{:.2f}")))


def threads_or_processes(budget: Budget, section: Section) -> None:
    """Two Trainers at once (1 torch thread each) in two threads of one process vs in two processes."""
    w = budget.engine_window_s * 1.5
    with torch_threads(1):
        a, b = Trainer(TrainConfig()), Trainer(TrainConfig())
        got = interleave({
            "threads alone": lambda: _in_threads([a], w)[0],
            "threads together": lambda: sum(_in_threads([a, b], w)) / 2,
            "processes alone": lambda: _in_processes(1, w)[0],
            "processes together": lambda: sum(_in_processes(2, w)) / 2,
        }, max(3, budget.engine_reps // 2))
    for kind in ("threads", "processes"):
        s = summarise(ratios(got[f"{kind} together"], got[f"{kind} alone"]))
        section.rows.append(Row(f"two runs in two {kind}: per-run steps/s together / alone", s.median, "x",
                                s.range_text("{:.2f}"), ">= 0.75x", s.median >= 0.75))


def _in_threads(trainers: list[Trainer], seconds: float) -> list[float]:
    out = [0.0] * len(trainers)

    def work(i: int) -> None:
        torch.set_flush_denormal(True)
        out[i] = rate(trainers[i].iterate, seconds)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(trainers))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def _in_processes(n: int, seconds: float) -> list[float]:
    procs = [subprocess.Popen([sys.executable, "-c", PAIR_CHILD.format(seconds=seconds)], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(n)]
    for p in procs:
        p.stdout.readline()           # "ready": imported, built and warmed up
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    rates = [float(p.stdout.readline()) for p in procs]
    for p in procs:
        p.wait()
    return rates


def _child_rate(threads: int, env: dict[str, str], seconds: float) -> float:
    # OpenMP reads its environment once, when torch loads it: each case needs its own process.
    out = subprocess.run([sys.executable, "-c", CHILD.format(threads=threads, seconds=seconds)], cwd=ROOT,
                         env={**os.environ, **env}, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.proposals", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    budget = QUICK if p.parse_args(argv).quick else FULL
    print_header(machine(), "proposals, quick" if budget is QUICK else "proposals")
    # The lean probe proposed here earlier is now gancore's own Probe (views.py).
    for title, measure in (("C. OpenMP threads and wait policy (Trainer.iterate in a fresh thread)", omp_wait_policy),
                           ("D. Clearing gradients directly (iterations/s)", direct_clear),
                           ("E. Compare mode: two runs in threads vs in processes (Trainer.iterate, 1 thread)",
                            threads_or_processes)):
        section = Section(title)
        measure(budget, section)
        print_section(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
