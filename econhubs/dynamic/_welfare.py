"""Welfare of the planner over the competitive equilibrium, and the taxes that decentralise the planner.

Value of a recursive allocation on the grid (policy evaluation, the allocation's own interpolation):
    V(s) = u(c(s)) + beta sum_e' P_ee' V(b'(s), k'(s), e'),   u(c) = c^{1-gamma} / (1-gamma),
iterated to a sup change below ``tol`` (a beta-contraction). Consumption-equivalent gain of the planner
(spec, "Constrained-efficient planner"; u without the -1 so that scaling c scales V):
    Lambda(s) = (V_SP(s) / V_CE(s))^{1/(1-gamma)} - 1,
the permanent proportional change of CE consumption that gives the planner's welfare at s; averaged over
the CE's ergodic distribution (``simulate``, the last period of many regions).

Decentralising taxes (seed, "Planner Implementation: Constrained-efficient Decentralization"), as
state-dependent wedges in the private Euler equations at the planner's allocation, rebated lump sum (so
the budget and c are unchanged):
    bond:       u'(c) = beta R (1 + tau^B(s)) E u'(c') + eta,   eta = the planner's mu u'(c),
    portfolio:  q (1 + tau^K_i(s)) + dPhi_i/dk'
                  = E[m' (alpha zbar_i' k_i'^{xi_i+alpha-1} - dPhi_i/dk + q'(1 + theta mu'))].
**choice** (differs from the seed's timing): tau^K_i is levied on today's purchase of capital instead of
tomorrow's dividend (one state-dependent number per state and industry instead of one per (s, s')); at
I = 1 it is zero (the planner's q is the private price). ``solve_taxed_ce`` solves the competitive
equilibrium under these taxes (from the planner's allocation, or any start) and returns its policies, to compare
with the planner's; where the taxed economy has two equilibria at a state it keeps the previous iterate's regime.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._grid import grid_points
from ._params import steady_state_price
from ._planner import PlannerSolution, _ce_fn
from ._planner_residual import utility
from ._planner_sweep import decode_regime, iterate
from ._residual import CESelect, ce_residual, decode, full_capital
from ._simulate import simulate
from ._solution import CESolution
from ._welfare_value import allocation_value, evaluate

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


def _same_grid(planner, ce):
    if planner.grid.b.shape != ce.grid.b.shape or not np.allclose(planner.grid.b, ce.grid.b):
        raise ValueError("planner, ce: need the same grid (solve the planner with ce=...)")


def welfare_gain(planner: PlannerSolution, ce: CESolution | None = None, *, refine: int = REFINE):
    """Lambda(s) on the grid: the consumption-equivalent gain of the planner over the CE (module docstring);
    ce: default ``planner.ce`` (the equilibrium the planner was started from, on the same grid); refine: the
    values' policy evaluation (``value_function``; 1 = the grid's own, inaccurate on coarse grids)."""
    ce = planner.ce if ce is None else ce
    _same_grid(planner, ce)
    g = planner.params.gamma
    V_sp, V_ce = value_function(planner, refine=refine), value_function(ce, refine=refine)
    return (V_sp / V_ce) ** (1.0 / (1.0 - g)) - 1.0


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
        g = planner.params.gamma
        V_sp, V_ce = (allocation_value(s, b, k, e, refine=refine) for s in (planner, ce))
        at = (V_sp / V_ce) ** (1.0 / (1.0 - g)) - 1.0
        return float(jnp.mean(at)), at
    table = ce.grid.policy_table(welfare_gain(planner, ce, refine=1).reshape(-1, 1))
    at = jax.vmap(lambda bb, kk, ee: table(jnp.concatenate([bb[None], kk]))[ee, 0])(b, k, e)
    return float(jnp.mean(at)), at


@jax.jit
def _taxes(p, grid, pol):
    """(tau_B (N,), tau_K (N, I)) at the planner's CE-layout policies ``pol`` (N, I+1) (module docstring)."""
    n_ind = p.phi.shape[-1]
    table = grid.policy_table(pol)
    pts = grid_points(grid)
    F = jax.vmap(lambda y, pt: ce_residual(y, pt, p, grid, table)[0])(pol, pts)
    _, _, q, mu, _ = decode(pol, p, grid.R[pts[2]])
    bond, port = F[:, 0], F[:, 1:]
    tau_b = bond / (1.0 - mu - bond)
    k_cost = q[:, None] * jnp.ones((1, n_ind))
    tau_k = -port * steady_state_price(p) / k_cost
    return tau_b, tau_k


def decentralising_taxes(planner: PlannerSolution):
    """tau^B(s) and tau^K_i(s) on the planner's grid (shapes of ``planner.c`` and ``planner.k_next``)."""
    tau_b, tau_k = _taxes(planner.params, planner.grid, planner.flat_policy())
    return tau_b.reshape(planner.c.shape), tau_k.reshape(planner.k_next.shape)


def _taxed_fn(y, pt, p, grid, table, tax, regime):
    """The CE residual with the wedges: bond row - tau_B R E m', portfolio rows + q tau_K / q_ss."""
    F, c = _ce_fn(y, pt, p, grid, table, None, regime)
    _, _, q, mu, _ = decode_regime(y, p, grid.R[pt[2]], regime)
    tau_b, tau_k = tax
    bond = F[0] - tau_b * (1.0 - mu - F[0])
    port = F[1:] + q * tau_k / steady_state_price(p)
    return jnp.concatenate([bond[None], port]), c


class TaxedEquilibrium(eqx.Module):
    """The CE under the decentralising taxes: ``policy`` (N, I+1) solver vectors in ``grid_points`` order,
    b_next, k_next (I) and q decoded (shapes as in the planner's solution), and the iteration's diagnostics."""

    policy: jax.Array
    b_next: jax.Array
    k_next: jax.Array
    q: jax.Array
    iterations: int
    max_change: float
    n_failed: int


class PreviousRegime(eqx.Module):
    """Equilibrium selection of the taxed CE: where both branches give a valid equilibrium at a state, keep the
    regime of the previous iterate (binding where its s < 0, slack otherwise); where one is valid, that one
    (:class:`CESelect` with a per-state preference). Started from the planner's allocation, the taxed economy's
    time iteration then stays on the planner's regime at every state (the taxes make the planner's allocation
    AN equilibrium of the taxed economy; at planner-slack states a second, binding, taxed equilibrium can exist,
    which ``CESelect(prefer_bind=True)`` picked)."""

    def __call__(self, y0, values, converged, point=None, grid=None):
        return CESelect(prefer_bind=y0[0] < 0)(y0, values, converged)


def solve_taxed_ce(planner: PlannerSolution, start=None, *, selection: str = "previous", tol: float = 1e-10,
                   max_iter: int = 3000):
    """The competitive equilibrium under the planner's taxes tau^B(s), tau^K_i(s), by time iteration.

    start: the starting allocation, a :class:`CESolution` (e.g. ``planner.ce``) or CE-layout policies (N, I+1)
    in ``grid_points`` order; default the planner's own allocation. selection: "previous" (keep each state's
    regime from the previous iterate where both branches are valid: :class:`PreviousRegime`) or "bind" (prefer
    the binding branch, ``CESelect(prefer_bind=True)``). Returns a :class:`TaxedEquilibrium`; compare its
    policies with the planner's (``b_next``, ``k_next``, ``q``)."""
    if selection not in ("previous", "bind"):
        raise ValueError(f"selection: 'previous' or 'bind', got {selection!r}")
    p, g = planner.params, planner.grid
    I = planner.n_industries
    tau_b, tau_k = _taxes(p, g, planner.flat_policy())
    if start is None:
        pol0 = planner.flat_policy()[:, : I + 1]
    elif isinstance(start, CESolution):
        pol0 = start.flat_policy()[:, : I + 1]
    else:
        pol0 = jnp.asarray(start, float)
    if pol0.shape != (g.R.shape[0] * np.prod(g.endog_shape), I + 1):
        raise ValueError(f"start: expected CE-layout policies of shape (N, {I + 1}) on the planner's grid, "
                         f"got {pol0.shape}")
    select = None if not p.constrained else (PreviousRegime() if selection == "previous" else
                                            CESelect(prefer_bind=True))
    pol, it, diff, nfail = iterate(_taxed_fn, pol0, p, g, extra=(tau_b, tau_k), select=select,
                                   tol=tol, max_iter=max_iter, smooth_first=False)
    bp, kp_free, q, _, _ = decode(pol, p, g.R[grid_points(g)[2]])
    shape = planner.c.shape
    return TaxedEquilibrium(policy=pol, b_next=bp.reshape(shape), k_next=full_capital(kp_free, p.K_bar).reshape(
        shape + (-1,)), q=q.reshape(shape), iterations=it, max_change=diff, n_failed=nfail)
