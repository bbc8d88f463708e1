"""Multilinear interpolation on tensor grids: one implementation for every model.

For a point x in R^d and strictly increasing 1-D grids g_1..g_d, the interpolant is
  f(x) = sum over the 2^d corners c of prod_j w_j(c_j) * V[c],
with, in dimension j, i_j = clip(searchsorted(g_j, x_j) - 1, 0, n_j - 2),
t_j = (x_j - g_j[i_j]) / (g_j[i_j+1] - g_j[i_j]) and weights (1 - t_j, t_j). Outside the grid
``t_j`` is either left as is (linear extrapolation from the edge cell) or clipped to [0, 1]
(constant extrapolation), chosen per dimension. Dimensions with a single point are constant.

The weights are smooth in x inside each cell, so the interpolant is differentiable (autodiff
gives the cell's slope), and everything is pure ``jax.numpy``: ``vmap`` over points, ``jit``.
``values`` may carry trailing axes (several functions interpolated at once).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import jax.numpy as jnp
from jaxtyping import Array, Float, Int


def _axis_weights(g, x, extrapolate: bool):
    n = g.shape[0]
    if n == 1:
        return (jnp.array(0), jnp.array(0)), (jnp.ones_like(x), jnp.zeros_like(x))
    i = jnp.clip(jnp.searchsorted(g, x, side="right") - 1, 0, n - 2)
    t = (x - g[i]) / (g[i + 1] - g[i])
    if not extrapolate:
        t = jnp.clip(t, 0.0, 1.0)
    return (i, i + 1), (1.0 - t, t)


def interp_weights(
    grids: Sequence[Float[Array, " _"]], x: Float[Array, " d"], extrapolate: bool | Sequence[bool] = True
) -> tuple[Int[Array, " corners"], Float[Array, " corners"]]:
    """Flat (C-order) indices of the 2^d cell corners around ``x`` and their weights."""
    d = len(grids)
    if jnp.shape(x) != (d,):
        raise ValueError(f"interp: point has shape {jnp.shape(x)}, expected ({d},)")
    ext = (extrapolate,) * d if isinstance(extrapolate, bool) else tuple(extrapolate)
    shape = [g.shape[0] for g in grids]
    strides = [math.prod(shape[j + 1 :]) for j in range(d)]
    per_axis = [_axis_weights(g, x[j], ext[j]) for j, g in enumerate(grids)]
    idx, wts = [], []
    for corner in itertools.product((0, 1), repeat=d):
        flat = 0
        w = 1.0
        for j, c in enumerate(corner):
            (i_lo_hi, w_lo_hi) = per_axis[j]
            flat = flat + i_lo_hi[c] * strides[j]
            w = w * w_lo_hi[c]
        idx.append(flat)
        wts.append(w)
    return jnp.stack(idx), jnp.stack(wts)


def interp(
    grids: Sequence[Float[Array, " _"]],
    values: Float[Array, "..."],
    x: Float[Array, " d"],
    extrapolate: bool | Sequence[bool] = True,
) -> Float[Array, "..."]:
    """Multilinear interpolant of ``values`` (shape (n_1, ..., n_d, *rest)) at ``x``; returns rest."""
    d = len(grids)
    shape = tuple(g.shape[0] for g in grids)
    if tuple(values.shape[:d]) != shape:
        raise ValueError(f"interp: values have leading shape {values.shape[:d]}, grids {shape}")
    flat = values.reshape((-1,) + values.shape[d:])
    idx, w = interp_weights(grids, x, extrapolate)
    return jnp.tensordot(w, flat[idx], axes=1)
