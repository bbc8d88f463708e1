r"""City-block preconditioner of the planner's system, and the preconditioned adjoint gradient.

As for the equilibrium (:mod:`econhubs.spatial._hubs_precond`), the Jacobian of the planner's
system couples cities only through trade and the numéraire; its diagonal city blocks (K + 2J + 1
unknowns ln w, ln P, ln Y, ln r per city) come from the city-local linearisation in 47 coloured
JVPs and are LU-factorised in a batch. The scalar ln(1+g) is left unpreconditioned (identity).

The gradient $∇_u g = -(∂F/∂u)^\top μ$ with $J^\top μ = ∂g/∂y$ is computed here with the
**transposed** preconditioner (right-preconditioned GMRES on $J^\top$ with $M^\top$, i.e.
``lu_solve(..., trans=1)``), because the core's implicit adjoint runs GMRES without one; at
full size that unpreconditioned adjoint solve is what dominates a planner iteration.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from ..core import BlockJacobi, gmres
from ._hubs_precond import from_city_major, to_city_major
from ._planner_system import planner_residual

ORDER = ("w", "P", "Y", "r")


def _city_major(y: dict):
    return to_city_major(y, ORDER)


def _from_city_major(v, like: dict) -> dict:
    """City-major (N, m) back to the planner's unknowns; the scalar ln(1+g) is taken from ``like`` (zero in
    the coloured JVPs that build the blocks, the vector's own entry when the preconditioner is applied)."""
    return {**from_city_major(v, like, ORDER), "g": like["g"]}


def _local_residual(y: dict, args) -> dict:
    return planner_residual(y, args, local=True)


def PlannerBlockPreconditioner() -> BlockJacobi:  # noqa: N802  (reads as a class at call sites)
    """Block Jacobi by city for :func:`planner_residual` (module docstring): the core
    :class:`~econhubs.core.BlockJacobi` on the city-local linearisation, identity on ln(1+g)."""
    return BlockJacobi(local_fn=_local_residual, to_blocks=_city_major, from_blocks=_from_city_major)


def adjoint_gradient(y: dict, args, lu, rtol: float = 1e-11, restart: int = 60, max_restarts: int = 40):
    """∇_u g at the solution y of the planner system (args = (u, U_eq, p, f, trade)), by the
    transposed-preconditioned GMRES adjoint. Returns (grad (N, K), converged)."""
    u = args[0]
    flat, unravel = ravel_pytree(y)
    _, vjp_y = jax.vjp(lambda v: ravel_pytree(planner_residual(unravel(v), args))[0], flat)
    _, vjp_u = jax.vjp(lambda uu: ravel_pytree(planner_residual(y, (uu,) + tuple(args[1:])))[0], u)
    pc = PlannerBlockPreconditioner()
    dgdy = ravel_pytree({**jax.tree_util.tree_map(jnp.zeros_like, y), "g": jnp.exp(y["g"])})[0]
    mu, ok, _, _ = gmres(lambda v: vjp_y(v)[0], dgdy, rtol=rtol, restart=restart, max_restarts=max_restarts,
                         precond=lambda v: ravel_pytree(pc.apply_transpose(lu, unravel(v)))[0])
    return -vjp_u(mu)[0], ok
