r"""Eaton-Kortum prices, trade shares and sales as batched matrix products.

With kernels $K^j_{nm} = (κ^j_{nm})^{-θ^j}$ (``TradeCosts``):

- price index (EK 2002; CPRS 2018 eq. 5):
  $P^j_n = \big(\sum_m K^j_{nm} (x^j_m)^{-θ^j}\big)^{-1/θ^j}$ (the constant Γ^j is absorbed in λ̂);
- trade shares: $π^j_{nm} = K^j_{nm} (x^j_m)^{-θ^j} (P^j_n)^{θ^j}$;
- sales of m: $Y^j_m = \sum_n π^j_{nm} X^j_n = (x^j_m)^{-θ^j} \sum_n K^j_{nm} (P^j_n)^{θ^j} X^j_n$.

Nontradables (group -1) have $P^j_n = x^j_n$ and $Y^j_n = X^j_n$. Each kernel group is one
(N×N)·(N×J_g) product; the Python loop below runs over the G ≤ a handful of kernel groups at
trace time, never over cities or industries. Exponentials are shifted by the column minimum
of log costs so that θ^j ln x never overflows.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ._params import TradeCosts


def _groups(trade: TradeCosts) -> list[tuple[int, np.ndarray]]:
    g = np.asarray(trade.group)
    return [(int(k), np.flatnonzero(g == k)) for k in np.unique(g)]


def _kmul(K: Float[Array, "N N"], v: Float[Array, "N J"], local: bool) -> Float[Array, "N J"]:
    """K @ v; ``local``: same value, derivative through the diagonal K_nn v_n only."""
    full = K @ v
    if not local:
        return full
    own = jnp.diagonal(K)[:, None] * v
    return jax.lax.stop_gradient(full - own) + own


def log_price_index(lx: Float[Array, "N J"], theta: Float[Array, " J"], trade: TradeCosts,
                    local: bool = False) -> Float[Array, "N J"]:
    """ln P^j_n from log unit costs ln x^j_m (``local``: see ``_hubs.blocks``)."""
    out = lx
    for g, idx in _groups(trade):
        if g < 0:
            continue  # nontradable: ln P = ln x
        th = theta[idx]
        c = jax.lax.stop_gradient(jnp.min(lx[:, idx], axis=0))  # a shift that cancels: no derivative
        phi = _kmul(trade.kernels[g], jnp.exp(-th * (lx[:, idx] - c)), local)
        out = out.at[:, idx].set(c - jnp.log(phi) / th)
    return out


def sales(
    lx: Float[Array, "N J"], lP: Float[Array, "N J"], X: Float[Array, "N J"], theta: Float[Array, " J"],
    trade: TradeCosts, local: bool = False,
) -> Float[Array, "N J"]:
    """Y^j_m = Σ_n π^j_{nm} X^j_n, without forming π (``local``: see ``_hubs.blocks``)."""
    out = X
    for g, idx in _groups(trade):
        if g < 0:
            continue
        th = theta[idx]
        c = jax.lax.stop_gradient(jnp.min(lx[:, idx], axis=0))
        weighted = X[:, idx] * jnp.exp(th * (lP[:, idx] - c))
        out = out.at[:, idx].set(jnp.exp(-th * (lx[:, idx] - c)) * _kmul(trade.kernels[g].T, weighted, local))
    return out


def trade_shares(
    lx: Float[Array, "N J"], lP: Float[Array, "N J"], theta: Float[Array, " J"], trade: TradeCosts, j: int
) -> Float[Array, "N N"]:
    """π^j_{nm} (rows: destination n, columns: source m) for one industry j."""
    g = trade.group[j]
    N = lx.shape[0]
    if g < 0:
        return jnp.eye(N, dtype=lx.dtype)
    return trade.kernels[g] * jnp.exp(-theta[j] * (lx[None, :, j] - lP[:, None, j]))
