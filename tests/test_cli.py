"""The command line: JSON answers, config echo, same seed same run, divergence, one-line errors."""
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gancore.cli import ProgressBar, main
from gancore.config import TEXT_FIELDS, TrainConfig
from gancore.snapshot import RunState
from gancore.trainer import Trainer
from gancore.views import Probe
from tests.support import one_torch_thread  # noqa: F401 (autouse fixture)

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--g-width", "32", "--d-width", "32", "--batch-size", "64"]
RESULT_KEYS = {"config", "steps", "diverged", "state", "steps_per_s", "seconds", "metrics"}
METRIC_KEYS = {"js", "kl", "w1", "modes", "n_modes", "hq", "d_real", "d_fake",
               "loss_d", "d_penalty", "loss_g", "g_grad_norm", "d_grad_norm"}



def run_json(capsys, *argv):
    """main([...]) in-process; returns (exit status, parsed stdout, stderr)."""
    status = main(list(argv) + ["--json"])
    out, err = capsys.readouterr()
    return status, json.loads(out), err


def train(capsys, *argv, steps=60):
    status, result, err = run_json(capsys, "train", *SMALL, "--steps", str(steps), *argv)
    assert status == 0 and err == ""          # stderr is not a terminal here: no progress bar
    return result


def test_train_json_has_the_documented_keys_and_echoes_the_flags(capsys):
    result = train(capsys, "--d-lr", "0.05", "--d-optimizer", "sgd", "--d-head-start", "10",
                   "--g-lr", "0", "--gp-weight", "auto", steps=40)
    assert set(result) == RESULT_KEYS and set(result["metrics"]) == METRIC_KEYS
    assert result["config"] == TrainConfig(g_width=32, d_width=32, batch_size=64, d_lr=0.05, d_optimizer="sgd",
                                           d_head_start=10, g_lr=0.0, gp_weight=None).to_dict()
    assert result["steps"] == 40 and result["state"] == "finished" and result["diverged"] is False
    assert result["steps_per_s"] > 0 and result["seconds"] > 0


def test_same_seed_twice_gives_identical_metrics_and_ring8_counts_modes(capsys):
    first, second = train(capsys, "--seed", "3"), train(capsys, "--seed", "3")
    assert first["metrics"] == second["metrics"]
    m = first["metrics"]
    assert m["n_modes"] == 8 and isinstance(m["modes"], int) and 0 <= m["modes"] <= 8
    assert 0 <= m["hq"] <= 1 and 0 <= m["js"] <= 0.6932
    assert all(m[k] is not None for k in METRIC_KEYS)


def test_reported_numbers_are_the_engines_own_after_training(capsys):
    # The same run driven directly: the CLI's periodic snapshots must not perturb training.
    result = train(capsys, "--loss", "lsgan", "--seed", "7", steps=130)
    trainer = Trainer(TrainConfig(g_width=32, d_width=32, batch_size=64, loss="lsgan", seed=7))
    for _ in range(130):
        trainer.iterate()
    expected = Probe(trainer).snapshot(RunState.PAUSED, 0.0).last()
    assert expected["modes"] == result["metrics"]["modes"]
    for name in ("js", "kl", "w1", "hq", "loss_d", "loss_g", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"):
        assert result["metrics"][name] == expected[name], name


def test_other_seed_gives_other_metrics(capsys):
    assert train(capsys, "--seed", "1")["metrics"] != train(capsys, "--seed", "2")["metrics"]


def test_non_mixture_target_has_no_mode_counts(capsys):
    m = train(capsys, "--target", "moons")["metrics"]
    assert m["modes"] is None and m["hq"] is None and m["n_modes"] is None and m["js"] is not None


def test_zero_steps_reports_the_untrained_networks(capsys):
    result = train(capsys, steps=0)
    assert result["steps"] == 0 and result["metrics"]["loss_d"] is None and result["metrics"]["js"] is not None


def test_diverging_run_is_reported_not_an_error(capsys):
    status, result, err = run_json(capsys, "train", *SMALL, "--steps", "500", "--d-optimizer", "sgd",
                                   "--g-optimizer", "sgd", "--d-lr", "10", "--g-lr", "10",
                                   "--loss", "wgan-gp", "--gp-weight", "0")
    assert status == 0 and err == ""
    assert result["diverged"] is True and result["state"].startswith("diverged at step")
    assert result["steps"] < 500 and f"step {result['steps']} " in result["state"]
    # metrics of the last good snapshot: finite numbers (NaN would have been null)
    assert result["metrics"]["js"] is not None and result["metrics"]["w1"] is not None


def test_compare_defaults_to_minimax_against_nonsaturating_from_one_seed(capsys):
    status, out, _ = run_json(capsys, "compare", *SMALL, "--steps", "30", "--seed", "5")
    assert status == 0 and set(out) == {"a", "b", "differs"} and out["differs"] == ["loss"]
    a, b = out["a"]["config"], out["b"]["config"]
    assert (a["loss"], b["loss"]) == ("minimax", "nonsaturating") and a["seed"] == b["seed"] == 5
    assert {**a, "loss": None} == {**b, "loss": None}


def test_compare_of_identical_settings_trains_identical_runs(capsys):
    # Same seed, same initial weights and data: the comparison isolates the changed field.
    status, out, _ = run_json(capsys, "compare", *SMALL, "--steps", "30", "--a", "d-lr=0.002", "--b", "d_lr=0.002")
    assert status == 0 and out["differs"] == [] and out["a"]["metrics"] == out["b"]["metrics"]
    assert out["a"]["config"]["d_lr"] == 0.002


def test_compare_sides_override_common_flags(capsys):
    status, out, _ = run_json(capsys, "compare", *SMALL, "--steps", "0", "--d-lr", "0.01",
                              "--b", "d_lr=0.003,d_steps=2")
    assert status == 0 and out["differs"] == ["d_lr", "d_steps"]
    assert (out["a"]["config"]["d_lr"], out["b"]["config"]["d_lr"]) == (0.01, 0.003)


def test_points_target_trains_on_a_csv_with_a_header(capsys, tmp_path):
    csv = tmp_path / "pts.csv"
    csv.write_text("x,y\n" + "\n".join(f"{i * 0.1},{-i * 0.2}" for i in range(10)) + "\n")
    result = train(capsys, "--target", "points", "--points-csv", str(csv))
    assert result["config"]["target"] == "points" and len(result["config"]["points"]) == 10
    assert result["config"]["points"][3] == [pytest.approx(0.3), pytest.approx(-0.6)]
    assert result["metrics"]["modes"] is None and result["metrics"]["js"] is not None


BAD = [
    (["train", "--d-lr", "-1"], "d_lr: -1.0 is outside the range 0 to 10"),
    (["train", "--d-lr", "abc"], "d_lr: 'abc' is not a number"),
    (["train", "--d-steps", "2.5"], "d_steps: '2.5' is not a whole number"),
    (["train", "--target", "nope"], "target: 'nope' is not one of ring8,"),
    (["train", "--loss", "nope"], "loss: 'nope' is not one of minimax, nonsaturating"),
    (["train", "--g-width", "100000"], "g_width: 100000 is outside the range 1 to 512"),
    (["train", "--bogus", "1"], "unrecognized arguments: --bogus 1"),
    (["train", "--steps", "-1"], "steps: -1 is outside the range 0 to 10000000"),
    (["train", "--steps", "1e3"], "steps: '1e3' is not a whole number"),
    (["train", "--target", "points"], "points: --target points needs --points-csv"),
    (["compare", "--a", "nope=1"], "nope: is not a setting; settings are target,"),
    (["compare", "--b", "loss"], "loss: 'loss' is not field=value"),
    (["compare", "--b", "loss=nope"], "loss: 'nope' is not one of"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["train", "--target", "points", "--points-csv", "{tmp}/missing.csv"], "points: cannot read"),
    (["train", "--target", "points", "--points-csv", "{two_rows}"], "two.csv: needs at least 3 points, found 2"),
    (["train", "--target", "points", "--points-csv", "{text}"], "text.csv: line 3: 'three' is not a number"),
    (["train", "--target", "points", "--points-csv", "{nan}"], "nan.csv: line 3: 'nan' is not a finite number"),
    (["train", "--target", "points", "--points-csv", "{three_cols}"], "cols.csv: line 1: needs two columns (x, y), found 3"),
    (["train", "--points-csv", "{good}"], "points: --points-csv is only used with --target points"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_arguments_exit_2_with_one_line_naming_the_field(capsys, tmp_path, argv, message):
    files = {"tmp": str(tmp_path), "two_rows": _file(tmp_path, "two.csv", "x,y\n1,2\n3,4\n"),
             "text": _file(tmp_path, "text.csv", "1,2\n3,4\nthree,5\n"),
             "nan": _file(tmp_path, "nan.csv", "1,2\n3,4\nnan,5\n"),
             "three_cols": _file(tmp_path, "cols.csv", "1,2,3\n3,4,5\n5,6,7\n"),
             "good": _file(tmp_path, "good.csv", "1,2\n3,4\n5,6\n")}
    status = main([a.format(**files) for a in argv])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_help_lists_a_flag_for_every_text_setting_with_its_choices(capsys):
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    for name in TEXT_FIELDS:
        assert "--" + name.replace("_", "-") in out, name
    assert "{minimax,nonsaturating,lsgan,hinge,wgan-gp}" in out and "--points-csv" in out


def test_without_json_a_readable_summary_and_a_side_by_side_table(capsys):
    assert main(["train", *SMALL, "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ring8, loss nonsaturating, seed 0\n") and "finished" in out and "n_modes" in out
    assert main(["compare", *SMALL, "--steps", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["a", "b"] and lines[1].split() == ["loss", "minimax", "nonsaturating"]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal_only():
    tty, pipe = FakeTerminal(), io.StringIO()
    for stream in (tty, pipe):
        bar = ProgressBar("a", 200, stream)
        bar.show(100)
        bar.close()
    assert tty.getvalue().startswith("\ra [" + "#" * 15 + "." * 15 + "] 100/200") and tty.getvalue().endswith("\n")
    assert pipe.getvalue() == ""


def test_module_entry_prints_exactly_one_json_object():
    proc = subprocess.run([sys.executable, "-m", "gancore", "train", *SMALL, "--steps", "20", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    result, end = json.JSONDecoder().raw_decode(proc.stdout)
    assert proc.stdout[end:].strip() == "" and result["steps"] == 20 and set(result) == RESULT_KEYS
