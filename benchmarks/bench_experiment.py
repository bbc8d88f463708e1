"""The 722-region trade-off experiment (issue 18): solve + simulate 70 years; appends to benchmarks/RESULTS.md.

1. One policy solve per economy (CE, CE without the collateral constraint, with ``--planner`` the planner),
   wall time including compilation (what a user waits for) on the experiment's grid.
2. All regions simulated 1950-2020 in one vmapped call per economy (after compilation, best of 3), against
   the baseline in the same process: a Python loop over ``--loop-regions`` regions, one region per call of
   the same compiled simulation, scaled to all regions. Ratio = loop / vmapped.
3. The whole ``run_experiment`` after the solves (regressions, welfare, IRFs).

    python benchmarks/bench_experiment.py                               # full size: 722 regions, CPU or GPU
    python benchmarks/bench_experiment.py --n-regions 100 --nb 6 --nk 4   # quick
    python benchmarks/bench_experiment.py --planner    # + the I = 2 planner on its own 108-state grid (welfare)

The planner is solved with throw=False: the row records its sweeps, sup change, failed states and max
generalised-Euler residual, and welfare gains only when it converged (an unconverged planner gives none).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from datetime import datetime, timezone

import jax
import numpy as np

from econhubs.core import ConvergenceError
from econhubs.dynamic import (
    ExperimentSpec,
    GridSpec,
    common_innovations,
    ergodic_bond,
    grid_label,
    planner_grid_spec,
    run_experiment,
    simulate_regions,
    solve_economies,
    solve_planner_path,
    synthetic_regions,
    welfare_gains,
)

from _report import append_results, best_time, machine


def subset(regions, idx):
    return dataclasses.replace(regions, names=tuple(regions.names[i] for i in idx), shares=regions.shares[idx],
                               gini=regions.gini[idx], dominant=regions.dominant[idx], k1=regions.k1[idx],
                               rest_weights=regions.rest_weights[idx])


def simulation_rows(ce, regions, b0, n_loop: int):
    eps = common_innovations(jax.random.PRNGKey(0), len(regions.industries), 70)
    sim, t_vec = best_time(simulate_regions, ce, regions, eps, b0, repeat=3, warmup=True)
    one = [subset(regions, [i]) for i in range(n_loop)]
    simulate_regions(ce, one[0], eps, b0)  # compile the one-region call
    t = time.perf_counter()
    loop = [simulate_regions(ce, r, eps, b0) for r in one]
    t_loop = (time.perf_counter() - t) * len(regions) / n_loop
    diff = max(float(np.max(np.abs(s["y"][0] - sim["y"][i]))) for i, s in enumerate(loop))
    return t_vec, t_loop, diff


def planner_row(ce, spec, sec: dict):
    """(planner or None, note): the I = 2 planner from the CE or by the continuation ``spec.planner_b_path``
    (``solve_planner_path``, throw=False on the last step); None unless it converged."""
    t = time.perf_counter()
    try:
        sp = solve_planner_path(spec, ce, say=print, throw=False)
    except ConvergenceError as err:  # non-finite policies or an unconverged continuation step
        sec["solve planner"] = time.perf_counter() - t
        return None, f"planner failed: {err}"
    sec["solve planner"] = time.perf_counter() - t
    note = (f"planner {int(sp.iterations)} sweeps, sup change {float(sp.max_change):.1e}, failed states "
            f"{int(sp.n_failed)}, max generalised-Euler residual {float(sp.max_euler_error):.1e}")
    ok = bool(np.isfinite(float(sp.max_change))) and float(sp.max_change) <= 1e-9 and int(sp.n_failed) == 0
    return (sp, note) if ok else (None, note + " (NOT converged: no welfare numbers)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-regions", type=int, default=722)
    ap.add_argument("--nb", type=int, default=10)
    ap.add_argument("--nk", type=int, default=6)
    ap.add_argument("--nz", type=int, default=3, help="TFP nodes per industry, odd (default: 3)")
    ap.add_argument("--order-b", type=int, default=1, choices=(1, 3),
                    help="interpolation in b, 1 linear or 3 cubic Hermite (C^1: the planner's FOCs carry the slope of "
                    "the interpolated policies, which is discontinuous at the nodes when linear) (default: 1)")
    ap.add_argument("--b-min", type=float, default=ExperimentSpec().b_bounds[0],
                    help="lower end of the CE's and the planner's bond grid (default: %(default)s)")
    ap.add_argument("--loop-regions", type=int, default=20)
    ap.add_argument("--planner", action="store_true",
                    help="also solve the I = 2 planner (welfare gains), by default on its own grid (econhubs tradeoff "
                    "--experiment --help)")
    ap.add_argument("--planner-shared-grid", action="store_true", help="the planner on the CE's grid instead")
    ap.add_argument("--planner-max-iter", type=int, default=1000, help="planner sweeps at most (default: 1000)")
    ap.add_argument("--planner-damping", type=float, default=1.0, help="the planner's damping (default: 1.0)")
    ap.add_argument("--planner-b-path", default="",
                    help="continuation over the bond grid's lower end, comma-separated (econhubs tradeoff --experiment "
                    "--help; default: none)")
    ap.add_argument("--planner-nb", type=int, default=None,
                    help="bond points of the planner's own grid (econhubs tradeoff --experiment --help)")
    ap.add_argument("--planner-nk", type=int, default=None, help="capital points of the planner's own grid")
    ap.add_argument("--planner-order-b", type=int, default=None, choices=(1, 3), help="order in b, planner's own grid")
    ap.add_argument("--planner-b-min", type=float, default=None, help="lower bond bound of the planner's own grid")
    a = ap.parse_args(argv)
    base = ExperimentSpec().grid
    grid = GridSpec(n_b=a.nb, n_k=a.nk, n_z=a.nz, n_R=base.n_R, k_lo=base.k_lo, k_hi=base.k_hi, order_b=a.order_b)
    path = tuple(float(x) for x in a.planner_b_path.split(",") if x.strip())
    own = (a.planner_nb, a.planner_nk, a.planner_order_b, a.planner_b_min)
    pgrid, pbb = None, None
    if a.planner and not a.planner_shared_grid:  # the planner's own grid (PLANNER_GRID unless set)
        pgrid, pbb = planner_grid_spec(grid, ExperimentSpec().b_bounds[1], *own)
    spec = ExperimentSpec(grid=grid, b_bounds=(a.b_min, ExperimentSpec().b_bounds[1]),
                          planner_max_iter=a.planner_max_iter, planner_damping=a.planner_damping, planner_b_path=path,
                          planner_grid=pgrid, planner_b_bounds=pbb)
    regions = synthetic_regions(a.n_regions)
    t0, cpu0 = time.perf_counter(), time.process_time()
    ce, free, _, sec = solve_economies(spec)
    sp, sp_note = None, "planner not solved (no --planner)"
    if a.planner:
        sp, sp_note = planner_row(ce, spec, sec)
        print(sp_note, flush=True)
    t_solve = time.perf_counter() - t0
    b0 = ergodic_bond(ce, jax.random.PRNGKey(spec.seed + 1))
    t_vec, t_loop, diff = simulation_rows(ce, regions, b0, min(a.loop_regions, a.n_regions))
    # welfare gains at the regions' 1950 states need only the two value functions (no simulation)
    w = None if sp is None else welfare_gains(sp, sp.ce, b0, regions.k1)
    t = time.perf_counter()
    try:
        res = run_experiment(regions, dataclasses.replace(spec, b0=b0, planner=sp is not None),
                             economies=(ce, free, sp), say=None)
        coef = f"coef CE {res.coef['CE']:.4f}, friction share {100 * res.friction_share:.1f}%"
    except RuntimeError as err:  # e.g. simulated regions on a grid edge: no coefficients from this grid
        res, coef = None, f"run_experiment stopped: {err}"
    t_rest = time.perf_counter() - t
    cpu = time.process_time() - cpu0
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    solves = ", ".join(f"{k} {v:.1f}" for k, v in sec.items())
    wel = ("n/a" if w is None else f"at the 1950 states mean {100 * w.mean():.4f}% [{100 * w.min():.4f}%, "
           f"{100 * w.max():.4f}%], > 0 in {100 * np.mean(w > 0):.0f}% of the regions")
    planner_note = (f"; the planner on its own grid {grid_label(*spec.planner_spec)} (compared with the CE there, not "
                    "simulated)" if a.planner and spec.own_planner_grid else "")
    text = (
        f"\n## bench_experiment.py — {stamp} — {machine()}\n\n"
        f"Trade-off experiment, {len(regions)} SYNTHETIC regions, I = 2, grid {grid.n_points(2)} states "
        f"(n_b {a.nb}, n_k {a.nk}, n_z {grid.n_z}, n_R {grid.n_R}, order in b {a.order_b}, b in "
        f"[{spec.b_bounds[0]}, {spec.b_bounds[1]}]){planner_note}, 70 years. Solve times include compilation; "
        f"CPU time of the whole run {cpu:.0f} s (process), load average {os.getloadavg()[0]:.1f} at the end.\n\n"
        "| regions | states | solves (s) | simulate CE, vmapped (s) | per-region loop, scaled (s) | ratio loop/vmapped "
        "| rest of run_experiment (s) | solve + run total (s) | results |\n|---|---|---|---|---|---|---|---|---|\n"
        f"| {len(regions)} | {grid.n_points(2)} | {t_solve:.1f} ({solves}) | {t_vec:.3f} | {t_loop:.2f} "
        f"({a.loop_regions} regions timed) | {t_loop / t_vec:.1f} | {t_rest:.1f} | {t_solve + t_rest:.1f} | "
        f"{coef}, welfare {wel}; {sp_note}; "
        f"loop vs vmapped max |dy| {diff:.1e} |\n"
    )
    append_results(text)


if __name__ == "__main__":
    main()
