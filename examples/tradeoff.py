"""Worked example: the regional specialization trade-off (Boehnert 2026), competitive equilibrium.

Run: python examples/tradeoff.py   (a few minutes on a 2-core CPU; writes econhubs_output/tradeoff_example/)

1. Solve one region at the default calibration (theta = 0.44 x 0.045 = 0.02, see docs/tradeoff.md) by
   vmapped time iteration (+ Newton-GMRES polish) on the CLI's default I = 2 grid.
2. Diagnostics: Euler errors on the grid, Judd's errors on simulated states, grid coverage,
   ergodic binding share and q when binding vs slack.
3. A batch of regions that differ in their pledgeable share (theta), solved in one vmapped call.
4. Generalised IRF to a 2 s.d. adverse shock to the dominant industry, written as a figure.
5. The seed's theta = 0.44 (collateral-price feedback F = 19 > 1) with collateral valued at the
   steady-state price (collateral_price="steady"), which is well posed there.
"""

import os
import warnings

import jax
import numpy as np

from econhubs.dynamic import (
    GridSpec,
    coverage,
    default_params,
    euler_error_stats,
    impulse_response,
    plot_irf,
    simulate,
    solve_competitive,
    stack_params,
)
from econhubs.dynamic._cli import GRIDS

out = os.path.join("econhubs_output", "tradeoff_example")
spec = GridSpec(**GRIDS[2])

p = default_params(2)
sol = solve_competitive(p, spec, verbose=True, report_every=200, throw=False)
print("one region:", sol.summary())

sim = jax.tree.map(lambda x: np.asarray(x)[:, 100:], simulate(sol, jax.random.PRNGKey(0), 1000, 400))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    cov = coverage(sol, sim)
for w in caught:
    print("warning:", w.message)
print("Judd log10 Euler errors (simulated states):", euler_error_stats(sim))
print("share of simulated states at the grid's edges:", cov)
print("ergodic binding share:", float(sim["binding"].mean()))

thetas = [0.015, 0.02, 0.025]
batch = solve_competitive(stack_params([default_params(2, theta=t) for t in thetas]), spec, throw=False)
for t, q, it in zip(thetas, np.asarray(batch.q).reshape(len(thetas), -1).mean(1), np.asarray(batch.iterations)):
    print(f"theta = {t:.2f}: mean q on the grid {q:.3f} ({int(it)} sweeps)")

irf = impulse_response(sol, jax.random.PRNGKey(1), n_draws=1000)
os.makedirs(out, exist_ok=True)
plot_irf(irf, os.path.join(out, "irf.png"))
sol.save(os.path.join(out, "solution.npz"))
print("wrote", os.path.join(out, "irf.png"), "and solution.npz")

p1 = default_params(1, calibration="seed", collateral_price="steady")
sol1 = solve_competitive(p1, GridSpec(n_b=30, n_z=3, n_R=3), throw=False)
sim1 = jax.tree.map(lambda x: np.asarray(x)[:, 100:], simulate(sol1, jax.random.PRNGKey(2), 1000, 400))
bind = sim1["binding"]
print("seed theta, steady collateral price, I = 1:", sol1.summary())
print(f"  ergodic binding share {bind.mean():.3f}; Judd errors {euler_error_stats(sim1)}; "
      f"grid edges {coverage(sol1, sim1, warn=False)}")
