"""State grids of the dynamic model: b x k_1 (x k_2) x u_1..u_I x R, and the Kronecker chain.

Endogenous states: bonds b (n_b points) and k_1..k_{I-1} (n_k points each; k_I = K_bar - sum).
Exogenous states: u_i on a Rouwenhorst (or Tauchen) chain of n_z points each, ln R on a chain
of n_R points; the joint chain is their Kronecker product (independent shocks), with the R
component varying fastest. Expectations are exact sums over this chain.

Bounds (**choice**): b in [b_min, b_max] scaled by C = max(theta q_ss K_bar R_max, y_ss), q_ss the
deterministic steady-state price with a binding constraint (b_min = -b_lo_mult C, b_max = b_hi_mult C); k_1 on
[k_lo, k_hi] K_bar (for I = 3 both k_1, k_2 on [k_lo, k_hi] K_bar with 2 k_hi < 1 so k_3 > 0).
All arrays are built with jax.numpy from the parameters, so a grid can be built per region
inside ``vmap``; the sizes are static.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from ..core import kron_chain, rouwenhorst, tauchen
from ._params import TradeoffParams, steady_state_income, steady_state_price


class GridSpec(eqx.Module):
    """Static grid sizes and bounds (multipliers); ``method`` is 'rouwenhorst' or 'tauchen'."""

    n_b: int = eqx.field(static=True, default=10)
    n_k: int = eqx.field(static=True, default=5)
    n_z: int = eqx.field(static=True, default=3)
    n_R: int = eqx.field(static=True, default=3)
    b_min: float | None = eqx.field(static=True, default=None)
    b_max: float | None = eqx.field(static=True, default=None)
    b_lo_mult: float = eqx.field(static=True, default=0.85)
    b_hi_mult: float = eqx.field(static=True, default=0.35)
    k_lo: float = eqx.field(static=True, default=0.2)
    k_hi: float = eqx.field(static=True, default=0.8)
    method: str = eqx.field(static=True, default="rouwenhorst")

    def __check_init__(self):
        for name in ("n_b", "n_k", "n_z", "n_R"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name}: must be a positive integer, got {v!r}")
        if self.n_b < 2 or self.n_k < 2:
            raise ValueError("n_b, n_k: need at least 2 points on each endogenous grid")
        if not 0 < self.k_lo < self.k_hi < 1:
            raise ValueError(f"k_lo, k_hi: need 0 < k_lo < k_hi < 1, got {self.k_lo}, {self.k_hi}")
        if self.b_min is not None and self.b_max is not None and not self.b_min < self.b_max:
            raise ValueError(f"b_min, b_max: need b_min < b_max, got {self.b_min}, {self.b_max}")
        if self.method not in ("rouwenhorst", "tauchen"):
            raise ValueError(f"method: 'rouwenhorst' or 'tauchen', got {self.method!r}")

    def n_points(self, n_industries: int) -> int:
        return self.n_b * self.n_k ** (n_industries - 1) * self.n_z**n_industries * self.n_R


class TradeoffGrid(eqx.Module):
    """Grid arrays. b: (n_b,); k: (I-1, n_k); u: (I, n_z); logR: (n_R,);
    zbar: (n_e, I) TFP levels exp(z_tilde + u) per joint exogenous state; R: (n_e,); P: (n_e, n_e)."""

    b: Float[Array, " nb"]
    k: Float[Array, "Im1 nk"]
    u: Float[Array, "I nz"]
    logR: Float[Array, " nR"]
    zbar: Float[Array, "ne I"]
    R: Float[Array, " ne"]
    P: Float[Array, "ne ne"]

    @property
    def endog_grids(self) -> tuple:
        return (self.b,) + tuple(self.k[j] for j in range(self.k.shape[0]))

    @property
    def exog_grids(self) -> tuple:
        return tuple(self.u[i] for i in range(self.u.shape[0])) + (self.logR,)

    @property
    def endog_shape(self) -> tuple[int, ...]:
        return tuple(g.shape[0] for g in self.endog_grids)

    @property
    def exog_shape(self) -> tuple[int, ...]:
        return tuple(g.shape[0] for g in self.exog_grids)


def make_grid(p: TradeoffParams, spec: GridSpec = GridSpec(), b_bounds=None) -> TradeoffGrid:
    """Build the grid of one region (traceable in p and in ``b_bounds`` = (b_min, b_max), which
    overrides the spec's bounds without recompiling)."""
    I = p.phi.shape[-1]
    chain = rouwenhorst if spec.method == "rouwenhorst" else tauchen
    us, Ps = [], []
    for i in range(I):
        g, P = chain(spec.n_z, p.rho[i], p.sigma[i])
        us.append(g)
        Ps.append(P)
    lr, PR = chain(spec.n_R, p.rho_R, p.sigma_R, mu=jnp.log(p.R_bar))
    states, P = kron_chain(us + [lr], Ps + [PR])
    zbar = jnp.exp(p.z_tilde[None, :] + states[:, :I])
    R = jnp.exp(states[:, I])
    q_ss = steady_state_price(p)
    coll = p.theta * q_ss * p.K_bar * jnp.exp(jnp.max(lr))
    scale = jnp.maximum(coll, steady_state_income(p))
    b_lo = -spec.b_lo_mult * scale if spec.b_min is None else jnp.asarray(spec.b_min, float)
    b_hi = spec.b_hi_mult * scale if spec.b_max is None else jnp.asarray(spec.b_max, float)
    if b_bounds is not None:
        b_lo, b_hi = b_bounds[0], b_bounds[1]
    b = jnp.linspace(0.0, 1.0, spec.n_b) * (b_hi - b_lo) + b_lo
    k_hi = spec.k_hi if I < 3 else min(spec.k_hi, 0.45)
    k1 = jnp.linspace(spec.k_lo, k_hi, spec.n_k) * p.K_bar
    k = jnp.stack([k1] * (I - 1)) if I > 1 else jnp.zeros((0, spec.n_k))
    return TradeoffGrid(b=b, k=k, u=jnp.stack(us), logR=lr, zbar=zbar, R=R, P=P)
