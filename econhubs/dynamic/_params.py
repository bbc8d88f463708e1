"""Parameters of the regional specialization trade-off model (Boehnert 2026), with validation.

Model (seed slides "Individual problem", "Calibration"; appendix "Production and agglomeration"):
  max E sum beta^t (c^{1-gamma} - 1)/(1-gamma)
  c + b'/R + q sum_i k_i' = sum_i [z_i k_i^alpha - Phi_i(k_i, k_i')] + q sum_i k_i + b
  -b'/R <= theta q sum_i k_i,      sum_i k_i = K_bar,
  z_i = zbar_i k_i^{xi_i},  ln zbar_i = z_tilde_i + u_i,  u_i' = rho_i u_i + eps_i, eps_i ~ N(0, sigma_i^2),
  ln R' = (1 - rho_R) ln R_bar + rho_R ln R + eps_R, eps_R ~ N(0, sigma_R^2),
  Phi_i(k, k') = (phi_i / 2) (k'/k - 1)^2 k.

Default calibration (seed, calibration table): gamma = 5, alpha = 0.3, beta = 0.95,
R_bar = 1.013 (1.3% net, 90-day T-bill), rho_R = 0.01, sigma_R = 0.0186 (read as the s.d. of the
log gross rate's innovation). The table gives ranges across the 17 industries for phi_i in
[0, 3.26], xi_i in [0.1, 0.29], theta in [0.35, 0.53], rho_i in [0.71, 0.9], sigma_i in
[0.013, 0.027]. With the spec's default I = 2 (**choice**): industry 1 = the region's dominant
tradable industry at the upper end of each range (phi 3.26, xi 0.29, rho 0.9, sigma 0.027),
industry 2 = the rest of the portfolio at the range midpoints (phi 1.63, xi 0.195, rho 0.805,
sigma 0.02); z_tilde = 0; K_bar = 1 (spec normalisation).

Collateral (**departure from the seed, documented in docs/tradeoff.md**): theta = 0.02 =
theta_LTV * omega, the seed's loan-to-value ratio theta_LTV = 0.44 (midpoint of its range) times a
pledgeable share omega ~ 0.045 of the capital stock's value. At the seed's theta = 0.44 capital that
earns alpha = 0.3 of output discounted at ~5% is worth 6-8x output, so the limit allows debt of
~370% of output and the collateral-price feedback F = theta gamma q K_bar / c is 13.8-26 > 1
(binding states on the 'perverse' branch, multiple or no equilibria). With omega ~ 0.045 debt
capacity is ~12% of output (the scale of the net-foreign-asset target the seed uses for beta) and
F = 0.58 < 1. ``default_params(I, calibration="seed")`` keeps the seed's theta = 0.44.
``collateral_price="steady"`` values collateral at the steady-state price q_ss instead of the
market price q (no same-period price feedback; well posed at the seed's theta).
"""

from __future__ import annotations

import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..core import check_positive, check_range, is_concrete

THETA_LTV = 0.44  # seed: loan-to-value ratio (midpoint of [0.35, 0.53])
PLEDGEABLE_SHARE = 0.02 / THETA_LTV  # omega ~ 0.045: the pledgeable share of the capital stock
THETA_DEFAULT = THETA_LTV * PLEDGEABLE_SHARE  # = 0.02
CALIBRATIONS = ("default", "seed")
COLLATERAL_PRICES = ("market", "steady")
DOMINANT = dict(phi=3.26, xi=0.29, rho=0.9, sigma=0.027)
REST = dict(phi=1.63, xi=0.195, rho=0.805, sigma=0.02)


class TradeoffParams(eqx.Module):
    """Parameters of one region (leaves may carry a leading batch axis for vmapped solves).

    Per-industry fields (phi, xi, rho, sigma, z_tilde) have shape (I,); the rest are scalars.
    ``constrained=False`` removes the collateral constraint (then beta R_bar < 1 is required).
    ``collateral_price``: "market" (the seed: -b'/R <= theta q K_bar with the equilibrium q) or
    "steady" (-b'/R <= theta q_ss K_bar, collateral valued at the deterministic steady-state price).
    ``c_floor``: consumption is continued smoothly below this level (c_floor exp(c/c_floor - 1))
    so that infeasible off-equilibrium grid points never produce NaN; it is inactive on the
    ergodic set and the share of points where it binds is reported.
    """

    phi: Float[Array, " I"]
    xi: Float[Array, " I"]
    rho: Float[Array, " I"]
    sigma: Float[Array, " I"]
    z_tilde: Float[Array, " I"]
    gamma: Float[Array, ""] = 5.0
    alpha: Float[Array, ""] = 0.3
    beta: Float[Array, ""] = 0.95
    theta: Float[Array, ""] = 0.02
    R_bar: Float[Array, ""] = 1.013
    rho_R: Float[Array, ""] = 0.01
    sigma_R: Float[Array, ""] = 0.0186
    K_bar: Float[Array, ""] = 1.0
    c_floor: Float[Array, ""] = 1e-2
    constrained: bool = eqx.field(static=True, default=True)
    collateral_price: str = eqx.field(static=True, default="market")

    def __check_init__(self):
        validate(self)

    @property
    def n_industries(self) -> int:
        return int(jnp.shape(self.phi)[-1])


def validate(p: TradeoffParams) -> None:
    """Raise ValueError naming the field for parameters that have no equilibrium or give NaN."""
    if p.collateral_price not in COLLATERAL_PRICES:
        raise ValueError(f"collateral_price: one of {COLLATERAL_PRICES}, got {p.collateral_price!r}")
    if not is_concrete(p):
        return
    shapes = {jnp.shape(getattr(p, f))[-1:] for f in ("phi", "xi", "rho", "sigma", "z_tilde")}
    if len(shapes) != 1 or shapes == {()}:
        raise ValueError(f"phi, xi, rho, sigma, z_tilde: must share a last axis of length I, got {shapes}")
    if jnp.shape(p.phi)[-1] > 3:
        raise ValueError("phi: at most I = 3 industries on a tensor grid (spec: aggregate the rest)")
    check_positive("gamma", p.gamma)
    check_range("alpha", p.alpha, 1e-12, 1 - 1e-12)
    check_range("beta", p.beta, 1e-12, 1 - 1e-12)
    check_positive("theta", p.theta, strict=False)
    check_positive("phi", p.phi, strict=False)
    check_positive("xi", p.xi, strict=False)
    check_positive("sigma", p.sigma, strict=False)
    check_positive("sigma_R", p.sigma_R, strict=False)
    check_positive("R_bar", p.R_bar)
    check_positive("K_bar", p.K_bar)
    check_positive("c_floor", p.c_floor)
    check_range("rho", p.rho, -0.999999, 0.999999)
    check_range("rho_R", p.rho_R, -0.999999, 0.999999)
    check_finite_all = np.asarray(p.z_tilde)
    if not np.all(np.isfinite(check_finite_all)):
        raise ValueError("z_tilde: must be finite")
    if np.any(np.asarray(p.xi) + np.asarray(p.alpha)[..., None] >= 1.0):
        raise ValueError("xi: xi_i + alpha must be < 1 (private returns must fall in k_i)")
    bR = np.asarray(p.beta) * np.asarray(p.R_bar)
    if not p.constrained and np.any(bR >= 1.0):
        raise ValueError(
            f"beta*R_bar: must be < 1 without the collateral constraint (got {np.max(bR):.6g}); "
            "with beta R_bar >= 1 wealth grows without bound and no stationary policy exists"
        )
    if p.constrained and p.collateral_price == "market" and np.any(np.asarray(p.theta) > 0):
        fb = float(np.max(np.asarray(collateral_feedback(p))))
        if fb >= 1.0:
            warnings.warn(
                f"collateral-price feedback theta*gamma*q_ss/c_ss = {fb:.3g} >= 1: where the constraint binds, "
                "more debt raises consumption, the price of capital and the limit itself (the 'perverse' branch; "
                "Schmitt-Grohe and Uribe 2021), so binding states are unstable and a stationary equilibrium with a "
                "binding constraint may not exist on any bond grid, or several may (docs/tradeoff.md, 'Default "
                "calibration'); choose an equilibrium selection (solve_competitive(..., selection=...)), value "
                "collateral at q_ss (collateral_price='steady') or use the default theta = 0.02",
                RuntimeWarning,
                stacklevel=3,
            )
    if p.constrained and np.any(bR >= 1.0):
        warnings.warn(
            f"beta*R_bar = {np.max(bR):.6g} >= 1: bond holdings drift to the upper end of the grid",
            RuntimeWarning,
            stacklevel=3,
        )


def default_params(n_industries: int = 2, calibration: str = "default", **overrides) -> TradeoffParams:
    """The calibration for I = 1, 2 or 3 industries (see module docstring).

    calibration: "default" (the seed's values with theta = theta_LTV omega = 0.02, F = 0.58 < 1) or
    "seed" (the seed's theta = 0.44, F = 19.2: equilibrium selection needed where the constraint binds).
    overrides: any field, e.g. ``theta=0.35`` or ``collateral_price="steady"``.
    """
    if n_industries not in (1, 2, 3):
        raise ValueError(f"n_industries: must be 1, 2 or 3, got {n_industries}")
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration: one of {CALIBRATIONS}, got {calibration!r}")
    rows = [DOMINANT] + [REST] * (n_industries - 1)
    fields = {k: jnp.array([r[k] for r in rows], float) for k in ("phi", "xi", "rho", "sigma")}
    fields["z_tilde"] = jnp.zeros(n_industries)
    for name in ("gamma", "alpha", "beta", "theta", "R_bar", "rho_R", "sigma_R", "K_bar", "c_floor"):
        fields[name] = jnp.asarray(TradeoffParams.__dataclass_fields__[name].default, float)
    if calibration == "seed":
        fields["theta"] = jnp.asarray(THETA_LTV, float)
    for k, v in overrides.items():
        fields[k] = v if k in ("constrained", "collateral_price") else jnp.asarray(v, float)
    return TradeoffParams(**fields)


def stack_params(params: list[TradeoffParams]) -> TradeoffParams:
    """Stack regions' parameter sets along a new leading axis (for the batched solve)."""
    if not params or len({(p.constrained, p.collateral_price) for p in params}) != 1:
        raise ValueError("params: need a non-empty list with one common 'constrained' and 'collateral_price' setting")
    return jax.tree.map(lambda *xs: jnp.stack([jnp.asarray(x, float) for x in xs]), *params)


def adjustment_cost(phi, k, kp):
    """Phi(k, k') = (phi/2) (k'/k - 1)^2 k."""
    return 0.5 * phi * (kp / k - 1.0) ** 2 * k


def adjustment_cost_dkp(phi, k, kp):
    """dPhi/dk' = phi (k'/k - 1): the marginal adjustment cost of the capital bought today."""
    return phi * (kp / k - 1.0)


def adjustment_cost_dk(phi, k, kp):
    """dPhi/dk = -(phi/2) ((k'/k)^2 - 1): installed capital lowers tomorrow's adjustment cost."""
    return -0.5 * phi * ((kp / k) ** 2 - 1.0)


def steady_state_price(p: TradeoffParams, shares=None):
    """Deterministic steady-state q with the constraint binding (if constrained), k_i = s_i K_bar.

    q (1 - beta - theta beta (1 - beta R)) = beta d,  d = alpha zbar k^{xi+alpha-1} (private dividend);
    without the constraint (or beta R >= 1) the collateral premium is zero. Used for grid scales.
    """
    I = jnp.shape(p.phi)[-1]
    s = jnp.full((I,), 1.0 / I) if shares is None else shares
    k = s * p.K_bar
    d = jnp.mean(p.alpha * jnp.exp(p.z_tilde) * k ** (p.xi + p.alpha - 1.0), axis=-1)
    prem = jnp.maximum(1.0 - p.beta * p.R_bar, 0.0) * (p.theta if p.constrained else 0.0)
    return p.beta * d / (1.0 - p.beta - p.beta * prem)


def collateral_feedback(p: TradeoffParams):
    """theta gamma q_ss K_bar / c_ss: the elasticity of the borrowing limit to consumption at a binding
    steady state. With expectations fixed q is proportional to u'(c)^-1 = c^gamma, and with the limit
    binding c = y + b + theta q K_bar, so dc/db = 1 / (1 - theta gamma q K_bar / c): above 1 the binding
    branch is 'perverse' (Schmitt-Grohe and Uribe 2021, multiple equilibria with price-dependent
    collateral). c_ss = y_ss - (R_bar - 1) theta q_ss K_bar (the binding steady state).
    With ``collateral_price="steady"`` the limit does not move with q: F = 0."""
    q = steady_state_price(p)
    c = steady_state_income(p) - (p.R_bar - 1.0) * p.theta * q * p.K_bar
    f = p.theta * p.gamma * q * p.K_bar / c
    return f if p.collateral_price == "market" else jnp.zeros_like(f)


def state_feedback(p: TradeoffParams, q, c):
    """F at each state: theta gamma q K_bar / c with the state's own price and consumption (the slope
    of the binding branch, dc/db = 1 / (1 - F) with expectations fixed); 0 with steady collateral."""
    f = p.theta * p.gamma * q * p.K_bar / c
    return f if p.collateral_price == "market" else jnp.zeros_like(f)


def steady_state_income(p: TradeoffParams):
    I = jnp.shape(p.phi)[-1]
    k = p.K_bar / I
    return jnp.sum(jnp.exp(p.z_tilde) * k ** (p.xi + p.alpha), axis=-1)
