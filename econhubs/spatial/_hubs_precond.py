r"""Per-city block preconditioner of the sectoral-hubs Newton-GMRES solve.

The Jacobian of the hubs residual couples every pair of cities only through trade (the EK price
index and sales sums, weighted by trade shares) and a few national aggregates (dividends χ, the
Fréchet denominators, the numéraire). Its **diagonal city blocks** $J_{nn}$ (2K + 2J + 1 = 49
unknowns per city for K = 2, J = 22) carry the own-city terms, which dominate: the preconditioner
is $M = \operatorname{blockdiag}(J_{nn})^{-1}$ (block Jacobi by city).

The blocks come from the **city-local linearisation** of the model (``residual(..., local=True)``:
same values, derivatives only through each city's own terms — kernels reduced to their
diagonal, national sums to the city's own term), so one JVP with unknown i moved in *every* city
at once (a colouring: cities do not interact in the local model) returns column i of every
$J_{nn}$: 49 JVPs of elementwise work, then 382 LU factorisations of 49 x 49. The model supplies
this structure; the core's :class:`econhubs.core.GMRES` applies it as a right preconditioner and
rebuilds it every ``precond_every`` Newton steps.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ..core import AbstractPreconditioner
from ._hubs import residual

ORDER = ("w", "L", "P", "Y", "r")


def to_city_major(z: dict) -> Float[Array, "N m"]:
    """(N, 2K + 2J + 1): each city's unknowns in the order w, L, P, Y, r (static slices)."""
    return jnp.concatenate([z[k] if z[k].ndim == 2 else z[k][:, None] for k in ORDER], axis=1)


def from_city_major(v: Float[Array, "N m"], like: dict) -> dict:
    out, i = {}, 0
    for k in ORDER:
        width = like[k].shape[1] if like[k].ndim == 2 else 1
        out[k] = v[:, i:i + width] if like[k].ndim == 2 else v[:, i]
        i += width
    return out


class CityBlockPreconditioner(AbstractPreconditioner):
    """Block Jacobi by city from the city-local linearisation (see module docstring)."""

    def build(self, z: dict, model) -> tuple[Array, Array]:
        _, lin = jax.linearize(lambda zz: residual(zz, model, local=True), z)
        N, m = to_city_major(z).shape
        eye = jnp.eye(m, dtype=z["w"].dtype)
        cols = jax.vmap(lambda e: to_city_major(lin(from_city_major(jnp.broadcast_to(e, (N, m)), z))))(eye)
        blocks = jnp.transpose(cols, (1, 2, 0))  # (N, out, in)
        return jax.vmap(jax.scipy.linalg.lu_factor)(blocks)

    def apply(self, lu: tuple[Array, Array], v: dict) -> dict:
        x = jax.vmap(lambda a, piv, b: jax.scipy.linalg.lu_solve((a, piv), b))(lu[0], lu[1], to_city_major(v))
        return from_city_major(x, v)
