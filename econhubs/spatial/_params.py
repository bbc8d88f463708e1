r"""Parameters, fundamentals and geography of the sectoral-hubs model, with validation.

Rossi-Hansberg, Sarte & Schwartzman (2021), "Local Industrial Policy and Sectoral Hubs",
AEA P&P 111; extending Caliendo, Parro, Rossi-Hansberg & Sarte (2018, REStud). Notation as
in ``shared/spec/sectoral_hubs.md``: N cities (n, m), J industries (j, s), K occupations (k).
Input-output and value-added shares are common across cities (spec **choice**).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..core import (
    check_finite,
    check_not_equal,
    check_positive,
    check_range,
    check_shape,
    check_sums_to_one,
    is_concrete,
)


class HubsParams(eqx.Module):
    r"""Structural parameters.

    theta (J): Eaton-Kortum trade elasticity θ^j.  nu: Fréchet shape ν of location
    preferences (> 1 so that Γ(1-1/ν) exists).  epsilon: CES ε between occupations (≠ 1).
    alpha (J): consumption shares α^j (sum to 1).  gamma (J): value-added share γ^j of gross
    output.  io (J, J): ``io[j, s]`` = γ^{js}, the share of industry j's gross output spent
    on inputs from s; γ^j + Σ_s γ^{js} = 1.  beta (J): labour share β^j of value added (the
    rest pays structures).  tau_R (K, J), tau_L (J): externality elasticities of
    λ = λ̂ (L^k/L)^{τ^R} L^{τ^L} (seed eq. 1).  L_bar (K): national workers by occupation.
    iota (K): shares of national structures rents paid as dividends χ^k (sum to 1).
    """

    theta: Float[Array, " J"]
    nu: Float[Array, ""]
    epsilon: Float[Array, ""]
    alpha: Float[Array, " J"]
    gamma: Float[Array, " J"]
    io: Float[Array, "J J"]
    beta: Float[Array, " J"]
    tau_R: Float[Array, "K J"]
    tau_L: Float[Array, " J"]
    L_bar: Float[Array, " K"]
    iota: Float[Array, " K"]

    def __init__(self, theta, nu, epsilon, alpha, gamma, io, beta, tau_R, tau_L, L_bar, iota=None):
        self.theta = jnp.asarray(theta, float)
        self.nu = jnp.asarray(nu, float)
        self.epsilon = jnp.asarray(epsilon, float)
        self.alpha = jnp.asarray(alpha, float)
        self.gamma = jnp.asarray(gamma, float)
        self.io = jnp.asarray(io, float)
        self.beta = jnp.asarray(beta, float)
        self.tau_R = jnp.asarray(tau_R, float)
        self.tau_L = jnp.asarray(tau_L, float)
        self.L_bar = jnp.asarray(L_bar, float)
        # spec choice: dividends in proportion to population, iota^k = L^k / sum L.
        self.iota = self.L_bar / jnp.sum(self.L_bar) if iota is None else jnp.asarray(iota, float)

    def __check_init__(self):
        J = np.shape(self.theta)[0] if np.ndim(self.theta) == 1 else -1
        K = np.shape(self.L_bar)[0] if np.ndim(self.L_bar) == 1 else -1
        check_shape("theta", self.theta, (None,))
        check_shape("L_bar", self.L_bar, (None,))
        for name, shape in [("alpha", (J,)), ("gamma", (J,)), ("io", (J, J)), ("beta", (J,)),
                            ("tau_R", (K, J)), ("tau_L", (J,)), ("iota", (K,)), ("nu", ()), ("epsilon", ())]:
            check_shape(name, getattr(self, name), shape)
        check_positive("theta", self.theta)
        # ln P = c - ln(Σ K x^-θ)/θ: below ~0.1 the 1/θ overflows float64 prices
        check_range("theta (trade elasticities below 0.1 overflow the EK price index)", self.theta, lo=0.1)
        check_range("nu", self.nu, lo=1.0 + 1e-9)
        check_positive("epsilon", self.epsilon)
        # the CES wage index raises to 1/(1-ε): within 1e-3 of 1 it overflows (use a Cobb-Douglas limit)
        check_not_equal("epsilon (CES wage index divides by 1 - epsilon)", self.epsilon, 1.0, tol=1e-3)
        check_sums_to_one("alpha", self.alpha)
        check_range("gamma", self.gamma, 0.0, 1.0)
        check_positive("gamma", self.gamma)
        check_positive("io", self.io, strict=False)
        check_sums_to_one("gamma + io row sums", jnp.concatenate([self.gamma[:, None], self.io], 1), axis=1)
        check_range("beta", self.beta, 0.0, 1.0)
        b = _concrete_or_none(self.beta)
        if b is not None and not np.any(b > 0):
            raise ValueError("beta: at least one industry must employ labour (beta > 0); with beta = 0 everywhere "
                             "labour demand is zero and wages are undefined")
        a, io = _concrete_or_none(self.alpha), _concrete_or_none(self.io)
        if a is not None and io is not None:
            no_demand = (a <= 0) & ~np.any(io > 0, axis=0)
            if np.any(no_demand):
                j = int(np.flatnonzero(no_demand)[0])
                raise ValueError(f"alpha: industry {j} has alpha = 0 and no industry buys its output (io[:, {j}] = 0): "
                                 "its sales would be zero and its log unknowns undefined")
        check_finite("tau_R", self.tau_R)
        check_finite("tau_L", self.tau_L)
        check_positive("L_bar", self.L_bar)
        check_sums_to_one("iota", self.iota)

    @property
    def shape(self) -> tuple[int, int]:
        """(J, K)."""
        return int(self.theta.shape[0]), int(self.L_bar.shape[0])


class Fundamentals(eqx.Module):
    """Exogenous city fundamentals: productivity λ̂ (N, K, J), amenities A (N, K), structures H (N).

    L_fixed (N, K), optional: hold employment fixed (immobile workers; the Fréchet location
    choice is then replaced by L = L_fixed, and A is unused). Its columns must sum to L_bar.
    """

    lam_hat: Float[Array, "N K J"]
    A: Float[Array, "N K"]
    H: Float[Array, " N"]
    L_fixed: Float[Array, "N K"] | None = None

    def __init__(self, lam_hat, A, H, L_fixed=None):
        self.lam_hat = jnp.asarray(lam_hat, float)
        self.A = jnp.asarray(A, float)
        self.H = jnp.asarray(H, float)
        self.L_fixed = None if L_fixed is None else jnp.asarray(L_fixed, float)

    def __check_init__(self):
        check_shape("lam_hat", self.lam_hat, (None, None, None))
        N, K, _ = np.shape(self.lam_hat)
        check_shape("A", self.A, (N, K))
        check_shape("H", self.H, (N,))
        check_positive("lam_hat", self.lam_hat)
        check_positive("A", self.A)
        check_positive("H", self.H)
        if self.L_fixed is not None:
            check_shape("L_fixed", self.L_fixed, (N, K))
            check_positive("L_fixed", self.L_fixed)


def _concrete_or_none(x):
    return np.asarray(x) if is_concrete(x) else None


class TradeCosts(eqx.Module):
    r"""Iceberg trade costs, stored as EK "resistance" kernels $K^g_{nm} = (κ^j_{nm})^{-θ^j}$.

    Industries that share a kernel form a group (for the default geography,
    $κ^j_{nm} = (d_{nm}/\bar d)^{δ_g/θ^j}$, so $K^g = (d/\bar d)^{-δ_g}$ with δ_g the distance
    elasticity of trade flows of group g). ``group[j]`` is j's kernel index, or -1 for a
    nontradable (κ = ∞ off the diagonal: π_nn = 1). Prices and flows are then G matrix
    products (N×N)·(N×J_g); an N×N×J tensor is never formed. A fully general κ^j_{nm} is the
    special case G = J.
    """

    kernels: Float[Array, "G N N"]
    group: tuple[int, ...] = eqx.field(static=True)

    def __check_init__(self):
        check_shape("kernels", self.kernels, (None, None, None))
        G, N, N2 = np.shape(self.kernels)
        if N != N2:
            raise ValueError(f"kernels: expected square (G, N, N), got {np.shape(self.kernels)}")
        check_positive("kernels", self.kernels, strict=False)
        bad = [g for g in self.group if not -1 <= g < G]
        if bad:
            raise ValueError(f"group: kernel indices must lie in [-1, {G - 1}], got {bad}")
        k = _concrete_or_none(self.kernels)
        if k is not None:
            for axis, what in ((2, "row {i} is all zero: destination {i} can buy from no source"),
                               (1, "column {i} is all zero: source {i} can sell nowhere")):
                empty = ~np.any(k > 0, axis=axis)
                if np.any(empty):
                    g, i = (int(v) for v in np.argwhere(empty)[0])
                    raise ValueError(f"kernels: group {g}, " + what.format(i=i) + " (its prices or sales would be "
                                     "0 or infinite; rule: every row and column of every kernel has a positive entry)")

    @classmethod
    def from_distance(cls, dist, delta, group, dbar=None) -> TradeCosts:
        r"""$K^g_{nm} = (d_{nm}/\bar d)^{-δ_g}$ for m ≠ n, $K^g_{nn} = 1$.

        dist (N, N): distances (positive off the diagonal).  delta (G,): distance elasticity
        of trade flows per group.  dbar: reference distance (default: the smallest
        off-diagonal distance, so that κ ≥ 1).
        """
        dist = jnp.asarray(dist, float)
        N = dist.shape[0]
        check_shape("dist", dist, (N, N))
        off = ~np.eye(N, dtype=bool)
        check_positive("dist (off-diagonal)", jnp.where(off, dist, 1.0))
        dbar = jnp.min(jnp.where(off, dist, jnp.inf)) if dbar is None else dbar
        logd = jnp.where(off, jnp.log(jnp.where(off, dist, 1.0) / dbar), 0.0)
        delta = jnp.atleast_1d(jnp.asarray(delta, float))
        kernels = jnp.exp(-delta[:, None, None] * logd[None])
        return cls(kernels=kernels, group=tuple(int(g) for g in group))

    @property
    def tradable(self) -> np.ndarray:
        return np.asarray(self.group) >= 0


def check_model(p: HubsParams, f: Fundamentals, trade: TradeCosts) -> None:
    """Rules that need parameters and fundamentals together (run by ``solve_equilibrium``)."""
    if f.L_fixed is not None and is_concrete((f.L_fixed, p.L_bar)):
        col, want = np.asarray(f.L_fixed).sum(0), np.asarray(p.L_bar)
        bad = np.abs(col - want) > 1e-8 * np.abs(want)
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Fundamentals.L_fixed: column {k} sums to {col[k]:.10g} but HubsParams.L_bar[{k}] = "
                             f"{want[k]:.10g} (rule: sum over cities of L_fixed[:, k] equals L_bar[k])")
    del trade
