"""Lean time iteration for the planner (and the taxed competitive equilibrium): per-state Newton in plain jnp.

Same scheme as :class:`TimeIteration` (Coleman time iteration: every grid state's system F(y; s, Y_n) = 0
solved from Y_n(s) against one interpolation table of Y_n, vmapped over states; guess and verify over the
slack/binding branches with the CE's :class:`CESelect`; stop when sup |Y_{n+1} - Y_n| <= tol with no failed
state), written for the planner's residual (which carries its own ``jax.jacfwd``: first-order and envelope
conditions, differentiated again by Newton):

* the per-state Newton is :class:`StateNewton`: a jacfwd Jacobian, a Gauss-Jordan solve with partial
  pivoting written in jnp (:func:`small_solve`, systems of 2I+1 <= 7 unknowns) and a backtracking line
  search in a ``while_loop`` (under ``vmap`` a step costs one residual evaluation per halving that SOME state
  still needs: usually one). No LAPACK custom call (jax 0.10.2 on CPU rejected ``lapack_dgetrf_ffi`` inside
  the loop: "No registered implementation for untyped custom call");
* the regime is static: each state is first solved on the smooth residual (regime 0, positive-part encoding);
  only the states where that failed are solved on the slack (1) and binding (2) branches, gathered into a
  fixed-size batch (``select`` picks; all states when more failed), as ``TimeIteration(branches="fallback")``;
* the slow mode of the iteration is extrapolated (:func:`_time_iteration.extrapolate`, as the CE engine);
* sweeps run in jitted chunks (``lax.fori_loop``) and the stopping test runs between chunks in Python.

Profile (I = 2, 6 x 4 x 3^2 = 216 states, default calibration, 2-core CPU; the earlier version of this
file): each Newton step evaluated 12 step lengths at once and every state ran all three regimes to the step
limit whenever one branch could not converge (the wrong branch of a state never does), ~100x a CE sweep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._grid import TradeoffGrid, grid_points
from ._residual import decode
from ._sweep import at_failed
from ._time_iteration import extrapolate


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


def _norm(f):
    m = jnp.max(jnp.abs(f))
    return jnp.where(jnp.isfinite(m), m, jnp.inf)


class StateNewton(eqx.Module):
    """Damped Newton for one small system: stop at max|F| <= atol; steps 1, 1/2, ..., 2^-(n_trials-1) are
    tried in turn and the first with Armijo decrease of max|F| is taken (else the best decrease; none:
    failure, the state stops)."""

    atol: float = 1e-11
    max_steps: int = 40
    n_trials: int = 12

    def _line_search(self, fn, y, d, f0, active):
        """First t = 2^-j with Armijo decrease (else the best t); inactive states skip (one evaluation)."""

        def cond(c):
            return (c[1] < self.n_trials) & ~c[4]

        def body(c):
            t, j, best_t, best_v, _ = c
            v = _norm(fn(y + t * d))
            ok = v <= (1.0 - 1e-4 * t) * f0
            better = ok | (v < best_v)
            return t * 0.5, j + 1, jnp.where(better, t, best_t), jnp.where(better, v, best_v), ok

        init = (jnp.array(1.0), jnp.array(0), jnp.array(0.0), jnp.array(jnp.inf), ~active)
        _, _, t, v, _ = jax.lax.while_loop(cond, body, init)
        return t, v

    def __call__(self, fn: Callable, y0):
        """fn(y) -> F(y) (same length). Returns (y, converged)."""

        def cond(c):
            _, fn_, it, stalled = c
            return (it < self.max_steps) & (fn_ > self.atol) & ~stalled

        def fj(v):
            f = fn(v)
            return f, f

        def body(c):
            y, _, it, stalled = c
            J, f = jax.jacfwd(fj, has_aux=True)(y)  # F(y) comes with the Jacobian: no separate evaluation
            f0 = _norm(f)
            active = (f0 > self.atol) & ~stalled
            d = small_solve(J, -f)
            d = jnp.where(jnp.all(jnp.isfinite(d)), d, 0.0)
            t, v = self._line_search(fn, y, d, f0, active)
            better = active & (v < f0)
            return jnp.where(better, y + t * d, y), jnp.where(better, v, f0), it + 1, stalled | (active & ~better)

        # max|F| starts at inf: the first step evaluates F(y0) with its Jacobian (one residual trace less in the
        # compiled sweep than a separate F(y0)); a state already at max|F| <= atol stops there without a step
        y0 = jnp.asarray(y0)
        y, fn_, _, _ = jax.lax.while_loop(cond, body, (y0, jnp.array(jnp.inf, y0.dtype), jnp.array(0),
                                                       jnp.array(False)))
        return y, fn_ <= self.atol


REGIMES = (None, "slack", "bind")  # regime codes 0, 1, 2 of a residual's ``regime`` argument


def decode_regime(y, p, R, regime):
    """``_residual.decode`` with a regime code (0: positive parts, 1: slack branch, 2: binding branch): a static
    int picks one decoding, a traced code selects among the three."""
    if isinstance(regime, int):
        return decode(y, p, R, REGIMES[regime])
    outs = [decode(y, p, R, g) for g in REGIMES]
    return jax.tree.map(lambda a, b, c: jnp.where(regime == 0, a, jnp.where(regime == 1, b, c)), *outs)


def _solve(residual, newton, regime, ys, pts, params, grid, table, extra):
    """Newton at every lane; ``regime`` a static code or a traced code per lane (shape (n,))."""
    def one(y0, pt, ex, rg):
        return newton(lambda y: residual(y, pt, params, grid, table, ex, rg)[0], y0)

    if isinstance(regime, int):
        return jax.vmap(lambda y0, pt, ex: one(y0, pt, ex, regime))(ys, pts, extra)
    return jax.vmap(one)(ys, pts, extra, regime)


def _branches(residual, newton, select, ys, pts, params, grid, table, extra):
    """Slack and binding branches from ``ys`` in ONE vmapped Newton (lanes 2m: the regime is a traced code per
    lane, so the compiled sweep holds one copy of the branch Newton, not one per regime), then ``select``."""
    m = ys.shape[0]
    two = jax.tree.map(lambda a: jnp.concatenate([a, a]), (ys, pts, extra))
    regime = jnp.concatenate([jnp.full((m,), 1), jnp.full((m,), 2)])
    v, o = _solve(residual, newton, regime, two[0], two[1], params, grid, table, two[2])
    y, ok, _ = jax.vmap(lambda y0, a, b, c, d, pt: select(y0, [a, b], [c, d], pt, grid))(
        ys, v[:m], v[m:], o[:m], o[m:], pts)
    return y, ok


def _branches_where_failed(residual, newton, select, pol, pts, params, grid, table, extra, new, ok, size):
    """The branches at the states where ``ok`` is False, ``size`` states at a time (``_sweep.at_failed``: gather,
    solve, scatter) in a ``while_loop`` until every failed state has had its turn; one compiled copy serves a
    few failures and a whole grid of them."""

    def cond(c):
        return jnp.any(c[2])

    def body(c):
        new, ok, todo = c
        n = todo.shape[0]
        idx = jnp.nonzero(todo, size=size, fill_value=n)[0]
        new, ok_b = at_failed(lambda *sub: _branches(residual, newton, select, sub[0], sub[1], params, grid, table,
                                                     sub[2]), ~todo, size, (pol, pts, extra), (new, ok))
        return new, ok_b, todo.at[idx].set(False, mode="drop")

    new, ok, _ = jax.lax.while_loop(cond, body, (new, ok, ~ok))
    return new, ok


def sweep_states(residual: Callable, newton: StateNewton, select, pol, params, grid: TradeoffGrid, extra,
                 smooth_first: bool = True):
    """One sweep from ``pol`` (N, n): each state solved on the smooth residual (regime 0: positive-part
    encoding, complementarity exact); where that failed, ``select`` picks among the slack (1) and binding (2)
    branches (gathered: max(32, N/8) states at a time; ``TimeIteration(branches="fallback")``).
    ``smooth_first=False``: every state on the branches (``branches="all"``). ``select`` None (no constraint):
    smooth only. residual(y, point, params, grid, table, extra_s, regime) -> (F, aux), regime a static or traced
    code (``decode_regime``); extra: per-state arrays (leading axis N) or None. Returns (new policies, ok (N,))."""
    table = grid.policy_table(pol)
    pts = grid_points(grid)
    n = pol.shape[0]
    if extra is None:
        extra = jnp.zeros((n, 0))
    size = min(n, max(32, n // 8))
    if select is None:
        new, ok = _solve(residual, newton, 0, pol, pts, params, grid, table, extra)
    else:
        if smooth_first:
            new, ok = _solve(residual, newton, 0, pol, pts, params, grid, table, extra)
        else:
            new, ok = pol, jnp.zeros((n,), bool)
        new, ok = _branches_where_failed(residual, newton, select, pol, pts, params, grid, table, extra, new, ok,
                                         size)
    finite = jnp.all(jnp.isfinite(new), axis=1)
    return jnp.where((finite & ok)[:, None], new, pol), ok & finite


@eqx.filter_jit
def _chunk(residual, newton, select, carry, params, grid, extra, n_sweeps: int, damping, smooth_first, accelerate):
    """``n_sweeps`` sweeps from carry = (policy, previous change, its ratio lam, sweep count); also returns the
    last sweep's sup change, failed count and ok mask (N,)."""

    def body(_, c):
        pol, dprev, lam_prev, it, _, _, _ = c
        new, ok = sweep_states(residual, newton, select, pol, params, grid, extra, smooth_first)
        new = pol + damping * (new - pol)
        nfail = jnp.sum(~ok)
        d = new - pol
        if accelerate:
            new, lam = extrapolate(new, d, dprev, lam_prev, it, nfail, accelerate)
        else:
            lam = lam_prev
        return new, d, lam, it + 1, jnp.max(jnp.abs(d)), nfail, ok

    init = carry + (jnp.array(jnp.inf), jnp.array(0), jnp.ones(carry[0].shape[:1], bool))
    return jax.lax.fori_loop(0, n_sweeps, body, init)


@eqx.filter_jit
def _rescue(residual, newton, select, rescue, pol, todo, params, grid, extra, size: int):
    """``rescue`` (e.g. :class:`PlannerBracket`) at the first ``size`` states where ``todo`` is True (gathered),
    against the table of ``pol``; ``select`` picks among its slack and binding results.
    Returns (policy, rescued (N,), todo with those states removed)."""
    table = grid.policy_table(pol)
    n = pol.shape[0]
    extra = jnp.zeros((n, 0)) if extra is None else extra

    def one(y0, pt, ex):
        ys, oks = rescue(residual, newton, y0, pt, params, grid, table, ex)
        y, good, _ = select(y0, list(ys), list(oks), pt, grid)
        good = good & jnp.all(jnp.isfinite(y))
        return jnp.where(good, y, y0), good

    idx = jnp.nonzero(todo, size=size, fill_value=n)[0]
    pol, good = at_failed(lambda *sub: jax.vmap(one)(*sub), ~todo, size, (pol, grid_points(grid), extra),
                          (pol, jnp.zeros((n,), bool)))
    return pol, good, todo.at[idx].set(False, mode="drop")


def iterate(residual, pol0, params, grid, *, extra=None, select=None, newton=StateNewton(),
            tol=1e-9, max_iter=3000, chunk=25, damping=1.0, smooth_first=True, accelerate=10, verbose=False,
            max_seconds: float | None = None, rescue=None, rescue_size: int = 8):
    """Sweeps in jitted chunks of ``chunk`` until sup change <= tol with no failed state, ``max_iter``
    sweeps, ``max_seconds`` of wall time (checked between chunks, compilation included), a non-finite
    change, or a chunk in which nothing moved (change exactly 0) while states still fail and nothing was rescued
    before it (stuck: more sweeps cannot help). accelerate: extrapolate the slow mode every this many sweeps
    (0: off). rescue: a bracketing rescue (:class:`PlannerBracket`; needs ``select``) run between chunks at the
    states that failed in the chunk's last sweep (``rescue_size`` of them at a time; compiled on first need): a
    rescued state restarts the next chunk from its bracketed root, an unrescued one stays failed (the stopping
    rule needs a sweep without failures).
    Returns (policy, sweeps, last sup change, failed states in the last sweep)."""
    # strong (not weak) scalar types: the chunk's outputs must have the carry's types, else the second chunk
    # recompiles the whole sweep (jnp.array(0.0) is weakly typed; it cost one more full compile)
    pol0 = jnp.asarray(pol0)
    carry = (pol0, jnp.zeros_like(pol0), jnp.zeros((), pol0.dtype), jnp.zeros((), jnp.int32))
    it, t0, rescued = 0, time.perf_counter(), 0
    while True:
        out = _chunk(residual, newton, select, carry, params, grid, extra, chunk, damping, smooth_first, accelerate)
        carry, diff, nfail, ok = out[:4], out[4], out[5], out[6]
        it += chunk
        d, nf = float(diff), int(nfail)
        if verbose:
            print(f"  planner time iteration {it:6d}: sup|policy change| = {d:.3e}, failed solves = {nf}", flush=True)
        late = max_seconds is not None and time.perf_counter() - t0 > max_seconds
        stuck = d == 0.0 and nf > 0 and rescued == 0  # nothing moves and the failed states stay failed
        if (d <= tol and nf == 0) or it >= max_iter or not np.isfinite(d) or late or stuck:
            return carry[0], it, d, nf
        rescued = 0
        if rescue is not None and select is not None and nf > 0:
            pol, todo, n_ok = carry[0], ~ok, 0
            while bool(jnp.any(todo)):
                pol, good, todo = _rescue(residual, newton, select, rescue, pol, todo, params, grid, extra,
                                          min(rescue_size, pol.shape[0]))
                n_ok += int(jnp.sum(good))
            carry, rescued = (pol,) + carry[1:], n_ok
            if verbose:
                print(f"  planner time iteration {it:6d}: bracketing rescue of {nf} failed states: {n_ok} rescued",
                      flush=True)
