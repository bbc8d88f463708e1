"""`econhubs hubs`: invert the model on the real 382-metro economy, solve the equilibrium at the
recovered fundamentals and report the real metros' CNR shares, wages and the fit.

``--synthetic`` solves the synthetic economy instead (synthetic λ̂, A, H on the real geography).

The run is a list of steps (:data:`STEPS`): each takes the :class:`Run` context and returns
named tables, written as ``<name>.csv``; ``--planner`` adds the constrained planner, its taxes, hub
statistics and Figures 1-2 (``<out>/planner``). Everything goes into a temporary folder that replaces
``--out`` only when every step succeeded (:func:`econhubs.core.atomic_output_dir`): a failed run
leaves no partial output set. Exit status 1 if the inversion, an equilibrium or the planner fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import ConvergenceError, atomic_output_dir, atomic_write_text
from ._default import default_economy, real_economy
from ._equilibrium import solve_equilibrium


@dataclass
class Run:
    """What every step sees: the arguments, the economy, the equilibrium, and timings/summary."""

    args: argparse.Namespace
    out: Path | None = None  # where steps write files: a temporary folder swapped in whole at the end
    economy: object = None
    equilibrium: object = None
    summary: dict = field(default_factory=dict)


def step_economy(run: Run) -> dict[str, pd.DataFrame]:
    """Build the economy: the real one (inversion on the shipped data) or the synthetic one."""
    a = run.args
    t0 = time.perf_counter()
    if a.synthetic:
        run.economy = default_economy(a.cities, seed=a.seed, externalities=not a.no_externalities)
        run.summary.update(economy="synthetic", seed=a.seed, synthetic_fundamentals=True)
    else:
        run.economy = real_economy(a.cities, externalities=not a.no_externalities)
        inv = run.economy.inversion
        run.summary.update(economy="real", synthetic_fundamentals=False, wage_scale_dollars=inv.wage_scale,
                           zero_employment_cells=inv.n_zero_cells, gravity_residual=float(inv.gravity_residual),
                           employment="CONSTRUCTED by IPF from CBP 2019 and OEWS 2025 margins")
    run.summary["economy_seconds"] = time.perf_counter() - t0
    return {}


def step_equilibrium(run: Run) -> dict[str, pd.DataFrame]:
    """Solve the equilibrium at the (recovered or synthetic) fundamentals from a cold start."""
    ec = run.economy
    t0 = time.perf_counter()
    run.equilibrium = solve_equilibrium(ec.params, ec.fundamentals, ec.trade)
    eq = run.equilibrium
    run.summary.update(iterations=int(eq.iterations), residual=float(eq.residual),
                       equilibrium_seconds_incl_compile=time.perf_counter() - t0)
    return {}


def step_cities(run: Run) -> dict[str, pd.DataFrame]:
    """Per-metro table: workers, CNR share, wages (dollars for the real economy), and the fit."""
    ec, eq = run.economy, run.equilibrium
    L, w = np.asarray(eq.L), np.asarray(eq.w)
    real = not run.args.synthetic
    scale = ec.inversion.wage_scale if real else 1.0
    t = pd.DataFrame({"metro": ec.cities, "workers": L.sum(1) * (1e6 if real else 1.0),
                      "CNR share": L[:, 0] / L.sum(1),
                      "CNR wage": w[:, 0] * scale, "non-CNR wage": w[:, 1] * scale})
    if real:
        from ..estimation import inversion_fit

        inv = ec.inversion
        d = np.asarray(inv.L)
        t["CNR share (data)"] = d[:, 0] / d.sum(1)
        t["max rel. error w, L"] = np.maximum(np.abs(w / np.asarray(inv.w) - 1).max(1), np.abs(L / d - 1).max(1))
        run.summary["fit_max_relative_error"] = inversion_fit(inv, eq)
    return {"cities": t.sort_values("workers", ascending=False)}


def step_planner(run: Run) -> dict[str, pd.DataFrame]:
    """``--planner``: the constrained planner, its Proposition-1 taxes, hub statistics and Figures 1-2
    (:func:`econhubs.spatial.run_planner_pipeline`), written into ``<out>/planner``."""
    if not run.args.planner:
        return {}
    from ._planner_pipeline import run_planner_pipeline

    ec, t0, out = run.economy, time.perf_counter(), run.args.out
    # kept beside the output folder (not in the temporary one): a failed or interrupted run resumes from it
    checkpoint = out.absolute().parent / f".{out.name}.planner_checkpoint.npz"
    r = run_planner_pipeline(ec.params, ec.fundamentals, ec.trade, ec.data.metros, ec.groups, run.out / "planner",
                             occupations=ec.occupations, baseline=run.equilibrium, print_every=10,
                             checkpoint=checkpoint, shown_as=out / "planner")
    checkpoint.unlink(missing_ok=True)
    res, tx = r["planner"], r["taxes"]
    run.summary.update(planner_g=res.g, planner_grad_norm=res.grad_norm, planner_converged=res.converged,
                       planner_equilibrium_solves=res.evaluations, taxes_max_rel_diff_L=tx.max_rel_diff_L,
                       planner_seconds_incl_compile=time.perf_counter() - t0)
    if not tx.converged:  # the planner itself raises ConvergenceError when it fails
        raise ConvergenceError("decentralised equilibrium under the Proposition-1 taxes", tx.residual, 0, 1e-11,
                               f"tables in {run.args.out / 'planner'} are not a valid result")
    return {}


def step_table1(run: Run) -> dict[str, pd.DataFrame]:
    """Table 1 of RSS (2021) on this economy (``econhubs.estimation``; ``--no-table1`` skips it)."""
    from ..estimation import hubs_table1_step

    return hubs_table1_step(run)


#: The pipeline; append a step (``Run -> {name: DataFrame}``) to add Table 1 or the planner.
STEPS: list[Callable[[Run], dict[str, pd.DataFrame]]] = [step_economy, step_equilibrium, step_cities, step_table1,
                                                          step_planner]


def _print(run: Run, tables: dict[str, pd.DataFrame], top: int) -> None:
    s = run.summary
    eq = run.equilibrium
    N, K = eq.L.shape
    print(f"econhubs hubs: sectoral-hubs equilibrium (Rossi-Hansberg, Sarte & Schwartzman 2021), "
          f"{s['economy']} economy")
    print(f"  N={N} metros x J={eq.P.shape[1]} industries x K={K} occupations")
    if s["economy"] == "real":
        print("  data: OEWS May 2025 wages, CBP 2019 x OEWS employment (metro x occupation x industry CONSTRUCTED by "
              f"IPF); {s['zero_employment_cells']} zero-employment cells floored; fundamentals recovered by inversion")
    else:
        print(f"  SYNTHETIC fundamentals (seed {s['seed']}) on the real metros")
    print(f"  Newton-GMRES: {s['iterations']} iterations, max relative residual {s['residual']:.2e}, "
          f"{s['equilibrium_seconds_incl_compile']:.1f} s incl. compile (timings: benchmarks/)")
    if "fit_max_relative_error" in s:
        f = s["fit_max_relative_error"]
        print(f"  fit to data (max relative error): wages {f['w']:.2e}, employment by occupation {f['L']:.2e}, "
              f"by occupation x industry {f['Lkj_positive']:.2e}")
    print(f"\n  Largest {top} metros in equilibrium:")
    print(tables["cities"].head(top).to_string(index=False, float_format=lambda v: f"{v:10.4g}"))
    if "table1" in s:
        t, c = s["table1"], s["table1"]["instrument_counterfactual"]
        print(f"\n  Table 1 (RSS 2021 externalities; 2SLS, model-implied instruments; {t['seconds']:.1f} s; instrument "
              f"counterfactual: {c['method']}, {c['newton_steps']} Newton steps, residual {c['residual']:.1e}):")
        print(t["markdown"])
    if "table1_skipped" in s:
        print(f"\n  Table 1 skipped: {s['table1_skipped']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="econhubs hubs", description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", action="store_true", help="synthetic fundamentals instead of the real data")
    ap.add_argument("--cities", type=int, default=None, help="only the N most populous metros (default: all 382)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the SYNTHETIC fundamentals (--synthetic)")
    ap.add_argument("--no-externalities", action="store_true", help="set every tau to zero")
    ap.add_argument("--planner", action="store_true",
                    help="also solve the constrained planner, its taxes, hub statistics and Figures 1-2 (minutes on "
                         "a CPU at full size; written into <out>/planner)")
    ap.add_argument("--no-table1", action="store_true", help="skip the Table 1 step (externality estimation)")
    ap.add_argument("--top", type=int, default=10, help="rows in the largest-cities table")
    ap.add_argument("--out", type=Path, default=Path("econhubs_output/hubs"), help="folder for the CSV/JSON results")
    args = ap.parse_args(argv)
    run, tables = Run(args), {}
    try:  # one output set: nothing appears at --out unless every step succeeded
        with atomic_output_dir(args.out, command="econhubs hubs") as run.out:
            for step in STEPS:
                tables.update(step(run))
            _print(run, tables, args.top)
            for name, t in tables.items():
                atomic_write_text(run.out / f"{name}.csv", t.to_csv(index=False))
            if "table1" in run.summary:
                atomic_write_text(run.out / "table1.md", run.summary["table1"]["markdown"])
                atomic_write_text(run.out / "table1.tex", run.summary["table1"]["latex"])
            atomic_write_text(run.out / "summary.json", json.dumps(run.summary, indent=2, default=float))
    except (ConvergenceError, ValueError) as e:
        print(f"econhubs hubs: failed: {e}; nothing written to {args.out}", file=sys.stderr)
        return 1
    print(f"\n  wrote {', '.join(str(args.out / f'{n}.csv') for n in tables)} and {args.out / 'summary.json'}")
    return 0
