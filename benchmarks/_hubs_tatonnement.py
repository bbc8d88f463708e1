r"""CPRS-style damped fixed point (tâtonnement) for the sectoral-hubs equilibrium.

Every residual of :mod:`econhubs.spatial._hubs` has the form "unknown − model(unknowns)", so
$G(z) = z - F(z)$ is the classic update: wages by excess labour demand
($\ln w \leftarrow \ln(\sum_j ς β γ Y / L)$), employment by the Fréchet choice, prices by the
EK price index, sales by the goods-market condition, rents by the structures condition;
nominal variables are then rescaled so that Σ w L = 1. Damped, it is the baseline that
``benchmarks/bench_hubs.py`` runs against Newton in the same process. Not a recommended solver;
benchmark-only (moved out of the package, issue 13).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from _fixed_point import DampedFixedPoint, fixed_point

from econhubs.core import Solution
from econhubs.spatial import Fundamentals, HubsParams, TradeCosts, hubs_residual as residual


def _inner(z: dict, model, tol: float) -> dict:
    """Inner loops of the CPRS codes: prices, then sales, solved to ``tol`` at given w, L, r."""
    solver = DampedFixedPoint(damping=1.0, tol=tol, max_steps=10_000)
    def gP(lP, a):
        return lP - residual({**a[0], "P": lP}, a[1])["P"]
    lP = fixed_point(gP, z["P"], (z, model), solver=solver, throw=False).value
    z = {**z, "P": lP}
    def gY(lY, a):
        return lY - residual({**a[0], "Y": lY}, a[1])["Y"]
    lY = fixed_point(gY, z["Y"], (z, model), solver=solver, throw=False).value
    return {**z, "Y": lY}


def _tatonnement_map(z: dict, model) -> dict:
    p, f, trade = model
    z = _inner(z, model, 1e-13)
    r = residual(z, model)
    # undo the numéraire row: rent of city 0 follows its structures condition too
    z1 = {k: z[k] - r[k] for k in z}  # P and Y already solved: r["P"], r["Y"] ~ 0
    lY0 = z["Y"][0]
    z1["r"] = z1["r"].at[0].set(jnp.log(jnp.sum((1.0 - p.beta) * p.gamma * jnp.exp(lY0))) - jnp.log(f.H[0]))
    c = jax.nn.logsumexp(z1["w"] + z1["L"])
    return {k: (v - c if k in ("w", "P", "Y", "r") else v) for k, v in z1.items()}


def solve_tatonnement(p: HubsParams, f: Fundamentals, trade: TradeCosts, z0: dict, *,
                      damping: float = 0.3, tol: float = 1e-11, max_steps: int = 200_000) -> Solution:
    """Damped fixed point z <- (1-δ) z + δ G(z) to max|G(z) - z| <= tol."""
    return fixed_point(_tatonnement_map, z0, (p, f, trade),
                       solver=DampedFixedPoint(damping=damping, tol=tol, max_steps=max_steps), throw=False)
