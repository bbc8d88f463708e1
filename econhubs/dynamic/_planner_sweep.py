"""Lean time iteration for the planner (and the taxed competitive equilibrium): per-state Newton in plain jnp.

Same scheme as :class:`TimeIteration` (Coleman time iteration: every grid state's system F(y; s, Y_n) = 0
solved from Y_n(s) against one interpolation table of Y_n, vmapped over states; guess and verify over the
slack/binding branches with the CE's :class:`CESelect`; stop when sup |Y_{n+1} - Y_n| <= tol with no failed
state), with two differences, both about compiling the planner's residual (which carries its own
``jax.jacfwd``: first-order and envelope conditions, differentiated again by Newton):

* the per-state Newton is :class:`StateNewton`: a jacfwd Jacobian, a Gauss-Jordan solve with partial
  pivoting written in jnp (:func:`small_solve`, systems of 2I+1 <= 7 unknowns) and a line search that
  evaluates all step halvings in one vmapped call. No LAPACK custom call (jax 0.10.2 on CPU rejected
  ``lapack_dgetrf_ffi`` inside the loop: "No registered implementation for untyped custom call"), and
  it compiled one planner sweep in ~20-35 s on the loaded 2-core machine where the core optimistix Newton
  took ~50-65 s (still the slow part of a planner solve: the sweeps themselves take milliseconds);
* sweeps run in jitted chunks (``lax.fori_loop``) and the stopping test runs between chunks in Python.
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._grid import TradeoffGrid, grid_points
from ._residual import decode


def small_solve(A, b):
    """x with A x = b by Gauss-Jordan elimination with partial pivoting (n static and small; jnp only).

    A singular A gives non-finite entries (the Newton step is then rejected)."""
    n = A.shape[0]
    M = jnp.concatenate([A, b[:, None]], axis=1)
    rows = jnp.arange(n)
    for j in range(n):
        piv = jnp.argmax(jnp.where(rows >= j, jnp.abs(M[:, j]), -1.0))
        rj, rp = M[j], M[piv]
        M = M.at[piv].set(rj).at[j].set(rp)
        M = M.at[j].set(M[j] / M[j, j])
        M = M - jnp.where(rows == j, 0.0, M[:, j])[:, None] * M[j][None, :]
    return M[:, n]


class StateNewton(eqx.Module):
    """Damped Newton for one small system: stop at max|F| <= atol; steps 1, 1/2, ..., 2^-(n_trials-1) are
    tried together and the first with Armijo decrease of max|F| is taken (else the best decrease; none:
    failure)."""

    atol: float = 1e-11
    max_steps: int = 40
    n_trials: int = 12

    def __call__(self, fn: Callable, y0):
        """fn(y) -> F(y) (same length). Returns (y, converged)."""
        ts = 0.5 ** jnp.arange(self.n_trials)

        def norm(f):
            m = jnp.max(jnp.abs(f))
            return jnp.where(jnp.isfinite(m), m, jnp.inf)

        def cond(c):
            _, fn_, it, stalled = c
            return (it < self.max_steps) & (fn_ > self.atol) & ~stalled

        def body(c):
            y, fn_, it, _ = c
            J, f = jax.jacfwd(lambda v: (fn(v), fn(v)), has_aux=True)(y)
            d = small_solve(J, -f)
            d = jnp.where(jnp.all(jnp.isfinite(d)), d, 0.0)
            trials = jax.vmap(lambda t: norm(fn(y + t * d)))(ts)
            ok = trials <= (1.0 - 1e-4 * ts) * fn_
            idx = jnp.where(jnp.any(ok), jnp.argmax(ok), jnp.argmin(trials))
            better = trials[idx] < fn_
            y_new = jnp.where(better, y + ts[idx] * d, y)
            return y_new, jnp.where(better, trials[idx], fn_), it + 1, ~better

        y0 = jnp.asarray(y0)
        y, fn_, _, _ = jax.lax.while_loop(cond, body, (y0, norm(fn(y0)), jnp.array(0), jnp.array(False)))
        return y, fn_ <= self.atol


REGIMES = (None, "slack", "bind")  # regime codes 0, 1, 2 of a residual's traced ``regime`` argument


def decode_regime(y, p, R, regime):
    """``_residual.decode`` with a traced regime code (0: positive parts, 1: slack branch, 2: binding branch),
    so the three solves of a state share one trace (one Newton in the compiled program instead of three)."""
    outs = [decode(y, p, R, g) for g in REGIMES]
    return jax.tree.map(lambda a, b, c: jnp.where(regime == 0, a, jnp.where(regime == 1, b, c)), *outs)


def sweep_states(residual: Callable, newton: StateNewton, select, pol, params, grid: TradeoffGrid, extra,
                 smooth_first: bool = True):
    """One sweep from ``pol`` (N, n): each state solved on the smooth residual (regime 0: positive-part
    encoding, complementarity exact) and on the slack (1) and binding (2) branches, all three in one vmapped
    Newton; the smooth root is kept where it converged, else ``select`` picks among the branches (the
    valid one, as ``TimeIteration(branches="fallback")``; ``smooth_first=False``: always ``select``, as
    ``branches="all"``). ``select`` None (no constraint): smooth only.
    residual(y, point, params, grid, table, extra_s, regime) -> (F, aux); extra: per-state arrays
    (leading axis N) or None. Returns (new policies, ok (N,))."""
    table = grid.policy_table(pol)
    pts = grid_points(grid)
    codes = jnp.arange(3) if select is not None else jnp.arange(1)

    def one(y0, pt, ex):
        vals, oks = jax.vmap(lambda r: newton(lambda y: residual(y, pt, params, grid, table, ex, r)[0], y0))(codes)
        if select is None:
            return vals[0], oks[0]
        y, ok, _ = select(y0, [vals[1], vals[2]], [oks[1], oks[2]], pt, grid)
        if not smooth_first:
            return y, ok
        return jnp.where(oks[0], vals[0], y), oks[0] | ok

    new, ok = jax.vmap(one)(pol, pts, extra)
    finite = jnp.all(jnp.isfinite(new), axis=1)
    return jnp.where(finite[:, None], new, pol), ok & finite


@eqx.filter_jit
def _chunk(residual, newton, select, pol, params, grid, extra, n_sweeps: int, damping, smooth_first):
    def body(_, c):
        new, ok = sweep_states(residual, newton, select, c[0], params, grid, extra, smooth_first)
        new = c[0] + damping * (new - c[0])
        return new, jnp.max(jnp.abs(new - c[0])), jnp.sum(~ok)

    return jax.lax.fori_loop(0, n_sweeps, body, (pol, jnp.array(jnp.inf), jnp.array(0)))


def iterate(residual, pol0, params, grid, *, extra=None, select=None, newton=StateNewton(),
            tol=1e-9, max_iter=3000, chunk=25, damping=1.0, smooth_first=True, verbose=False):
    """Sweeps in jitted chunks of ``chunk`` until sup change <= tol with no failed state, ``max_iter``
    sweeps, or a non-finite change. Returns (policy, sweeps, last sup change, failed states in the last sweep)."""
    pol, it = pol0, 0
    while True:
        pol, diff, nfail = _chunk(residual, newton, select, pol, params, grid, extra, chunk, damping, smooth_first)
        it += chunk
        d, nf = float(diff), int(nfail)
        if verbose:
            print(f"  planner time iteration {it:6d}: sup|policy change| = {d:.3e}, failed solves = {nf}", flush=True)
        if (d <= tol and nf == 0) or it >= max_iter or not np.isfinite(d):
            return pol, it, d, nf
