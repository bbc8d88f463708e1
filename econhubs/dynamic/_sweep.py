"""One time-iteration sweep, and the Newton-GMRES polish of the collocation system.

``sweep``: every grid state's system F(y; s, Y_n) = 0 solved from Y_n(s) by the core Newton's iteration,
against one interpolation table of Y_n (built once per sweep): ``core.BatchedNewton`` (one flat
loop per state, rounds over the first ``chunk`` states still iterating) where ``ti.newton`` is the dense
float64 Newton, else ``core.root_find`` per state in ``lax.map`` chunks (``vmap`` inside).
Guess and verify (``branches="all"``): each state is solved on every smooth branch and
``select`` keeps the valid one (or the preferred one where several are valid: equilibrium
selection); ``branches="fallback"``: the branches only at the states where the smooth solve failed,
gathered (at most max(64, N/16) per sweep); ``rescue`` (e.g. ``_bracket.CEBracket``): a bracketing solve at
the states that no branch solved (gathered, at most max(64, N/16) per sweep). A state still without a root
keeps its old policy and is reported as failed.

``polish``: Newton-GMRES on the stacked collocation system G(Y)_s = F(Y_s; s, Y) = 0 (matrix-free
JVPs, block-Jacobi preconditioner from the per-state Jacobians dF/dy_s).
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int

from ..core import GMRES, BatchedNewton, DenseLU, FunctionPreconditioner, Newton, map_states as map_states, root_find
from ._grid import TradeoffGrid, grid_points


class SweepOut(eqx.Module):
    """New policies (N, n_pol), per-state success, and the number of states with several valid branches."""

    policy: Float[Array, "N n"]
    ok: Bool[Array, " N"]
    n_multiple: Int[Array, ""]


def solve_state(residual: Callable, newton: Newton, steps: int, regime, y0, point, params, grid, table):
    """One state's Newton solve on the smooth residual (regime None) or on one branch: (y, converged)."""
    kw = {} if regime is None else {"regime": regime}
    sol = root_find(
        lambda y, a: residual(y, a[0], a[2], a[3], a[1], **kw),
        y0,
        (point, table, params, grid),
        solver=newton,
        max_steps=steps,
        has_aux=True,
        throw=False,
    )
    return sol.value, sol.converged


def at_failed(fn: Callable, ok, size: int, inputs: tuple, outputs: tuple) -> tuple:
    """``fn`` on the states where ``ok`` is False, gathered (at most ``size`` of them, a static batch), and
    its per-state results scattered back into ``outputs``: fn(*(a[failed] for a in inputs)) returns one
    array per output. Padding slots of the batch repeat the last state and are dropped on the scatter."""
    n = ok.shape[0]
    idx = jnp.nonzero(~ok, size=size, fill_value=n)[0]
    safe = jnp.minimum(idx, n - 1)
    res = fn(*jax.tree.map(lambda a: a[safe], inputs))
    return tuple(o.at[idx].set(r, mode="drop") for o, r in zip(outputs, res))


def batched(ti, steps: int, backtracks: int) -> BatchedNewton | None:
    """The :class:`BatchedNewton` with ``ti.newton``'s settings (None where ``ti.newton`` is not the plain dense
    float64 Newton with a line search, or ``ti.batched`` is off: then each state runs ``core.root_find``)."""
    nt = ti.newton
    plain = isinstance(nt.linear, DenseLU) and nt.linear.dtype is None and nt.line_search
    if not (ti.batched and plain):
        return None
    return BatchedNewton(atol=nt.atol, max_steps=steps, max_backtracks=backtracks, armijo=nt.armijo, batch=ti.chunk)


def solve_states(ti, residual: Callable, steps: int, backtracks: int, regime, ys, pts, params, grid, table):
    """Every state's solve (regime None: smooth; else one branch) from ``ys``: (y (N, n), converged (N,))."""
    kw = {} if regime is None else {"regime": regime}
    bn = batched(ti, steps, backtracks)
    if bn is not None:
        return bn(lambda y, pt: residual(y, pt, params, grid, table, **kw)[0], ys, pts)
    newton = eqx.tree_at(lambda n: n.max_backtracks, ti.newton, backtracks)
    return map_states(lambda y, *pt: solve_state(residual, newton, steps, regime, y, pt, params, grid, table),
                      (ys, *pts), ti.chunk)


def _branches(ti, residual, ys, pts, params, grid, table):
    """Each smooth branch solved from ``ys`` (``ti.branch_steps`` Newton steps, ``ti.branch_backtracks`` halvings),
    then ``ti.select`` per state: (y, ok, multiple)."""
    vals, oks = zip(*(solve_states(ti, residual, ti.branch_steps, ti.branch_backtracks, r, ys, pts, params, grid,
                                   table) for r in ti.regimes))

    def pick(y0, v, o, pt):
        out = ti.select(y0, list(v), list(o), pt, grid)
        return out if len(out) == 3 else (*out, jnp.array(False))

    return jax.vmap(pick)(ys, vals, oks, pts)


def sweep(ti, residual: Callable, pol, params, grid: TradeoffGrid) -> SweepOut:
    """One sweep of :class:`TimeIteration` ``ti`` from the policies ``pol`` (N, n_pol)."""
    pts = grid_points(grid)
    table = grid.policy_table(pol, kink=True)
    n = pol.shape[0]
    if ti.branches == "all":
        new, ok, mult = _branches(ti, residual, pol, pts, params, grid, table)
        n_mult = jnp.sum(mult)
    else:
        new, ok = solve_states(ti, residual, ti.newton_steps, ti.newton.max_backtracks, None, pol, pts, params, grid,
                               table)
        n_mult = jnp.array(0)
    if ti.branches == "fallback":
        n_gather = min(n, max(64, n // 16))

        def branches(_):
            out = at_failed(lambda y, pt: _branches(ti, residual, y, pt, params, grid, table),
                            ok, n_gather, (pol, pts), (new, ok, jnp.zeros(n, bool)))
            return out[0], out[1], jnp.sum(out[2])

        new, ok, n_mult = jax.lax.cond(jnp.all(ok), lambda _: (new, ok, jnp.array(0)), branches, None)
    if ti.rescue is not None and ti.branches != "off":
        n_rescue = min(n, max(64, n // 16))

        def rescue(args):
            return at_failed(jax.vmap(lambda y, pt: ti.rescue(y, pt, params, grid, table, ti.newton, ti.newton_steps)),
                             args[1], n_rescue, (pol, pts), args)

        new, ok = jax.lax.cond(jnp.all(ok), lambda a: a, rescue, (new, ok))
    finite = jnp.all(jnp.isfinite(new), axis=1)
    new = jnp.where((finite & ok)[:, None], new, pol)  # a state without a root keeps its old policy (reported)
    return SweepOut(policy=new, ok=ok & finite, n_multiple=n_mult)


def polish(residual: Callable, pol, params, grid: TradeoffGrid, newton: Newton, max_steps: int = 12):
    """Newton-GMRES on the collocation system G(Y)_s = F(Y_s; s, Y) = 0 (see module docstring).

    Returns the polished policies, or the input if Newton did not reach the tolerance.
    """
    pts = grid_points(grid)

    def G(Y, args):
        table = grid.policy_table(Y, kink=True)
        return jax.vmap(lambda y, pt: residual(y, pt, params, grid, table)[0])(Y, pts), None

    def blocks(Y, args):
        table = grid.policy_table(Y, kink=True)

        def own(y, pt):
            return jax.jacfwd(lambda yy: residual(yy, pt, params, grid, table)[0])(y)

        return jax.scipy.linalg.lu_factor(jax.vmap(own)(Y, pts))

    def apply(lu, v):
        return jax.vmap(lambda a, b, c: jax.scipy.linalg.lu_solve((a, b), c))(*lu, v)

    gmres = GMRES(
        restart=60,
        max_restarts=20,
        rtol=0.1,
        rtol_min=1e-8,
        forcing=0.1,
        preconditioner=FunctionPreconditioner(blocks, apply),
    )
    solver = Newton(atol=newton.atol, linear=gmres, max_backtracks=10)
    sol = root_find(G, pol, None, solver=solver, max_steps=max_steps, has_aux=True, throw=False)
    return jnp.where(sol.converged, sol.value, pol)
