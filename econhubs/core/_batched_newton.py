"""Many small independent root-finding problems at once (e.g. every grid state of a time-iteration sweep):
``core.Newton``'s iterates, one flat loop per problem, compacted.

``core.Newton`` (dense step) on one state is a loop of Newton steps with a nested Armijo line-search loop.
Under ``vmap`` both loops run until the slowest state of the batch is done, so a step costs as many fused
residual-and-Jacobian evaluations as the state that backtracks most, and the batch as many steps as its
slowest state: from the initial policy of the I = 2 default grid (1,350 states) the converged states need
~5 evaluations and the ones without a root up to 145, so every state paid ~200 (a 1,350-state sweep took
4.1 s against NumPy's 0.8 s, which evaluates only the states still iterating).

Here each state runs that iteration as ONE loop: every pass is one ``core.Newton.step`` (one fused evaluation,
``jacfwd``: F and J together, at the state's trial point y + alpha d; accepted: the next direction in the same
pass; rejected: alpha / 2) followed by ``core.Newton.terminate`` (converged: max|F| <= atol; failed: a
non-finite point, a singular J or max_backtracks + 1 rejected trials; out of steps: max_steps Newton steps),
the public ``optimistix.AbstractRootFinder`` methods that ``core.root_find`` runs, so the iterates, step
counts, outcomes and counters (``fevals``) are ``core.root_find(max_steps=...)``'s with
``core.Newton(atol, max_backtracks, armijo)``: one home for the Newton iteration (no copy of it here).
And the work is compacted: rounds of a ``while_loop`` each gather the first ``batch``
states still iterating (the first max(16, batch / 16) once no more are left: the few states that need many trials),
run ``passes`` passes on them (``vmap``) and scatter them back, so a state that needs many trials never
holds up the others, and a sweep costs about what NumPy's active-set loop costs. Two call sites of the
fused evaluation (the two batch sizes): a smaller compile than ``core.root_find`` under ``vmap``.
On a CPU a round of a few hundred states fits the caches (idle lanes of a round cost full compute there); on
a GPU a pass over few states costs about what one over many does, so fewer, larger rounds (``batch`` ~10^4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float

from ._newton import RESULTS, Newton


def _with_aux(fn: Callable) -> Callable:
    return lambda y, pt: (fn(y, pt), None)


def map_states(f: Callable, xs, chunk: int):
    """f mapped over the leading axis of ``xs`` in chunks of ``chunk`` (vmap within a chunk)."""
    n = jax.tree.leaves(xs)[0].shape[0]
    if n <= chunk:
        return jax.vmap(f)(*xs)
    return jax.lax.map(lambda x: f(*x), xs, batch_size=chunk)


class Lane(eqx.Module):
    """One state's loop carry: ``core.Newton``'s iterate y and solver state (F, direction, step length, counters),
    and whether its loop is done (``Newton.terminate``) with which result code."""

    y: Float[Array, " n"]
    state: Any
    done: Bool[Array, ""]
    result: Any


class BatchedNewton(eqx.Module):
    """Settings: those of ``core.Newton`` (atol, max_backtracks, armijo) and ``root_find``'s max_steps;
    ``batch``: states per round, ``passes``: trial points per state and round (see module docstring).

    passes = 4: a round runs until its slowest state is done or ``passes`` trials, so its states that finish
    earlier idle (at full cost on a CPU); with the trial counts of a 10,800-state sweep from the initial policy
    (4-5 for the converged states, up to 148 for those without a root) 76% of the lane evaluations do work at
    8 passes, 89% at 4, 95% at 2 (more rounds, each a gather and scatter).
    """

    atol: float = 1e-11
    max_steps: int = 20
    max_backtracks: int = 10
    armijo: float = 1e-4
    batch: int = 512
    passes: int = 4

    @property
    def newton(self) -> Newton:
        """The ``core.Newton`` whose step every pass runs (dense float64 step, Armijo line search)."""
        return Newton(atol=self.atol, max_backtracks=self.max_backtracks, armijo=self.armijo)

    def _options(self) -> dict:
        return {"max_newton_steps": self.max_steps}

    def init(self, fn: Callable, y0, pt) -> Lane:
        """A fresh lane at y0 (``Newton.init``: the first pass evaluates F and J at y0 itself)."""
        f_struct = jax.eval_shape(lambda y: fn(y, pt), y0)
        state = self.newton.init(_with_aux(fn), y0, pt, self._options(), f_struct, None, frozenset())
        return Lane(y=y0, state=state, done=jnp.array(False), result=RESULTS.successful)

    def _pass(self, fn: Callable, pt, s: Lane) -> Lane:
        """One trial point of one state: ``Newton.step`` then ``Newton.terminate`` (a done lane is unchanged)."""
        nt, g, opts = self.newton, _with_aux(fn), self._options()
        y, state, _ = nt.step(g, s.y, pt, opts, s.state, frozenset())
        done, result = nt.terminate(g, y, pt, opts, state, frozenset())
        new = Lane(y=y, state=state, done=done, result=result)
        return jax.tree.map(lambda a, b: jnp.where(s.done, b, a), new, s)

    def run(self, fn: Callable, pt, s: Lane, passes: int) -> Lane:
        """Up to ``passes`` trial points of one state (fewer once it is done)."""

        def cond(c):
            return (c[0] < passes) & ~c[1].done

        return jax.lax.while_loop(cond, lambda c: (c[0] + 1, self._pass(fn, pt, c[1])), (jnp.array(0), s))[1]

    def __call__(self, fn: Callable, y0s: Float[Array, "N n"], pts):
        """Solve fn(y, point) = 0 for every state (leading axis N of ``y0s`` and of each array in ``pts``).
        Returns (y (N, n), converged (N,)); a failed state's y is its last accepted iterate."""
        s = self.lanes(fn, y0s, pts)
        return s.y, s.done & (s.result == RESULTS.successful)

    def lanes(self, fn: Callable, y0s: Float[Array, "N n"], pts) -> Lane:
        """Every state's final :class:`Lane` (iterate, Newton state with its counters ``fevals`` and ``step``,
        result code)."""
        n = y0s.shape[0]
        big = min(n, self.batch)
        small = min(big, max(16, self.batch // 16))
        cap = self.max_steps * (self.max_backtracks + 1) + 1  # trial points a state can need
        max_rounds = -(-n // small) * -(-cap // self.passes) + 1

        def round_of(size):
            def go(s):
                idx = jnp.nonzero(~s.done, size=size, fill_value=n)[0]
                safe = jnp.minimum(idx, n - 1)
                sub, sub_pts = jax.tree.map(lambda a: a[safe], (s, pts))
                sub = jax.vmap(lambda lane, pt: self.run(fn, pt, lane, self.passes))(sub, sub_pts)
                return jax.tree.map(lambda a, b: a.at[idx].set(b, mode="drop"), s, sub)

            return go

        def one_round(c):
            r, s = c
            if 4 * small > big:  # a small batch saves little: one size (one compile)
                return r + 1, round_of(big)(s)
            few = jnp.sum(~s.done) <= small
            return r + 1, jax.lax.cond(few, round_of(small), round_of(big), s)

        def cond(c):
            return (c[0] < max_rounds) & jnp.any(~c[1].done)

        s = jax.vmap(lambda y, pt: self.init(fn, y, pt))(y0s, pts)
        return jax.lax.while_loop(cond, one_round, (jnp.array(0), s))[1]
