"""Sweeps: mean ± se on hand numbers, grid checks by name, resume from the results file, local and Ray backends, the CLI."""
import io
import json
import math
import os
import sys
import time
from pathlib import Path

import pytest
import torch

from gancore import cli
from gancore.config import ConfigError, TrainConfig
from gancore.sweep import Stat, check_grid, expand, read_results, run_key, stat, summarise, sweep
from gancore.sweep_backends import BACKENDS, RAY_INSTALL, train_one
from gancore.sweep_cli import SweepBar
from tests.support import one_torch_thread  # noqa: F401 (autouse fixture)

TINY = TrainConfig(g_width=16, d_width=16, batch_size=64)
TINY_FLAGS = ["--g-width", "16", "--d-width", "16", "--batch-size", "64"]
STEPS = 30



@pytest.fixture
def with_sweep_command(monkeypatch):
    monkeypatch.setitem(cli.EXTRA_COMMANDS, "sweep", "gancore.sweep_cli")


@pytest.fixture
def inline_backend(monkeypatch):
    """A backend that trains in this process and records what it was asked for: the engine's logic, cheaply."""
    asked = []

    def inline(tasks, workers, address):
        asked.extend(config.seed for config, _ in tasks)
        for config, steps in tasks:
            yield train_one(config, steps)
    monkeypatch.setitem(BACKENDS, "local", inline)
    return asked


@pytest.fixture
def no_training(monkeypatch):
    def refuse(tasks, workers, address):
        raise AssertionError("a run started although the arguments were bad")
    for name in list(BACKENDS):
        monkeypatch.setitem(BACKENDS, name, refuse)


def descendants() -> set[int]:
    """Live (non-zombie) processes below this one, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat_line = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat_line.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def wait_until_gone(pids: set[int], timeout: float = 20.0) -> set[int]:
    end = time.monotonic() + timeout
    while (left := pids & descendants()) and time.monotonic() < end:
        time.sleep(0.2)
    return left


# ---- arithmetic on known numbers ------------------------------------------------------------
def test_stat_is_mean_and_sample_sd_over_root_n():
    s = stat([1, 2, 3, 4])
    # sd (ddof=1) = sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3) = sqrt(5/3); se = sd / 2
    assert s.n == 4 and s.mean == 2.5 and s.se == pytest.approx(math.sqrt(5 / 3) / 2)
    assert stat([10.0, 10.0, 10.0]) == Stat(10.0, 0.0, 3)


def test_stat_skips_none_and_gives_no_se_below_two_values():
    assert stat([None, 2, 4, None]) == Stat(3.0, 1.0, 2)    # sd of (2, 4) = sqrt(2), / sqrt(2) = 1
    assert stat([7, None]) == Stat(7.0, None, 1)
    assert stat([None, None]) == Stat(None, None, 0)


def test_summarise_gives_each_metric_its_own_n():
    runs = [{"metrics": {"modes": 8, "js": 0.10}}, {"metrics": {"modes": 6, "js": None}},
            {"metrics": {"modes": 7, "js": 0.30}}]
    got = summarise(runs)
    assert list(got) == ["modes", "js"]
    assert got["modes"] == Stat(7.0, pytest.approx(1 / math.sqrt(3)), 3)     # sd 1, n 3
    assert got["js"].n == 2 and got["js"].mean == pytest.approx(0.2) and got["js"].se == pytest.approx(0.1)


# ---- the grid -------------------------------------------------------------------------------
def test_expand_makes_every_combination_first_field_slowest():
    assert expand({"loss": ("minimax", "nonsaturating"), "d_steps": (1, 5)}) == [
        {"loss": "minimax", "d_steps": 1}, {"loss": "minimax", "d_steps": 5},
        {"loss": "nonsaturating", "d_steps": 1}, {"loss": "nonsaturating", "d_steps": 5}]
    assert expand({}) == [{}]


def test_check_grid_types_text_and_typed_values_as_the_cli_does():
    got = check_grid({"d_steps": ["1", 5], "r1_weight": [1], "gp_weight": ["auto", "2"], "loss": ["hinge"]})
    assert got == {"d_steps": (1, 5), "r1_weight": (1.0,), "gp_weight": (None, 2.0), "loss": ("hinge",)}
    assert type(got["r1_weight"][0]) is float and type(got["d_steps"][1]) is int


@pytest.mark.parametrize("grid, field, words", [
    ({"los": ["minimax"]}, "los", "is not a setting"),
    ({"points": ["1"]}, "points", "is not a setting"),
    ({"loss": ["minimax", "sigmoid"]}, "loss", "'sigmoid' is not one of"),
    ({"d_steps": ["1.5"]}, "d_steps", "not a whole number"),
    ({"d_lr": [-1]}, "d_lr", "outside the range"),
    ({"d_steps": [1, 1]}, "d_steps", "given twice"),
    ({"g_width": []}, "g_width", "at least one value"),
    ({"seed": [0, 1]}, "seed", "swept by seeds"),
])
def test_check_grid_names_the_bad_field(grid, field, words):
    with pytest.raises(ConfigError) as err:
        check_grid(grid)
    assert err.value.field == field and words in str(err.value)


@pytest.mark.parametrize("kwargs, field", [
    ({"seeds": 0}, "seeds"), ({"steps": -1}, "steps"), ({"workers": 0}, "workers"),
    ({"backend": "slurm"}, "backend"), ({"grid": {"d_steps": [99]}}, "d_steps"),
    ({"out": "/no/such/folder/runs.jsonl"}, "out"), ({"out": "/"}, "out"),
])
def test_sweep_checks_everything_before_anything_trains(no_training, kwargs, field):
    args = {"base": TINY, "grid": {"loss": ["minimax"]}, "seeds": 2, "steps": 5, **kwargs}
    with pytest.raises(ConfigError) as err:
        sweep(**args)
    assert err.value.field == field


def test_run_key_treats_equal_values_as_the_same_run():
    assert run_key({"r1_weight": 1, "points": [[0.0, 1.0]]}) == run_key({"points": [[0, 1]], "r1_weight": 1.0})
    assert run_key({"seed": 0}) != run_key({"seed": 1})


# ---- the engine, with an in-process backend --------------------------------------------------
def test_a_results_file_is_reused_only_for_the_same_steps(tmp_path, inline_backend):
    out = tmp_path / "runs.jsonl"
    sweep(TINY, {}, seeds=2, steps=10, out=out)
    assert inline_backend == [0, 1]
    again = sweep(TINY, {}, seeds=3, steps=10, out=out)          # seeds 0 and 1 are already there
    assert inline_backend == [0, 1, 2] and (again.trained, again.resumed) == (1, 2)
    longer = sweep(TINY, {}, seeds=2, steps=12, out=out)         # a longer run is a different run
    assert inline_backend == [0, 1, 2, 0, 1] and longer.resumed == 0
    assert len(read_results(out)) == 5


def test_a_line_cut_short_is_skipped_and_the_next_run_starts_a_new_line(tmp_path, inline_backend):
    out = tmp_path / "runs.jsonl"
    sweep(TINY, {}, seeds=2, steps=10, out=out)
    lines = out.read_text().splitlines()
    out.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])     # the last write was interrupted
    result = sweep(TINY, {}, seeds=2, steps=10, out=out)
    assert (result.trained, result.resumed) == (1, 1) and inline_backend == [0, 1, 1]
    assert [r["config"]["seed"] for r in read_results(out)] == [0, 1]


def test_the_ray_backend_without_ray_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)        # import ray now raises ImportError
    with pytest.raises(ConfigError) as err:
        sweep(TINY, {}, seeds=1, steps=5, backend="ray")
    assert err.value.field == "backend" and RAY_INSTALL in str(err.value)


# ---- the local backend, end to end ----------------------------------------------------------
def test_local_sweep_gives_the_single_runs_and_resumes_only_what_is_missing(tmp_path):
    out, grid = tmp_path / "runs.jsonl", {"loss": ["minimax", "nonsaturating"]}
    first = sweep(TINY, grid, seeds=2, steps=STEPS, workers=2, out=out)
    runs = read_results(out)
    assert len(runs) == 4 and (first.trained, first.resumed) == (4, 0)
    # A run in a worker process is the run `train --json` gives here: same config, same metrics.
    alone = cli.run(TINY.replace(loss="nonsaturating", seed=1), STEPS)
    (same,) = [r for r in runs if r["config"] == alone["config"]]
    assert same["metrics"] == alone["metrics"] and same["steps"] == STEPS
    cell = first.to_dict()["cells"][1]
    mine = [r for r in runs if r["config"]["loss"] == "nonsaturating"]
    assert cell["values"] == {"loss": "nonsaturating"} and cell["runs"] == 2
    assert cell["metrics"]["w1"] == {"mean": pytest.approx((mine[0]["metrics"]["w1"] + mine[1]["metrics"]["w1"]) / 2),
                                     "se": pytest.approx(abs(mine[0]["metrics"]["w1"] - mine[1]["metrics"]["w1"]) / 2),
                                     "n": 2}
    # Drop one finished run: the second sweep trains exactly that one and gives the same summary.
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    calls = []
    second = sweep(TINY, grid, seeds=2, steps=STEPS, workers=2, out=out,
                   progress=lambda done, total, result: calls.append((done, total, result)))
    assert [(d, t) for d, t, _ in calls] == [(3, 4), (4, 4)] and calls[0][2] is None
    assert calls[1][2]["config"] == json.loads(lines[1])["config"]
    assert (second.trained, second.resumed) == (1, 3) and len(out.read_text().splitlines()) == 4
    assert second.cells == first.cells


def test_local_workers_never_run_the_parents_main_script(tmp_path, monkeypatch):
    """Under Streamlit the parent's __main__ is the app, under pytest whatever AppTest left there:
    a spawned worker that re-ran it died before training (BrokenProcessPool, seen in CI)."""
    script = tmp_path / "app.py"
    script.write_text("raise SystemExit('the parent main script ran in a sweep worker')\n")
    main = type(sys)("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    summary = sweep(TINY, {"loss": ["minimax"]}, seeds=1, steps=5, workers=1)
    assert summary.trained == 1 and sys.modules["__main__"] is main


# ---- the Ray backend, end to end on a local Ray ----------------------------------------------
@pytest.mark.timeout(240)
def test_ray_sweep_gives_the_single_runs_and_leaves_nothing_running():
    import ray
    before = descendants()
    result = sweep(TINY, {"d_steps": [1, 2]}, seeds=1, steps=STEPS, backend="ray", workers=2)
    try:
        assert not ray.is_initialized()            # the sweep started its Ray and shut it down
        assert wait_until_gone(descendants() - before) == set()
    finally:
        ray.shutdown()
    for cell in result.cells:
        alone = cli.run(TINY.replace(**cell.values, seed=0), STEPS)
        assert {name: s.mean for name, s in cell.metrics.items()} == alone["metrics"]
        assert cell.runs == 1 and all(s.se is None for s in cell.metrics.values())


# ---- the command line -----------------------------------------------------------------------
def test_cli_sweep_prints_the_summary_as_json_then_as_a_table_from_the_results_file(tmp_path, capsys,
                                                                                    with_sweep_command):
    out = tmp_path / "runs.jsonl"
    argv = ["sweep", "--grid", "loss=minimax,nonsaturating", "--grid", "d-steps=1", "--seeds", "2",
            "--steps", str(STEPS), "--workers", "2", "--out", str(out), *TINY_FLAGS]
    assert cli.main(argv + ["--json"]) == 0
    printed, err = capsys.readouterr()
    summary = json.loads(printed)
    assert err == ""                                  # stderr is not a terminal: no bar
    assert [c["values"] for c in summary["cells"]] == [{"loss": "minimax", "d_steps": 1},
                                                       {"loss": "nonsaturating", "d_steps": 1}]
    assert summary["trained"] == 4 and summary["grid"] == {"loss": ["minimax", "nonsaturating"], "d_steps": [1]}
    assert summary["base"] == TINY.to_dict()
    runs = read_results(out)
    assert len(runs) == 4 and {r["config"]["g_width"] for r in runs} == {16}
    modes = summary["cells"][0]["metrics"]["modes"]
    assert set(modes) == {"mean", "se", "n"} and modes["n"] == 2
    # The same command again finds every run in the file: nothing trains, the table shows the same numbers.
    assert cli.main(argv) == 0
    table = capsys.readouterr().out
    assert "0 runs trained, 4 from the results file" in table
    w1 = summary["cells"][1]["metrics"]["w1"]
    assert f"{w1['mean']:.4g} ± {w1['se']:.2g}" in table
    assert "loss=minimax, d_steps=1" in table and len(out.read_text().splitlines()) == 4


@pytest.mark.parametrize("args, words", [
    (["--grid", "los=minimax"], "los: is not a setting"),
    (["--grid", "loss=minimax,sigmoid"], "loss: 'sigmoid' is not one of"),
    (["--grid", "d-steps"], "is not field=value"),
    (["--grid", "loss=minimax", "--grid", "loss=hinge"], "loss: is given to --grid twice"),
    (["--grid", "loss=minimax", "--loss", "hinge"], "loss: is set both by --grid and by its own flag"),
    (["--seed", "3"], "use --seeds N"),
    (["--seeds", "ten"], "seeds: 'ten' is not a whole number"),
    (["--workers", "0"], "workers: 0 is not a whole number of at least 1"),
    (["--steps", "-5"], "steps:"),
    (["--backend", "slurm"], "invalid choice"),
    (["--address", "10.0.0.1:6379"], "address: is only used with --backend ray"),
    (["--d-lr", "-1"], "d_lr:"),
])
def test_cli_sweep_bad_arguments_exit_2_with_one_line_before_anything_trains(capsys, with_sweep_command,
                                                                            no_training, args, words):
    assert cli.main(["sweep", "--steps", "5", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and words in captured.err


def test_the_bar_draws_only_on_a_terminal_and_counts_resumed_runs():
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    shown = Terminal()
    bar = SweepBar("runs.jsonl", shown)
    bar.show(3, 8, None)
    bar.show(4, 8, {"config": {}})
    bar.close()
    assert "4/8 runs (3 from runs.jsonl)" in shown.getvalue() and shown.getvalue().endswith("\n")
    quiet = io.StringIO()
    bar = SweepBar(None, quiet)
    bar.show(0, 8, None)
    bar.close()
    assert quiet.getvalue() == ""


# ---- a GPU, where there is one --------------------------------------------------------------
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_a_run_trains_on_cuda_when_asked():
    result = cli.run(TINY.replace(device="cuda"), 20)
    assert result["config"]["device"] == "cuda" and result["steps"] == 20 and result["state"] == "finished"
    assert result["metrics"]["w1"] is not None and math.isfinite(result["metrics"]["w1"])
