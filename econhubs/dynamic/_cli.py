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
from ._params import default_params
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
    a = ap.parse_args(argv)
    spec = GridSpec(n_b=6, n_k=3) if a.quick else GridSpec(n_b=16, n_k=7) if a.fine else GridSpec()
    p = default_params(a.industries)
    print(f"econhubs tradeoff: I = {a.industries}, grid {spec.n_points(a.industries)} points", flush=True)
    t0 = time.perf_counter()
    sol = solve_competitive(p, spec, verbose=not a.quiet, report_every=100, throw=False,
                           b_bounds="auto" if a.fit_grid else None)
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
