"""Section 1: iterations/s of `Trainer.iterate()` against the hand-written loop, per size and thread count."""
from __future__ import annotations

from typing import Callable

import torch

from benchmarks.budget import Budget
from benchmarks.handloop import HandLoop
from benchmarks.report import Row, Section, rate_row, ratio_row
from benchmarks.timing import (in_thread, interleave, rate, ratios, summarise, thread_counts, threads_label,
                               torch_threads)
from gancore.config import TrainConfig
from gancore.trainer import Trainer

SIZES: dict[str, TrainConfig] = {
    "2x128 b256 k1": TrainConfig(),     # the app's default: ring8, 2 hidden layers of 128, batch 256, k = 1
    "1x8 b150 k2": TrainConfig(g_layers=1, g_width=8, d_layers=1, d_width=8, batch_size=150, d_steps=2),  # GAN Lab's size
}
LEAD_IN = 5            # untimed calls at the start of each window
SAME_WITHIN = 0.03     # thread counts whose speeds differ by less than this are called a tie


def measure(budget: Budget) -> Section:
    section = Section("1. Engine vs a hand-written PyTorch loop (iterations/s)")
    counts = thread_counts()
    section.notes.append(f"torch default threads: {torch.get_num_threads()}; 'engine' = Trainer.iterate(), "
                         "'hand' = benchmarks/handloop.py (default Adam, BCEWithLogitsLoss, .item() per step); "
                         "each window runs in a fresh thread, as a Runner trains.")
    for label, config in SIZES.items():
        trainer, hand = Trainer(config), HandLoop(config, seed=config.seed)
        cases: dict[str, Callable[[], float]] = {}
        for threads in counts:
            # The hand loop keeps PyTorch's default float mode (denormals kept), as a user's would;
            # the engine runs in the mode Trainer sets (denormals flushed). The flag is per thread.
            cases[f"engine@{threads}"] = _window(trainer.iterate, threads, True, budget.engine_window_s)
            cases[f"hand@{threads}"] = _window(hand.step, threads, False, budget.engine_window_s)
        for threads in counts:
            _window(trainer.iterate, threads, True, budget.warmup_s)()
            _window(hand.step, threads, False, budget.warmup_s)()
        got = interleave(cases, budget.engine_reps)
        for threads in counts:
            ratio = summarise(ratios(got[f"engine@{threads}"], got[f"hand@{threads}"]))
            section.rows.append(ratio_row(f"{label}: engine / hand, {threads_label(threads)}", ratio, 1.0))
        for name in cases:
            impl, threads = name.split("@")
            section.rows.append(rate_row(f"{label}: {impl}, {threads_label(int(threads))}", summarise(got[name])))
        if len(counts) == 2:
            section.rows.append(_thread_row(label, got, counts[0]))
            section.notes.append(_thread_verdict(label, section.rows[-1].value, counts[0]))
    return section


def _window(step: Callable[[], object], threads: int, flush_denormal: bool, seconds: float) -> Callable[[], float]:
    """One timed window, in a fresh thread as a Runner would train (see timing.in_thread)."""
    def work() -> float:
        torch.set_flush_denormal(flush_denormal)
        for _ in range(LEAD_IN):      # untimed: the thread's OpenMP pool is made on first use
            step()
        return rate(step, seconds)

    def measure() -> float:
        with torch_threads(threads):
            return in_thread(work)
    return measure


def _thread_row(label: str, got: dict[str, list[float]], default: int) -> Row:
    ratio = summarise(ratios(got["engine@1"], got[f"engine@{default}"]))
    return Row(f"{label}: engine 1 thread / {threads_label(default)}", ratio.median, "x", ratio.range_text("{:.2f}"))


def _thread_verdict(label: str, ratio: float, default: int) -> str:
    if abs(ratio - 1) < SAME_WITHIN:
        return f"{label}: 1 thread and {threads_label(default)} are within {SAME_WITHIN:.0%}: no clear winner."
    faster, factor = ("1 thread", ratio) if ratio > 1 else (threads_label(default), 1 / ratio)
    return f"{label}: faster with {faster} ({factor:.2f}x the other, median)."
