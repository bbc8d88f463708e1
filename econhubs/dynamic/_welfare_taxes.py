"""The taxes that decentralise the planner, and the competitive equilibrium under them.

Decentralising taxes (seed, "Planner Implementation: Constrained-efficient Decentralization"), as
state-dependent wedges in the private Euler equations at the planner's allocation, rebated lump sum (so
the budget and c are unchanged):
    bond:       u'(c) = beta R (1 + tau^B(s)) E u'(c') + eta,   eta = the planner's mu u'(c),
    portfolio:  q (1 + tau^K_i(s)) + dPhi_i/dk'
                  = E[m' (alpha zbar_i' k_i'^{xi_i+alpha-1} - dPhi_i/dk + q'(1 + theta mu'))].
**choice** (differs from the seed's timing): tau^K_i is levied on today's purchase of capital instead of
tomorrow's dividend (one state-dependent number per state and industry instead of one per (s, s')); at
I = 1 it is zero (the planner's q is the private price). ``solve_taxed_ce`` solves the competitive
equilibrium under these taxes by time iteration (from the planner's allocation, the untaxed CE, or any start;
optionally by continuation in the tax scale, lambda tau for lambda = 1/steps, ..., 1) and returns its policies,
to compare with the planner's. Where the taxed economy has two equilibria at a state (slack and binding, given
next period's policies), the selection rule decides: keep the previous iterate's regime, prefer binding, or
take the planner's regime at that state.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._grid import grid_points
from ._params import steady_state_price
from ._planner import PlannerSolution, _ce_fn
from ._planner_bracket import PlannerBracket
from ._planner_sweep import decode_regime, iterate
from ._residual import CESelect, ce_residual, decode, full_capital
from ._solution import CESolution

SELECTIONS = ("previous", "bind", "planner")


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
    b_next, k_next (I) and q decoded (shapes as in the planner's solution), and the iteration's diagnostics
    (``iterations`` summed over the continuation steps, ``max_change`` and ``n_failed`` the largest over them,
    ``step_change`` and ``step_failed`` (steps,) each step's last sup change and failed states: a step that
    stopped unconverged (change above tol, or a state failing in its last sweep) shows there)."""

    policy: jax.Array
    b_next: jax.Array
    k_next: jax.Array
    q: jax.Array
    iterations: int
    max_change: float
    n_failed: int
    step_change: np.ndarray | None = None
    step_failed: np.ndarray | None = None


class PreviousRegime(eqx.Module):
    """Equilibrium selection of the taxed CE: where both branches give a valid equilibrium at a state, keep the
    regime of the previous iterate (binding where its s < 0, slack otherwise); where one is valid, that one
    (:class:`CESelect` with a per-state preference). Started from the planner's allocation, the taxed economy's
    time iteration then stays on the planner's regime at every state (the taxes make the planner's allocation
    AN equilibrium of the taxed economy; at planner-slack states a second, binding, taxed equilibrium can exist,
    which ``CESelect(prefer_bind=True)`` picked)."""

    def __call__(self, y0, values, converged, point=None, grid=None):
        return CESelect(prefer_bind=y0[0] < 0)(y0, values, converged)


class PlannerRegime(eqx.Module):
    """Equilibrium selection of the taxed CE: where both branches are valid at a grid state, the planner's regime
    there (``binding``: the planner's binding indicator on the grid, as a 0/1 interpolation table evaluated at
    the state's nodes, where it is exact)."""

    binding: object

    def __call__(self, y0, values, converged, point=None, grid=None):
        b, k_free, e = point
        bind = self.binding(jnp.concatenate([jnp.atleast_1d(b), k_free]))[e, 0] > 0.5
        return CESelect(prefer_bind=bind)(y0, values, converged)


class TaxedBracket(PlannerBracket):
    """The planner's bracketing rescue (:class:`PlannerBracket`) for the taxed CE's residual (I + 1 unknowns
    (s, k_free', q)): the vector is padded with I unknowns whose residual rows are themselves (solved to 0), so the
    planner's layout maps onto the CE's rows: on the binding branch q is fixed and h(q) is the last pricing
    condition, on the slack branch b' is fixed and h(b') the bond Euler. Needed by the continuation at I = 2
    (measured: without it one state stalls on a fold at an intermediate tax scale and the iteration stops there)."""

    def __call__(self, residual, newton, y0, pt, p, grid, table, extra):
        n = y0.shape[0]

        def padded(y, pt, p, grid, table, extra, regime):
            F, c = residual(y[:n], pt, p, grid, table, extra, regime)
            return jnp.concatenate([F, y[n:]]), c

        (ys, yb), oks = super().__call__(padded, newton, jnp.concatenate([y0, jnp.zeros(n - 1)]), pt, p, grid,
                                         table, extra)
        return (ys[:n], yb[:n]), oks


def _start_policy(planner, start, steps):
    n_ind = planner.n_industries
    if start is None:
        start = planner if steps == 1 else planner.ce
    pol0 = start.flat_policy()[:, : n_ind + 1] if isinstance(start, CESolution) else jnp.asarray(start, float)
    g = planner.grid
    if pol0.shape != (g.R.shape[0] * int(np.prod(g.endog_shape)), n_ind + 1):
        raise ValueError(f"start: expected CE-layout policies of shape (N, {n_ind + 1}) on the planner's grid, "
                         f"got {pol0.shape}")
    return pol0


def solve_taxed_ce(planner: PlannerSolution, start=None, *, selection: str = "previous", steps: int = 1,
                   tol: float = 1e-10, max_iter: int = 3000, rescue: PlannerBracket | None = TaxedBracket()):
    """The competitive equilibrium under the planner's taxes tau^B(s), tau^K_i(s), by time iteration.

    start: the starting allocation, a :class:`CESolution` (e.g. ``planner.ce``) or CE-layout policies (N, I+1)
    in ``grid_points`` order; default the planner's own allocation with ``steps=1`` and the untaxed CE
    (``planner.ce``, the equilibrium at tax scale 0) with ``steps > 1``.
    steps: continuation in the tax scale: the CE under lambda tau^B, lambda tau^K for lambda = 1/steps, 2/steps,
    ..., 1, each solved (to ``tol``) from the previous one, the first from ``start``; 1: the full taxes at once.
    selection: where both branches are valid at a state, "previous" keeps the previous iterate's regime
    (:class:`PreviousRegime`), "bind" prefers the binding one (``CESelect(prefer_bind=True)``), "planner" takes
    the planner's regime at that state (:class:`PlannerRegime`). rescue: run between chunks of sweeps at states
    where both branch Newtons failed (:class:`TaxedBracket`, compiled on first need; None: off). Returns a
    :class:`TaxedEquilibrium`; compare its policies with the planner's (``b_next``, ``k_next``, ``q``). One
    compiled sweep serves all steps.

    Measured at I = 2 (108 states, docs/tradeoff_experiment.md): from the untaxed CE with ``steps=1`` the iteration
    converges to ANOTHER equilibrium of the taxed economy (|q - q_SP| 3.0); with ``steps=10`` (and the rescue) it
    reaches the planner's allocation (|q - q_SP| 4.2e-10). At I = 1 both reach it."""
    if selection not in SELECTIONS:
        raise ValueError(f"selection: one of {SELECTIONS}, got {selection!r}")
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps: a positive integer, got {steps!r}")
    p, g = planner.params, planner.grid
    pol = _start_policy(planner, start, steps)
    tau_b, tau_k = _taxes(p, g, planner.flat_policy())
    if not p.constrained:
        select = None
    elif selection == "planner":
        select = PlannerRegime(g.policy_table(planner.binding.reshape(-1, 1).astype(float)))
    else:
        select = PreviousRegime() if selection == "previous" else CESelect(prefer_bind=True)
    its, diffs, fails = 0, [], []
    for j in range(1, steps + 1):
        lam = jnp.asarray(j / steps)
        pol, it, diff, nfail = iterate(_taxed_fn, pol, p, g, extra=(lam * tau_b, lam * tau_k), select=select,
                                       tol=tol, max_iter=max_iter, smooth_first=False, rescue=rescue)
        its, diffs, fails = its + it, diffs + [diff], fails + [nfail]
    bp, kp_free, q, _, _ = decode(pol, p, g.R[grid_points(g)[2]])
    shape = planner.c.shape
    return TaxedEquilibrium(policy=pol, b_next=bp.reshape(shape), k_next=full_capital(kp_free, p.K_bar).reshape(
        shape + (-1,)), q=q.reshape(shape), iterations=its, max_change=max(diffs), n_failed=max(fails),
        step_change=np.asarray(diffs), step_failed=np.asarray(fails))
