"""``econhubs tradeoff``: solve the competitive equilibrium, print diagnostics, write the IRF figure.

Exit status: 0 when the solve converged and the simulated ergodic set stays inside the grid;
1 (with no output files written) when the solve did not converge, no selection yields an
equilibrium on the grid, or the simulation reaches the grid's edges, unless
``--allow-unconverged`` is given (then the files are written and the failure is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import jax
import numpy as np

from ..core import ConvergenceError
from ._competitive import solve_competitive
from ._grid import GridSpec
from ._irf import impulse_response, plot_irf
from ._params import collateral_feedback, default_params
from ._simulate import coverage, euler_error_stats, simulate

OUT_DEFAULT = os.path.join("econhubs_output", "tradeoff")
# default grids per number of industries (docs/tradeoff.md, "Accuracy"); --quick / --fine scale them
GRIDS = {
    1: dict(n_b=30, n_z=3, n_R=3),
    # I = 2: Judd mean -4.16 (issue 17's <= -4); the earlier 32 x 7 grid with b_max = 0.01 gave -3.34
    2: dict(n_b=48, n_k=17, k_lo=0.36, k_hi=0.58, b_min=-0.18, b_max=-0.07),  # ergodic b [-0.175, -0.085]
    3: dict(n_b=12, n_k=5, n_z=3, n_R=1, k_lo=0.25, k_hi=0.42),
}


def _parser() -> argparse.ArgumentParser:
    """The command's options. Over 60 lines only because it is a flat list of argparse declarations,
    each carrying its help text."""
    ap = argparse.ArgumentParser(
        prog="econhubs tradeoff", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--out", default=OUT_DEFAULT, help=f"output folder for irf.png and solution.npz (default: {OUT_DEFAULT})"
    )
    ap.add_argument("--industries", type=int, default=2, choices=(1, 2, 3), help="number of industries I (default: 2)")
    ap.add_argument(
        "--calibration",
        choices=("default", "seed"),
        default="default",
        help="'default': the seed's values with theta = theta_LTV * omega = 0.44 * 0.045 = 0.02 "
        "(collateral-price feedback F = 0.58 < 1); 'seed': the seed's theta = 0.44 (F = 19.2: "
        "equilibrium selection needed, see --selection)",
    )
    ap.add_argument("--theta", type=float, default=None, help="override the collateral parameter theta")
    ap.add_argument(
        "--collateral-price",
        choices=("market", "steady"),
        default="market",
        help="price at which capital is pledged: the market q (seed) or the steady-state q_ss "
        "(no same-period price feedback; well posed at the seed's theta) (default: market)",
    )
    ap.add_argument(
        "--selection",
        choices=("slack_first", "bind_first"),
        default=None,
        help="equilibrium selection where both the slack and the binding branch solve a state: the "
        "high-price equilibrium or the self-fulfilling sudden stop (default: slack_first when "
        "F >= 1 somewhere, otherwise the smooth solve with guess-and-verify fallback)",
    )
    ap.add_argument(
        "--sunspot",
        type=float,
        default=None,
        metavar="PI",
        help="sunspot selection: coordinate on the constrained equilibrium with probability PI where "
        "both exist (adds an i.i.d. two-state sunspot to the exogenous chain)",
    )
    ap.add_argument("--quick", action="store_true", help="coarser grid and fewer simulation draws (smoke test)")
    ap.add_argument("--fine", action="store_true", help="finer grid (1.5x the bond and capital points)")
    ap.add_argument("--nb", type=int, default=None, help="bond grid points (default: 30 for I = 1, 48 for I = 2)")
    ap.add_argument("--nk", type=int, default=None, help="capital grid points per industry (default: 17 for I = 2)")
    ap.add_argument(
        "--kink-b",
        action="store_true",
        help="kink-aware interpolation in b where the constraint starts to bind (GridSpec(kink_b=True); "
        "I = 1: Judd mean -4.65 instead of -4.33; a larger compile)",
    )
    ap.add_argument(
        "--kink-k",
        action="store_true",
        help="sign-aware interpolation in k too (GridSpec(kink_k=True)): in the k cell where the constraint starts "
        "to bind the policy is kinked, elsewhere cubic slopes use no node across it (docs/tradeoff.md, 'Accuracy')",
    )
    ap.add_argument(
        "--bond-grid",
        type=float,
        nargs=2,
        metavar=("B_MIN", "B_MAX"),
        default=None,
        help="bond grid bounds (default: -0.18 and -0.07 for I = 2, otherwise -1.25 and +0.1 times "
        "theta q_ss K_bar R_max)",
    )
    ap.add_argument(
        "--fit-grid",
        action="store_true",
        help="fit the bond grid to the ergodic set by continuation (slow: several solves)",
    )
    ap.add_argument(
        "--guess-verify",
        choices=("off", "on", "fallback"),
        default="fallback",
        help="per-state solve: smooth Newton only (off), both branches everywhere (on), or both "
        "branches where the smooth solve failed (fallback, default)",
    )
    ap.add_argument(
        "--damping",
        type=float,
        default=1.0,
        help="time-iteration damping Y += damping (T(Y) - Y); 0.5 helps where F >= 1 (default: 1.0)",
    )
    ap.add_argument("--max-iter", type=int, default=3000, help="maximum time-iteration sweeps (default: 3000)")
    ap.add_argument(
        "--regions", type=int, default=2000, help="simulated regions for the ergodic statistics (default: 2000)"
    )
    ap.add_argument("--seed", type=int, default=0, help="random seed of the simulation and the IRF draws (default: 0)")
    ap.add_argument(
        "--allow-unconverged",
        action="store_true",
        help="write the outputs and exit 0 even if the solve did not converge or the simulation reaches "
        "the grid's edges (the failure is still printed)",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    ap.add_argument("--experiment", action="store_true",
                    help="run the 722-region trade-off experiment instead (own options: "
                    "'econhubs tradeoff --experiment -h'; docs/tradeoff_experiment.md)")
    return ap


def _spec(a) -> GridSpec:
    kw = dict(GRIDS[a.industries])
    scale = 0.5 if a.quick else 1.5 if a.fine else 1.0
    kw["n_b"] = a.nb if a.nb is not None else max(6, int(round(kw["n_b"] * scale)))
    if "n_k" in kw or a.nk is not None:
        kw["n_k"] = a.nk if a.nk is not None else max(3, int(round(kw["n_k"] * scale)))
    if a.bond_grid is not None:
        kw["b_min"], kw["b_max"] = a.bond_grid
    if a.kink_b:
        kw["kink_b"] = True
    if a.kink_k:
        kw["kink_k"] = True
    return GridSpec(**kw)


def _params(a):
    kw = {"collateral_price": a.collateral_price}
    if a.theta is not None:
        kw["theta"] = a.theta
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        p = default_params(a.industries, calibration=a.calibration, **kw)
    for x in w:
        print(f"warning: {x.message}")
    return p


def _fail(msg: str, allow: bool) -> bool:
    print(f"FAILED: {msg}", flush=True)
    return allow


def main(argv: list[str] | None = None) -> int:
    """`econhubs tradeoff`: solve, check, report, write. Kept as one function (over 60 lines) so that every
    exit path -- 2 for contradictory options, 1 for an unconverged solve or a simulation on the grid's
    edges, 0 with the outputs written -- reads top to bottom in one place."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--experiment" in argv:  # issue 18: the experiment has its own options (econhubs/dynamic/_cli_experiment.py)
        from ._cli_experiment import main as experiment

        return experiment([x for x in argv if x != "--experiment"])
    a = _parser().parse_args(argv)
    if a.sunspot is not None and a.selection is not None:
        print("error: --selection and --sunspot are alternatives; give one")
        return 2
    spec, p = _spec(a), _params(a)
    F = float(collateral_feedback(p))
    selection = a.sunspot if a.sunspot is not None else a.selection
    if selection is None and F >= 1.0:
        selection = "slack_first"
    print(
        f"econhubs tradeoff: I = {a.industries}, calibration {a.calibration}, theta = {float(p.theta):g}, collateral "
        f"at the {a.collateral_price} price, grid {spec.n_points(a.industries)} states, collateral-price feedback "
        f"F = theta*gamma*q_ss/c_ss = {F:.3g}"
        + (f", equilibrium selection: {selection}" if selection is not None else ""),
        flush=True,
    )
    gv = {"off": False, "on": True, "fallback": "fallback"}[a.guess_verify]
    bounds = "auto" if a.fit_grid else None
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            sol = solve_competitive(
                p,
                spec,
                verbose=not a.quiet,
                throw=False,
                b_bounds=bounds,
                guess_verify=gv,
                selection=selection,
                max_iter=a.max_iter,
                damping=a.damping,
            )
    except ConvergenceError as e:
        print(f"FAILED: {e}")
        return 1
    for x in w:
        print(f"warning: {x.message}")
    print(f"solved in {time.perf_counter() - t0:.1f}s: {sol.summary()}")
    fb = np.asarray(sol.feedback)
    print(
        f"collateral-price feedback F by grid state: min {fb.min():.3g}, median {np.median(fb):.3g}, "
        f"max {fb.max():.3g}; "
        f"F >= 1 at {np.mean(fb >= 1):.1%} of states"
        + (
            f"; states with two equilibria (last sweep): {float(sol.share_multiple):.1%}"
            if sol.selection != "none"
            else ""
        )
    )
    ok = True
    if not bool(sol.converged):
        what = (
            "no selection yields an equilibrium on this grid" if selection is not None else "the solve did not converge"
        )
        ok = _fail(
            f"{what}: {int(sol.n_failed)} grid states without a solution, sup change "
            f"{float(sol.max_change):.3e} after {int(sol.iterations)} sweeps",
            a.allow_unconverged,
        )
        if not ok:
            print("no output files written (use --allow-unconverged to write them anyway)")
            return 1
    n = 200 if a.quick else a.regions
    sim = jax.tree.map(lambda x: np.asarray(x)[:, 100:], simulate(sol, jax.random.PRNGKey(a.seed), n, 400))
    cov = coverage(sol, sim, warn=False)
    ee = euler_error_stats(sim)
    bind = sim["binding"]
    q_b = f"{float(sim['q'][bind].mean()):.4f}" if bind.any() else "n/a (never binds)"
    q_s = f"{float(sim['q'][~bind].mean()):.4f}" if (~bind).any() else "n/a (always binds)"
    print(f"Judd log10 Euler errors on simulated states: mean {ee['mean_log10']:.2f}, max {ee['max_log10']:.2f}")
    print(
        f"ergodic binding share {bind.mean():.3f}; mean q binding {q_b} vs slack {q_s}; "
        f"share of simulated states on the grid's edges {cov}"
    )
    if any(v > 0 for v in cov.values()):
        ok = (
            _fail(
                f"the simulation reaches the grid's edges {cov}: the statistics there are extrapolation; widen "
                "the grid (--bond-grid, --fit-grid)",
                a.allow_unconverged,
            )
            and ok
        )
        if not ok:
            print("no output files written (use --allow-unconverged to write them anyway)")
            return 1
    os.makedirs(a.out, exist_ok=True)
    written = [sol.save(os.path.join(a.out, "solution.npz"))]
    if spec.sunspot is None and not isinstance(selection, float):
        irf = impulse_response(sol, jax.random.PRNGKey(a.seed + 1), n_draws=200 if a.quick else 2000)
        written.append(os.path.join(a.out, "irf.png"))
        plot_irf(irf, written[-1])
    else:
        print("IRF skipped: a solution with a sunspot state has no continuous-shock IRF")
    print("wrote " + " and ".join(written))
    return 0
