"""The `dirac` subcommand: simulate one Dirac-GAN run and say whether its equilibrium attracts it."""
from __future__ import annotations

import argparse
import json
import math
from typing import Any

from gancore.dirac import DIRAC_FIELDS, DiracConfig, DiracResult, format_eigenvalues, parse_field, simulate


def add_command(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add `dirac` to the CLI's subcommands, one flag per DiracConfig field.

    argparse builds subcommand parsers with their parent's class, so `dirac` already gets
    `parser_class` (whose error() raises UsageError): nothing here needs to name it.
    """
    sub = commands.add_parser("dirac", allow_abbrev=False, help="simulate the Dirac-GAN and judge its equilibrium",
                              description="Simulate the Dirac-GAN (Mescheder et al. 2018): p_data = δ(0), "
                                          "G = δ(θ), D(x) = ψ·x, and judge (0, 0) by the update's eigenvalues.")
    sub.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    defaults = DiracConfig().to_dict()
    for name, f in DIRAC_FIELDS.items():
        spec = f.metadata["spec"]
        allowed = f"one of {', '.join(spec.choices)}" if spec.choices else f"{spec.low:g} to {spec.high:g}"
        # Values stay text here: parse_field makes them numbers, so the engine words the errors.
        sub.add_argument("--" + name.replace("_", "-"), dest=name,
                         metavar="{" + ",".join(spec.choices) + "}" if spec.choices else None,
                         help=f"{spec.help} Allowed: {allowed}; default {defaults[name]}.".replace("%", "%%"))
    sub.set_defaults(main=run_dirac)


def run_dirac(args: argparse.Namespace) -> int:
    """Build the config from the given flags (the rest keep their defaults), simulate, print; 0."""
    given = {name: parse_field(name, getattr(args, name)) for name in DIRAC_FIELDS if getattr(args, name) is not None}
    result = simulate(DiracConfig(**given).validate())
    print(json.dumps(report(result), indent=2, allow_nan=False) if args.json else summary(result))
    return 0


def report(result: DiracResult) -> dict[str, Any]:
    """The JSON-ready description of a run; a value that overflowed is None."""
    theta, psi = (float(v) for v in result.trajectory[-1])
    return {
        "config": result.config.to_dict(),
        "theta": _finite(theta), "psi": _finite(psi), "distance": _finite(float(result.distance[-1])),
        "eigenvalues": [{"re": float(z.real), "im": float(z.imag)} for z in result.eigenvalues],
        "spectral_radius": result.spectral_radius,
        "verdict": result.verdict.value, "detail": result.detail,
    }


def summary(result: DiracResult) -> str:
    c = result.config
    theta, psi = result.trajectory[-1]
    k = f" (k = {c.d_steps})" if c.update == "alternating" else ""
    return "\n".join([
        f"Dirac-GAN: {c.loss} loss, {c.update} updates{k}, h = {c.h:g}, "
        f"{c.steps} steps from (θ, ψ) = ({c.theta0:g}, {c.psi0:g})",
        f"end          θ = {theta:.4g}, ψ = {psi:.4g}, distance to (0, 0) {result.distance[-1]:.4g}",
        f"eigenvalues  {format_eigenvalues(result.eigenvalues)} (spectral radius {result.spectral_radius:.6g})",
        f"verdict      {result.verdict.value}: {result.verdict.text}",
        f"why          {result.detail}",
    ])


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None
