"""Vmapped time iteration for the competitive equilibrium (Coleman 1990 style policy iteration).

Given last iterate's policies Y_n (on every grid state), each state's new policy solves
F(y; s, Y_n) = 0 (``ce_residual``) by the core damped Newton with an autodiff Jacobian, started
from Y_n(s); all states are solved at once by ``vmap`` (one jitted sweep), and sweeps run in a
``lax.while_loop`` until sup |Y_{n+1} - Y_n| <= tol. The engine (``time_iteration``) is generic
in the residual, so other recursive equilibria (the planner) reuse it unchanged.

Time iteration contracts slowly (roughly 1/R per sweep: the capital price is a discounted sum).
Once the sweep change is below ``polish_below``, the fixed point Y = T(Y) is polished by the
core Newton on the stacked collocation system G(Y)_s = F(Y_s; s, Y) = 0 (all states at once,
matrix-free GMRES on JVPs, preconditioned by the per-state Jacobian blocks dF/dy_s), which
converges in a few Newton steps; plain sweeps then resume and certify the stopping rule
sup |T(Y) - Y| <= tol, so the result is a time-iteration fixed point whatever the polish did.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp

from ..core import Newton, root_find
from ._grid import TradeoffGrid


def grid_points(grid: TradeoffGrid):
    """All states in C order over (endogenous..., e): b (N,), k_free (N, I-1), e (N,)."""
    endog = jnp.meshgrid(*grid.endog_grids, jnp.arange(grid.R.shape[0]), indexing="ij")
    flat = [m.reshape(-1) for m in endog]
    b, ks, e = flat[0], flat[1:-1], flat[-1].astype(jnp.int32)
    k = jnp.stack(ks, axis=-1) if ks else jnp.zeros((b.shape[0], 0))
    return b, k, e


def _progress(it, diff, nfail):
    print(f"  time iteration {int(it):6d}: sup|policy change| = {float(diff):.3e}, failed Newton solves = {int(nfail)}", flush=True)


def time_iteration(
    residual: Callable,
    pol0: jax.Array,
    params,
    grid: TradeoffGrid,
    *,
    tol: float = 1e-8,
    max_iter: int = 5000,
    damping: float = 1.0,
    newton: Newton = Newton(atol=1e-11),
    newton_steps: int = 60,
    verbose: bool = False,
    report_every: int = 50,
    accelerate: int = 10,
    polish_below: float | None = 1e-3,
    regimes: tuple | None = None,
    select: Callable | None = None,
    fallback: bool = False,
):
    """Iterate Y <- solve_s F(.; s, Y) to a sup-norm change <= tol. Pure JAX (jit/vmap-able).

    residual(y, point, params, grid, pol_next) -> (F, aux); pol0: (N, n_pol) in grid_points order.
    accelerate: every this many sweeps, extrapolate along the dominant slow mode (one-vector
    minimal polynomial extrapolation: lam = <d_n, d_n-1>/<d_n-1, d_n-1>, Y += lam/(1-lam) d_n,
    applied only when lam is stable between sweeps and 0.5 < lam < 0.995). Time iteration contracts at roughly 1/R per sweep (the
    capital price is a discounted sum), which this removes; 0 switches it off. The stopping
    rule always uses the plain sweep change, so the fixed point is the same.
    polish_below: sweep change below which the collocation system is polished by Newton-GMRES
    once (None: plain time iteration only).
    regimes, select: guess-and-verify for occasionally binding constraints: each state is solved
    on every smooth branch ``residual(..., regime=r)`` (each started from y0) and ``select(y0, values, converged) -> (y, ok)`` picks the valid one.
    fallback: with regimes, solve the smooth residual everywhere and run the branches only at the
    states where it failed (up to max(64, N/16) of them per sweep), keeping their solution there.
    Returns (pol, iterations, last change, failed solves in the last sweep).
    """
    pts = grid_points(grid)
    n_e = grid.R.shape[0]
    shape = grid.endog_shape + (n_e, pol0.shape[-1])

    def solve_on(regime, y0, point, pol_next):
        """One state's Newton solve, on the smooth residual (regime None) or on one branch."""
        kw = {} if regime is None else {"regime": regime}
        sol = root_find(lambda y, a: residual(y, a[0], a[2], a[3], a[1], **kw), y0, (point, pol_next, params, grid),
                        solver=newton, max_steps=newton_steps, has_aux=True, throw=False)
        return sol.value, sol.converged

    def branch_point(y0, point, pol_next):
        vals, oks = zip(*(solve_on(r, y0, point, pol_next) for r in regimes))
        return select(y0, list(vals), list(oks))

    per_state = branch_point if (regimes is not None and not fallback) else partial(solve_on, None)
    sweep_all = jax.vmap(per_state, in_axes=(0, 0, None))
    n_states = pol0.shape[0]
    n_gather = min(n_states, max(64, n_states // 16))

    def sweep(pol):
        pol_next = pol.reshape(shape)
        new, ok = sweep_all(pol, pts, pol_next)
        if regimes is not None and fallback:
            # guess and verify only in sweeps where some smooth solve failed, kept where it failed
            # (gathered: the branches run on at most n_gather failed states, not on the whole grid)
            def branches(_):
                idx = jnp.nonzero(~ok, size=n_gather, fill_value=n_states)[0]
                safe = jnp.minimum(idx, n_states - 1)
                sub = jax.tree.map(lambda a: a[safe], pts)
                new_b, ok_b = jax.vmap(branch_point, in_axes=(0, 0, None))(pol[safe], sub, pol_next)
                return new.at[idx].set(new_b, mode="drop"), ok.at[idx].set(ok_b, mode="drop")

            new, ok = jax.lax.cond(jnp.all(ok), lambda _: (new, ok), branches, None)
        new = jnp.where(jnp.all(jnp.isfinite(new), axis=1, keepdims=True), new, pol)
        return pol + damping * (new - pol), jnp.sum(~ok)

    def body(carry):
        it, pol, _, _, dprev, lam_prev = carry
        new, nfail = sweep(pol)
        d = new - pol
        diff = jnp.max(jnp.abs(d))
        diff = jnp.where(jnp.isfinite(diff), diff, jnp.inf)
        if accelerate:
            lam = jnp.vdot(d, dprev) / jnp.maximum(jnp.vdot(dprev, dprev), 1e-300)
            stable = (jnp.abs(lam - lam_prev) < 1e-3) & (lam > 0.5) & (lam < 0.995) & (it > 2 * accelerate)
            use = ((it + 1) % accelerate == 0) & stable & (nfail == 0)
            new = jnp.where(use, new + lam / (1.0 - lam) * d, new)
        else:
            lam = lam_prev
        if verbose:
            jax.lax.cond((it + 1) % report_every == 0, lambda: jax.debug.callback(_progress, it + 1, diff, nfail), lambda: None)
        return it + 1, new, diff, nfail, d, lam

    def run(stop_at, carry):
        def cond(c):
            it, _, diff, nfail = c[:4]
            return (it < max_iter) & ((diff > stop_at) | (nfail > 0))

        return jax.lax.while_loop(cond, body, carry)

    carry = (jnp.array(0), pol0, jnp.array(jnp.inf), jnp.array(0), jnp.zeros_like(pol0), jnp.array(0.0))
    if polish_below is not None and polish_below > tol:
        carry = run(polish_below, carry)
        pol = carry[1]
        polished = polish(residual, pol, params, grid, newton)
        pol = jnp.where(jnp.all(jnp.isfinite(polished)), polished, pol)
        carry = (carry[0], pol, jnp.array(jnp.inf)) + carry[3:]
    it, pol, diff, nfail, _, _ = run(tol, carry)
    return pol, it, diff, nfail


def polish(residual: Callable, pol, params, grid: TradeoffGrid, newton: Newton, max_steps: int = 12):
    """Newton-GMRES on the collocation system G(Y)_s = F(Y_s; s, Y) = 0 (see module docstring).

    Uses the core ``root_find`` (matrix-free Newton, block-Jacobi preconditioner). Returns the
    polished policies, or the input if Newton did not reach the tolerance.
    """
    pts = grid_points(grid)
    n_e = grid.R.shape[0]
    shape = grid.endog_shape + (n_e, pol.shape[-1])

    def G(Y, args):
        return jax.vmap(lambda y, pt: residual(y, pt, params, grid, Y.reshape(shape))[0])(Y, pts), None

    def block_jacobi(Y, args):
        def own(y, pt):
            return jax.jacfwd(lambda yy: residual(yy, pt, params, grid, Y.reshape(shape))[0])(y)

        lu, piv = jax.scipy.linalg.lu_factor(jax.vmap(own)(Y, pts))
        return lambda v: jax.vmap(lambda a, b, c: jax.scipy.linalg.lu_solve((a, b), c))(lu, piv, v)

    solver = Newton(atol=newton.atol, linear="gmres", gmres_restart=60, gmres_max_steps=20, gmres_rtol=0.1,
                    gmres_rtol_min=1e-8, forcing=0.1, preconditioner=block_jacobi, max_backtracks=10)
    sol = root_find(G, pol, None, solver=solver, max_steps=max_steps, has_aux=True, throw=False)
    return jnp.where(sol.converged, sol.value, pol)


def evaluate_on_grid(fn: Callable, pol, params, grid: TradeoffGrid):
    """vmap fn(y, point, params, grid, pol_next) over all grid states with pol_next = pol."""
    pts = grid_points(grid)
    shape = grid.endog_shape + (grid.R.shape[0], pol.shape[-1])
    return jax.vmap(lambda y, pt: fn(y, pt, params, grid, pol.reshape(shape)))(pol, pts)

