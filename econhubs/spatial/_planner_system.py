r"""The constrained planner's production system for a given allocation of workers.

Rossi-Hansberg, Sarte & Schwartzman (2021, AEA P&P, section II; spec "Constrained planner").
The planner chooses the allocation through logits $u^k_n$, $L^k_n = L^k\,\mathrm{softmax}_n(u^k)$.
Workers move freely, so consumption must make the Fréchet location choice hold at that
allocation, $C^k_n = c^k (L^k_n/L^k)^{1/ν}/A^k_n$, and welfare of type k is
$W^k = Γ(1-1/ν)\,c^k$. Equal gains: $c^k = (1+g)\,\bar U^k/Γ(1-1/ν)$ with $\bar U^k$ the
equilibrium expected utility.

Given $L$, the unknowns $y = (\ln w^k_n, \ln P^j_n, \ln Y^j_n, \ln r_n, \ln(1+g))$ solve the
production block of the equilibrium (spec steps 1-5 and 7, via :func:`econhubs.spatial._hubs.blocks`)
with city final spending $E_n = \sum_k P_n C^k_n L^k_n$:

- ``w``: $w^k_n L^k_n = \sum_j ς^{kj}_n β^j γ^j Y^j_n$;  ``P``: EK prices;
- ``Y``: $Y^j_n = \sum_m π^j_{mn} X^j_m$, $X^j_n = \sum_s γ^{sj} Y^s_n + α^j E_n$;
- ``r``: $r_n H_n = \sum_j (1-β^j)γ^j Y^j_n$ for every n;
- ``g``: the numéraire $\sum_{n,k} w^k_n L^k_n = 1$.

National budget balance, $\sum_n E_n = \sum_n(\sum_k w^k_n L^k_n + r_n H_n)$, follows from
these (Walras: value added equals final spending once goods and factor markets clear), so it
pins g; the certificate reports its error. At $u = \ln L^{eq}$ the solution is the
equilibrium with g = 0.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy.special import gammaln
from jaxtyping import Array, Float

from ._hubs import blocks
from ._params import Fundamentals, HubsParams, TradeCosts
from ._trade import sales


def allocation(u: Float[Array, "N K"], p: HubsParams) -> Float[Array, "N K"]:
    """ln L^k_n = ln L^k + log-softmax_n(u^k)."""
    return jnp.log(p.L_bar)[None] + jax.nn.log_softmax(u, axis=0)


def log_consumption(lL, l1g, U_eq, p: HubsParams, f: Fundamentals) -> Float[Array, "N K"]:
    """ln C^k_n = ln(1+g) + ln c̄^k + (ln L^k_n - ln L^k)/ν - ln A^k_n, c̄^k = Ū^k_eq/Γ(1-1/ν)."""
    lc = jnp.log(U_eq) - gammaln(1.0 - 1.0 / p.nu)
    return l1g + lc[None] + (lL - jnp.log(p.L_bar)[None]) / p.nu - jnp.log(f.A)


def planner_blocks(y: dict, lL, U_eq, p: HubsParams, f: Fundamentals, trade: TradeCosts, local: bool = False):
    """(hubs blocks at (w, L, P, Y, r), ln C, E, X, sales Y_demand) for the planner's spending.
    ``local``: the city-local linearisation of :func:`econhubs.spatial._hubs.blocks` (preconditioner)."""
    z = {"w": y["w"], "L": lL, "P": y["P"], "Y": y["Y"], "r": y["r"]}
    b = blocks(z, p, f, trade, local)
    lC = log_consumption(lL, y["g"], U_eq, p, f)
    E = jnp.sum(jnp.exp(lL + lC + b.lP_city[:, None]), axis=1)
    X = jnp.exp(y["Y"]) @ p.io + E[:, None] * p.alpha[None]
    Y_demand = sales(b.lx, y["P"], X, p.theta, trade, local)
    return b, lC, E, X, Y_demand


def planner_residual(y: dict, args, local: bool = False) -> dict:
    """F(y; u) = 0 (module docstring); log differences, so max |F| is a relative error.
    ``local``: city-local linearisation, for the block preconditioner only."""
    u, U_eq, p, f, trade = args
    lL = allocation(u, p)
    b, _, _, _, Y_demand = planner_blocks(y, lL, U_eq, p, f, trade, local)
    Y = jnp.exp(y["Y"])
    labour = jnp.einsum("nkj,j,nj->nk", b.varsigma, p.beta * p.gamma, Y)
    n_unknowns = sum(v.size for v in y.values())
    return {
        "w": jnp.log(labour) - y["w"] - lL,
        "P": y["P"] - b.lP_model,
        "Y": y["Y"] - jnp.log(Y_demand),
        "r": y["r"] + jnp.log(f.H) - jnp.log(Y @ ((1.0 - p.beta) * p.gamma)),
        # weighted like the equilibrium's numéraire (the nominal scale touches only this equation)
        "g": jax.nn.logsumexp(y["w"] + lL) * jnp.sqrt(float(n_unknowns)),
    }


def budget_balance_error(y: dict, u, U_eq, p: HubsParams, f: Fundamentals, trade: TradeCosts):
    """|Σ_n E_n - Σ_n (Σ_k w L + r H)| / Σ_n E_n (national budget balance, relative)."""
    lL = allocation(u, p)
    _, _, E, _, _ = planner_blocks(y, lL, U_eq, p, f, trade)
    income = jnp.sum(jnp.exp(y["w"] + lL)) + jnp.sum(jnp.exp(y["r"]) * f.H)
    return jnp.abs(jnp.sum(E) - income) / jnp.sum(E)


def planner_guess(z_eq: dict) -> dict:
    """Start from an equilibrium's z (exact at u = ln L_eq, g = 0)."""
    return {"w": z_eq["w"], "P": z_eq["P"], "Y": z_eq["Y"], "r": z_eq["r"], "g": jnp.zeros(())}
