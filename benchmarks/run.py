"""The benchmark suite's entry point: `python -m benchmarks.run [--quick] [--json FILE]`.

Benchmarks are not tests: nothing here asserts on speed. Each figure is printed beside its target
with MET or NOT MET, and every comparison is a ratio measured within this one run.
"""
from __future__ import annotations

import argparse
import time
from typing import Callable

import torch

from benchmarks import breakdown, browser, compare, dirac, engine, live, load, memory, scaling, sweep, timeline
from benchmarks.budget import FULL, QUICK, Budget
from benchmarks.report import Section, machine, print_header, print_section, print_summary, write_json
from benchmarks.timing import cpu_share

Args = argparse.Namespace
SECTIONS: dict[str, Callable[[Budget, Args], Section]] = {
    "engine": lambda budget, args: engine.measure(budget),
    "live": lambda budget, args: live.measure(budget),
    "compare": lambda budget, args: compare.measure(budget),
    "scaling": lambda budget, args: scaling.measure(budget, args.device),
    "memory": lambda budget, args: memory.measure(
        budget.memory_s if args.memory_minutes is None else args.memory_minutes * 60),
    "browser": lambda budget, args: browser.measure(budget),
    "dirac": lambda budget, args: dirac.measure(budget),
    "timeline": lambda budget, args: timeline.measure(budget),
    "sweep": lambda budget, args: sweep.measure(budget),          # not in the default run: ~4 min
    "load": lambda budget, args: load.measure(budget),            # not in the default run: ~4 min
    "profile": lambda budget, args: breakdown.measure(budget),      # only with --profile or --only profile
}
DEFAULT = ("engine", "live", "compare", "scaling", "memory", "browser", "dirac", "timeline")


def parse(argv: list[str] | None) -> Args:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="shorter windows and fewer repetitions (~1 minute)")
    p.add_argument("--json", metavar="FILE", help="also write the results to FILE")
    p.add_argument("--only", metavar="NAMES", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    p.add_argument("--profile", action="store_true", help="add the per-iteration time breakdown")
    p.add_argument("--threads", type=int, help="torch intra-op threads for the run (default: torch's own)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="device of the scaling table")
    p.add_argument("--memory-minutes", type=float, help="play time of the memory section (e.g. 60 for the long run)")
    args = p.parse_args(argv)
    names = args.only.split(",") if args.only else list(DEFAULT) + (["profile"] if args.profile else [])
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        p.error(f"unknown section(s) {', '.join(unknown)}; valid: {', '.join(SECTIONS)}")
    args.names = names
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    budget = QUICK if args.quick else FULL
    info = machine()
    print_header(info, "quick" if args.quick else "full")
    sections, started = [], time.perf_counter()
    for name in args.names:
        t0 = time.perf_counter()
        section = SECTIONS[name](budget, args)
        section.notes.append(f"[{name}: {time.perf_counter() - t0:.0f} s]")
        print_section(section)
        sections.append(section)
    print()
    print_summary(sections)
    print(f"\nTotal {time.perf_counter() - started:.0f} s; CPU share of one core at the end: {cpu_share():.2f}")
    if args.json:
        write_json(args.json, info, sections)
        print(f"Results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
