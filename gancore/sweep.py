"""Sweeps: every combination of a grid of settings times seeds, trained by a backend, summarised per cell.

A cell is one combination of the grid's values; its runs differ only in the seed (0..N-1). Each
metric is reported as mean, standard error (sample standard deviation / sqrt(n)) and n, as papers
give their tables (PacGAN: mean ± standard error over 10 trials).
"""
from __future__ import annotations

import itertools
import json
import math
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from gancore.cli import MAX_STEPS
from gancore.config import TEXT_FIELDS, ConfigError, TrainConfig, parse_field
from gancore.sweep_backends import BACKENDS, Result
from gancore.trainer import resolve_device

MAX_SEEDS = 10_000
Grid = Mapping[str, Sequence[Any]]        # field name -> the values it takes, in order
# Called once before anything trains (result None) and once per run as it finishes:
# (runs done, runs in the sweep, the finished run's result or None).
Progress = Callable[[int, int, "Result | None"], None]


# ---- arithmetic -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Stat:
    """One metric over a cell's runs; n counts the runs that have it, se is None below n = 2."""

    mean: float | None
    se: float | None
    n: int


def stat(values: Iterable[float | None]) -> Stat:
    """Mean and standard error (ddof=1) of the values that are not None."""
    xs = [float(v) for v in values if v is not None]
    if not xs:
        return Stat(None, None, 0)
    se = statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else None
    return Stat(statistics.fmean(xs), se, len(xs))


def summarise(results: Iterable[Result]) -> dict[str, Stat]:
    """Per metric of the runs' `metrics` (in their order), its Stat over the runs."""
    results = list(results)
    names = dict.fromkeys(name for r in results for name in r["metrics"])
    return {name: stat(r["metrics"].get(name) for r in results) for name in names}


# ---- the summary ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One combination of the grid's values and what its runs (one per seed) gave."""

    values: Mapping[str, Any]       # the varied fields only, e.g. {"loss": "minimax", "d_steps": 1}
    runs: int
    diverged: int
    metrics: Mapping[str, Stat]

    def to_dict(self) -> dict[str, Any]:
        return {"values": dict(self.values), "runs": self.runs, "diverged": self.diverged,
                "metrics": {name: asdict(s) for name, s in self.metrics.items()}}


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: its plan, how many runs trained now or came from `out`, and one Cell per combination."""

    base: Mapping[str, Any]         # the config as given, as a dict; each run replaces the grid's fields and the seed
    grid: Mapping[str, tuple]
    seeds: int
    steps: int
    trained: int                    # runs trained by this call
    resumed: int                    # runs found in `out` and not trained again
    cells: tuple[Cell, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready summary that `sweep --json` prints."""
        return {"base": dict(self.base), "grid": {k: list(v) for k, v in self.grid.items()},
                "seeds": self.seeds, "steps": self.steps, "trained": self.trained, "resumed": self.resumed,
                "cells": [c.to_dict() for c in self.cells]}


# ---- the plan -------------------------------------------------------------------------------
def check_grid(grid: Grid) -> dict[str, tuple]:
    """Each field's values typed and checked by name with parse_field; ConfigError names the first bad one.

    Values may be text ("5") or typed (5): both go through the same parser as a CLI flag, so a
    float field given 1 holds 1.0, as it would from the command line.
    """
    checked: dict[str, tuple] = {}
    for name, values in grid.items():
        if name == "seed":
            raise ConfigError("seed", "is swept by seeds (0..N-1), not by the grid")
        if name not in TEXT_FIELDS:
            raise ConfigError(name, f"is not a setting; settings are {', '.join(TEXT_FIELDS)}")
        typed = tuple(parse_field(name, str(v)) for v in values)
        if not typed:
            raise ConfigError(name, "needs at least one value")
        twice = [v for i, v in enumerate(typed) if v in typed[:i]]
        if twice:
            raise ConfigError(name, f"{twice[0]!r} is given twice")
        checked[name] = typed
    return checked


def expand(grid: Mapping[str, tuple]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the first field varying slowest; [{}] for no grid."""
    return [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())]


def plan(base: TrainConfig, grid: Mapping[str, tuple], seeds: int) -> list[tuple[dict[str, Any], TrainConfig]]:
    """(cell values, validated config) per run, cell by cell, seeds 0..N-1 within each cell."""
    return [(values, base.replace(**values, seed=seed).validate()) for values in expand(grid) for seed in range(seeds)]


def _check_counts(seeds: int, steps: int, workers: int | None, backend: str) -> None:
    for name, value, low, high in (("seeds", seeds, 1, MAX_SEEDS), ("steps", steps, 0, MAX_STEPS)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(name, f"{value!r} is not a whole number from {low} to {high}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError("workers", f"{workers!r} is not a whole number of at least 1")
    if backend not in BACKENDS:
        raise ConfigError("backend", f"{backend!r} is not one of {', '.join(BACKENDS)}")


def _check_place(runs: list[tuple[dict[str, Any], TrainConfig]], address: str | None, out: str | Path | None) -> None:
    """The devices asked for exist here, and the results file can be written: before a run starts, not after."""
    if address is None:        # a cluster's workers may have a device that this machine lacks
        for device in {config.device for _, config in runs}:
            try:
                resolve_device(device)
            except ValueError as err:
                raise ConfigError("device", str(err).removeprefix("device: ")) from None
    if out is not None and (Path(out).is_dir() or not Path(out).parent.is_dir()):
        raise ConfigError("out", f"{out} is a folder" if Path(out).is_dir() else f"no folder {Path(out).parent}")


# ---- results on disk ------------------------------------------------------------------------
def run_key(config: Mapping[str, Any]) -> tuple:
    """A run's identity: its whole config dict, hashable (1 and 1.0 are the same value, as in ==)."""
    return tuple(sorted((name, tuple(map(tuple, v)) if isinstance(v, list) else v) for name, v in config.items()))


def _covers(result: Result, steps: int) -> bool:
    # A run that diverged at step s reads the same for any longer budget: it would diverge there again.
    return result["steps"] == steps or (result["diverged"] and result["steps"] <= steps)


def read_results(path: str | Path) -> list[Result]:
    """The runs in a JSON-lines file; a line cut short by an interrupted write is skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    results = []
    for line in lines:
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return [r for r in results if isinstance(r, dict) and {"config", "steps", "diverged", "metrics"} <= r.keys()]


def _end_line(path: Path) -> None:
    """End a last line that an interrupted write cut short, so the next run's line starts on its own."""
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb+") as f:
            f.seek(-1, 2)
            if f.read(1) != b"\n":
                f.write(b"\n")


def _append(path: Path, result: Result) -> None:
    """One line per run, written whole as soon as the run is back, so a crash loses at most the runs in flight."""
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(result, allow_nan=False) + "\n")


# ---- the sweep ------------------------------------------------------------------------------
def sweep(base: TrainConfig, grid: Grid, seeds: int, steps: int, backend: str = "local", workers: int | None = None,
          address: str | None = None, out: str | Path | None = None, progress: Progress | None = None) -> SweepResult:
    """Train every cell of `grid` (over `base`) with seeds 0..seeds-1 for `steps` iterations each.

    Everything is validated before anything trains (ConfigError names the field). With `out`, each
    finished run is appended as one JSON line, and runs already there (same config, same steps) are
    not trained again, so an interrupted sweep resumes where it stopped.
    """
    _check_counts(seeds, steps, workers, backend)
    typed = check_grid(grid)
    runs = plan(base, typed, seeds)
    _check_place(runs, address, out)
    index = {run_key(config.to_dict()): i for i, (_, config) in enumerate(runs)}
    results: dict[int, Result] = {}
    for found in read_results(out) if out is not None else []:
        i = index.get(run_key(found["config"]))
        if i is not None and i not in results and _covers(found, steps):
            results[i] = found
    resumed = len(results)
    if progress:
        progress(resumed, len(runs), None)
    todo = [(config, steps) for i, (_, config) in enumerate(runs) if i not in results]
    if todo:
        if out is not None:
            _end_line(Path(out))
        for result in BACKENDS[backend](todo, workers, address):
            results[index[run_key(result["config"])]] = result
            if out is not None:
                _append(Path(out), result)
            if progress:
                progress(len(results), len(runs), result)
    return SweepResult(MappingProxyType(base.to_dict()), MappingProxyType(typed), seeds, steps,
                       len(runs) - resumed, resumed, _cells(runs, results, seeds))


def _cells(runs: list[tuple[dict[str, Any], TrainConfig]], results: dict[int, Result], seeds: int) -> tuple[Cell, ...]:
    cells = []
    for start in range(0, len(runs), seeds):      # plan() lays runs out cell by cell
        mine = [results[i] for i in range(start, start + seeds)]
        cells.append(Cell(MappingProxyType(runs[start][0]), len(mine), sum(bool(r["diverged"]) for r in mine),
                          MappingProxyType(summarise(mine))))
    return tuple(cells)
