r"""Proposition-1 taxes (RSS 2020, Prop. 1; RSS 2021, section II) and the equilibrium under them.

Workers of type k in city n spend
$P_n C^k_n = (1-t_L)(w^k_n + Δ^k_n) + χ^k + R^k$ with $t_L = 1/(1+ν)$ and the per-worker external
effect
$Δ^k_n = \frac{1}{L^k_n}\sum_{k',j} w^{k'}_n L^{k'j}_n \frac{∂\ln λ^{k'j}_n}{∂\ln L^k_n}$,
$\frac{∂\ln λ^{k'j}}{∂\ln L^k} = τ^{R,k'j}(1[k'=k] - L^k/L) + τ^{L,j} L^k/L$ (from seed eq. 1).
The transfers $R^k$ are unknowns of the decentralised equilibrium: national budget balance
$\sum_n E_n = \sum_n(\sum_k w^k_n L^k_n + r_n H_n)$ and equal welfare gains across occupations,
$\ln Ū^k - \ln Ū^k_{eq}$ common to all k (K equations). With the budget equation added, Walras' law
makes the structures market of city 0 redundant; the numéraire takes its place as in
:mod:`econhubs.spatial._hubs`. With ``t_L = 0`` and no Δ the solution is the laissez-faire
equilibrium with R = 0.

Why the planner's optimum is decentralised by these taxes: the planner spends
$P_n c^k (L^k_n/L^k)^{1/ν} L^k_n / A^k_n$ on type k in city n, so the marginal cost of a worker
is $(1+1/ν) P_n C^k_n$, and the marginal social product is $w^k_n + Δ^k_n$ (envelope). The first-order
condition, marginal cost = marginal product + a multiplier per k, is the budget line above.
It is necessary; it implements the optimum when the decentralised equilibrium under the taxes
is unique near it (the "concave" case of Prop. 1).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln

from ..core import GMRES, BlockJacobi, Newton, check_solution, root_find
from ._equilibrium import Equilibrium
from ._hubs import blocks, logsumexp_cities
from ._hubs_precond import from_city_major, to_city_major
from ._params import Fundamentals, HubsParams, TradeCosts
from ._trade import sales


def external_effect(w, L, Lkj, p: HubsParams):
    r"""Δ^k_n (N, K): the per-worker external effect of type k in city n (module docstring)."""
    s = L / jnp.sum(L, axis=1, keepdims=True)  # L^k/L (N, K)
    K = L.shape[1]
    eye = jnp.eye(K)
    # D[n, k', k, j] = τ^{R,k'j}(1[k'=k] - s^k_n) + τ^{L,j} s^k_n
    D = p.tau_R[None, :, None, :] * (eye[None, :, :, None] - s[:, None, :, None]) + p.tau_L * s[:, None, :, None]
    bill = w[:, :, None] * Lkj  # w^{k'} L^{k'j} (N, K', J)
    return jnp.einsum("nqj,nqkj->nk", bill, D) / L


def _taxed(z: dict, t_L, subsidy: bool, p: HubsParams, f: Fundamentals, trade: TradeCosts, local: bool = False):
    core = {k: z[k] for k in ("w", "L", "P", "Y", "r")}
    b = blocks(core, p, f, trade, local)
    w, L, Y = jnp.exp(z["w"]), jnp.exp(z["L"]), jnp.exp(z["Y"])
    Lkj = b.varsigma * (p.beta * p.gamma)[None, None] * Y[:, None, :] / w[:, :, None]
    delta = external_effect(w, L, Lkj, p) * subsidy  # subsidy: 1.0 or 0.0 (traced: one compiled solve)
    income = (1.0 - t_L) * (w + delta) + (b.chi if local else b.chi[None]) + z["R"][None]
    E = jnp.sum(L * income, axis=1)
    X = Y @ p.io + E[:, None] * p.alpha[None]
    C = income / jnp.exp(b.lP_city)[:, None]
    return b, delta, income, E, X, C, Lkj


def taxed_residual(z: dict, args, local: bool = False) -> dict:
    """F(z) = 0 at the equilibrium under (t_L, Δ, R); z = hubs unknowns + R (K).
    ``local``: the city-local linearisation of the city blocks (preconditioner only; the K rows of R
    are then not used)."""
    t_L, subsidy, U_eq, p, f, trade = args
    b, _, income, E, X, C, _ = _taxed(z, t_L, subsidy, p, f, trade, local)
    lw, lL, lP, lY, lr = z["w"], z["L"], z["P"], z["Y"], z["r"]
    Y = jnp.exp(lY)
    labour = jnp.einsum("nkj,j,nj->nk", b.varsigma, p.beta * p.gamma, Y)
    n_unknowns = sum(v.size for v in z.values())
    r_r = lr + jnp.log(f.H) - jnp.log(Y @ ((1.0 - p.beta) * p.gamma))
    numeraire = logsumexp_cities(jax.nn.logsumexp(lw + lL, axis=1), local)
    r_r = r_r.at[0].set((numeraire[0] if local else numeraire) * jnp.sqrt(float(n_unknowns)))
    v = p.nu * (jnp.log(f.A) + jnp.log(C))
    lse = logsumexp_cities(v, local)
    r_L = lL - jnp.log(p.L_bar)[None] - v + (lse if local else lse[None])
    lU = gammaln(1.0 - 1.0 / p.nu) + jax.nn.logsumexp(v, axis=0) / p.nu
    gain = lU - jnp.log(U_eq)
    budget = jnp.log(jnp.sum(E)) - jnp.log(jnp.sum(jnp.exp(lw + lL)) + jnp.sum(jnp.exp(lr) * f.H))
    r_R = jnp.concatenate([budget[None], gain[1:] - gain[0]])
    r_Y = lY - jnp.log(sales(b.lx, lP, X, p.theta, trade, local))
    return {"w": jnp.log(labour) - lw - lL, "L": r_L, "P": lP - b.lP_model, "Y": r_Y, "r": r_r, "R": r_R}


def _local_taxed(z: dict, args) -> dict:
    """City-local linearisation with the national transfers R frozen (left unpreconditioned)."""
    return taxed_residual({**z, "R": jax.lax.stop_gradient(z["R"])}, args, local=True)


def _from_city_major_keep_R(v, like: dict) -> dict:
    return {**from_city_major(v, like), "R": like["R"]}


def default_taxed_solver(n_unknowns: int) -> Newton:
    """Dense Newton for small systems; above ``DENSE_MAX_UNKNOWNS`` Newton-GMRES preconditioned by the
    city blocks of the taxed system (core :class:`~econhubs.core.BlockJacobi`; R: identity)."""
    from ._planner import DENSE_MAX_UNKNOWNS

    if n_unknowns <= DENSE_MAX_UNKNOWNS:
        return Newton(atol=1e-11)
    pc = BlockJacobi(local_fn=_local_taxed, to_blocks=to_city_major, from_blocks=_from_city_major_keep_R)
    return Newton(atol=1e-11, linear=GMRES(restart=60, max_restarts=10, rtol=0.1, rtol_min=1e-3, forcing=0.1,
                                           preconditioner=pc, precond_every=3))


class TaxOutcome(eqx.Module):
    """Decentralised equilibrium under Proposition-1 taxes.

    t_L; R (K) transfers; delta (N, K) Δ^k_n; income (N, K) P_n C^k_n; equilibrium (its objects,
    with U the utilities under the taxes); g: common welfare gain vs the laissez-faire baseline;
    max_rel_diff_L: max |L - L_planner| / L_planner (NaN if no planner given); residual, converged.
    """

    t_L: float
    R: np.ndarray
    delta: np.ndarray
    income: np.ndarray
    equilibrium: Equilibrium
    g: float
    prop1_spread: float
    max_rel_diff_L: float
    residual: float
    converged: bool


@eqx.filter_jit
def _solve_taxed(z0, t_L, subsidy, U_eq, p, f, trade, solver, max_steps):
    sol = root_find(taxed_residual, z0, (t_L, subsidy, U_eq, p, f, trade), solver=solver, max_steps=max_steps,
                    throw=False)
    return sol, _taxed(sol.value, t_L, subsidy, p, f, trade)


def solve_taxed_equilibrium(params: HubsParams, fundamentals: Fundamentals, trade: TradeCosts, U_eq, z0: dict,
                            *, t_L: float, subsidy: bool = True, solver: Newton | None = None, max_steps: int = 50,
                            throw: bool = True):
    """The decentralised equilibrium with income tax t_L, subsidies Δ (if ``subsidy``) and transfers R
    from budget balance and equal gains relative to ``U_eq``. z0: hubs unknowns plus ``"R"`` (K).
    Returns (Solution, Equilibrium, delta, income)."""
    p, f, tc = params, fundamentals, trade
    solver = default_taxed_solver(sum(np.size(v) for v in z0.values())) if solver is None else solver
    sol, (b, delta, income, E, X, C, Lkj) = _solve_taxed(z0, jnp.asarray(t_L, float), jnp.asarray(float(subsidy)),
                                                         U_eq, p, f, tc, solver, max_steps)
    if throw:
        check_solution(sol, "decentralised equilibrium under taxes", solver.atol)
    z = sol.value
    lU = gammaln(1.0 - 1.0 / p.nu) + jax.nn.logsumexp(p.nu * jnp.log(f.A * C), axis=0) / p.nu
    eq = Equilibrium(
        w=jnp.exp(z["w"]), L=jnp.exp(z["L"]), Lkj=Lkj, P=jnp.exp(z["P"]), x=jnp.exp(b.lx), Y=jnp.exp(z["Y"]), X=X,
        r=jnp.exp(z["r"]), C=C, U=jnp.exp(lU), lam=b.lam, E=E, chi=b.chi,
        z={k: z[k] for k in ("w", "L", "P", "Y", "r")}, params=p, fundamentals=f, trade=tc, residual=sol.residual,
        iterations=sol.num_steps, converged=sol.converged,
    )
    return sol, eq, delta, income


def optimal_taxes(planner, *, solver: Newton | None = None, throw: bool = True) -> TaxOutcome:
    """t_L = 1/(1+ν), Δ^k_n and R^k of Proposition 1 at the planner's optimum, and the decentralised
    equilibrium under them, started from the planner's allocation (``planner``: a PlannerResult)."""
    opt = planner.equilibrium
    p = opt.params
    t_L = 1.0 / (1.0 + float(p.nu))
    delta = external_effect(opt.w, opt.L, opt.Lkj, p)
    spend = opt.C * opt.city_price[:, None]  # P_n C^k_n at the optimum
    R_n = spend - (1.0 - t_L) * (opt.w + delta) - opt.chi[None]
    R = jnp.sum(R_n * opt.L, axis=0) / jnp.sum(opt.L, axis=0)
    spread = float(jnp.max(jnp.abs(R_n - R[None])) / jnp.mean(spend))
    z0 = {**opt.z, "R": R}
    sol, eq, delta_d, income = solve_taxed_equilibrium(p, opt.fundamentals, opt.trade, planner.baseline.U, z0,
                                                       t_L=t_L, solver=solver, throw=throw)
    rel = float(jnp.max(jnp.abs(eq.L - opt.L) / opt.L))
    g = float(eq.U[0] / planner.baseline.U[0] - 1.0)
    return TaxOutcome(t_L=t_L, R=np.asarray(sol.value["R"]), delta=np.asarray(delta_d), income=np.asarray(income),
                      equilibrium=eq, g=g, prop1_spread=spread, max_rel_diff_L=rel, residual=float(sol.residual),
                      converged=bool(sol.converged))
