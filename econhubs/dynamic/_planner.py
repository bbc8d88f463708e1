"""``solve_planner``: the time-consistent constrained-efficient planner by vmapped time iteration.

The planner's generalised Euler system (``_planner_residual``: first-order conditions, the
implementability constraint and the envelope conditions W = dV/d(b, k_free)) is solved state by
state by the lean time iteration of ``_planner_sweep`` (vmapped per-state Newton with autodiff
Jacobians, guess and verify over the slack/binding branches with the CE's selection), started from
the competitive equilibrium's policies with W evaluated at the CE allocation. The CE start is solved
by the same engine on ``ce_residual`` unless a :class:`CESolution` is given. One region (I = 1, 2, 3).
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ..core import ConvergenceError
from ._competitive import BIND_TOL, initial_policy, solve_competitive
from ._grid import GridSpec, make_grid
from ._params import TradeoffParams, state_feedback
from ._planner_bracket import PlannerBracket
from ._planner_residual import envelope_at, planner_residual
from ._planner_sweep import REGIMES, StateNewton, iterate
from ._residual import ce_residual, ce_select, decode, full_capital
from ._solution import CESolution
from ._time_iteration import grid_points


class PlannerSolution(CESolution):
    """A :class:`CESolution` of the planner: ``policy`` holds the CE layout (s, k_free', q), so
    ``simulate``, ``impulse_response`` and the welfare code read it like a CE; ``envelope`` holds
    W = dV/d(b, k_1..k_{I-1}) on the grid (``pecuniary``: its part W^Q = eta dg/ds, the iterated unknown);
    ``max_euler_error`` is the max |generalised Euler residual| on the grid (first-order and envelope
    conditions divided by u'(c), implementability by q_ss);
    ``ce`` is the competitive equilibrium on the same grid that the planner started from."""

    envelope: jax.Array | None = None
    pecuniary: jax.Array | None = None
    ce: CESolution | None = None

    def planner_policy(self):
        """(N, 2I + 1) solver vectors in ``grid_points`` order (CE layout followed by W^Q)."""
        pol = jnp.concatenate([self.policy, self.pecuniary], axis=-1)
        return pol.reshape((-1, pol.shape[-1]))


def _planner_fn(y, pt, p, grid, table, extra, regime):
    """``planner_residual``, shifted by 1 where today's consumption is below the floor: the floor's smooth
    continuation is numerical, not the model, and a "root" there (u'(c) and eta = mu u'(c) huge, the residual
    scaled by u'(c) small; measured W^Q_b = -999 at I = 2) is rejected: Newton fails, the branches run, and if
    they fail too the state keeps its previous policy instead of poisoning its neighbours' W(x, e')."""
    F, c = planner_residual(y, pt, p, grid, table, regime)
    return jnp.where(c > p.c_floor, F, F + 1.0), c


def _ce_fn(y, pt, p, grid, table, extra, regime):
    """``ce_residual`` with a regime code: a static int (0, 1, 2), or a traced code that is 1 (slack) or 2
    (binding), as the sweep's branch Newton passes it (two residuals evaluated, one selected)."""
    if isinstance(regime, int):
        return ce_residual(y, pt, p, grid, table, REGIMES[regime])
    outs = [ce_residual(y, pt, p, grid, table, g) for g in REGIMES[1:]]
    return jax.tree.map(lambda a, b: jnp.where(regime == 1, a, b), *outs)


def _select(p: TradeoffParams):
    return ce_select if p.constrained else None


def solve_ce_start(p: TradeoffParams, grid, *, tol=1e-9, max_iter=3000, verbose=False):
    """The competitive equilibrium on ``grid`` by the lean engine (the planner's starting point):
    (policy (N, I+1), sweeps, sup change, failed states)."""
    return iterate(_ce_fn, initial_policy(p, grid), p, grid, select=_select(p), tol=tol,
                   max_iter=max_iter, verbose=verbose)


@jax.jit
def _start(p, grid, ce_pol):
    """CE policy (N, I+1) plus the pecuniary part W^Q of the envelope at the CE allocation."""
    I = p.phi.shape[-1]
    table = grid.policy_table(jnp.concatenate([ce_pol, jnp.zeros(ce_pol.shape[:1] + (I,))], axis=-1))
    WQ, _ = jax.vmap(lambda y, pt: envelope_at(y, pt, p, grid, table))(ce_pol, grid_points(grid))
    return jnp.concatenate([ce_pol, WQ], axis=-1)


@jax.jit
def continued_policy(grid, start_grid, start_pol):
    """A planner's policies (N0, 2I + 1) on ``start_grid`` interpolated at the states of ``grid`` (N, 2I + 1):
    ``start_grid``'s own interpolation (cubic/linear as its ``order``), each state's endogenous point clamped to
    the box of ``start_grid`` (no extrapolation: a state below its lowest bond node takes the edge's policy), the
    exogenous state matched by index (the two grids must share the exogenous chain)."""
    table = start_grid.policy_table(start_pol)
    b, k, e = grid_points(grid)
    lo = jnp.array([g[0] for g in start_grid.endog_grids])
    hi = jnp.array([g[-1] for g in start_grid.endog_grids])
    x = jnp.clip(jnp.concatenate([b[:, None], k], axis=1), lo, hi)
    return jax.vmap(lambda xi, ei: table(xi)[ei])(x, e)


def _check_start(start, params, grid):
    """ValueError unless ``start`` is a PlannerSolution of the same parameters on the same exogenous chain."""
    if not isinstance(start, PlannerSolution) or start.pecuniary is None:
        raise TypeError("start: expected a PlannerSolution (from solve_planner)")
    same = jax.tree.structure(start.params) == jax.tree.structure(params) and all(
        np.shape(a) == np.shape(b) and np.allclose(np.asarray(a), np.asarray(b))
        for a, b in zip(jax.tree.leaves(start.params), jax.tree.leaves(params)))
    if not same:
        raise ValueError("start: a planner solution of other parameters (continuation is over grids only)")
    g0 = start.grid
    if g0.P.shape != grid.P.shape or not (np.allclose(np.asarray(g0.P), np.asarray(grid.P))
                                          and np.allclose(np.asarray(g0.zbar), np.asarray(grid.zbar))
                                          and np.allclose(np.asarray(g0.R), np.asarray(grid.R))):
        raise ValueError(f"start: its exogenous chain ({g0.P.shape[0]} states) differs from this grid's "
                         f"({grid.P.shape[0]} states): same n_z, n_R, method needed")


@jax.jit
def _envelope(p, grid, pol):
    """W = dV/d(b, k_free) (N, I) on the grid at the planner's policies (N, 2I + 1)."""
    table = grid.policy_table(pol)
    return jax.vmap(lambda y, pt: envelope_at(y, pt, p, grid, table)[1])(pol, grid_points(grid))


@jax.jit
def _diagnostics(p, grid, pol):
    """Residuals on the grid and c: the planner's (policies of length 2I + 1) or the CE's (I + 1)."""
    table = grid.policy_table(pol)
    I = p.phi.shape[-1]
    fn = planner_residual if pol.shape[-1] == 2 * I + 1 else ce_residual
    return jax.vmap(lambda y, pt: fn(y, pt, p, grid, table))(pol, grid_points(grid))


def _finish(p, spec, grid, pol, it, diff, nfail, ce=None):
    """Pack policies (planner: 2I + 1 columns, CE: I + 1) into a PlannerSolution / CESolution."""
    I = p.phi.shape[-1]
    res, c = _diagnostics(p, grid, pol)
    bp, kp_free, q, mu, _ = decode(pol[:, : I + 1], p, grid.R[grid_points(grid)[2]])
    binding = mu > BIND_TOL if p.constrained else jnp.zeros_like(mu, bool)
    full = grid.endog_shape + grid.exog_shape
    fields = dict(
        params=p, grid=grid, spec=spec, policy=pol[:, : I + 1].reshape(full + (I + 1,)),
        b_next=bp.reshape(full), k_next=full_capital(kp_free, p.K_bar).reshape(full + (-1,)),
        q=q.reshape(full), mu=mu.reshape(full), c=c.reshape(full), iterations=jnp.asarray(it),
        max_change=jnp.asarray(diff), max_euler_error=jnp.max(jnp.abs(res)),
        max_bond_error=jnp.max(jnp.abs(res[:, 0])), max_portfolio_error=jnp.max(jnp.abs(res[:, 1:I]), initial=0.0),
        share_binding=jnp.mean(binding), share_floor=jnp.mean(c <= p.c_floor), n_failed=jnp.asarray(nfail),
        binding=binding.reshape(full), b_bounds=jnp.stack([grid.b[0], grid.b[-1]]),
        feedback=state_feedback(p, q, c).reshape(full), n_multiple=jnp.asarray(0),
        failed_per_sweep=jnp.full((1,), -1),
    )
    if pol.shape[-1] == I + 1:
        return CESolution(**fields)
    return PlannerSolution(**fields, envelope=_envelope(p, grid, pol).reshape(full + (I,)),
                           pecuniary=pol[:, I + 1:].reshape(full + (I,)), ce=ce)


def solve_planner(
    params: TradeoffParams,
    spec: GridSpec = GridSpec(),
    *,
    ce: CESolution | None = None,
    b_bounds=None,
    tol: float = 1e-9,
    max_iter: int = 3000,
    newton: StateNewton = StateNewton(),
    damping: float = 1.0,
    verbose: bool = False,
    throw: bool = True,
    max_seconds: float | None = None,
    rescue: PlannerBracket | None = PlannerBracket(),
    start: PlannerSolution | None = None,
) -> PlannerSolution:
    """Solve the constrained-efficient planner on the grid of ``spec`` (and ``b_bounds``) for one region.

    ce: the competitive equilibrium on the same grid to start from (else solved by the same engine on
    ``ce_residual``: residual-for-residual the CE of ``solve_competitive``, which solves it where that engine
    leaves a failed state); kept as ``.ce`` of the result.
    tol: sup-norm policy change at which to stop. damping: Y += damping (T(Y) - Y) per sweep.
    throw: raise :class:`ConvergenceError` if the change
    is above ``tol``, a policy is not finite, or a per-state solve failed in the last sweep (else warn;
    non-finite policies always raise). max_seconds: stop the planner's sweeps after this wall time (checked
    between chunks of 25 sweeps; the result is then unconverged and says so). rescue: the bracketing rescue
    run between chunks at states where both branch Newtons failed (:class:`PlannerBracket`; None: off).
    start: continuation (e.g. from a coarser or narrower grid on which the planner converged): the sweeps start
    from ``start``'s policies and W^Q interpolated at this grid's states (:func:`continued_policy`) instead of
    from the CE's policies with W^Q at the CE allocation; same parameters and exogenous chain required. The CE
    (``ce`` or solved here) is still the one on this grid and is kept as ``.ce``.
    """
    if not isinstance(params, TradeoffParams):
        raise TypeError("params: expected a TradeoffParams")
    if params.collateral_price != "market":
        raise ValueError("params.collateral_price: the planner is implemented for 'market' collateral (the seed's)")
    if jnp.ndim(params.phi) != 1:
        raise ValueError("params: one region (phi of shape (I,)); solve batches region by region")
    bb = None if b_bounds is None else jnp.asarray(b_bounds, float)
    if ce is not None:
        bb = ce.b_bounds if bb is None else bb
    grid = make_grid(params, spec, bb)
    if start is not None:
        _check_start(start, params, grid)  # before the CE solve
    if ce is not None:
        ce_pol = ce.flat_policy()
    else:
        ce_pol, it, d, nf = solve_ce_start(params, grid, tol=tol, max_iter=max_iter, verbose=verbose)
        if nf or not d <= tol:
            # the lean engine has no bracketing rescue: a state at the kink of the previous iterate can fail on
            # every branch (measured: 1 of 48 states at I = 1, n_b = 24; 2 of 108 at I = 2); the CE engine
            # (``solve_competitive``: fallback branches and a bracketing rescue) solves the same equations
            if verbose:
                print(f"  CE start: {nf} failed states in the lean engine; solving it with solve_competitive")
            ce = solve_competitive(params, spec, b_bounds=jnp.stack([grid.b[0], grid.b[-1]]), tol=tol,
                                   max_iter=max_iter, polish=False, verbose=verbose)
            ce_pol = ce.flat_policy()
        else:
            ce = _finish(params, spec, grid, ce_pol, it, d, nf)
    if start is None:
        pol0 = _start(params, grid, ce_pol)
    else:
        pol0 = continued_policy(grid, start.grid, start.planner_policy())
    pol, it, diff, nfail = iterate(_planner_fn, pol0, params, grid,
                                   select=_select(params), newton=newton, tol=tol, max_iter=max_iter, damping=damping,
                                   verbose=verbose, max_seconds=max_seconds, rescue=rescue)
    sol = _finish(params, spec, grid, pol, it, diff, nfail, ce)
    finite = bool(np.all(np.isfinite(np.asarray(pol))))
    if not finite or diff > tol or nfail > 0:
        msg = f"planner time iteration: sup change {diff:.3e} (tol {tol:.1e}), failed per-state solves {nfail}"
        if throw or not finite:
            raise ConvergenceError("constrained-efficient planner (time iteration)", diff, it, tol, msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    return sol
