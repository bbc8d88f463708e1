"""State grids of the dynamic model: b x k_1 (x k_2) x u_1..u_I x R, and the Kronecker chain.

Endogenous states: bonds b (n_b points) and k_1..k_{I-1} (n_k points each; k_I = K_bar - sum).
Exogenous states: u_i on a Rouwenhorst (or Tauchen) chain of n_z points each, ln R on a chain
of n_R points; the joint chain is their Kronecker product (independent shocks), with the R
component varying fastest. Expectations are exact sums over this chain.

Bounds (**choice**): b in [b_min, b_max] scaled by C = max(theta q_ss K_bar R_max, 0.1 y_ss), q_ss the
deterministic steady-state price with a binding constraint (b_min = -b_lo_mult C, b_max = b_hi_mult C): the
borrowing limit at q_ss is inside the grid, so the constraint can bind on it; k_1 on [k_lo, k_hi] K_bar (for
I = 3 both k_1, k_2 on [k_lo, k_hi] K_bar with 2 k_hi < 1 so k_3 > 0).
Interpolation of next period's policies (``core.interp``): linear in b (``order_b``; the policies have a
kink where the constraint starts to bind) and cubic Hermite in k (``order_k``; smooth). ``kink_b``: in the
b cell where the sign of s (slack >= 0, multiplier < 0) changes between the nodes, each smooth piece is
extrapolated linearly from its own side and the pieces are joined where s = 0 (``core.cell_table(kink=0)``):
O(h_b^2) instead of O(h_b) in the cell that holds the constraint's kink; with ``order_b=3`` the other b cells
are cubic with one-sided slopes (no node across the sign change of s). ``kink_k``: the same along each k
(the threshold where the constraint starts to bind moves with k, so cubic stencils in k span it too).
Sunspot (``sunspot`` = pi): an i.i.d. two-state coordination variable appended to the exogenous chain
(fastest); in its second state agents coordinate on the constrained equilibrium where both exist.
All arrays are built with jax.numpy from the parameters, so a grid can be built per region
inside ``vmap``; the sizes are static.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float

from ..core import CellTable, cell_table, kron_chain, rouwenhorst, tauchen
from ._params import TradeoffParams, steady_state_income, steady_state_price


class GridSpec(eqx.Module):
    """Static grid sizes and bounds (multipliers); ``method`` is 'rouwenhorst' or 'tauchen'."""

    n_b: int = eqx.field(static=True, default=10)
    n_k: int = eqx.field(static=True, default=5)
    n_z: int = eqx.field(static=True, default=3)
    n_R: int = eqx.field(static=True, default=3)
    b_min: float | None = eqx.field(static=True, default=None)
    b_max: float | None = eqx.field(static=True, default=None)
    b_lo_mult: float = eqx.field(static=True, default=1.25)
    b_hi_mult: float = eqx.field(static=True, default=0.1)
    k_lo: float = eqx.field(static=True, default=0.2)
    k_hi: float = eqx.field(static=True, default=0.8)
    method: str = eqx.field(static=True, default="rouwenhorst")
    order_b: int = eqx.field(static=True, default=1)
    order_k: int = eqx.field(static=True, default=3)
    sunspot: float | None = eqx.field(static=True, default=None)
    kink_b: bool = eqx.field(static=True, default=False)
    kink_k: bool = eqx.field(static=True, default=False)

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
        for name in ("order_b", "order_k"):
            if getattr(self, name) not in (1, 3):
                raise ValueError(f"{name}: 1 (linear) or 3 (cubic), got {getattr(self, name)!r}")
        if self.order_k == 3 and self.n_k < 3:
            raise ValueError("order_k: cubic interpolation needs n_k >= 3 (or order_k=1)")
        if self.order_b == 3 and self.n_b < 3:
            raise ValueError("order_b: cubic interpolation needs n_b >= 3 (or order_b=1)")
        if self.kink_b and self.n_b < 3:
            raise ValueError("kink_b: kink-aware interpolation in b needs n_b >= 3")
        if self.kink_k and self.n_k < 3:
            raise ValueError("kink_k: kink-aware interpolation in k needs n_k >= 3")
        if self.sunspot is not None and not 0.0 <= self.sunspot <= 1.0:
            raise ValueError(f"sunspot: a probability in [0, 1], got {self.sunspot!r}")

    def n_points(self, n_industries: int) -> int:
        n_s = 1 if self.sunspot is None else 2
        return self.n_b * self.n_k ** (n_industries - 1) * self.n_z**n_industries * self.n_R * n_s


class TradeoffGrid(eqx.Module):
    """Grid arrays. b: (n_b,); k: (I-1, n_k); u: (I, n_z); logR: (n_R,);
    zbar: (n_e, I) TFP levels exp(z_tilde + u) per joint exogenous state; R: (n_e,); P: (n_e, n_e);
    sunspot: (n_e,) True where agents coordinate on the constrained equilibrium (all False without a
    sunspot); order: interpolation order per endogenous dimension (b, k_1, ...)."""

    b: Float[Array, " nb"]
    k: Float[Array, "Im1 nk"]
    u: Float[Array, "I nz"]
    logR: Float[Array, " nR"]
    zbar: Float[Array, "ne I"]
    R: Float[Array, " ne"]
    P: Float[Array, "ne ne"]
    sunspot: Bool[Array, " ne"]
    order: tuple[int, ...] = eqx.field(static=True, default=(1,))
    has_sunspot: bool = eqx.field(static=True, default=False)
    kink: int | None = eqx.field(static=True, default=None)
    kink_dims: tuple[int, ...] = eqx.field(static=True, default=(0,))

    def policy_table(self, pol: Float[Array, "N n"], kink: bool = False) -> CellTable:
        """Policies in ``grid_points`` order -> interpolation table over the endogenous states, evaluated
        at (b', k') it returns (n_e, n_pol): next period's policies in every exogenous state.
        kink=True (for the equilibrium policies y = (s, k', q), whose first component s changes sign where
        the collateral constraint starts to bind): kink-aware in b where the grid has ``kink_b``
        (``core.cell_table(..., kink=0)``); other tables (values, weights) interpolate as ``order`` says."""
        n_e = self.R.shape[0]
        vals = pol.reshape(self.endog_shape + (n_e, pol.shape[-1]))
        return cell_table(self.endog_grids, vals, self.order, kink=self.kink if kink else None,
                          kink_dims=self.kink_dims)

    @property
    def endog_grids(self) -> tuple:
        return (self.b,) + tuple(self.k[j] for j in range(self.k.shape[0]))

    @property
    def exog_grids(self) -> tuple:
        spot = (jnp.array([0.0, 1.0]),) if self.has_sunspot else ()
        return tuple(self.u[i] for i in range(self.u.shape[0])) + (self.logR,) + spot

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
    grids, chains = us + [lr], Ps + [PR]
    if spec.sunspot is not None:
        pi = spec.sunspot
        grids, chains = grids + [jnp.array([0.0, 1.0])], chains + [jnp.array([[1.0 - pi, pi], [1.0 - pi, pi]])]
    states, P = kron_chain(grids, chains)
    zbar = jnp.exp(p.z_tilde[None, :] + states[:, :I])
    R = jnp.exp(states[:, I])
    sunspot = states[:, I + 1] > 0.5 if spec.sunspot is not None else jnp.zeros(R.shape, bool)
    q_ss = steady_state_price(p)
    coll = p.theta * q_ss * p.K_bar * jnp.exp(jnp.max(lr))
    scale = jnp.maximum(coll, 0.1 * steady_state_income(p))
    b_lo = -spec.b_lo_mult * scale if spec.b_min is None else jnp.asarray(spec.b_min, float)
    b_hi = spec.b_hi_mult * scale if spec.b_max is None else jnp.asarray(spec.b_max, float)
    if b_bounds is not None:
        b_lo, b_hi = b_bounds[0], b_bounds[1]
    b = jnp.linspace(0.0, 1.0, spec.n_b) * (b_hi - b_lo) + b_lo
    k_hi = spec.k_hi if I < 3 else min(spec.k_hi, 0.45)
    k1 = jnp.linspace(spec.k_lo, k_hi, spec.n_k) * p.K_bar
    k = jnp.stack([k1] * (I - 1)) if I > 1 else jnp.zeros((0, spec.n_k))
    order = (spec.order_b,) + (spec.order_k,) * (I - 1)
    kdims = ((0,) if spec.kink_b else ()) + (tuple(range(1, I)) if spec.kink_k else ())
    return TradeoffGrid(b=b, k=k, u=jnp.stack(us), logR=lr, zbar=zbar, R=R, P=P, sunspot=sunspot, order=order,
                        has_sunspot=spec.sunspot is not None, kink=0 if kdims else None, kink_dims=kdims or (0,))


def grid_points(grid: TradeoffGrid):
    """All states in C order over (endogenous..., e): b (N,), k_free (N, I-1), e (N,)."""
    endog = jnp.meshgrid(*grid.endog_grids, jnp.arange(grid.R.shape[0]), indexing="ij")
    flat = [m.reshape(-1) for m in endog]
    b, ks, e = flat[0], flat[1:-1], flat[-1].astype(jnp.int32)
    k = jnp.stack(ks, axis=-1) if ks else jnp.zeros((b.shape[0], 0))
    return b, k, e
