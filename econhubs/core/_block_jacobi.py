r"""Block-Jacobi preconditioning from a model's local linearisation, by coloured JVPs.

Spatial models couple their units (cities, regions) through trade sums and a few national
aggregates; each unit's own block $J_{nn}$ of the Jacobian (its m unknowns against its m
equations) dominates. The model supplies its structure:

- ``local_fn(y, args)``: the residual with **the same values** but derivatives only through each
  unit's own terms (cross-unit sums frozen with ``stop_gradient``), so its Jacobian is exactly
  $\operatorname{blockdiag}(J_{nn})$;
- ``to_blocks(y) -> (N, m)`` and ``from_blocks(v, like) -> y``: the unit-major layout; unknowns
  outside the blocks (e.g. a scalar) are taken from ``like``, so the preconditioner is the
  identity on them.

Because units do not interact in ``local_fn``, one JVP that moves unknown i of **every** unit at
once returns column i of every block (a colouring with m colours): m JVPs of unit-local work,
then N batched LU factorisations of m x m. ``apply`` solves the N small systems:
$M = \operatorname{blockdiag}(J_{nn})^{-1}$, used as the right preconditioner of
:class:`econhubs.core.GMRES` and rebuilt every ``precond_every`` Newton steps.
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PyTree

from ._newton_krylov import AbstractPreconditioner


class BlockJacobi(AbstractPreconditioner):
    """Block Jacobi by unit from ``local_fn`` and the unit-major layout (see module docstring)."""

    local_fn: Callable = eqx.field(static=True)
    to_blocks: Callable = eqx.field(static=True)
    from_blocks: Callable = eqx.field(static=True)

    def blocks(self, y: PyTree[Array], args) -> Float[Array, "N m m"]:
        """The N diagonal blocks J_nn (rows: equations, columns: unknowns) by m coloured JVPs."""
        _, lin = jax.linearize(lambda yy: self.local_fn(yy, args), y)
        N, m = self.to_blocks(y).shape
        eye = jnp.eye(m, dtype=self.to_blocks(y).dtype)
        zero = jax.tree_util.tree_map(jnp.zeros_like, y)  # unknowns outside the blocks get a zero tangent
        cols = jax.vmap(lambda e: self.to_blocks(lin(self.from_blocks(jnp.broadcast_to(e, (N, m)), zero))))(eye)
        return jnp.transpose(cols, (1, 2, 0))

    def build(self, y, args) -> tuple[Array, Array]:
        return jax.vmap(jax.scipy.linalg.lu_factor)(self.blocks(y, args))

    def placeholder(self, y, args) -> tuple[Array, Array]:
        """Zeros shaped like :meth:`build`'s LU factors and pivots, without tracing the residual."""
        del args
        b = self.to_blocks(y)
        N, m = b.shape
        return jnp.zeros((N, m, m), b.dtype), jnp.zeros((N, m), jnp.int32)

    def apply(self, lu: tuple[Array, Array], v: PyTree[Array]) -> PyTree[Array]:
        return self._solve(lu, v, 0)

    def apply_transpose(self, lu: tuple[Array, Array], v: PyTree[Array]) -> PyTree[Array]:
        """M^T v (the transposed solve of the implicit adjoint's VJP)."""
        return self._solve(lu, v, 1)

    def _solve(self, lu, v, trans: int):
        vb = self.to_blocks(v)
        x = jax.vmap(lambda a, piv, b: jax.scipy.linalg.lu_solve((a, piv), b, trans=trans))(lu[0], lu[1], vb)
        return self.from_blocks(x.astype(vb.dtype), v)
