r"""The sectoral-hubs equilibrium in levels, as one pure residual in logs.

Rossi-Hansberg, Sarte & Schwartzman (2021, AEA P&P), extending CPRS (2018). Unknowns
$z = (\ln w^k_n, \ln L^k_n, \ln P^j_n, \ln Y^j_n, \ln r_n)$; with $λ$ from the externality
(seed eq. 1), $λ^{kj}_n = \hat λ^{kj}_n (L^k_n/L_n)^{τ^{R,kj}} L_n^{τ^{L,j}}$:

1. wage index $ω^j_n = (\sum_k (w^k_n/λ^{kj}_n)^{1-ε})^{1/(1-ε)}$, cost shares ς^{kj}_n;
2. unit cost $x^j_n = B^j [(ω^j_n)^{β^j} r_n^{1-β^j}]^{γ^j} \prod_s (P^s_n)^{γ^{js}}$ (seed, p. 2);
3. EK prices $P^j_n = (\sum_m K^j_{nm} (x^j_m)^{-θ^j})^{-1/θ^j}$          → residual ``P``;
4. sales $Y^j_n = \sum_m π^j_{mn} X^j_m$, $X^j_n = \sum_s γ^{sj} Y^s_n + α^j E_n$,
   $E_n = \sum_k L^k_n (w^k_n + χ^k)$                                            → residual ``Y``;
5. labour $w^k_n L^k_n = \sum_j ς^{kj}_n β^j γ^j Y^j_n$                           → residual ``w``;
   structures $r_n H_n = \sum_j (1-β^j) γ^j Y^j_n$, $χ^k = ι^k \sum_n r_n H_n / L^k$ → residual ``r``;
6. Fréchet location choice $L^k_n = L^k (A^k_n C^k_n)^ν / \sum_m (A^k_m C^k_m)^ν$,
   $C^k_n = (w^k_n + χ^k)/P_n$, $P_n = \prod_j (P^j_n/α^j)^{α^j}$                 → residual ``L``;
7. numéraire $\sum_{n,k} w^k_n L^k_n = 1$, replacing the structures equation of city 0
   (Walras' law makes one market-clearing equation redundant; the others imply it). Without
   structures (β^j = 1 for all j) rents are zero, the structures rows read ln r_n = 0, and the
   numéraire replaces the labour equation of (city 0, occupation 0) instead. The dropped
   equation is checked after every solve (:func:`dropped_equation`).

Every residual is a log difference, so max |F| is a max relative error.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._params import Fundamentals, HubsParams, TradeCosts
from ._trade import log_price_index, sales


def _xlogx(a):
    return jnp.where(a > 0, a * jnp.log(jnp.where(a > 0, a, 1.0)), 0.0)


def log_cost_constant(p: HubsParams) -> Float[Array, " J"]:
    r"""ln B^j: the Cobb-Douglas constant that makes x^j the minimum unit cost,
    $B^j = (γβ)^{-γβ}(γ(1-β))^{-γ(1-β)}\prod_s (γ^{js})^{-γ^{js}}$ (0^0 = 1)."""
    gb, gr = p.gamma * p.beta, p.gamma * (1.0 - p.beta)
    return -(_xlogx(gb) + _xlogx(gr) + jnp.sum(_xlogx(p.io), axis=1))


class HubsConstants(eqx.Module):
    """The residual's parameter-only logs (independent of z): ln λ̂, ln B^j, ln H, ν ln A, ln L^k, ln α^j
    (0 where α^j = 0) and ln L (immobile workers). Computed once outside the Newton loop, so the loop's
    residual carries fewer log kernels (issue 11: each costs 45-75 ms of LLVM code generation)."""

    llam_hat: Float[Array, "N K J"]
    lB: Float[Array, " J"]
    lH: Float[Array, " N"]
    nu_lA: Float[Array, "N K"]
    lL_bar: Float[Array, " K"]
    lalpha: Float[Array, " J"]
    lL_fixed: Float[Array, "N K"] | None


def _log_alpha(alpha: Float[Array, " J"]) -> Float[Array, " J"]:
    """ln α^j, 0 where α^j = 0 (those goods drop out of the city price index)."""
    return jnp.log(jnp.where(alpha > 0, alpha, 1.0))


def constants(p: HubsParams, f: Fundamentals) -> HubsConstants:
    """:class:`HubsConstants` of (p, f)."""
    lL_fixed = None if f.L_fixed is None else jnp.log(f.L_fixed)
    return HubsConstants(jnp.log(f.lam_hat), log_cost_constant(p), jnp.log(f.H), p.nu * jnp.log(f.A),
                         jnp.log(p.L_bar), _log_alpha(p.alpha), lL_fixed)


def _model(model: tuple) -> tuple[HubsParams, Fundamentals, TradeCosts, HubsConstants]:
    """(p, f, trade, constants) from a model tuple with or without its constants."""
    return model if len(model) == 4 else (*model, constants(model[0], model[1]))


class HubsBlocks(eqx.Module):
    """Everything the equilibrium conditions compute from z (used by residual and outputs)."""

    lam: Float[Array, "N K J"]
    varsigma: Float[Array, "N K J"]
    lx: Float[Array, "N J"]
    lP_model: Float[Array, "N J"]
    X: Float[Array, "N J"]
    Y_demand: Float[Array, "N J"]
    E: Float[Array, " N"]
    chi: Float[Array, " K"]
    lC: Float[Array, "N K"]
    lP_city: Float[Array, " N"]

    @property
    def C(self) -> Float[Array, "N K"]:
        """Real consumption C^k_n (the residual uses ln C: no exp/log pair in the Newton loop)."""
        return jnp.exp(self.lC)


def has_structures(p: HubsParams) -> Array:
    """True unless β^j = 1 for every industry (then nothing pays rents)."""
    return jnp.any(p.beta < 1.0)


def city_log_price(lP: Float[Array, "N J"], alpha: Float[Array, " J"],
                   lalpha: Array | None = None) -> Float[Array, " N"]:
    """ln P_n = Σ_j α^j (ln P^j_n - ln α^j), with 0 ln 0 = 0 (goods with α^j = 0 drop out);
    ``lalpha``: ln α^j precomputed (:class:`HubsConstants`)."""
    lalpha = _log_alpha(alpha) if lalpha is None else lalpha
    return jnp.sum(jnp.where(alpha > 0, alpha * (lP - lalpha), 0.0), axis=1)


def log_externality(lL: Float[Array, "N K"], p: HubsParams) -> Float[Array, "N K J"]:
    """ln(λ/λ̂) = τ^{R,kj} ln(L^k_n/L_n) + τ^{L,j} ln L_n (seed eq. 1)."""
    lLtot = jax.nn.logsumexp(lL, axis=1)
    return p.tau_R[None] * (lL - lLtot[:, None])[:, :, None] + p.tau_L[None, None] * lLtot[:, None, None]


def own(x: Array, total: Array) -> Array:
    """``total`` in value, but differentiated only through the own-city term ``x``: the city-local
    linearisation of the preconditioner (:mod:`._hubs_precond`), cross-city effects frozen."""
    return jax.lax.stop_gradient(total - x) + x


def national_sum(x: Float[Array, "N ..."], local: bool) -> Array:
    """Σ_n x_n (shape x[0]); locally (N, ...), each city seeing only its own term move."""
    total = jnp.sum(x, axis=0)
    return own(x, total[None]) if local else total


def logsumexp_cities(v: Float[Array, "N ..."], local: bool) -> Array:
    """ln Σ_n exp v_n; locally (N, ...) with derivative softmax_n dv_n."""
    total = jax.nn.logsumexp(v, axis=0)
    if not local:
        return total
    share = jax.lax.stop_gradient(jnp.exp(v - total[None]))
    return jax.lax.stop_gradient(total)[None] + share * (v - jax.lax.stop_gradient(v))


def blocks(z: dict, p: HubsParams, f: Fundamentals, trade: TradeCosts, local: bool = False,
           c: HubsConstants | None = None) -> HubsBlocks:
    """The equilibrium objects at z. ``local``: same values, derivatives only through each city's own
    terms (trade kernels reduced to their diagonal, national sums to the city's own term).
    ``c``: the parameter-only logs, precomputed (default: computed here)."""
    c = constants(p, f) if c is None else c
    lw, lL, lP, lY, lr = z["w"], z["L"], z["P"], z["Y"], z["r"]
    one_m_eps = 1.0 - p.epsilon
    llam = c.llam_hat + log_externality(lL, p)
    a = one_m_eps * (lw[:, :, None] - llam)  # (1-ε) ln(w/λ)
    lomega_scaled = jax.nn.logsumexp(a, axis=1)  # (1-ε) ln ω
    varsigma = jnp.exp(a - lomega_scaled[:, None, :])
    lomega = lomega_scaled / one_m_eps
    lx = c.lB + p.gamma * (p.beta * lomega + (1.0 - p.beta) * lr[:, None]) + lP @ p.io.T
    lP_model = log_price_index(lx, p.theta, trade, local)
    Y = jnp.exp(lY)
    rents = jnp.where(has_structures(p), jnp.exp(lr), 0.0) * f.H
    chi = p.iota * national_sum(rents, local)[..., None] / p.L_bar  # (K,), locally (N, K)
    chi_n = chi if local else chi[None]
    L = jnp.exp(lL)
    w = jnp.exp(lw)
    E = jnp.sum(L * (w + chi_n), axis=1)
    X = Y @ p.io + E[:, None] * p.alpha[None]
    Y_demand = sales(lx, lP, X, p.theta, trade, local)
    lP_city = city_log_price(lP, p.alpha, c.lalpha)
    lC = jnp.log(w + chi_n) - lP_city[:, None]
    return HubsBlocks(jnp.exp(llam), varsigma, lx, lP_model, X, Y_demand, E, chi, lC, lP_city)


def _market_clearing(z: dict, p: HubsParams, lH: Float[Array, " N"], b: HubsBlocks):
    """Labour and structures residuals (all N K and N equations, none dropped)."""
    Y = jnp.exp(z["Y"])
    labour = jnp.einsum("nkj,j,nj->nk", b.varsigma, p.beta * p.gamma, Y)
    r_w = jnp.log(labour) - z["w"] - z["L"]
    struct = has_structures(p)
    demand = Y @ ((1.0 - p.beta) * p.gamma)
    r_r = jnp.where(struct, z["r"] + lH - jnp.log(jnp.where(struct, demand, 1.0)), z["r"])
    return r_w, r_r


def dropped_equation(z: dict, model: tuple[HubsParams, Fundamentals, TradeCosts]) -> Array:
    """Residual of the equation the numéraire replaced: structures market of city 0 (labour market of
    city 0, occupation 0 without structures). Walras' law makes it hold at every solution of the
    others; a value beyond rounding means the solve is wrong (e.g. β = 1 - 1e-13: ln r_0 unidentified)."""
    p, f, trade, c = _model(model)
    return dropped_from_blocks(z, p, f, blocks(z, p, f, trade, c=c), c)


def dropped_from_blocks(z: dict, p: HubsParams, f: Fundamentals, b: HubsBlocks, c: HubsConstants | None = None
                        ) -> Array:
    """:func:`dropped_equation` from blocks already computed at z (one evaluation for outputs and check)."""
    r_w, r_r = _market_clearing(z, p, jnp.log(f.H) if c is None else c.lH, b)
    return jnp.where(has_structures(p), r_r[0], r_w[0, 0])


def residual(z: dict, model: tuple[HubsParams, Fundamentals, TradeCosts], local: bool = False) -> dict:
    """F(z) = 0 at the equilibrium; the pytree has the shapes of z (see module docstring).
    ``model``: (p, f, trade), or (p, f, trade, constants(p, f)) to keep the parameter-only logs out of a loop.
    ``local``: the city-local linearisation (see :func:`blocks`), for preconditioning only."""
    p, f, trade, c = _model(model)
    b = blocks(z, p, f, trade, local, c)
    lL, lP, lY = z["L"], z["P"], z["Y"]
    r_w, r_r = _market_clearing(z, p, c.lH, b)
    # ln Σ w L = 0, weighted by sqrt(#unknowns): the nominal-scale direction of z touches
    # only this one equation, so unweighted it would be a singular value ~ 1/sqrt(n).
    n_unknowns = sum(v.size for v in z.values())
    numeraire = logsumexp_cities(jax.nn.logsumexp(z["w"] + lL, axis=1), local)
    numeraire = (numeraire[0] if local else numeraire) * jnp.sqrt(float(n_unknowns))
    struct = has_structures(p)
    first = jnp.arange(r_r.shape[0]) == 0  # a mask, not a scatter: one elementwise kernel
    r_r = jnp.where(first & struct, numeraire, r_r)
    r_w = jnp.where(first[:, None] & (jnp.arange(r_w.shape[1]) == 0)[None] & ~struct, numeraire, r_w)
    if f.L_fixed is None:
        v = c.nu_lA + p.nu * b.lC
        lse = logsumexp_cities(v, local)
        r_L = lL - c.lL_bar[None] - v + (lse if local else lse[None])
    else:  # immobile workers
        r_L = lL - c.lL_fixed
    r_P = lP - b.lP_model
    r_Y = lY - jnp.log(b.Y_demand)
    return {"w": r_w, "L": r_L, "P": r_P, "Y": r_Y, "r": r_r}
