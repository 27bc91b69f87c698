"""The `sweep` subcommand: a grid of settings times seeds from the command line, summarised as mean ± se."""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

from gancore import cli
from gancore.config import ConfigError
from gancore.sweep import MAX_SEEDS, Result, Stat, SweepResult, sweep
from gancore.sweep_backends import BACKENDS


def add_command(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add `sweep` to the CLI's subcommands.

    `commands` makes its parsers as `parser_class` already (argparse subparsers take their parent's
    class), so a bad flag raises UsageError and is shown as one line with status 2, as for `train`.
    """
    p = commands.add_parser("sweep", allow_abbrev=False,
                            help="train every combination of a grid of settings times seeds; mean ± se per cell")
    p.set_defaults(main=run_sweep)
    p.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2,...",
                   help="a setting and the values it takes (repeat for more settings: every combination runs)")
    p.add_argument("--seeds", default="10", help=f"runs per combination, seeds 0..N-1, 1 to {MAX_SEEDS} (default 10)")
    p.add_argument("--backend", default="local", choices=tuple(BACKENDS),
                   help="local: a process pool on this machine; ray: one Ray task per run (default local)")
    p.add_argument("--address", help="with --backend ray: the address of a running Ray cluster (default: a local Ray)")
    p.add_argument("--workers", help="runs at once (default: every core; on a Ray cluster, no cap)")
    p.add_argument("--out", metavar="FILE.jsonl",
                   help="append each finished run as a JSON line; runs already there are not trained again")
    # --steps, --json, --points-csv and one flag per setting: the same flags as `train`.
    cli._add_common_flags(p)


def parse_grid(texts: list[str]) -> dict[str, list[str]]:
    """['loss=minimax,nonsaturating', 'd-steps=1,5'] -> {"loss": [...], "d_steps": ["1", "5"]}.

    The values stay text: sweep.check_grid parses and checks them by name, for the CLI and the API alike.
    """
    grid: dict[str, list[str]] = {}
    for text in texts:
        name, sep, values = text.partition("=")
        name = name.strip().replace("-", "_")
        if not sep:
            raise ConfigError(name or "grid", f"{text!r} is not field=value,value,...")
        if name in grid:
            raise ConfigError(name, "is given to --grid twice")
        grid[name] = values.split(",")
    return grid


def _count(name: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise ConfigError(name, f"{text!r} is not a whole number") from None


def run_sweep(args: argparse.Namespace) -> int:
    """Validate everything, train what is missing, print the summary; 130 if interrupted."""
    grid = parse_grid(args.grid)
    fixed = [name for name in grid if getattr(args, name, None) is not None]
    if fixed:
        raise ConfigError(fixed[0], "is set both by --grid and by its own flag")
    if args.seed is not None:
        raise ConfigError("seed", "a sweep runs seeds 0..N-1: use --seeds N")
    if args.address is not None and args.backend != "ray":
        raise ConfigError("address", "is only used with --backend ray")
    base = cli._configs(args, {"sweep": {}})["sweep"]      # the common flags, checked as `train` checks them
    bar = SweepBar(args.out)
    try:
        result = sweep(base, grid, _count("seeds", args.seeds), cli.parse_steps(args.steps), args.backend,
                       _count("workers", args.workers), args.address, args.out, bar.show)
    except KeyboardInterrupt:
        bar.close()
        saved = f"; finished runs are in {args.out}, run the same command to resume" if args.out else ""
        print(f"interrupted{saved}", file=sys.stderr)
        return 130
    bar.close()
    print(json.dumps(result.to_dict(), indent=2, allow_nan=False) if args.json else render(result))
    return 0


# ---- output ---------------------------------------------------------------------------------
def render(result: SweepResult) -> str:
    """One column per cell, one row per metric: mean ± se, and (n=k) where fewer runs had it."""
    cells = result.cells
    head = [("", [", ".join(f"{k}={v}" for k, v in c.values.items()) or "all" for c in cells])]
    counts = [("runs", [str(c.runs) for c in cells]), ("diverged", [str(c.diverged) for c in cells])]
    names = dict.fromkeys(name for c in cells for name in c.metrics)
    rows = [(name, [_stat(c.metrics.get(name), c.runs) for c in cells]) for name in names]
    title = (f"{result.seeds} seeds x {result.steps} steps per cell; mean ± standard error "
             f"({result.trained} runs trained, {result.resumed} from the results file)")
    return title + "\n" + _table(head + counts + rows)


def _table(rows: list[tuple[str, list[str]]]) -> str:
    # Each column as wide as its own longest cell: cells differ a lot ("0 ± 0" beside "1.106 ± 0.014").
    key_w = max(len(key) for key, _ in rows)
    widths = [max(len(cells[i]) for _, cells in rows) for i in range(len(rows[0][1]))]
    return "\n".join((f"{key:<{key_w}}  " + "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths))).rstrip()
                     for key, cells in rows)


def _stat(s: Stat | None, runs: int) -> str:
    if s is None or s.mean is None:
        return "-"
    text = f"{s.mean:.4g}" if s.se is None else f"{s.mean:.4g} ± {s.se:.2g}"
    return text if s.n == runs else f"{text} (n={s.n})"


class SweepBar:
    """Runs done out of the sweep's, redrawn in place on stderr; nothing unless stderr is a terminal."""

    WIDTH = 30

    def __init__(self, out: str | None, stream: TextIO | None = None):
        self.out, self.stream = out, stream or sys.stderr
        self.on = self.stream.isatty()
        self.start, self.first = time.perf_counter(), 0

    def show(self, done: int, total: int, result: Result | None) -> None:
        if result is None:          # before anything trains: what the results file already had
            self.first = done
        if not self.on or total == 0:
            return
        trained, left = done - self.first, total - done
        elapsed = time.perf_counter() - self.start
        eta = f"  ~{elapsed / trained * left:.0f} s left" if trained and left else ""
        resumed = f" ({self.first} from {self.out})" if self.first else ""
        filled = self.WIDTH * done // total
        self.stream.write(f"\rsweep [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} runs{resumed}{eta}  ")
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self.stream.write("\n")
