"""Welfare of the planner over the competitive equilibrium, and the taxes that decentralise the planner.

Value of a recursive allocation (policy evaluation, ``_welfare_value``):
    V(s) = u(c(s)) + beta sum_e' P_ee' V(b'(s), k'(s), e'),   u(c) = c^{1-gamma} / (1-gamma),
iterated to a sup change below ``tol`` (a beta-contraction), on a grid ``refine`` times finer than the solution's
(default 8 for welfare comparisons: the grid's own evaluation, refine=1, misstated V by up to 19% at I = 2 on the
108-state grid and flipped the sign of the gain; docs/tradeoff_experiment.md).
Consumption-equivalent gain of the planner
(spec, "Constrained-efficient planner"; u without the -1 so that scaling c scales V):
    Lambda(s) = (V_SP(s) / V_CE(s))^{1/(1-gamma)} - 1,
the permanent proportional change of CE consumption that gives the planner's welfare at s; averaged over
the CE's ergodic distribution (``simulate``, the last period of many regions).

The decentralising taxes and the CE under them: ``_welfare_taxes`` (re-exported here).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._grid import grid_points
from ._planner import PlannerSolution
from ._planner_residual import utility
from ._residual import decode
from ._simulate import simulate
from ._solution import CESolution
from ._welfare_taxes import (
    TaxedEquilibrium as TaxedEquilibrium,
    decentralising_taxes as decentralising_taxes,
    solve_taxed_ce as solve_taxed_ce,
)
from ._welfare_value import allocation_value as allocation_value, evaluate

REFINE = 8  # default refinement of the welfare comparisons' policy evaluation (``_welfare_value``)


@eqx.filter_jit
def _evaluate(sol: CESolution, tol: float, max_iter: int):
    """The grid's own policy evaluation (``refine=1``): V on the nodes, interpolated at the unclipped x(s)."""
    p, g = sol.params, sol.grid
    n_ind = sol.n_industries
    b, kf, e = grid_points(g)
    bp, kp_free, _, _, _ = decode(sol.flat_policy()[:, : n_ind + 1], p, g.R[e])
    x = jnp.concatenate([bp[:, None], kp_free], axis=1)
    return evaluate(p.beta, g.P, g, utility(sol.c.reshape(-1), p.gamma), x, e, tol, max_iter)


def value_function(sol: CESolution, *, refine: int = 1, tol: float = 1e-13, max_iter: int = 20000):
    """V on the grid (shape of ``sol.c``) of the allocation ``sol`` (CE or planner).

    refine=1 (default): the grid's own policy evaluation (V interpolated on the solution's nodes; on a coarse grid
    its interpolation error compounds: see ``_welfare_value``); refine=r > 1: the value of the allocation that
    ``simulate`` follows, from a policy evaluation on a grid r times finer (:func:`allocation_value`), which is
    what welfare comparisons need. Raises if the policy evaluation did not reach ``tol`` (relative sup change)."""
    if refine != 1:
        b, k_free, e = grid_points(sol.grid)
        return allocation_value(sol, b, k_free, e, refine=refine, tol=tol, max_iter=max_iter).reshape(sol.c.shape)
    V, diff, it = _evaluate(sol, tol, max_iter)
    if not float(diff) <= tol * float(jnp.max(jnp.abs(V))):
        raise RuntimeError(f"value_function: policy evaluation stopped at relative change {float(diff):.2e} "
                           f"after {int(it)} iterations (tol {tol:.0e})")
    return V.reshape(sol.c.shape)


def consumption_equivalent(V_sp, V_ce, gamma):
    """Lambda = (V_SP / V_CE)^{1/(1-gamma)} - 1 from the two allocations' values at the same states."""
    return (V_sp / V_ce) ** (1.0 / (1.0 - gamma)) - 1.0


def _same_grid(planner, ce):
    if planner.grid.b.shape != ce.grid.b.shape or not np.allclose(planner.grid.b, ce.grid.b):
        raise ValueError("planner, ce: need the same grid (solve the planner with ce=...)")


def welfare_gain(planner: PlannerSolution, ce: CESolution | None = None, *, refine: int = REFINE):
    """Lambda(s) on the grid: the consumption-equivalent gain of the planner over the CE (module docstring);
    ce: default ``planner.ce`` (the equilibrium the planner was started from, on the same grid); refine: the
    values' policy evaluation (``value_function``; 1 = the grid's own, inaccurate on coarse grids)."""
    ce = planner.ce if ce is None else ce
    _same_grid(planner, ce)
    V_sp, V_ce = value_function(planner, refine=refine), value_function(ce, refine=refine)
    return consumption_equivalent(V_sp, V_ce, planner.params.gamma)


def ergodic_welfare_gain(planner: PlannerSolution, key, ce: CESolution | None = None, *, n_regions: int = 2000,
                         T: int = 300, refine: int = REFINE):
    """Mean of Lambda over the CE's ergodic distribution (last period of ``n_regions`` simulated regions).
    refine > 1: Lambda from both allocations' values AT the simulated states (:func:`allocation_value`);
    refine = 1: Lambda on the grid (grid policy evaluation) interpolated there.
    Returns (mean, Lambda at the simulated states (n_regions,))."""
    ce = planner.ce if ce is None else ce
    _same_grid(planner, ce)
    sim = simulate(ce, key, n_regions=n_regions, T=T)
    b, k, e = sim["b"][:, -1], sim["k"][:, -1, :-1], sim["e"][:, -1]
    if refine != 1:
        V_sp, V_ce = (allocation_value(s, b, k, e, refine=refine) for s in (planner, ce))
        at = consumption_equivalent(V_sp, V_ce, planner.params.gamma)
        return float(jnp.mean(at)), at
    table = ce.grid.policy_table(welfare_gain(planner, ce, refine=1).reshape(-1, 1))
    at = jax.vmap(lambda bb, kk, ee: table(jnp.concatenate([bb[None], kk]))[ee, 0])(b, k, e)
    return float(jnp.mean(at)), at
