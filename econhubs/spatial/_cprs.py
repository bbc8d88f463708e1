r"""CPRS (2018) in changes: the exact-hat-algebra residual and its Newton solve.

Caliendo, Parro, Rossi-Hansberg & Sarte (2018, REStud), Sections 2-3: J sectors, N regions,
one type of labour freely mobile across regions and sectors, fixed structures H_n, Cobb-Douglas
value added (structures share beta_n), input-output links gamma_n^j, Eaton-Kortum trade with
sector elasticity theta_j, and a national portfolio into which each region pays a share iota_n
of its structures rents, paid back per head. For a shock (lambda-hat, kappa-hat, H-hat) the
equilibrium in changes (their eqs. 13-19, variables x' / x written x-hat) is

  cost        log c^j_n = gamma^j_n log omega_n + (1-gamma^j_n) sum_k io_{kj} log P^k_n
  prices      (P^j_n)^{-theta_j} = sum_i pi^j_{ni} kappa^{-theta_j} lambda_i^{j theta_j gamma^j_i} (c^j_i)^{-theta_j}
  shares      pi'^j_{ni} = pi^j_{ni} kappa^{-theta_j} lambda^{...} (c^j_i)^{-theta_j} / (P^j_n)^{-theta_j}
  sales       Y'^j_i = sum_n pi'^j_{ni} X'^j_n
  spending    X'^j_n = sum_k (1-gamma^k_n) io_{jk} Y'^k_n + alpha^j_n (VA'_n - B'_n)
  factors     VA'_n = VA_n omega_n H_n^{beta_n} L_n^{1-beta_n} = sum_j gamma^j_n Y'^j_n
  portfolio   B'_n = S'_n + iota_n beta_n VA'_n - L_n L-hat_n sum_m iota_m beta_m VA'_m
  mobility    (VA'_n - B'_n) / (I_n L-hat_n P-hat_n) = V-hat for all n,  sum_n L_n L-hat_n = 1

omega_n = r-hat^beta w-hat^(1-beta) is the factor-price bundle, I_n = VA_n - B_n income, S'_n
the non-portfolio surplus (0: CPRS remove the observed one), P-hat_n = prod_j (P^j_n)^{alpha^j_n}.
The unknowns are log P-hat (J x N), log X-hat (J x N), log omega (N) and log L-hat (N); the
residual is explicit (no inner loops), so Newton with matrix-free GMRES and the implicit
adjoint of :func:`econhubs.core.root_find` apply directly. Nominal scale: national value added
is held fixed (sum_n VA'_n = sum_n VA_n), which is the numeraire of the reported price indices.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from econhubs.core import GMRES, BlockJacobi, Newton, Solution, fast_compile_jit, root_find
from econhubs.data import CPRSCalibration

from ._hubs import national_sum, own


class CPRSEconomy(eqx.Module):
    """A pre-shock equilibrium in levels, derived from trade flows and population shares.

    pi[j, n, i]: trade shares; X0[j, n]: expenditure; Y0[j, i]: gross output; VA[n] =
    sum_j gamma Y0 (value added); surplus[n] = sum_j (Y0 - X0) (trade balance B_n); Ln[n]:
    population shares; plus the calibration's gamma, io, alpha, beta, iota, theta.
    """

    pi: Float[Array, "J N N"]
    X0: Float[Array, "J N"]
    Y0: Float[Array, "J N"]
    VA: Float[Array, " N"]
    surplus: Float[Array, " N"]
    Ln: Float[Array, " N"]
    gamma: Float[Array, "J N"]
    io: Float[Array, "J J"]
    alpha: Float[Array, "J N"]
    beta: Float[Array, " N"]
    iota: Float[Array, " N"]
    theta: Float[Array, " J"]
    sectors: tuple[str, ...] = eqx.field(static=True)
    regions: tuple[str, ...] = eqx.field(static=True)

    @property
    def income(self) -> Float[Array, " N"]:
        """I_n L_n = VA_n - B_n: income spent on final goods."""
        return self.VA - self.surplus

    @property
    def Ljn(self) -> Float[Array, "J N"]:
        """Employment shares by sector x region: L_n times the wage-bill share gamma Y / VA."""
        return self.Ln[None, :] * self.gamma * self.Y0 / self.VA[None, :]

    @property
    def trade(self) -> Float[Array, "J N N"]:
        return self.pi * self.X0[:, :, None]


def economy_from_flows(cal: CPRSCalibration, trade: Float[Array, "J N N"], Ln: Float[Array, " N"]) -> CPRSEconomy:
    """Derive the pre-shock state (shares, output, value added, balances) from flows X_{ni}^j."""
    X0 = trade.sum(axis=2)
    Y0 = trade.sum(axis=1)
    return CPRSEconomy(
        pi=trade / X0[:, :, None], X0=X0, Y0=Y0, VA=(cal.gamma * Y0).sum(axis=0),
        surplus=(Y0 - X0).sum(axis=0), Ln=Ln, gamma=cal.gamma, io=cal.io, alpha=cal.alpha,
        beta=cal.structures, iota=cal.iota, theta=cal.theta, sectors=cal.sectors, regions=cal.regions,
    )


def observed_economy(cal: CPRSCalibration) -> CPRSEconomy:
    """The 2007 data as an (unbalanced) equilibrium: flows as observed, L_n from employment."""
    L = cal.employment.sum(axis=0)
    return economy_from_flows(cal, cal.trade, L / L.sum())


class CPRSShock(eqx.Module):
    """Shock in changes: productivity lam[j, n], trade costs kappa[j, n, i] (dest n, source i),
    structures H[n], new non-portfolio surplus S[n] (in levels; CPRS: 0)."""

    lam: Float[Array, "J N"]
    kappa: Float[Array, "J N N"] | None = None
    H: Float[Array, " N"] | None = None
    S: Float[Array, " N"] | None = None


class CPRSBlocks(eqx.Module):
    """Every equilibrium object in changes at given unknowns (see module docstring): new prices,
    expenditure X and X_new, sales Y, value added, factor bundle, costs, employment, price index,
    real income, welfare V, balances B, and the trade pieces A, shift, Sjn, pik."""

    logp_new: Array
    X: Array
    X_new: Array
    Y: Array
    VA: Array
    fac: Array
    logom: Array
    logc: Array
    L: Array
    P: Array
    real: Array
    V: Array
    B: Array
    A: Array
    shift: Array
    Sjn: Array
    pik: Array


class CPRSHats(eqx.Module):
    """A solution's named outcomes (``Solution.aux``): changes L, V, P (price index), p (sector
    prices), c (input-bundle costs), om (factor bundle); levels X, Y, VA, B."""

    L: Float[Array, " N"]
    V: Float[Array, ""]
    P: Float[Array, " N"]
    p: Float[Array, "J N"]
    c: Float[Array, "J N"]
    om: Float[Array, " N"]
    X: Float[Array, "J N"]
    Y: Float[Array, "J N"]
    VA: Float[Array, " N"]
    B: Float[Array, " N"]


def cprs_blocks(y, econ: CPRSEconomy, shock: CPRSShock, local: bool = False) -> CPRSBlocks:
    """Every equilibrium object in changes at unknowns y (see module docstring). ``local``: same
    values, derivatives only through each region's own terms (trade sums reduced to the own-region
    share, national sums to the own term): the region blocks of the preconditioner."""
    th = econ.theta[:, None]
    H, S = shock.H, shock.S
    L = jnp.exp(y["logL"])
    fac = H ** econ.beta * L ** (1.0 - econ.beta)
    om_raw = jnp.exp(y["logom"])
    nu = national_sum(econ.VA * om_raw * fac, local) / jnp.sum(econ.VA)
    logom = y["logom"] - jnp.log(nu)
    logp = y["logp"]
    logc = econ.gamma * logom[None, :] + (1.0 - econ.gamma) * (econ.io.T @ logp)
    logA = th * (econ.gamma * jnp.log(shock.lam) - logc)
    shift = jax.lax.stop_gradient(jnp.max(logA, axis=1, keepdims=True))  # cancels: no derivative
    A = jnp.exp(logA - shift)
    pik = econ.pi  # trade-cost changes are folded in by prepare_shock
    own_pi = jnp.diagonal(pik, axis1=1, axis2=2)
    Sjn = _local(own_pi * A, jnp.einsum("jni,ji->jn", pik, A), local)
    logp_new = -(jnp.log(Sjn) + shift) / th
    X = econ.X0 * jnp.exp(y["logx"])
    Y = A * _local(own_pi * X / Sjn, jnp.einsum("jni,jn->ji", pik, X / Sjn), local)
    VA = econ.VA * jnp.exp(logom) * fac
    chi = national_sum(econ.iota * econ.beta * VA, local)
    B = S + econ.iota * econ.beta * VA - econ.Ln * L * chi
    final = VA - B
    X_new = econ.io @ ((1.0 - econ.gamma) * Y) + econ.alpha * final[None, :]
    P = jnp.exp(jnp.sum(econ.alpha * logp, axis=0))
    real = final / (econ.income * L * P)
    V = national_sum(econ.Ln * L * real, local)
    return CPRSBlocks(logp_new=logp_new, X=X, X_new=X_new, Y=Y, VA=VA, fac=fac, logom=logom, logc=logc,
                      L=L, P=P, real=real, V=V, B=B, A=A, shift=shift, Sjn=Sjn, pik=pik)


def _local(own_term, full, local: bool):
    return own(own_term, full) if local else full


def cprs_residual(y, args, local: bool = False):
    """F(y) = 0 at the equilibrium in changes; aux holds the named hats (``local``: see cprs_blocks)."""
    econ, shock = args
    b = cprs_blocks(y, econ, shock, local)
    F = dict(
        logp=y["logp"] - b.logp_new,
        logx=y["logx"] - jnp.log(b.X_new / econ.X0),
        logom=y["logom"] - jnp.log(jnp.sum(econ.gamma * b.Y, axis=0) / (econ.VA * b.fac)),
        logL=(jnp.log(b.V) - jnp.log(b.real)) / econ.beta,
    )
    aux = CPRSHats(L=b.L, V=b.V, P=b.P, p=jnp.exp(y["logp"]), c=jnp.exp(b.logc), om=jnp.exp(b.logom), X=b.X, Y=b.Y,
                   VA=b.VA, B=b.B)
    return F, aux


def zero_guess(econ: CPRSEconomy):
    J, N = econ.X0.shape
    z = jnp.zeros((J, N))
    return dict(logp=z, logx=z, logom=jnp.zeros(N), logL=jnp.zeros(N))


def _to_regions(y: dict) -> Array:
    """Region-major layout (N, 2J + 2): logp[:, n], logx[:, n], logom[n], logL[n]."""
    return jnp.concatenate([y["logp"].T, y["logx"].T, y["logom"][:, None], y["logL"][:, None]], axis=1)


def _from_regions(v: Array, like: dict) -> dict:
    J = like["logp"].shape[0]
    return dict(logp=v[:, :J].T, logx=v[:, J:2 * J].T, logom=v[:, 2 * J], logL=v[:, 2 * J + 1])


def _local_residual(y, args):
    return cprs_residual(y, args, local=True)[0]


REGION_BLOCKS = BlockJacobi(local_fn=_local_residual, to_blocks=_to_regions, from_blocks=_from_regions)
"""Block Jacobi by region (2J + 2 = 54 unknowns) from the region-local linearisation."""

CPRS_SOLVER = Newton(atol=1e-12, linear=GMRES(rtol=0.1, rtol_min=1e-6, forcing=0.1, restart=40, max_restarts=20,
                                              preconditioner=REGION_BLOCKS, precond_every=None))
"""Inexact Newton-GMRES on the 2JN + 2N unknowns, right-preconditioned by region blocks built once, before
the first step: counterfactuals move the blocks little, so rebuilding (every 2 steps) cost ~13 ms a build
and saved no Krylov iteration (California +10%: 51 matvecs either way; 70 -> 30 ms CPU per solve)."""

CPRS_SWEEP_SOLVER = CPRS_SOLVER
"""The sweep uses the same solver (kept as a name for callers)."""


def fill_shock(econ: CPRSEconomy, lam=None, kappa=None, H=None, S=None) -> CPRSShock:
    """The one place shock defaults are filled: lam = 1, kappa unchanged (None), H = 1, S = 0."""
    J, N = econ.X0.shape

    def arr(x, default):
        return default if x is None else jnp.asarray(x, dtype=float)

    return CPRSShock(lam=arr(lam, jnp.ones((J, N))), kappa=None if kappa is None else arr(kappa, None),
                     H=arr(H, jnp.ones(N)), S=arr(S, jnp.zeros(N)))


def prepare_shock(econ: CPRSEconomy, shock: CPRSShock) -> tuple[CPRSEconomy, CPRSShock]:
    """Fold kappa-hat^-theta into the trade shares and fill the defaults (:func:`fill_shock`), so
    that every kind of shock runs through one compiled residual."""
    shock = fill_shock(econ, shock.lam, shock.kappa, shock.H, shock.S)
    if shock.kappa is not None:
        econ = eqx.tree_at(lambda e: e.pi, econ, econ.pi * shock.kappa ** (-econ.theta[:, None, None]))
    return econ, eqx.tree_at(lambda s: s.kappa, shock, None, is_leaf=lambda x: x is None)


def solve_hat(econ: CPRSEconomy, shock: CPRSShock, solver: Newton = CPRS_SOLVER, *,
              max_steps: int = 60, throw: bool = True) -> Solution:
    """Solve the CPRS equilibrium in changes from ``econ`` under ``shock`` (Newton + GMRES).

    ``Solution.aux``: L, V, P (price index), p (sector prices), c (input-bundle costs), om
    (factor-price bundle), X (expenditure), Y (gross output), VA, B (trade balances), in levels
    for X, Y, VA, B and as changes otherwise. Differentiable in ``econ`` and ``shock``.
    """
    args = prepare_shock(econ, shock)
    return root_find(cprs_residual, zero_guess(econ), args, solver=solver,
                     max_steps=max_steps, has_aux=True, throw=throw, what="CPRS hat equilibrium")


solve_hat_jit = fast_compile_jit(solve_hat)  # CPU: cheaper LLVM code generation (core.compiler_options)


def new_flows(econ: CPRSEconomy, shock: CPRSShock, sol: Solution) -> Float[Array, "J N N"]:
    """Counterfactual trade flows X'_{ni}^j = pi'^j_{ni} X'^j_n from a solution."""
    econ, shock = prepare_shock(econ, shock)
    b = cprs_blocks(sol.value, econ, shock)
    return b.pik * (b.A[:, None, :] / b.Sjn[:, :, None]) * b.X[:, :, None]


def cprs_baseline(cal: CPRSCalibration, solver: Newton = CPRS_SOLVER) -> CPRSEconomy:
    """CPRS's baseline: the 2007 equilibrium with the observed non-portfolio imbalances removed.

    Solves the hat system from the observed economy with no shock and S'_n = 0 (trade balances
    then follow the portfolio rule only), and returns the resulting economy in levels.
    """
    obs = observed_economy(cal)
    shock = fill_shock(obs)
    sol = solve_hat_jit(obs, shock, solver)
    Ln = obs.Ln * sol.aux.L
    return economy_from_flows(cal, new_flows(obs, shock, sol), Ln / jnp.sum(Ln))
