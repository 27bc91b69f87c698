"""Results as tables: each figure with its spread, its target and whether the target is met."""
from __future__ import annotations

import datetime
import json
import os
import platform
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from benchmarks.timing import Spread, cpu_share


@dataclass(frozen=True)
class Row:
    """One reported figure. `met` is None for figures that have no target."""

    figure: str
    value: float
    unit: str
    spread: str = ""        # the range over repetitions, e.g. "0.93..1.08 (n=7)"
    target: str = ""        # e.g. ">= 1.0x"
    met: bool | None = None


@dataclass
class Section:
    """A numbered part of the report: its rows, then free-form lines (notes, extra tables)."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    show_rows: bool = True      # False when the notes already show the rows as a better-shaped table


def ratio_row(figure: str, spread: Spread, minimum: float) -> Row:
    """A ratio with a lower-bound target, judged on its median."""
    return Row(figure, spread.median, "x", spread.range_text("{:.2f}"), f">= {minimum:g}x",
               spread.median >= minimum)


def rate_row(figure: str, spread: Spread, unit: str = "steps/s") -> Row:
    return Row(figure, spread.median, unit, spread.range_text("{:.0f}"))


def machine() -> dict[str, object]:
    """Date, CPU, cores, library versions and thread count: what a reader needs to compare runs."""
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "load_average_1min": round(os.getloadavg()[0], 2),   # others' work on a shared machine
        "cpu_share_of_one_core": round(cpu_share(), 2),        # 1.0 = an idle core was ours
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda_available": torch.cuda.is_available(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_header(info: dict[str, object], mode: str) -> None:
    print(f"GAN Playground benchmarks ({mode})")
    for key, value in info.items():
        print(f"  {key:<22} {value}")
    print("  Ratios are medians of interleaved A/B repetitions measured in this run; "
          "ranges are min..max over repetitions.")


def print_section(section: Section) -> None:
    print(f"\n== {section.title} ==")
    if section.rows and section.show_rows:
        cells = [(r.figure, _number(r.value, r.unit), r.spread, r.target, _verdict(r.met)) for r in section.rows]
        head = ("figure", "value", "range", "target", "verdict")
        widths = [max(len(c[i]) for c in cells + [head]) for i in range(len(head))]
        line = "  ".join("{:<%d}" % w for w in widths)
        print(line.format(*head))
        print(line.format(*("-" * w for w in widths)))
        for c in cells:
            print(line.format(*c).rstrip())
    for note in section.notes:
        print(note)


def _number(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.4g} {unit}".strip()


def _verdict(met: bool | None) -> str:
    return "" if met is None else ("MET" if met else "NOT MET")


def print_summary(sections: list[Section]) -> None:
    judged = [(s.title, r) for s in sections for r in s.rows if r.met is not None]
    met = sum(r.met for _, r in judged)
    print(f"\n== Targets: {met} of {len(judged)} met ==")
    for title, r in judged:
        print(f"  {_verdict(r.met):<8} {r.figure} ({_number(r.value, r.unit)}, target {r.target})")


def write_json(path: str, info: dict[str, object], sections: list[Section]) -> None:
    doc = {"machine": info, "sections": [asdict(s) for s in sections]}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
