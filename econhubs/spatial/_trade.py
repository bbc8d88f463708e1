r"""Eaton-Kortum prices, trade shares and sales as batched matrix products.

With kernels $K^j_{nm} = (κ^j_{nm})^{-θ^j}$ (``TradeCosts``):

- price index (EK 2002; CPRS 2018 eq. 5):
  $P^j_n = \big(\sum_m K^j_{nm} (x^j_m)^{-θ^j}\big)^{-1/θ^j}$ (the constant Γ^j is absorbed in λ̂);
- trade shares: $π^j_{nm} = K^j_{nm} (x^j_m)^{-θ^j} (P^j_n)^{θ^j}$;
- sales of m: $Y^j_m = \sum_n π^j_{nm} X^j_n = (x^j_m)^{-θ^j} \sum_n K^j_{nm} (P^j_n)^{θ^j} X^j_n$.

Nontradables (group -1) have $P^j_n = x^j_n$ and $Y^j_n = X^j_n$. Each run of adjacent industries
in one kernel group is one (N×N)·(N×J_g) product on a static column slice (the Python loop runs
over the runs, a handful, at trace time, never over cities or industries); exponentials and logs
act on all J columns at once, so a residual compiles to few kernels (issue 11: compile time).
Exponentials are shifted by the column minimum of log costs so that θ^j ln x never overflows.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._params import TradeCosts


def _runs(trade: TradeCosts) -> list[tuple[int, int, int]]:
    """(group, first column, end column) of each run of adjacent industries in one kernel group (static)."""
    g, runs, a = list(trade.group), [], 0
    for j in range(1, len(g) + 1):
        if j == len(g) or g[j] != g[a]:
            runs.append((g[a], a, j))
            a = j
    return runs


def _kmul(K: Float[Array, "N N"], v: Float[Array, "N J"], local: bool) -> Float[Array, "N J"]:
    """K @ v; ``local``: same value, derivative through the diagonal K_nn v_n only."""
    full = K @ v
    if not local:
        return full
    own = jnp.diagonal(K)[:, None] * v
    return jax.lax.stop_gradient(full - own) + own


def _apply_kernels(trade: TradeCosts, v: Float[Array, "N J"], transpose: bool, local: bool) -> Float[Array, "N J"]:
    """Column j of the result is K^{g(j)} v_j (``transpose``: (K^{g(j)})^T v_j); nontradables: v_j.

    One product per run of adjacent industries of a group on a static column slice, so the
    elementwise work around it is one kernel for all industries (no gathers or scatters)."""
    pieces = []
    for g, a, b in _runs(trade):
        blk = v[:, a:b]
        if g >= 0:
            K = trade.kernels[g]
            blk = _kmul(K.T if transpose else K, blk, local)
        pieces.append(blk)
    return pieces[0] if len(pieces) == 1 else jnp.concatenate(pieces, axis=1)


def _shifted(lx: Float[Array, "N J"], theta: Float[Array, " J"], trade: TradeCosts):
    """(tradable mask, θ (1 for nontradables), column shift c = min_m ln x^j_m, no derivative)."""
    trad = jnp.asarray(trade.tradable)
    th = jnp.where(trad, theta, 1.0)
    c = jax.lax.stop_gradient(jnp.min(lx, axis=0))  # a shift that cancels
    return trad, th, c


def log_price_index(lx: Float[Array, "N J"], theta: Float[Array, " J"], trade: TradeCosts,
                    local: bool = False) -> Float[Array, "N J"]:
    """ln P^j_n from log unit costs ln x^j_m (``local``: see ``_hubs.blocks``)."""
    trad, th, c = _shifted(lx, theta, trade)
    e = jnp.exp(-th * jnp.where(trad, lx - c, 0.0))  # nontradables: 1, so no log of 0 in any branch
    phi = _apply_kernels(trade, e, False, local)
    return jnp.where(trad, c - jnp.log(phi) / th, lx)


def sales(
    lx: Float[Array, "N J"], lP: Float[Array, "N J"], X: Float[Array, "N J"], theta: Float[Array, " J"],
    trade: TradeCosts, local: bool = False,
) -> Float[Array, "N J"]:
    """Y^j_m = Σ_n π^j_{nm} X^j_n, without forming π (``local``: see ``_hubs.blocks``); nontradables Y = X."""
    trad, th, c = _shifted(lx, theta, trade)
    weighted = X * jnp.exp(th * jnp.where(trad, lP - c, 0.0))
    return jnp.exp(-th * jnp.where(trad, lx - c, 0.0)) * _apply_kernels(trade, weighted, True, local)


def trade_shares(
    lx: Float[Array, "N J"], lP: Float[Array, "N J"], theta: Float[Array, " J"], trade: TradeCosts, j: int
) -> Float[Array, "N N"]:
    """π^j_{nm} (rows: destination n, columns: source m) for one industry j."""
    g = trade.group[j]
    N = lx.shape[0]
    if g < 0:
        return jnp.eye(N, dtype=lx.dtype)
    return trade.kernels[g] * jnp.exp(-theta[j] * (lx[None, :, j] - lP[:, None, j]))
