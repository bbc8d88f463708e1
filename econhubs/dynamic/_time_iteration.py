"""Vmapped time iteration (Coleman 1990 style policy iteration) as a module with settings.

Given last iterate's policies Y_n (on every grid state), each state's new policy solves
F(y; s, Y_n) = 0 (e.g. ``ce_residual``) by the core damped Newton with an autodiff Jacobian,
started from Y_n(s). A sweep (:func:`sweep`) builds the interpolation table of Y_n once
(``TradeoffGrid.policy_table``: one gather per evaluation) and solves all states in chunks
(``lax.map`` over chunks, ``vmap`` inside). Sweeps run in a ``lax.while_loop`` until
sup |Y_{n+1} - Y_n| <= tol with no failed state. The engine is generic in the residual
``residual(y, point, params, grid, pol_next, [regime]) -> (F, aux)`` with ``pol_next`` the table
(callable at (b', k') -> (n_e, n_pol)), so the planner reuses it unchanged.

Time iteration contracts at roughly 1/R per sweep (the capital price is a discounted sum):
:func:`extrapolate` removes the dominant slow mode, and once the change is below
``polish_below`` :func:`polish` solves the stacked collocation system Y = T(Y) by Newton-GMRES;
plain sweeps then certify the stopping rule, so the result is a time-iteration fixed point
whatever the acceleration did.

A sweep in which some state has no Newton root reports its sup change as +inf (the change of the
states that kept their old policy would be a meaningless 0) and the number of failed states is
recorded per sweep (``TIResult.failed_per_sweep``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from ..core import Newton
from ._grid import TradeoffGrid, grid_points as grid_points
from ._sweep import polish, sweep


class TIResult(eqx.Module):
    """Outcome of a time iteration. max_change is +inf when the last sweep had failed states;
    failed_per_sweep[n] = failed states in sweep n + 1 (-1 after the last sweep); n_multiple = states
    where more than one branch gave a valid solution in the last sweep (guess and verify only)."""

    policy: Float[Array, "N n"]
    iterations: Int[Array, ""]
    max_change: Float[Array, ""]
    n_failed: Int[Array, ""]
    n_multiple: Int[Array, ""]
    failed_per_sweep: Int[Array, " max_iter"]


class _Progress:
    """Host-side progress printer: the first sweep, then at most one line per ``every`` seconds."""

    def __init__(self, every: float):
        self.every, self.last = every, -1e300

    def __call__(self, it, diff, nfail):
        now = time.monotonic()
        it = int(np.max(it))
        if it == 1 or now - self.last >= self.every:
            self.last = now
            d = float(np.max(diff))
            nf = int(np.max(nfail))
            change = f"{d:.3e}" if nf == 0 else f"undefined ({nf} states without a solution)"
            print(
                f"  time iteration sweep {it:6d}: sup|policy change| = {change}, failed Newton solves = {nf}",
                flush=True,
            )


def extrapolate(new, d, dprev, lam_prev, it, nfail, every: int):
    """One-vector minimal polynomial extrapolation along the slow mode: lam = <d_n, d_n-1>/<d_n-1, d_n-1>,
    Y += lam/(1-lam) d_n every ``every`` sweeps when lam is stable (|lam - lam_prev| < 1e-3), in
    (0.5, 0.995), and no state failed. Returns (Y, lam)."""
    lam = jnp.vdot(d, dprev) / jnp.maximum(jnp.vdot(dprev, dprev), 1e-300)
    stable = (jnp.abs(lam - lam_prev) < 1e-3) & (lam > 0.5) & (lam < 0.995) & (it > 2 * every)
    use = ((it + 1) % every == 0) & stable & (nfail == 0)
    return jnp.where(use, new + lam / (1.0 - lam) * d, new), lam


class TimeIteration(eqx.Module):
    """Settings of the time iteration (see module docstring); call it with
    ``(residual, pol0, params, grid)`` to get a :class:`TIResult`. Pure JAX (jit/vmap-able).

    tol: sup-norm policy change at which to stop. max_iter: sweeps. damping: Y += damping (T(Y) - Y).
    newton, newton_steps: the per-state solver; branch_steps, branch_backtracks: its steps and step
    halvings on the smooth branches (more patient: near the kink of last iterate's policies).
    chunk: states per ``lax.map`` chunk (per round of the batched Newton). batched: the states' Newton solves by
    ``core.BatchedNewton`` (core.Newton's iterates as one flat loop per state, compacted; used when
    ``newton`` is the dense float64 Newton with a line search); False: ``core.root_find`` per state (nested
    loops under vmap). accelerate: extrapolate every this many sweeps (0: off).
    polish_below: sweep change below which the collocation system is polished once (None: off).
    branches: "off" (one smooth solve per state), "all" (every state solved on each of ``regimes``
    and ``select`` picks) or "fallback" (branches only where the smooth solve failed, gathered).
    select(y0, values, converged, point, grid) -> (y, ok, multiple). rescue(y0, point, params, grid, table,
    newton, steps) -> (y, ok): a bracketing solve at the states no branch solved (e.g. ``CEBracket``).
    stall_sweeps: stop, unconverged, after this many consecutive sweeps with failed states (no equilibrium
    on this grid).
    verbose: progress lines (the first sweep, then every ``report_seconds``).
    """

    tol: float = 1e-8
    max_iter: int = 5000
    damping: float = 1.0
    newton: Newton = Newton(atol=1e-11, max_backtracks=10)
    newton_steps: int = 20
    branch_steps: int = 40
    branch_backtracks: int = 30
    chunk: int = 512
    batched: bool = True
    accelerate: int = 10
    polish_below: float | None = 1e-3
    branches: str = "off"
    regimes: tuple | None = None
    select: Callable | None = None
    rescue: Callable | None = None
    stall_sweeps: int = 300
    verbose: bool = False
    report_seconds: float = 2.0

    def __check_init__(self):
        if self.branches not in ("off", "all", "fallback"):
            raise ValueError(f"branches: 'off', 'all' or 'fallback', got {self.branches!r}")
        if self.branches != "off" and (self.regimes is None or self.select is None):
            raise ValueError("branches: 'all'/'fallback' need regimes and select")

    def __call__(self, residual: Callable, pol0, params, grid: TradeoffGrid) -> TIResult:
        progress = _Progress(self.report_seconds)

        do_polish = self.polish_below is not None and self.polish_below > self.tol

        def polished(y):
            out = polish(residual, y, params, grid, self.newton)
            return jnp.where(jnp.all(jnp.isfinite(out)), out, y)

        def body(carry):
            it, pol, _, _, _, dprev, lam_prev, hist, streak, done_polish = carry
            out = sweep(self, residual, pol, params, grid)
            new = pol + self.damping * (out.policy - pol)
            nfail = jnp.sum(~out.ok)
            d = new - pol
            diff = jnp.max(jnp.abs(d))
            diff = jnp.where(jnp.isfinite(diff) & (nfail == 0), diff, jnp.inf)
            if self.accelerate:
                new, lam = extrapolate(new, d, dprev, lam_prev, it, nfail, self.accelerate)
            else:
                lam = lam_prev
            if self.verbose:
                jax.debug.callback(progress, it + 1, diff, nfail)
            if do_polish:  # once, when the change first falls below polish_below; later sweeps certify it
                now = (~done_polish) & (diff <= self.polish_below) & (diff > self.tol)
                new = jax.lax.cond(now, polished, lambda y: y, new)
                diff = jnp.where(now, jnp.inf, diff)
                done_polish = done_polish | now
            hist = hist.at[jnp.minimum(it, hist.shape[0] - 1)].set(nfail.astype(jnp.int32))
            streak = jnp.where(nfail > 0, streak + 1, 0)
            return it + 1, new, diff, nfail, out.n_multiple, d, lam, hist, streak, done_polish

        def cond(c):
            return (c[0] < self.max_iter) & (c[2] > self.tol) & (c[8] < self.stall_sweeps)

        zero = jnp.array(0)
        carry = (
            zero,
            pol0,
            jnp.array(jnp.inf),
            zero,
            zero,
            jnp.zeros_like(pol0),
            jnp.array(0.0),
            jnp.full((self.max_iter if isinstance(self.max_iter, int) else 1,), -1, jnp.int32),  # traced: no history
            zero,
            jnp.array(False),
        )
        it, pol, diff, nfail, nmult, _, _, hist, _, _ = jax.lax.while_loop(cond, body, carry)
        return TIResult(
            policy=pol, iterations=it, max_change=diff, n_failed=nfail, n_multiple=nmult, failed_per_sweep=hist
        )


def time_iteration(residual: Callable, pol0, params, grid: TradeoffGrid, **settings):
    """Functional form kept for callers of the earlier API: ``TimeIteration(**settings)(...)`` as the
    tuple (policy, iterations, last change, failed solves in the last sweep). ``fallback=True`` maps
    to ``branches="fallback"``; ``regimes`` with ``select`` and no ``fallback`` to ``branches="all"``."""
    fallback = settings.pop("fallback", False)
    settings.pop("report_every", None)
    if settings.get("regimes") is not None:
        settings.setdefault("branches", "fallback" if fallback else "all")
    r = TimeIteration(**settings)(residual, pol0, params, grid)
    return r.policy, r.iterations, r.max_change, r.n_failed


def evaluate_on_grid(fn: Callable, pol, params, grid: TradeoffGrid):
    """vmap fn(y, point, params, grid, pol_next) over all grid states with pol_next = the table of pol."""
    pts = grid_points(grid)
    table = grid.policy_table(pol, kink=True)
    return jax.vmap(lambda y, pt: fn(y, pt, params, grid, table))(pol, pts)
