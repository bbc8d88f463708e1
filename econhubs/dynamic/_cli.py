"""``econhubs tradeoff``: solve the default calibration, print diagnostics, write the IRF figure."""

from __future__ import annotations

import argparse
import os
import time
import warnings

import jax
import numpy as np

from ._competitive import solve_competitive
from ._grid import GridSpec
from ._irf import impulse_response, plot_irf
from ._params import collateral_feedback, default_params
from ._simulate import coverage, euler_error_stats, simulate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="econhubs tradeoff", description=__doc__)
    ap.add_argument("--out", default=os.path.join("econhubs_output", "tradeoff"))
    ap.add_argument("--industries", type=int, default=2, choices=(1, 2, 3))
    ap.add_argument("--quick", action="store_true", help="small grid and few draws (smoke test)")
    ap.add_argument("--fine", action="store_true", help="finer grid (n_b=16, n_k=7)")
    ap.add_argument("--regions", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--fit-grid", action="store_true",
                    help="fit the bond grid to the ergodic set by continuation (slow: several solves)")
    ap.add_argument("--theta", type=float, default=None,
                    help="collateral parameter (default: the slides' 0.44; 0.02 gives an occasionally binding constraint)")
    ap.add_argument("--bond-grid", type=float, nargs=2, metavar=("B_MIN", "B_MAX"), default=None)
    ap.add_argument("--nb", type=int, default=None, help="bond grid points")
    ap.add_argument("--guess-verify", choices=("off", "on", "fallback"), default="off")
    a = ap.parse_args(argv)
    spec = GridSpec(n_b=6, n_k=3) if a.quick else GridSpec(n_b=16, n_k=7) if a.fine else GridSpec()
    if a.nb is not None:
        spec = GridSpec(n_b=a.nb, n_k=spec.n_k)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        p = default_params(a.industries) if a.theta is None else default_params(a.industries, theta=a.theta)
    for x in w:
        print(f"warning: {x.message}")
    print(f"econhubs tradeoff: I = {a.industries}, theta = {float(p.theta)}, grid {spec.n_points(a.industries)} points, "
          f"collateral-price feedback theta*gamma*q/c = {float(collateral_feedback(p)):.3g}", flush=True)
    gv = {"off": False, "on": True, "fallback": "fallback"}[a.guess_verify]
    bounds = "auto" if a.fit_grid else (tuple(a.bond_grid) if a.bond_grid else None)
    t0 = time.perf_counter()
    sol = solve_competitive(p, spec, verbose=not a.quiet, report_every=100, throw=False, b_bounds=bounds,
                            guess_verify=gv)
    t1 = time.perf_counter()
    print(f"solved in {t1 - t0:.1f}s: {sol.summary()}")
    n = 200 if a.quick else a.regions
    key = jax.random.PRNGKey(a.seed)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        sim = jax.tree.map(lambda x: np.asarray(x)[:, 100:], simulate(sol, key, n, 400))
        cov = coverage(sol, sim)
    for x in w:
        print(f"warning: {x.message}")
    ee = euler_error_stats(sim)
    bind = sim["binding"]
    q_b = float(sim["q"][bind].mean()) if bind.any() else float("nan")
    q_s = float(sim["q"][~bind].mean()) if (~bind).any() else float("nan")
    print(f"Judd log10 Euler errors on simulated states: mean {ee['mean_log10']:.2f}, max {ee['max_log10']:.2f}")
    print(f"ergodic binding share {bind.mean():.3f}; mean q binding {q_b:.4f} vs slack {q_s:.4f}; grid edges {cov}")
    irf = impulse_response(sol, jax.random.PRNGKey(a.seed + 1), n_draws=200 if a.quick else 2000)
    os.makedirs(a.out, exist_ok=True)
    fig_path = plot_irf(irf, os.path.join(a.out, "irf.png")) and os.path.join(a.out, "irf.png")
    sol.save(os.path.join(a.out, "solution.npz"))
    print(f"wrote {fig_path} and {os.path.join(a.out, 'solution.npz')}")
    return 0
