"""The command line: trains one run, or two runs that differ in a few settings, without a UI."""
from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import time
from pathlib import Path
from typing import Any, NoReturn, TextIO

from gancore import animation
from gancore.config import TEXT_FIELDS, ConfigError, TrainConfig, parse_field, spec_of
from gancore.points import PointsError, read_points_file
from gancore.snapshot import RunState, Snapshot
from gancore.timeline import Timeline, paired
from gancore.trainer import Diverged, Trainer, resolve_device
from gancore.views import Probe

MAX_STEPS = 10_000_000
# Steps between "last good" snapshots: a diverged run reports the metrics of the latest one.
# One snapshot costs about as much as 3-5 iterations, so this keeps the probe under ~5% of a run.
PROBE_EVERY = 100
# Frames an --animate run records, whatever its length (every 10 steps of a 3,000-step run): 15 s at
# 20 frames/s. A frame costs about two iterations of the default nets: up to ~20% more time.
ANIMATION_FRAMES = 300
DEFAULT_SIDES = {"a": "loss=minimax", "b": "loss=nonsaturating"}
# Commands that live in modules of their own: name -> module with add_command(commands, parser_class).
EXTRA_COMMANDS: dict[str, str] = {"dirac": "gancore.dirac_cli", "sweep": "gancore.sweep_cli"}

Configs = dict[str, TrainConfig]       # a label ("train", "a", "b") -> a validated config
Results = dict[str, dict[str, Any]]    # the same labels -> what each run reports


class UsageError(Exception):
    """A malformed command line (unknown flag, missing value); shown as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would print the usage block and exit; main() prints one line and returns 2.
        raise UsageError(message)


# ---- arguments ------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m gancore", allow_abbrev=False,
                     description="Train GANs on 2D data without the UI.")
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="{" + ",".join(("train", "compare", *EXTRA_COMMANDS)) + "}")
    train = commands.add_parser("train", allow_abbrev=False, help="train one run and report its metrics")
    train.set_defaults(plan=lambda args: _configs(args, {"train": {}}), render=_render_train)
    compare = commands.add_parser("compare", allow_abbrev=False,
                                  help="train two runs from the same seed that differ in a few settings")
    compare.set_defaults(plan=_plan_compare, render=_render_compare)
    for side, default in DEFAULT_SIDES.items():
        compare.add_argument(f"--{side}", metavar="FIELD=VALUE,...",
                             help=f"settings of run {side} (default when neither --a nor --b: {default})")
    for sub in (train, compare):
        _add_common_flags(sub)
    for name, module in EXTRA_COMMANDS.items():
        # Each adds its parser with set_defaults(main=fn): fn(args) -> exit status, UsageError or
        # ConfigError for bad arguments (printed as one line, status 2).
        importlib.import_module(module).add_command(commands, _Parser)
    return parser


def _add_common_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", default="2000", help=f"iterations to train, 0 to {MAX_STEPS:,} (default 2000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    parser.add_argument("--points-csv", metavar="FILE", help="x,y rows (a header line is allowed) for --target points")
    parser.add_argument("--animate", metavar="FILE", type=animation_path,
                        help=f"also write the run as an animation ({' or '.join(animation.ENCODERS)}, by the "
                             "file's extension); compare puts the two runs side by side")
    settings = parser.add_argument_group("settings")
    defaults = TrainConfig().to_dict()
    for name in TEXT_FIELDS:
        spec = spec_of(name)
        metavar = "{" + ",".join(spec.choices) + "}" if spec.choices else None
        allowed = f"one of {', '.join(spec.choices)}" if spec.choices else f"{spec.low:g} to {spec.high:g}"
        text = f"{spec.help} Allowed: {allowed}{', or auto' if spec.optional else ''}; default {defaults[name]}."
        # Values stay text here: parse_field turns them into numbers so the engine words the errors.
        settings.add_argument("--" + name.replace("_", "-"), dest=name, metavar=metavar,
                              help=text.replace("%", "%%"))


def parse_steps(text: str) -> int:
    """--steps as a whole number of iterations within 0..MAX_STEPS."""
    try:
        steps = int(text)
    except ValueError:
        raise ConfigError("steps", f"{text!r} is not a whole number") from None
    if not 0 <= steps <= MAX_STEPS:
        raise ConfigError("steps", f"{steps} is outside the range 0 to {MAX_STEPS}")
    return steps


def animation_path(text: str) -> Path:
    """--animate's file: a known extension, its encoder installed, an existing folder (checked
    before any training, so a long run never ends in an error about its file)."""
    path = Path(text)
    try:
        animation.check_available(animation.format_of(path))
    except (ValueError, ImportError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the folder {path.parent} does not exist")
    return path


def parse_pairs(text: str) -> dict[str, Any]:
    """'loss=minimax,d-lr=0.01' -> {"loss": "minimax", "d_lr": 0.01}, each value checked by the engine."""
    values: dict[str, Any] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep:
            raise ConfigError(name, f"{pair!r} is not field=value")
        if name not in TEXT_FIELDS:
            raise ConfigError(name, f"is not a setting; settings are {', '.join(TEXT_FIELDS)}")
        values[name] = parse_field(name, value)
    return values


def read_points(path: str) -> tuple[tuple[float, float], ...]:
    """The points of --points-csv, as gancore.points reads them; a bad file is a 'points' error."""
    try:
        return read_points_file(path)
    except PointsError as err:
        raise ConfigError("points", str(err)) from None


def _configs(args: argparse.Namespace, sides: dict[str, dict[str, Any]]) -> Configs:
    """One validated config per side: the common flags, then the side's own settings."""
    common = {n: parse_field(n, getattr(args, n)) for n in TEXT_FIELDS if getattr(args, n) is not None}
    points = read_points(args.points_csv) if args.points_csv else ()
    configs = {}
    for label, own in sides.items():
        config = TrainConfig(**{**common, **own})
        if config.target == "points" and not points:
            raise ConfigError("points", "--target points needs --points-csv FILE")
        configs[label] = config.replace(points=points if config.target == "points" else ()).validate()
        try:
            resolve_device(config.device)
        except ValueError as err:
            raise UsageError(str(err)) from None
    if points and all(c.target != "points" for c in configs.values()):
        raise ConfigError("points", "--points-csv is only used with --target points")
    return configs


def _plan_compare(args: argparse.Namespace) -> Configs:
    given = {side: getattr(args, side) for side in DEFAULT_SIDES}
    texts = DEFAULT_SIDES if all(t is None for t in given.values()) else {s: t or "" for s, t in given.items()}
    return _configs(args, {side: parse_pairs(text) for side, text in texts.items()})


# ---- training -------------------------------------------------------------------------------
class ProgressBar:
    """A one-line bar redrawn in place; it draws nothing unless its stream is a terminal."""

    WIDTH = 30

    def __init__(self, label: str, total: int, stream: TextIO | None = None):
        self.label, self.total = label, total
        self.stream = stream or sys.stderr
        self.on = total > 0 and self.stream.isatty()
        self.start = time.perf_counter()

    def show(self, step: int) -> None:
        if not self.on:
            return
        filled = self.WIDTH * step // self.total
        rate = step / max(time.perf_counter() - self.start, 1e-9)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                          f"{step}/{self.total}  {rate:.0f} steps/s")
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self.stream.write("\n")


def train_all(configs: Configs, steps: int, animate: Path | None = None) -> Results:
    """Train each run in turn; with `animate`, record their frames and write them as one animation."""
    timelines = {label: Timeline() if animate else None for label in configs}
    results = {label: run(config, steps, label, timelines[label]) for label, config in configs.items()}
    if animate:
        write_animation(configs, timelines, animate)
    return results


def run(config: TrainConfig, steps: int, label: str = "train", timeline: Timeline | None = None) -> dict[str, Any]:
    """Train for `steps` iterations or until divergence; report the last good snapshot's metrics.

    With a timeline, a frame is also recorded every steps / ANIMATION_FRAMES steps. Frames do not
    touch the training: the run and its metrics are the same as without.
    """
    trainer = Trainer(config)
    probe = Probe(trainer)
    good = probe.snapshot(RunState.RUNNING, 0.0)
    every = max(1, math.ceil(steps / ANIMATION_FRAMES))
    if timeline is not None:
        timeline.record(good)
    outcome, bar, start = (RunState.PAUSED, "finished"), ProgressBar(label, steps), time.perf_counter()
    try:
        good_at = 1
        while trainer.step < steps:
            # Good frames after 1, 2, 4, ... then every PROBE_EVERY steps: an early blow-up still has
            # a recent one. Animation frames every `every` steps, evenly spaced (a good one if due).
            stop = min(good_at, steps)
            if timeline is not None:
                stop = min(stop, trainer.step - trainer.step % every + every)
            while trainer.step < stop:
                trainer.iterate()
            trainer.check_weights()
            if trainer.step in (good_at, steps):
                good = probe.snapshot(RunState.RUNNING, 0.0)
                good_at = trainer.step + min(PROBE_EVERY, trainer.step)
            if timeline is not None and (trainer.step % every == 0 or trainer.step == steps):
                timeline.record(good if good.step == trainer.step else
                                probe.snapshot(RunState.RUNNING, 0.0, with_metrics=False))
            bar.show(trainer.step)
    except Diverged as err:
        outcome = (RunState.DIVERGED, f"at step {err.step} ({err.what})")
    finally:
        bar.close()
    seconds = time.perf_counter() - start      # the training loop, periodic snapshots included
    return report(good.with_state(*outcome), trainer.step, seconds)


def write_animation(configs: Configs, timelines: dict[str, Timeline], path: Path) -> None:
    """One run's frames, or two runs' side by side, each labelled with the settings it differs in."""
    if len(timelines) == 1:
        (timeline,) = timelines.values()
        written = animation.export_animation(timeline.replay(), path)
    else:
        a, b = timelines.values()
        settings = [c.to_dict() for c in configs.values()]
        labels = [": ".join([side, ", ".join(f"{n}={mine[n]}" for n in mine if mine[n] != other[n])]).rstrip(": ")
                  for side, mine, other in zip(configs, settings, settings[::-1])]
        written = animation.export_animation(paired(a, b), path, labels=labels)
    print(f"animation: {path} ({len(written)} frames)", file=sys.stderr)


def report(snap: Snapshot, steps: int, seconds: float) -> dict[str, Any]:
    """The JSON-ready description of a run: plain numbers, NaN as None."""
    metrics = {name: None if v is None or not math.isfinite(v) else v for name, v in snap.last().items()}
    if metrics.get("modes") is not None:
        metrics["modes"] = int(metrics["modes"])    # a count of modes
    metrics["n_modes"] = None if snap.centers is None else len(snap.centers)
    return {"config": snap.config.to_dict(), "steps": steps, "diverged": snap.diverged,
            "state": snap.status if snap.failed else snap.detail or snap.state.text,
            "steps_per_s": round(steps / seconds, 2) if seconds > 0 else 0.0, "seconds": round(seconds, 3),
            "metrics": metrics}


# ---- output ---------------------------------------------------------------------------------
def _render_train(results: Results, as_json: bool) -> str:
    (result,) = results.values()
    if as_json:
        return json.dumps(result, indent=2, allow_nan=False)
    c = result["config"]
    rows = [(key, [_cell(v)]) for key, v in _rows(result)]
    return f"{c['target']}, loss {c['loss']}, seed {c['seed']}\n" + _table(rows, [])


def _render_compare(results: Results, as_json: bool) -> str:
    a, b = results["a"]["config"], results["b"]["config"]
    differs = [name for name in a if a[name] != b[name]]
    if as_json:
        return json.dumps({**results, "differs": differs}, indent=2, allow_nan=False)
    sides = [dict(_rows(r)) for r in results.values()]
    rows = [(name, [_cell(r["config"][name]) for r in results.values()]) for name in differs]
    rows += [(key, [_cell(side[key]) for side in sides]) for key in sides[0]]
    return _table(rows, list(results))


def _rows(result: dict[str, Any]) -> list[tuple[str, Any]]:
    head = {key: result[key] for key in ("state", "steps", "steps_per_s", "seconds")}
    return list(head.items()) + list(result["metrics"].items())


def _cell(v: Any) -> str:
    return "-" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)


def _table(rows: list[tuple[str, list[str]]], headers: list[str]) -> str:
    lines = [("", headers), *rows] if any(headers) else rows
    key_w = max(len(k) for k, _ in lines)
    cell_w = max(len(c) for _, cells in lines for c in cells)
    return "\n".join((f"{k:<{key_w}}  " + "  ".join(f"{c:<{cell_w}}" for c in cells)).rstrip()
                     for k, cells in lines)


# ---- entry point ----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Run the command line; 0 when the runs trained (diverged ones too), 2 for a bad argument."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if hasattr(args, "main"):
            return args.main(args)
        steps = parse_steps(args.steps)
        configs: Configs = args.plan(args)      # every side validated before any training starts
    except (UsageError, ConfigError) as err:
        print(f"error: {err}".replace("\n", " "), file=sys.stderr)
        return 2
    except SystemExit as done:                  # --help
        return int(done.code or 0)
    try:
        results = train_all(configs, steps, args.animate)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(args.render(results, args.json))
    return 0
