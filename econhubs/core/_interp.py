"""Interpolation on tensor grids: one implementation for every model.

Per dimension j the interpolant is linear (order 1) or a cubic Hermite spline with centred
finite-difference slopes (order 3; Catmull-Rom on a uniform grid, third-order accurate and C^1).
For a point x in R^d with cell index i_j = clip(searchsorted(g_j, x_j) - 1, 0, n_j - 2) and
t_j = (x_j - g_j[i_j]) / (g_j[i_j+1] - g_j[i_j]), the value is the tensor product
  f(x) = sum over stencil nodes c of prod_j w_j(c_j) * V[c],
  order 1: nodes (i, i+1),           weights (1 - t, t);
  order 3: nodes (i-1, i, i+1, i+2), weights from the Hermite basis h00..h11 with slopes
           m_i = (V_{i+1} - V_{i-1}) / (g_{i+1} - g_{i-1}); the edge cells use ghost nodes
           extrapolated linearly (V_{-1} = 2 V_0 - V_1, g_{-1} = 2 g_0 - g_1, likewise at the top).
With ``kink=c`` (:func:`cell_table`) the dimensions in ``kink_dims`` are sign-aware for component c: in the cell
where c changes sign the kink is located from each side's own nodes (piecewise linear, O(h^2)), and in the other
cells the order-3 slopes use no node across the sign change (one-sided, exact for piecewise quadratics).
Outside the grid ``t_j`` is either left as is (linear extrapolation from the edge cell; an order-3
dimension extrapolates linearly too) or clipped to [0, 1] (constant extrapolation), chosen per
dimension. Dimensions with a single point are constant.

:class:`CellTable` rearranges the values once into one stencil block per cell (shape
(cells, stencil, *rest)), so each evaluation is one contiguous gather and one contraction: the
form a time-iteration sweep uses (it evaluates the same table at many points). The weights are
smooth inside each cell, so autodiff gives the interpolant's slope; everything is pure
``jax.numpy`` (``vmap``, ``jit``). ``values`` may carry trailing axes (several functions at once).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float, Int


def _orders(order, d: int) -> tuple[int, ...]:
    out = (order,) * d if isinstance(order, int) else tuple(order)
    if len(out) != d or any(o not in (1, 3) for o in out):
        raise ValueError(f"interp: order must be 1 or 3 per dimension ({d}), got {order!r}")
    return out


def _flags(extrapolate, d: int) -> tuple[bool, ...]:
    return (bool(extrapolate),) * d if isinstance(extrapolate, bool) else tuple(bool(e) for e in extrapolate)


def _cell(g, x, extrapolate: bool):
    n = g.shape[0]
    i = jnp.clip(jnp.searchsorted(g, x, side="right") - 1, 0, n - 2)
    t = (x - g[i]) / (g[i + 1] - g[i])
    return i, (t if extrapolate else jnp.clip(t, 0.0, 1.0))


def _pad_grid(g):
    return jnp.concatenate([2 * g[:1] - g[1:2], g, 2 * g[-1:] - g[-2:-1]])


def _cubic_weights(g, i, t):
    """Hermite weights on nodes (i-1, i, i+1, i+2) for t in [0, 1]; linear weights outside."""
    gp = _pad_grid(g)  # gp[j + 1] = g[j]
    h = gp[i + 2] - gp[i + 1]
    a0 = h / (gp[i + 2] - gp[i])  # h / (g_{i+1} - g_{i-1})
    a1 = h / (gp[i + 3] - gp[i + 1])  # h / (g_{i+2} - g_i)
    t2, t3 = t * t, t * t * t
    h00, h10, h01, h11 = 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + t, -2 * t3 + 3 * t2, t3 - t2
    cubic = jnp.stack([-h10 * a0, h00 - h11 * a1, h01 + h10 * a0, h11 * a1])
    linear = jnp.stack([jnp.zeros_like(t), 1.0 - t, t, jnp.zeros_like(t)])
    inside = (t >= 0.0) & (t <= 1.0)
    return jnp.where(inside, cubic, linear)


def _axis_weights(g, x, extrapolate: bool, order: int):
    """Cell index and stencil weights of one dimension (stencil of 1, 2 or 4 nodes)."""
    if g.shape[0] == 1:
        return jnp.array(0), jnp.ones((1,), x.dtype)
    i, t = _cell(g, x, extrapolate)
    if order == 1:
        return i, jnp.stack([1.0 - t, t])
    return i, _cubic_weights(g, i, t)


def _stencil_size(n: int, order: int) -> int:
    return 1 if n == 1 else (2 if order == 1 else 4)


def _hermite(t, h, v0, v1, m0, m1):
    t2, t3 = t * t, t * t * t
    return (2 * t3 - 3 * t2 + 1) * v0 + (t3 - 2 * t2 + t) * h * m0 + (-2 * t3 + 3 * t2) * v1 + (t3 - t2) * h * m1


def _one_sided_cubic(gp, i, t, v, same_l, same_r):
    """Cubic Hermite on the cell (i, i+1) whose end slopes use only nodes on the cell's side of a kink: the centred
    slope (as in :func:`_cubic_weights`) where the outer node is on the same side, else the derivative of the
    quadratic through the cell's two nodes and the other outer node (one-sided, third-order), else the secant."""
    xm, x0, x1, x2 = gp[i], gp[i + 1], gp[i + 2], gp[i + 3]
    vm, v0, v1, v2 = v[0], v[1], v[2], v[3]
    hm, h, hp = x0 - xm, x1 - x0, x2 - x1
    dm, d0, dp = (v0 - vm) / hm, (v1 - v0) / h, (v2 - v1) / hp
    m0 = jnp.where(same_l, (v1 - vm) / (x1 - xm), jnp.where(same_r, d0 - (dp - d0) / (x2 - x0) * h, d0))
    m1 = jnp.where(same_r, (v2 - v0) / (x2 - x0), jnp.where(same_l, dm + (d0 - dm) / (x1 - xm) * (hm + 2 * h), d0))
    return _hermite(t, h, v0, v1, m0, m1)


def _kinked_line(g, i, x, v, kink: int, cubic: bool = False):
    """Interpolation along one axis of a function with a kink where component ``kink`` (last axis of ``v``)
    changes sign. v: (4, ..., n) values on nodes i-1, i, i+1, i+2 (ghost nodes at the edges).

    In a cell whose end nodes have the same sign of v[..., kink]: linear between them, or (``cubic``) the cubic
    Hermite of :func:`_one_sided_cubic`, whose slopes use no node across the kink (so a stencil next to the kink
    does not spread it; the centred cubic where all four nodes are on one side; linear outside [0, 1]). In a cell
    whose ends differ in sign, the kink's position t* in the cell is where the lines through each side's own two
    nodes (i-1, i and i+1, i+2) cross zero (their mean; one side's if the other's outer node has the other sign or
    its zero is outside the cell; the linear interpolant's zero if neither), the kink value m is the mean of
    the two lines at t* (m = 0 for the kink component), and the interpolant is linear from v_i to m on
    [0, t*] and from m to v_{i+1} on [t*, 1]: continuous, equal to the node values, and O(h^2) accurate
    across the kink where linear interpolation is O(h)."""
    gp = _pad_grid(g)  # gp[j + 1] = g[j]
    g0, g1 = gp[i + 1], gp[i + 2]
    vm, v0, v1, v2 = v[0], v[1], v[2], v[3]
    t = (x - g0) / (g1 - g0)
    lin = (1.0 - t) * v0 + t * v1
    sm, s0, s1, s2 = (u[..., kink:kink + 1] for u in (vm, v0, v1, v2))
    if cubic:
        same_l, same_r = (sm >= 0) == (s0 >= 0), (s2 >= 0) == (s1 >= 0)
        inside = (t >= 0.0) & (t <= 1.0)
        lin = jnp.where(inside, _one_sided_cubic(gp, i, t, v, same_l, same_r), lin)
    tiny = jnp.finfo(v.dtype).tiny
    t_lin = s0 / jnp.where(s0 == s1, 1.0, s0 - s1)

    def zero(num, den, same):  # zero crossing of one side's line, valid if that side is smooth and it is inside
        tz = num / jnp.where(jnp.abs(den) > tiny, den, 1.0)
        return tz, same & (jnp.abs(den) > tiny) & (tz > 0.0) & (tz < 1.0)

    tl, ok_l = zero(-s0, s0 - sm, (sm >= 0) == (s0 >= 0))
    tr, ok_r = zero(s2 - 2.0 * s1, s2 - s1, (s2 >= 0) == (s1 >= 0))  # s1 + (s2 - s1)(t - 1) = 0
    ts = jnp.where(ok_l & ok_r, 0.5 * (tl + tr), jnp.where(ok_l, tl, jnp.where(ok_r, tr, t_lin)))
    ts = jnp.clip(ts, 1e-3, 1.0 - 1e-3)
    left, right = v0 + (v0 - vm) * ts, v1 + (v2 - v1) * (ts - 1.0)
    one = jnp.where(ok_l, left, jnp.where(ok_r, right, (1.0 - ts) * v0 + ts * v1))
    m = jnp.where(ok_l & ok_r, 0.5 * (left + right), one)
    m = m.at[..., kink].set(0.0)
    kinked = jnp.where(t <= ts, v0 + (m - v0) * (t / ts), m + (v1 - m) * ((t - ts) / (1.0 - ts)))
    return jnp.where((s0 >= 0) == (s1 >= 0), lin, kinked)


class CellTable(eqx.Module):
    """Values on a tensor grid rearranged into per-cell stencil blocks (see module docstring).

    table: (n_cells, n_stencil, *rest) with cells and stencil nodes in C order over dimensions.
    Call it at a point x (d,) to get the interpolant (*rest). ``kink``: None, or the index (last value
    axis) of the component whose sign change marks a kink along the dimensions ``kink_dims`` (see
    :func:`_kinked_line`; each of them carries a 4-node stencil; order 1 there: piecewise linear with the kink
    located in its cell, order 3: the same in the kink's cell and one-sided cubics elsewhere). With a kink the
    block is reduced one dimension at a time, last first (plain dimensions by their weights, kink dimensions by
    :func:`_kinked_line` on the lines of the remaining nodes), so each kink dimension sees its own node signs.
    """

    grids: tuple
    table: Float[Array, "cells stencil ..."]
    order: tuple[int, ...] = eqx.field(static=True)
    extrapolate: tuple[bool, ...] = eqx.field(static=True)
    kink: int | None = eqx.field(static=True, default=None)
    kink_dims: tuple[int, ...] = eqx.field(static=True, default=(0,))

    def __call__(self, x: Float[Array, " d"]) -> Float[Array, "..."]:
        d = len(self.grids)
        if jnp.shape(x) != (d,):
            raise ValueError(f"interp: point has shape {jnp.shape(x)}, expected ({d},)")
        kdims = () if self.kink is None else self.kink_dims
        cell, w, cells, ws = jnp.array(0), jnp.ones((1,), x.dtype), [], []
        for j, g in enumerate(self.grids):
            if j in kdims:
                i, wj = _cell(g, x[j], self.extrapolate[j])[0], None
            else:
                i, wj = _axis_weights(g, x[j], self.extrapolate[j], self.order[j])
                w = (w[:, None] * wj[None, :]).reshape(-1)
            cell = cell * max(g.shape[0] - 1, 1) + i
            cells.append(i)
            ws.append(wj)
        if self.kink is None:
            return jnp.tensordot(w, self.table[cell], axes=1)
        block = self.table[cell]
        sizes = tuple(4 if j in kdims else _stencil_size(g.shape[0], self.order[j]) for j, g in enumerate(self.grids))
        block = block.reshape(sizes + block.shape[1:])
        for j in reversed(range(d)):
            g = self.grids[j]
            if j not in kdims:
                block = jnp.tensordot(ws[j], block, axes=((0,), (j,)))
                continue
            xj = x[j] if self.extrapolate[j] else jnp.clip(x[j], g[0], g[-1])
            block = _kinked_line(g, cells[j], xj, jnp.moveaxis(block, j, 0), self.kink, cubic=self.order[j] == 3)
        return block


def cell_table(
    grids: Sequence[Float[Array, " _"]],
    values: Float[Array, "..."],
    order: int | Sequence[int] = 1,
    extrapolate: bool | Sequence[bool] = True,
    kink: int | None = None,
    kink_dims: Sequence[int] = (0,),
) -> CellTable:
    """Build the :class:`CellTable` of ``values`` (shape (n_1, ..., n_d, *rest)) once.

    kink: None, or the index along the last value axis of the component whose sign change marks a kink
    of every component along the dimensions ``kink_dims`` (default: the first): :func:`_kinked_line`, piecewise
    linear pieces extrapolated from each side in the kink's cell, and elsewhere linear (order 1) or a cubic whose
    slopes use no node across the kink (order 3)."""
    d = len(grids)
    shape = tuple(g.shape[0] for g in grids)
    if tuple(values.shape[:d]) != shape:
        raise ValueError(f"interp: values have leading shape {values.shape[:d]}, grids {shape}")
    orders = _orders(order, d)
    kdims = tuple(sorted(set(int(j) for j in kink_dims)))
    stencil_orders = orders
    if kink is not None:
        if values.ndim == d:
            raise ValueError("interp: kink needs a value axis")
        if not kdims or any(not 0 <= j < d or shape[j] < 3 for j in kdims):
            raise ValueError(f"interp: kink_dims {tuple(kink_dims)} must name dimensions with at least 3 points")
        if not -values.shape[-1] <= kink < values.shape[-1]:
            raise ValueError(f"interp: kink component {kink} outside the last value axis ({values.shape[-1]})")
        stencil_orders = tuple(3 if j in kdims else o for j, o in enumerate(orders))  # 4-node stencils
    arr = values
    for j, (n, o) in enumerate(zip(shape, stencil_orders)):
        if n == 1:
            arr = jnp.expand_dims(arr, j + j + 1)  # one cell, one stencil node
            continue
        if o == 3:
            if n < 3:
                raise ValueError(f"interp: order 3 needs at least 3 points in dimension {j}, got {n}")
            lo = 2 * jnp.take(arr, jnp.array([0]), axis=2 * j) - jnp.take(arr, jnp.array([1]), axis=2 * j)
            hi = 2 * jnp.take(arr, jnp.array([n - 1]), axis=2 * j) - jnp.take(arr, jnp.array([n - 2]), axis=2 * j)
            arr = jnp.concatenate([lo, arr, hi], axis=2 * j)
        s = _stencil_size(n, o)
        idx = jnp.arange(n - 1)[:, None] + jnp.arange(s)[None, :]
        arr = jnp.take(arr, idx, axis=2 * j)  # (..., n-1, s, ...) at positions 2j, 2j+1
    perm = [2 * j for j in range(d)] + [2 * j + 1 for j in range(d)] + list(range(2 * d, arr.ndim))
    arr = jnp.transpose(arr, perm)
    n_cells = math.prod(max(n - 1, 1) for n in shape)
    n_sten = math.prod(_stencil_size(n, o) for n, o in zip(shape, stencil_orders))
    table = arr.reshape((n_cells, n_sten) + values.shape[d:])
    return CellTable(grids=tuple(grids), table=table, order=orders, extrapolate=_flags(extrapolate, d), kink=kink,
                     kink_dims=kdims if kink is not None else (0,))


def interp_weights(
    grids: Sequence[Float[Array, " _"]], x: Float[Array, " d"], extrapolate: bool | Sequence[bool] = True
) -> tuple[Int[Array, " corners"], Float[Array, " corners"]]:
    """Flat (C-order) indices of the 2^d cell corners around ``x`` and their multilinear weights."""
    d = len(grids)
    if jnp.shape(x) != (d,):
        raise ValueError(f"interp: point has shape {jnp.shape(x)}, expected ({d},)")
    ext = _flags(extrapolate, d)
    shape = [g.shape[0] for g in grids]
    strides = [math.prod(shape[j + 1 :]) for j in range(d)]
    per_axis = []
    for j, g in enumerate(grids):
        if shape[j] == 1:
            per_axis.append(((jnp.array(0), jnp.array(0)), (jnp.ones_like(x[j]), jnp.zeros_like(x[j]))))
            continue
        i, t = _cell(g, x[j], ext[j])
        per_axis.append(((i, i + 1), (1.0 - t, t)))
    idx, wts = [], []
    for corner in itertools.product((0, 1), repeat=d):
        flat, w = 0, 1.0
        for j, c in enumerate(corner):
            flat = flat + per_axis[j][0][c] * strides[j]
            w = w * per_axis[j][1][c]
        idx.append(flat)
        wts.append(w)
    return jnp.stack(idx), jnp.stack(wts)


def interp(
    grids: Sequence[Float[Array, " _"]],
    values: Float[Array, "..."],
    x: Float[Array, " d"],
    extrapolate: bool | Sequence[bool] = True,
    order: int | Sequence[int] = 1,
) -> Float[Array, "..."]:
    """Interpolant of ``values`` (shape (n_1, ..., n_d, *rest)) at ``x``; returns rest.

    order: 1 (multilinear) or 3 (cubic Hermite) per dimension. With any order-3 dimension this
    builds a :class:`CellTable` per call: to evaluate many points, build the table once instead.
    """
    d = len(grids)
    shape = tuple(g.shape[0] for g in grids)
    if tuple(values.shape[:d]) != shape:
        raise ValueError(f"interp: values have leading shape {values.shape[:d]}, grids {shape}")
    if any(o != 1 for o in _orders(order, d)):
        return cell_table(grids, values, order, extrapolate)(x)
    flat = values.reshape((-1,) + values.shape[d:])
    idx, w = interp_weights(grids, x, extrapolate)
    return jnp.tensordot(w, flat[idx], axes=1)
