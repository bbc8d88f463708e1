"""Value of a recursive allocation: policy evaluation on the solution's grid or on a refined grid.

The allocation that ``simulate`` follows is defined everywhere by the solution's interpolated policies: at any
state s = (b, k_free, e) it consumes c(s) (the budget at the interpolated b'(s), k'(s)) and moves to x(s) =
(b'(s), k_free'(s)), clipped to the grid box as in ``simulate``. Its value solves

    V(s) = u(c(s)) + beta sum_e' P_ee' V(x(s), e'),   u(c) = c^{1-gamma} / (1-gamma).

``refine=1`` is the grid's own policy evaluation: V on the solution's nodes only, interpolated at x(s) with the
solution's interpolation (cubic in b where ``order_b=3``, cubic in k), next states not clipped. On a coarse grid
this is NOT the value of the simulated allocation: the interpolation error of V at x(s) compounds over
1/(1-beta) periods (measured at I = 2 on the 108-state grid of docs/tradeoff_experiment.md: V off by up to 23%,
the ergodic welfare gain -1.12% instead of +0.22%, against Monte Carlo discounted sums along simulated paths).
``refine=r > 1`` evaluates the same allocation on a grid r times finer in every endogenous dimension (policies
interpolated from the solution's grid as ``simulate`` does, V interpolated on the fine grid with the same orders),
and then takes one exact Bellman step at the requested states.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ._grid import TradeoffGrid, grid_points
from ._planner_residual import utility
from ._residual import consumption, decode, floor_consumption, full_capital
from ._simulate import _next_endog, _table, policy_at
from ._solution import CESolution


def refined_grid(grid: TradeoffGrid, refine: int) -> TradeoffGrid:
    """The grid with (n - 1) refine + 1 equally spaced points in b and in each k (same bounds; the old nodes are
    among the new ones), same exogenous chain and interpolation orders."""
    def lin(v):
        return jnp.linspace(v[0], v[-1], (v.shape[0] - 1) * refine + 1)

    k = jnp.stack([lin(grid.k[j]) for j in range(grid.k.shape[0])]) if grid.k.shape[0] else grid.k
    return eqx.tree_at(lambda g: (g.b, g.k), grid, (lin(grid.b), k))


def _flow(sol: CESolution, table, b, k_free, e):
    """(u(c(s)), x(s)) at one state under the solution's interpolated policies (as ``simulate``)."""
    p, g = sol.params, sol.grid
    bp, kp_free, _, _, _ = decode(policy_at(sol, b, k_free, e, table), p, g.R[e])
    k, kp = full_capital(k_free, p.K_bar), full_capital(kp_free, p.K_bar)
    c = floor_consumption(consumption(p, b, k, bp, kp, g.zbar[e], g.R[e]), p.c_floor)
    return utility(c, p.gamma), _next_endog(g, bp, kp_free)


def evaluate(beta, P, grid: TradeoffGrid, u, x, e, tol: float, max_iter: int):
    """Fixed point of V = u + beta sum_e' P_ee' V(x, e') on ``grid`` (V interpolated there): u (N,), x (N, I) the
    next endogenous states, e (N,) the exogenous states, N = the grid's states in ``grid_points`` order.
    Returns (V (N,), last sup change, iterations); stops at a sup change below tol max|V|."""
    Pe = P[e]

    def T(V):
        table = grid.policy_table(V[:, None])
        return u + beta * jnp.einsum("ne,ne->n", Pe, jax.vmap(lambda xx: table(xx)[:, 0])(x))

    def cond(c):
        return (c[2] < max_iter) & (c[1] > tol * jnp.max(jnp.abs(c[0])))

    def body(c):
        V = T(c[0])
        return V, jnp.max(jnp.abs(V - c[0])), c[2] + 1

    return jax.lax.while_loop(cond, body, (u / (1.0 - beta), jnp.array(jnp.inf), jnp.array(0)))


@eqx.filter_jit
def fine_value(sol: CESolution, refine: int, tol: float, max_iter: int):
    """(refined grid, V on it (N_fine,), last change, iterations) of the allocation's interpolated policies."""
    fine = refined_grid(sol.grid, refine)
    table = _table(sol)
    b, k_free, e = grid_points(fine)
    u, x = jax.vmap(lambda bb, kk, ee: _flow(sol, table, bb, kk, ee))(b, k_free, e)
    V, diff, it = evaluate(sol.params.beta, fine.P, fine, u, x, e, tol, max_iter)
    return fine, V, diff, it


@eqx.filter_jit
def _bellman_at(sol: CESolution, fine: TradeoffGrid, V_fine, b, k_free, e):
    table, vt = _table(sol), fine.policy_table(V_fine[:, None])

    def one(bb, kk, ee):
        u, x = _flow(sol, table, bb, kk, ee)
        return u + sol.params.beta * sol.grid.P[ee] @ vt(x)[:, 0]

    return jax.vmap(one)(b, k_free, e)


def allocation_value(sol: CESolution, b, k_free, e, *, refine: int = 8, tol: float = 1e-13,
                     max_iter: int = 20000, fine=None):
    """V at the states (b (n,), k_free (n, I-1), e (n,) exogenous indices) of the allocation that ``simulate``
    follows (module docstring), from its policy evaluation on the grid refined ``refine`` times plus one exact
    Bellman step at each state. ``fine``: a ``fine_value(sol, refine, tol, max_iter)`` result to reuse.
    Raises if the policy evaluation did not reach ``tol``."""
    if not (isinstance(refine, int) and refine >= 1):
        raise ValueError(f"refine: a positive integer, got {refine!r}")
    grid, V, diff, it = fine_value(sol, refine, tol, max_iter) if fine is None else fine
    if not float(diff) <= tol * float(jnp.max(jnp.abs(V))):
        raise RuntimeError(f"allocation_value: policy evaluation stopped at relative change {float(diff):.2e} "
                           f"after {int(it)} iterations (tol {tol:.0e})")
    b = jnp.atleast_1d(jnp.asarray(b, float))
    k_free = jnp.asarray(k_free, float).reshape(b.shape[0], sol.n_industries - 1)
    e = jnp.broadcast_to(jnp.asarray(e, jnp.int32), b.shape)
    return _bellman_at(sol, grid, V, b, k_free, e)
