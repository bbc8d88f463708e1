r"""The sectoral-hubs model's structure for the core block-Jacobi preconditioner.

The Jacobian of the hubs residual couples cities only through trade (the EK price index and sales
sums, weighted by trade shares) and a few national aggregates (dividends χ, the Fréchet
denominators, the numéraire). Its diagonal city blocks (2K + 2J + 1 = 49 unknowns per city for
K = 2, J = 22) carry the own-city terms. The model supplies the **city-local linearisation**
(``residual(..., local=True)``: same values, derivatives only through each city's own terms —
kernels reduced to their diagonal, national sums to the city's own term) and the **city-major
layout**; :class:`econhubs.core.BlockJacobi` builds the blocks by 49 coloured JVPs and solves
them by batched LU.
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, Float

from ..core import BlockJacobi
from ._hubs import residual

ORDER = ("w", "L", "P", "Y", "r")


def to_city_major(z: dict, order: tuple[str, ...] = ORDER) -> Float[Array, "N m"]:
    """(N, m): each city's unknowns side by side in ``order`` (default w, L, P, Y, r; static slices)."""
    return jnp.concatenate([z[k] if z[k].ndim == 2 else z[k][:, None] for k in order], axis=1)


def from_city_major(v: Float[Array, "N m"], like: dict, order: tuple[str, ...] = ORDER) -> dict:
    """Inverse of :func:`to_city_major`, shaped like ``like``."""
    out, i = {}, 0
    for k in order:
        width = like[k].shape[1] if like[k].ndim == 2 else 1
        out[k] = v[:, i:i + width] if like[k].ndim == 2 else v[:, i]
        i += width
    return out


def local_residual(z: dict, model) -> dict:
    """The city-local linearisation of the hubs residual (same values)."""
    return residual(z, model, local=True)


def CityBlockPreconditioner() -> BlockJacobi:  # noqa: N802  (reads as a class at call sites)
    """Block Jacobi by city for the hubs Newton-GMRES (see module docstring)."""
    return BlockJacobi(local_fn=local_residual, to_blocks=to_city_major, from_blocks=from_city_major)
