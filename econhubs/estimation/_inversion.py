r"""`invert`: recover the fundamentals that make observed wages and employment an equilibrium.

Rossi-Hansberg, Sarte & Schwartzman (2021, AEA P&P, section III) and the spec's "Model
inversion". Data: wages $w^k_n$ (N, K), employment $L^{kj}_n$ (N, K, J) (long form, see
:mod:`._schema`), structures $H_n$ (a proxy), national α, γ, β, input-output shares, trade costs.

1. Numéraire: the model normalises $\sum_{n,k} w^k_n L^k_n = 1$; data wages are divided by
   ``wage_scale`` $= \sum w L$ in dollars (``Inversion.wage_scale`` converts back).
2. $Y^j_n = \sum_k w^k_n L^{kj}_n/(β^jγ^j)$, cost shares $ς^{kj}_n = w^k_n L^{kj}_n/\sum_k w^k_n L^{kj}_n$.
3. Rents $r_n H_n = \sum_j (1-β^j)γ^j Y^j_n$, dividends χ^k, spending $E_n$, absorption
   $X^j_n = \sum_s γ^{sj} Y^s_n + α^j E_n$.
4. Unit costs $x^j_n$ from the gravity block (:mod:`._gravity`), prices $P^j_n$ from EK.
5. Productivity: $\ln ω^j_n = (\ln x^j_n - \ln B^j - γ^j(1-β^j)\ln r_n - \sum_s γ^{js}\ln P^s_n)/(γ^jβ^j)$,
   $\ln λ^{kj}_n = \ln w^k_n - \ln ω^j_n - \ln ς^{kj}_n/(1-ε)$.
6. Amenities $\ln A^k_n = \ln L^k_n/ν - \ln C^k_n$, normalised to geometric mean 1 over n per k.
7. $\hat λ = λ / [(L^k_n/L_n)^{τ^{R,kj}} L_n^{τ^{L,j}}]$ for the given τ.

Normalisations (levels that the data cannot identify; compare on identified objects):
λ^{kj}_n up to a factor per industry j common to all n, k (the scale of x^j and P^j, fixed by
mean_n ln P^j_n = 0); A^k_n up to a factor per k; only r_n H_n is identified (H is the input proxy).
Zero-employment cells (λ = 0 in the model, which works in logs) get ``zero_floor`` × L^k_n
workers, taken proportionally from the positive cells of the same metro and occupation so
that L^k_n is unchanged; they are counted in ``Inversion.n_zero_cells``. National consistency:
see :func:`econhubs.estimation.national_shares` (``calibrate_shares``).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pandas as pd
from jaxtyping import Array, Float

from ..core import check_positive, check_shape, is_concrete
from ..spatial import (
    Fundamentals,
    HubsParams,
    TradeCosts,
    hubs_log_cost_constant,
    hubs_log_externality,
    log_price_index,
    trade_shares,
)
from ._gravity import unit_costs
from ._national import national_shares
from ._schema import InversionData, validate


class Inversion(eqx.Module):
    """Recovered fundamentals and every intermediate object (model units: Σ w L = 1).

    params: the parameters used (L_bar = data totals; α, β as calibrated); fundamentals:
    ``Fundamentals(lam_hat, A, H)`` for :func:`econhubs.spatial.solve_equilibrium`; lam, lam_hat
    (N, K, J); A (N, K); H, r (N); x, P, Y, X (N, J); E (N); chi (K); varsigma (N, K, J);
    w (N, K) model wages (dollars = w × wage_scale); L (N, K); Lkj (N, K, J) employment after
    the zero floor; zero_cells (N, K, J) bool and n_zero_cells; z: the equilibrium unknowns
    (``solve_equilibrium(..., z0=inv.z)``); gravity_residual / gravity_converged.
    """

    params: HubsParams
    fundamentals: Fundamentals
    trade: TradeCosts
    lam: Float[Array, "N K J"]
    lam_hat: Float[Array, "N K J"]
    A: Float[Array, "N K"]
    H: Float[Array, " N"]
    r: Float[Array, " N"]
    x: Float[Array, "N J"]
    P: Float[Array, "N J"]
    Y: Float[Array, "N J"]
    X: Float[Array, "N J"]
    E: Float[Array, " N"]
    chi: Float[Array, " K"]
    varsigma: Float[Array, "N K J"]
    w: Float[Array, "N K"]
    L: Float[Array, "N K"]
    Lkj: Float[Array, "N K J"]
    zero_cells: np.ndarray
    n_zero_cells: int = eqx.field(static=True)
    wage_scale: float = eqx.field(static=True)
    z: dict
    gravity_residual: Array
    gravity_converged: Array
    metros: tuple[str, ...] = eqx.field(static=True)
    occupations: tuple[str, ...] = eqx.field(static=True)
    industries: tuple[str, ...] = eqx.field(static=True)

    def trade_shares(self, j: int) -> Float[Array, "N N"]:
        """π^j_{nm}: share of destination n's spending on industry j bought from source m."""
        return trade_shares(jnp.log(self.x), jnp.log(self.P), self.params.theta, self.trade, j)


def floor_zeros(Lkj: np.ndarray, zero_floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Replace zero cells by zero_floor × L^k_n, scaling the positive cells of the same (n, k)
    by (1 − n_zero × zero_floor) so that every L^k_n is unchanged. Returns (floored, zero mask)."""
    zero = Lkj <= 0
    nz = zero.sum(axis=2, keepdims=True)
    Lnk = Lkj.sum(axis=2, keepdims=True)
    return np.where(zero, zero_floor * Lnk, Lkj * (1.0 - nz * zero_floor)), zero


@eqx.filter_jit
def _fundamentals(w, Lkj, H, p: HubsParams, trade: TradeCosts) -> dict:
    """Steps 2-7 of the module docstring (JAX; differentiable in p, trade and the data)."""
    L = Lkj.sum(axis=2)
    wb = w[:, :, None] * Lkj
    Y = wb.sum(axis=1) / (p.beta * p.gamma)
    vs = wb / wb.sum(axis=1, keepdims=True)
    R = Y @ ((1.0 - p.beta) * p.gamma)
    r = R / H
    chi = p.iota * jnp.sum(R) / p.L_bar
    E = jnp.sum(L * (w + chi[None]), axis=1)
    X = Y @ p.io + E[:, None] * p.alpha[None]
    lx, gres, gok = unit_costs(Y, X, p.theta, trade.kernels, trade.group)
    nt = np.asarray(trade.group) < 0
    lP = log_price_index(lx, p.theta, trade)
    lomega = (lx - hubs_log_cost_constant(p) - p.gamma * (1.0 - p.beta) * jnp.log(r)[:, None]
              - lP @ p.io.T) / (p.gamma * p.beta)
    llam = jnp.log(w)[:, :, None] - lomega[:, None, :] - jnp.log(vs) / (1.0 - p.epsilon)
    lP_city = jnp.sum(p.alpha * (lP - jnp.log(p.alpha)), axis=1)
    lC = jnp.log(w + chi[None]) - lP_city[:, None]
    lA = jnp.log(L) / p.nu - lC
    lA = lA - jnp.mean(lA, axis=0, keepdims=True)
    llam_hat = llam - hubs_log_externality(jnp.log(L), p)
    z = {"w": jnp.log(w), "L": jnp.log(L), "P": lP, "Y": jnp.log(Y), "r": jnp.log(r)}
    nt_gap = jnp.max(jnp.abs(jnp.log(Y[:, nt]) - jnp.log(X[:, nt]))) if nt.any() else jnp.array(0.0)
    return dict(lam=jnp.exp(llam), lam_hat=jnp.exp(llam_hat), A=jnp.exp(lA), r=r, x=jnp.exp(lx), P=jnp.exp(lP),
                Y=Y, X=X, E=E, chi=chi, varsigma=vs, z=z, gravity_residual=gres, gravity_converged=gok, nt_gap=nt_gap)


def _consistent_params(p: HubsParams, w, Lkj, calibrate_shares: bool) -> HubsParams:
    L_bar = Lkj.sum(axis=(0, 2))
    iota = L_bar / L_bar.sum()
    wb = np.einsum("nk,nkj->j", w, Lkj)
    if calibrate_shares:
        alpha, beta = national_shares(wb, np.asarray(p.alpha), np.asarray(p.beta), np.asarray(p.gamma),
                                      np.asarray(p.io))
    else:
        alpha, beta = p.alpha, p.beta
        Yhat = wb / (np.asarray(beta) * np.asarray(p.gamma))
        demand = np.asarray(p.io).T @ Yhat + np.asarray(alpha) * (np.asarray(p.gamma) @ Yhat)
        gap = np.abs(demand / Yhat - 1.0)
        if np.max(gap) > 1e-8:
            j = int(np.argmax(gap))
            raise ValueError(f"invert: national output of industry {j} differs from national demand by "
                             f"{gap[j]:.3g} (relative) at the given alpha, beta; the data are not an equilibrium "
                             "of a closed economy with these shares (use calibrate_shares=True)")
    return eqx.tree_at(lambda q: (q.alpha, q.beta, q.L_bar, q.iota), p,
                       (jnp.asarray(alpha), jnp.asarray(beta), jnp.asarray(L_bar), jnp.asarray(iota)))


def invert(data: pd.DataFrame | InversionData, params: HubsParams, trade: TradeCosts, *, H=None,
           metros=None, occupations=None, industries=None, zero_floor: float = 1e-10,
           calibrate_shares: bool = True, throw: bool = True) -> Inversion:
    """Recover λ, λ̂, A, r (given H) and all prices from wages and employment (module docstring).

    data: long-form DataFrame (columns metro, occupation, industry, employment, wage) or an
    :class:`InversionData`. H (N): structures proxy (default ones). metros/occupations/
    industries: label orders of the economy (``trade`` rows and ``params`` industries).
    calibrate_shares: recalibrate α and β for national consistency (:func:`national_shares`);
    ``False`` keeps them and raises if the data are inconsistent. Nontradable industries
    (``trade.group`` -1) need Y = X in every city; otherwise a ValueError says by how much.
    throw: raise if the gravity block does not converge (else see ``gravity_converged``).
    """
    d = data if isinstance(data, InversionData) else validate(data, metros=metros, occupations=occupations,
                                                              industries=industries)
    N, K, J = d.Lkj.shape
    if params.L_bar.shape[0] != K or params.theta.shape[0] != J:
        raise ValueError(f"invert: data have K={K} occupations and J={J} industries; params have "
                         f"K={params.L_bar.shape[0]}, J={params.theta.shape[0]}")
    if trade.kernels.shape[1] != N or len(trade.group) != J:
        raise ValueError(f"invert: trade costs are for N={trade.kernels.shape[1]} cities and {len(trade.group)} "
                         f"industries; the data have N={N}, J={J}")
    H = np.ones(N) if H is None else np.asarray(H, np.float64)
    check_shape("H", H, (N,))
    check_positive("H", H)
    Lkj, zero = floor_zeros(d.Lkj, zero_floor)
    scale = float(np.sum(d.w * d.Lkj.sum(axis=2)))
    w = d.w / scale
    p = _consistent_params(params, w, Lkj, calibrate_shares)
    out = _fundamentals(jnp.asarray(w), jnp.asarray(Lkj), jnp.asarray(H), p, trade)
    nt_gap = out.pop("nt_gap")
    concrete = is_concrete(nt_gap)  # under jax.grad/jit the checks are skipped
    if throw and concrete and float(nt_gap) > 1e-8:
        raise ValueError(f"invert: nontradable output differs from local demand by {float(nt_gap):.3g} (log) in some "
                         "city; data with local nontradables need Y = X per city (or trade them at a steep cost)")
    if throw and concrete and not bool(out["gravity_converged"]):
        raise ValueError(f"invert: gravity block did not converge (max residual {float(out['gravity_residual']):.3g})")
    fund = Fundamentals(lam_hat=out["lam_hat"], A=out["A"], H=jnp.asarray(H))
    return Inversion(params=p, fundamentals=fund, trade=trade, H=jnp.asarray(H), w=jnp.asarray(w),
                     L=jnp.asarray(Lkj.sum(axis=2)), Lkj=jnp.asarray(Lkj), zero_cells=zero,
                     n_zero_cells=int(zero.sum()), wage_scale=scale, metros=d.metros, occupations=d.occupations,
                     industries=d.industries, **out)


def fit(inv: Inversion, eq) -> dict[str, float]:
    """Max relative errors of an equilibrium against the inverted data: wages (model units),
    L^k_n, and L^{kj}_n on the observed positive cells and on all (floored) cells."""
    rel = lambda a, b: float(jnp.max(jnp.abs(a / b - 1.0)))  # noqa: E731
    pos = ~inv.zero_cells
    return {"w": rel(eq.w, inv.w), "L": rel(eq.L, inv.L),
            "Lkj_positive": float(np.max(np.abs(np.asarray(eq.Lkj)[pos] / np.asarray(inv.Lkj)[pos] - 1.0))),
            "Lkj_all": rel(eq.Lkj, inv.Lkj)}
