r"""Sectoral-hub outputs (RSS 2021, section IV; spec "Sectoral-hub outputs"), as labelled DataFrames.

- Group trade shares $π^G_{nm} = \sum_{j∈G} π^j_{nm} X^j_n / \sum_{j∈G} X^j_n$ (destination n, source m),
  one (N×N) matrix product per group: with a common kernel $K^G$,
  $\sum_{j∈G} π^j_{nm} X^j_n = K^G_{nm} \sum_j (P^j_n)^{θ^j} X^j_n (x^j_m)^{-θ^j}$.
- Price decomposition per industry, from the EK identity $\ln P^j_n = \ln x^j_n + θ_j^{-1}\ln π^j_{nn}$
  (spec step 3): Δ ln P = Δ ln x (unit cost) + θ^{-1} Δ ln π_nn (variety/trade). **Sign**: we follow
  the identity, "+θ^{-1}"; the seed's text writes "−θ^{-1} Δ ln π" (its "variety" is the import
  share 1 − π_nn). A fall in the own-trade share π_nn (more imported varieties) lowers the price.
- Unit-cost decomposition (seed eq. 2 with local cost shares ς^{kj}_n at the baseline):
  Δ ln x^j_n = wages γβΣ_k ς Δ ln w^k + TFP (−γβΣ_k ς Δ ln λ^{kj}) + materials Σ_s γ^{js} Δ ln P^s
  + structures γ(1−β) Δ ln r + residual (the exact change minus the first-order terms).
Group values are baseline-expenditure-weighted averages of the industry values (weights X^j_n
within the group), so price = unit cost + variety holds exactly for groups too.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pandas as pd

from ._equilibrium import Equilibrium


def _members(groups, G) -> np.ndarray:
    idx = np.flatnonzero(np.asarray(groups) == G)
    if idx.size == 0:
        raise ValueError(f"group {G!r}: no industry has this group label (labels: {sorted(set(groups))})")
    return idx


def group_trade_shares(eq: Equilibrium, groups, G: str) -> np.ndarray:
    """π^G (N, N): share of destination n's spending on group G bought from source m (rows sum to 1)."""
    idx = _members(groups, G)
    kern = {eq.trade.group[j] for j in idx}
    if len(kern) != 1 or -1 in kern:
        raise ValueError(f"group {G!r}: industries must share one tradable trade-cost kernel, got kernels {kern}")
    K = eq.trade.kernels[kern.pop()]
    th = eq.params.theta[idx]
    lx, lP, X = jnp.log(eq.x[:, idx]), jnp.log(eq.P[:, idx]), eq.X[:, idx]
    c = jnp.min(lx, axis=0)  # shift so that exponentials stay finite; cancels in the product
    W = X * jnp.exp(th * (lP - c))
    V = jnp.exp(-th * (lx - c))
    return np.asarray(K * (W @ V.T) / jnp.sum(X, axis=1)[:, None])


def _weights(eq0: Equilibrium, idx):
    X = np.asarray(eq0.X)[:, idx]
    return X / X.sum(1, keepdims=True)


def _own_share(eq: Equilibrium) -> np.ndarray:
    """π^j_nn (N, J) = (x/P)^{-θ} (kernel diagonal 1); 1 for nontradables."""
    return np.exp(-np.asarray(eq.params.theta) * (np.log(np.asarray(eq.x)) - np.log(np.asarray(eq.P))))


def price_decomposition(eq0: Equilibrium, eq1: Equilibrium, groups, G: str, cities) -> pd.DataFrame:
    """Per city: Δ ln P^G = unit cost Δ ln x^G + variety/trade θ^{-1} Δ ln π^G_nn (module docstring)."""
    idx = _members(groups, G)
    wgt = _weights(eq0, idx)
    th = np.asarray(eq0.params.theta)[idx]
    dP = np.log(np.asarray(eq1.P) / np.asarray(eq0.P))[:, idx]
    dx = np.log(np.asarray(eq1.x) / np.asarray(eq0.x))[:, idx]
    dpi = np.log(_own_share(eq1) / _own_share(eq0))[:, idx] / th
    return pd.DataFrame({
        "metro": list(cities), "group": G, "dlnP": (wgt * dP).sum(1), "unit_cost": (wgt * dx).sum(1),
        "variety_trade": (wgt * dpi).sum(1),
    })


def _varsigma(eq: Equilibrium) -> np.ndarray:
    a = (1.0 - float(eq.params.epsilon)) * np.log(np.asarray(eq.w)[:, :, None] / np.asarray(eq.lam))
    a = np.exp(a - a.max(1, keepdims=True))
    return a / a.sum(1, keepdims=True)


def unit_cost_decomposition(eq0: Equilibrium, eq1: Equilibrium, groups, G: str, cities) -> pd.DataFrame:
    """Per city: Δ ln x^G into wages, TFP, materials, structures and the approximation residual."""
    p = eq0.params
    idx = _members(groups, G)
    wgt = _weights(eq0, idx)
    gam, beta, io = (np.asarray(a) for a in (p.gamma, p.beta, p.io))
    s = _varsigma(eq0)  # (N, K, J)
    dw = np.log(np.asarray(eq1.w) / np.asarray(eq0.w))
    dlam = np.log(np.asarray(eq1.lam) / np.asarray(eq0.lam))
    dr = np.log(np.asarray(eq1.r) / np.asarray(eq0.r))
    dP = np.log(np.asarray(eq1.P) / np.asarray(eq0.P))
    dx = np.log(np.asarray(eq1.x) / np.asarray(eq0.x))
    wages = gam * beta * np.einsum("nkj,nk->nj", s, dw)
    tfp = -gam * beta * np.einsum("nkj,nkj->nj", s, dlam)
    materials = dP @ io.T
    structures = gam * (1 - beta) * dr[:, None]
    resid = dx - wages - tfp - materials - structures
    out = {"metro": list(cities), "group": G, "dlnx": dx}
    parts = {"wages": wages, "tfp": tfp, "materials": materials, "structures": structures, "residual": resid}
    out.update({k: v for k, v in parts.items()})
    df = pd.DataFrame({k: (wgt * v[:, idx]).sum(1) if isinstance(v, np.ndarray) else v for k, v in out.items()})
    return df
