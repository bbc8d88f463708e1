"""``solve_competitive``: the recursive competitive equilibrium on the grid, one region or a batch.

Returns a :class:`CESolution` with policies on the grid (c, b', k', q, eta and mu = eta/u'(c))
and diagnostics: sweeps, last sup change, max unit-free Euler error on the grid (consumption
units for the bond Euler, price units for the portfolio Eulers), share of grid states where the
collateral constraint binds, failed Newton solves, share of states on the consumption floor.
"""

from __future__ import annotations

import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import ConvergenceError, Newton
from ._grid import GridSpec, TradeoffGrid, make_grid
from ._params import TradeoffParams, steady_state_price
from ._residual import CE_REGIMES, ce_euler_errors, ce_residual, ce_select, decode, encode, full_capital
from ._bounds import fit_bond_grid
from ._solution import CESolution
from ._time_iteration import evaluate_on_grid, grid_points, time_iteration

BIND_TOL = 1e-8


def initial_policy(p: TradeoffParams, grid: TradeoffGrid) -> jax.Array:
    """b' = b, k' = k, q = q_ss, mu = 0 at every state (a 'stay put' guess)."""
    b, k, e = grid_points(grid)
    q = jnp.full_like(b, steady_state_price(p))
    R = grid.R[e]
    bp = jnp.maximum(b, -0.999 * R * p.theta * q * p.K_bar) if p.constrained else b
    return encode(bp, k, q, jnp.zeros_like(b), p, R)


def _solve_one(p: TradeoffParams, spec: GridSpec, tol, max_iter, damping, verbose, report_every, guess_verify=False,
               pol0=None, b_bounds=None):
    grid = make_grid(p, spec, b_bounds)
    pol0 = initial_policy(p, grid) if pol0 is None else pol0
    pol, it, diff, nfail = time_iteration(
        ce_residual, pol0, p, grid, tol=tol, max_iter=max_iter, damping=damping,
        newton=Newton(atol=1e-11, max_backtracks=10), newton_steps=20, verbose=verbose, report_every=report_every,
        regimes=CE_REGIMES if (p.constrained and guess_verify) else None, select=ce_select,
        fallback=guess_verify == "fallback",
    )
    bond, port, c, c_raw = evaluate_on_grid(ce_euler_errors, pol, p, grid)
    bp, kp_free, q, mu, _ = decode(pol, p, grid.R[grid_points(grid)[2]])
    binding = mu > BIND_TOL if p.constrained else jnp.zeros_like(mu, bool)
    full = grid.endog_shape + grid.exog_shape
    mb, mp = jnp.max(jnp.abs(bond)), jnp.max(jnp.abs(port))
    return CESolution(
        params=p, grid=grid, spec=spec, policy=pol.reshape(full + (pol.shape[-1],)),
        b_next=bp.reshape(full), k_next=full_capital(kp_free, p.K_bar).reshape(full + (-1,)),
        q=q.reshape(full), mu=mu.reshape(full), c=c.reshape(full),
        iterations=it, max_change=diff, max_euler_error=jnp.maximum(mb, mp), max_bond_error=mb,
        max_portfolio_error=mp, share_binding=jnp.mean(binding), share_floor=jnp.mean(c_raw < p.c_floor),
        n_failed=nfail, binding=binding.reshape(full), b_bounds=jnp.stack([grid.b[0], grid.b[-1]]),
    )


@eqx.filter_jit
def _call(params, spec, opts, pol0, b_bounds, batched):
    def fn(p, y0, bb):
        return _solve_one(p, spec, *opts, y0, bb)

    if batched:
        fn = jax.vmap(fn, in_axes=(0, None if pol0 is None else 0, None if b_bounds is None else 0))
    return fn(params, pol0, b_bounds)


def solve_competitive(
    params: TradeoffParams,
    spec: GridSpec = GridSpec(),
    *,
    tol: float = 1e-8,
    max_iter: int = 5000,
    damping: float = 1.0,
    verbose: bool = False,
    report_every: int = 100,
    throw: bool = True,
    initial: CESolution | None = None,
    b_bounds=None,
    guess_verify: bool | str = False,
) -> CESolution:
    """Solve the competitive equilibrium by vmapped time iteration (see module docstring).

    params: one region, or a batch with a leading axis on every leaf (``stack_params``); a batch
    is solved in one vmapped call (the while loop runs until every region has converged).
    tol: sup-norm policy change at which to stop. throw: raise :class:`ConvergenceError` if a region does not converge or any
    policy is not finite (NaN never leaves this function).
    initial: a previous solution on a grid of the same size to start from (continuation).
    b_bounds: (b_min, b_max) of the bond grid (per region for a batch: shape (n, 2)); overrides
    the spec without recompiling. ``"auto"``: fit the bounds to the ergodic set by continuation
    (``_bounds.fit_bond_grid``: lower end = lowest b' chosen, upper end = ergodic maximum + 10%).
    guess_verify: solve every state on the slack and the binding branch and keep the valid one
    (robust near the constraint's kink, but about 5-10x the work per sweep); default: one smooth
    Newton solve per state on the positive-part encoding; ``"fallback"``: the smooth solve everywhere
    and both branches only at the states where it failed (gathered, so a sweep costs about as
    much as a smooth one).
    """
    if not isinstance(params, TradeoffParams):
        raise TypeError("params: expected a TradeoffParams")
    batched = jnp.ndim(params.phi) == 2
    pol0 = None if initial is None else initial.flat_policy()
    if guess_verify not in (True, False, "fallback"):
        raise ValueError(f"guess_verify: True, False or 'fallback', got {guess_verify!r}")
    opts = (tol, max_iter, damping, verbose, report_every, guess_verify)
    auto = isinstance(b_bounds, str)
    if auto and (b_bounds != "auto" or batched):
        raise ValueError("b_bounds: 'auto' (one region only), None or (b_min, b_max)")
    bb = None if (b_bounds is None or auto) else jnp.asarray(b_bounds, float)
    if bb is not None and not (bb.shape[-1:] == (2,) and bool(jnp.all(bb[..., 0] < bb[..., 1]))):
        raise ValueError(f"b_bounds: need (b_min, b_max) with b_min < b_max, got {b_bounds}")
    sol = _call(params, spec, opts, pol0, bb, batched)
    if auto:
        round_opts = (tol, min(max_iter, 800)) + opts[2:]  # a round that needs more sweeps has failed
        sol, _ = fit_bond_grid(lambda b, y0: _call(params, spec, round_opts, y0, b, False), sol, verbose=verbose)
    finite = bool(np.all(np.isfinite(np.asarray(sol.policy)))) and bool(np.all(np.isfinite(np.asarray(sol.c))))
    change = np.asarray(sol.max_change)
    if not finite:
        raise ConvergenceError("competitive equilibrium (time iteration)", float("nan"), int(np.max(sol.iterations)), tol,
                               "non-finite policies: check parameters and grid bounds")
    if np.any(change > tol):
        msg = f"time iteration stopped at sup change {np.max(change):.3e} > tol {tol:.1e}"
        if throw:
            raise ConvergenceError("competitive equilibrium (time iteration)", float(np.max(change)), int(np.max(sol.iterations)), tol, msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    if float(np.max(np.asarray(sol.share_floor))) > 0:
        warnings.warn(
            f"consumption floor active at {100 * float(np.max(sol.share_floor)):.2f}% of grid states "
            "(infeasible corners of the grid: raise b_min or check that the grid covers the ergodic set)",
            RuntimeWarning, stacklevel=2,
        )
    return sol
