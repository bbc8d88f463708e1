r"""Uncertainty of model outcomes from Table 1: delta method through the equilibrium, and a
parametric bootstrap solved as one batched (vmapped, chunked) call.

For an outcome $h(τ) = o(\text{equilibrium}(τ))$ — a metro's wage, a welfare level, anything
computed from :class:`~econhubs.spatial.Equilibrium` — with $\hat τ$ (12 = 4 groups × 3) and its
covariance V from Table 1,

- delta method: $\operatorname{se}(h) = \sqrt{∇h' V ∇h}$, with ∇h = ∂h/∂τ taken through the
  equilibrium by implicit differentiation (``jax.grad`` of ``solve_equilibrium``: one adjoint
  linear solve, no finite differences);
- parametric bootstrap: $τ^{(b)} \sim N(\hat τ, V)$, every draw's equilibrium solved in one
  ``vmap`` (in chunks of ``chunk`` draws under ``lax.map``), warm-started at the estimate.

λ̂, amenities, structures and trade costs are held fixed: the outcome varies with τ only.
V is block-diagonal across groups (each group's clustered 2SLS covariance, as Table 1 reports
them; the four regressions' cross-covariances are not used).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg

from ._externalities import ENDOG, GROUPS, ExternalityEstimates


def tau_from_estimates(est: ExternalityEstimates, groups=GROUPS, joint: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(τ̂ flat (3G,), V (3G, 3G)) in the order group-major, (CNR, NCNR, L).

    joint=True: the four regressions' joint metro-clustered covariance (their scores stacked by
    metro: V = Σ_c ψ_c ψ_c', ψ_c the stacked influence of metro c on every group's τ̂), whose
    diagonal blocks equal each group's clustered covariance; joint=False: block-diagonal."""
    tau = np.concatenate([est.iv[g].params[list(ENDOG)].to_numpy() for g in groups])
    if not joint:
        blocks = [est.iv[g].covariance.loc[list(ENDOG), list(ENDOG)].to_numpy() for g in groups]
        return tau, scipy.linalg.block_diag(*blocks)
    psi = np.concatenate([_influence(est, g) for g in groups], axis=1)
    return tau, psi.T @ psi


def _influence(est: ExternalityEstimates, g: str) -> np.ndarray:
    """(metros, 3): ψ_c = [(X̂'X̂)^{-1} Σ_{i∈c} x̂_i e_i] for the three τ of group g."""
    from ._externalities import INSTR, _group_frame
    from ._iv2sls import _project

    res = est.iv[g]
    d, controls = _group_frame(est.panel, g)
    x = jnp.asarray(d[controls + list(ENDOG)].to_numpy(float))
    z = jnp.asarray(d[controls + list(INSTR)].to_numpy(float))
    xhat = _project(z, x)
    score = xhat * jnp.asarray(res.resid)[:, None]
    n_metros = int(est.panel["metro"].max()) + 1
    u = jax.ops.segment_sum(score, jnp.asarray(d["metro"].to_numpy()), num_segments=n_metros)
    bread = jnp.linalg.inv(xhat.T @ xhat)
    return np.asarray(u @ bread[:, -len(ENDOG):])


def params_with_tau(params, industry_groups, tau, cnr: int = 0, groups=GROUPS):
    """params with τ^{R,kj}, τ^{L,j} set from the flat group vector τ (3G,); other industries keep 0."""
    gi = np.array([groups.index(g) if g in groups else -1 for g in industry_groups])
    t = jnp.concatenate([jnp.reshape(tau, (len(groups), 3)), jnp.zeros((1, 3))])[gi]  # (J, 3), row -1 = zeros
    tau_R = jnp.zeros_like(params.tau_R).at[cnr].set(t[:, 0]).at[1 - cnr].set(t[:, 1])
    return eqx.tree_at(lambda p: (p.tau_R, p.tau_L), params, (tau_R, t[:, 2]))


def fundamentals_at_tau(lam, L, params, fundamentals, industry_groups, tau, cnr: int = 0):
    """(params(τ), fundamentals with λ̂ = λ / [(L^k/L)^{τ^R} L^{τ^L}]): the economy in which the
    observed (λ, L) is the equilibrium at τ — the base point of :func:`delta_method` for an
    inverted economy (λ̂ is re-derived from the data at the estimated τ, not at the seed's)."""
    from ..spatial import Fundamentals, hubs_log_externality

    p = params_with_tau(params, industry_groups, tau, cnr)
    lam_hat = jnp.asarray(lam) * jnp.exp(-hubs_log_externality(jnp.log(jnp.asarray(L)), p))
    return p, Fundamentals(lam_hat=lam_hat, A=fundamentals.A, H=fundamentals.H)


@dataclass(frozen=True)
class Uncertainty:
    """value h(τ̂), gradient ∂h/∂τ, delta-method SE; bootstrap draws (if run) and their SD."""

    value: float
    gradient: np.ndarray
    se_delta: float
    draws: np.ndarray | None = None
    converged_draws: int | None = None

    @property
    def se_bootstrap(self) -> float:
        return float(np.std(self.draws, ddof=1)) if self.draws is not None else float("nan")


@functools.lru_cache(maxsize=8)
def _compiled(outcome, industry_groups: tuple, cnr):
    """The compiled (value-and-gradient, bootstrap) pair of ``outcome`` for one industry grouping:
    kept, so a second call (another τ̂, V, economy of the same shape) does not compile again."""
    from ..spatial import solve_equilibrium

    def h(tau, params, fundamentals, trade, z0):
        p = params_with_tau(params, industry_groups, tau, cnr)
        eq = solve_equilibrium(p, fundamentals, trade, z0=z0, throw=False)
        return outcome(eq), eq.converged

    def boot(taus, *economy):
        return jax.lax.map(jax.vmap(lambda t: h(t, *economy)), taus)

    return eqx.filter_jit(jax.value_and_grad(h, has_aux=True)), eqx.filter_jit(boot)


def delta_method(outcome, tau, cov, params, fundamentals, trade, industry_groups, *, z0=None, cnr: int = 0,
                 bootstrap: int = 0, chunk: int = 50, seed: int = 0) -> Uncertainty:
    """Delta-method SE of ``outcome(eq)`` (a scalar function of an Equilibrium) at τ̂, and with
    ``bootstrap=B`` also B parametric-bootstrap draws (B a multiple of ``chunk``)."""
    value_and_grad, boot = _compiled(outcome, tuple(industry_groups), cnr)
    economy = (params, fundamentals, trade, z0)
    tau, cov = jnp.asarray(tau, float), jnp.asarray(cov, float)
    (value, ok), grad = value_and_grad(tau, *economy)
    if not bool(ok):
        raise RuntimeError("the equilibrium at the estimated tau did not converge; no delta-method SE")
    se = float(jnp.sqrt(grad @ cov @ grad))
    if not bootstrap:
        return Uncertainty(float(value), np.asarray(grad), se)
    if bootstrap % chunk:
        raise ValueError(f"bootstrap ({bootstrap}) must be a multiple of chunk ({chunk})")
    chol = jnp.linalg.cholesky(cov + 1e-14 * jnp.eye(cov.shape[0]))
    eps = jax.random.normal(jax.random.PRNGKey(seed), (bootstrap // chunk, chunk, tau.shape[0]))
    taus = tau + eps @ chol.T
    vals, conv = boot(taus, *economy)
    vals, conv = np.asarray(vals).ravel(), np.asarray(conv).ravel()
    if not conv.all():
        raise RuntimeError(f"{int((~conv).sum())} of {bootstrap} bootstrap equilibria did not converge")
    return Uncertainty(float(value), np.asarray(grad), se, draws=vals, converged_draws=int(conv.sum()))
