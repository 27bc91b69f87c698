"""`python -m gancore dirac`: flags from DiracConfig's fields, the JSON answer, one-line errors."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import gancore.cli
from gancore.dirac import DIRAC_FIELDS, DiracConfig

KEYS = {"config", "theta", "psi", "distance", "eigenvalues", "spectral_radius", "verdict", "detail"}


def test_the_command_is_registered_and_runs_as_its_own_process():
    assert gancore.cli.EXTRA_COMMANDS["dirac"] == "gancore.dirac_cli"
    done = subprocess.run([sys.executable, "-m", "gancore", "dirac", "--steps", "50", "--json"],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == KEYS


def run(capsys, *argv):
    """main(["dirac", ...]) in-process: (exit status, stdout, stderr)."""
    status = gancore.cli.main(["dirac", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys, *argv):
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0 and err == ""
    return json.loads(out)


def test_json_has_the_documented_keys_and_echoes_every_flag(capsys):
    argv = ["--loss", "minimax", "--update", "alternating", "--d-steps", "2", "--h", "0.1", "--steps", "50",
            "--theta0", "0.5", "--psi0", "-1", "--r1-weight", "0.3", "--gp-weight", "0", "--noise-std", "0.2"]
    result = run_json(capsys, *argv)
    assert set(result) == KEYS
    assert result["config"] == DiracConfig(loss="minimax", d_steps=2, h=0.1, steps=50, theta0=0.5, psi0=-1.0,
                                           r1_weight=0.3, noise_std=0.2).to_dict()
    assert len(result["eigenvalues"]) == 2 and set(result["eigenvalues"][0]) == {"re", "im"}
    assert result["distance"] == pytest.approx(math.hypot(result["theta"], result["psi"]))


def test_defaults_cycle_and_the_eigenvalues_are_the_closed_form(capsys):
    # alternating, h = 0.2, f'(0) = 1/2: eigenvalues 1 − (ha)²/2 ± i·√(1 − (1 − (ha)²/2)²) on the unit circle
    result = run_json(capsys)
    assert result["config"] == DiracConfig().to_dict() and result["verdict"] == "cycles"
    re = 1 - 0.1 ** 2 / 2
    im = math.sqrt(1 - re * re)
    got = sorted((complex(z["re"], z["im"]) for z in result["eigenvalues"]), key=lambda z: z.imag)
    assert got == pytest.approx([complex(re, -im), complex(re, im)], abs=1e-12)
    assert result["spectral_radius"] == pytest.approx(1.0)


@pytest.mark.parametrize("argv, verdict", [
    (["--update", "simultaneous"], "diverges"),
    (["--r1-weight", "1"], "converges"),
    (["--loss", "wgan-gp", "--gp-weight", "1"], "diverges"),
])
def test_verdicts_of_the_papers_cases(capsys, argv, verdict):
    result = run_json(capsys, *argv)
    assert result["verdict"] == verdict
    if verdict == "converges":
        assert result["distance"] < 1e-2


def test_an_overflowing_run_reports_null_not_nan(capsys):
    result = run_json(capsys, "--loss", "wgan-gp", "--gp-weight", "10", "--steps", "2000")
    assert result["theta"] is None and result["distance"] is None and result["verdict"] == "diverges"


def test_summary_says_the_verdict_in_words(capsys):
    status, out, err = run(capsys, "--r1-weight", "1")
    assert status == 0 and err == ""
    assert "converges to the equilibrium" in out and "spectral radius 0.927016" in out and "0.927, 0.863" in out


def test_every_config_field_has_a_flag(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for name in DIRAC_FIELDS:
        assert "--" + name.replace("_", "-") in out
    assert "--json" in out


@pytest.mark.parametrize("argv, words", [
    (["--h", "0"], "h: 0.0 is outside the range 0.001 to 2"),
    (["--steps", "many"], "steps: 'many' is not a whole number"),
    (["--loss", "hinge"], "loss: 'hinge' is not one of minimax, nonsaturating, wgan, wgan-gp"),
    (["--update", "simultaneous", "--d-steps", "3"], "d_steps: 3: simultaneous updates take exactly 1"),
    (["--loss", "wgan-gp"], "gp_weight: wgan-gp needs a penalty weight above 0"),
    (["--seed", "1"], "unrecognized arguments: --seed 1"),
    (["--h"], "argument --h: expected one argument"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, argv, words):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and words in err
