"""Per-state residual of the recursive competitive equilibrium (seed appendix, "Recursive
Unregulated Competitive Equilibrium"; slides "Key optimality conditions").

State s = (b, k_1..k_{I-1}, e) with e the joint exogenous state (u_1..u_I, R); k_I = K_bar - sum.
Unknowns y = (s, k_1'..k_{I-1}', q). The bond choice and the collateral multiplier are coded by
one variable s (a Garcia-Zangwill / "complementarity-free" transform):
  b'/R + theta q K_bar = y_ss s_+,     mu = eta / u'(c) = (-s)_+,     x_+ = (x + sqrt(x^2 + eps^2)) / 2,
so that the slack and the multiplier are never both positive, complementarity holds exactly at
every state (on and off the grid, since the interpolated s decodes the same way), and Newton
works on a square smooth system without a separate complementarity equation. Without the
constraint (``constrained=False``) mu = 0 and b' = R (y_ss s - theta q K_bar).
With k_I' = K_bar - sum (capital-market clearing) and
  c = sum_i [zbar_i k_i^{xi_i + alpha} - Phi_i(k_i, k_i')] + b - b'/R      (q cancels: sum k' = sum k),
next period's policies come from the previous iterate, interpolated multilinearly at
(b', k_1'..k_{I-1}') in every exogenous state e' (exact sum over the chain, m' = beta (c'/c)^-gamma):
  bond Euler:       1 = R E[m'] + mu                                     (u'(c) = beta R E u'(c') + eta)
  portfolio Euler:  q + dPhi_i/dk'(k_i, k_i') =
                    E[m' (alpha zbar_i' k_i'^{xi_i+alpha-1} - dPhi_i/dk(k_i', k_i'') + q' + theta q' mu')]
Agglomeration is external: the private return uses alpha z_i k_i^{alpha-1} = alpha zbar_i k_i^{xi+alpha-1}.
The portfolio residuals are divided by q_ss (price scale), so every component is O(1).

The time-iteration engine takes any residual with this signature, so the constrained-efficient
planner can add its own residual beside this one and reuse grids, interpolation and iteration.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int

from ..core import interp
from ._grid import TradeoffGrid
from ._params import (
    TradeoffParams,
    adjustment_cost,
    adjustment_cost_dk,
    adjustment_cost_dkp,
    steady_state_income,
    steady_state_price,
)

POS_EPS = 1e-10


def n_policies(n_industries: int) -> int:
    """s, k_1'..k_{I-1}', q."""
    return n_industries + 1


def positive_part(x):
    """Smooth x_+ = (x + sqrt(x^2 + eps^2)) / 2 (exact to eps^2 / 4x away from 0)."""
    return 0.5 * (x + jnp.sqrt(x * x + POS_EPS**2))


def full_capital(k_free: Float[Array, "... Im1"], K_bar) -> Float[Array, "... I"]:
    last = K_bar - jnp.sum(k_free, axis=-1, keepdims=True)
    return jnp.concatenate([k_free, last], axis=-1)


def collateral_value(q, p: TradeoffParams):
    """Price at which capital is pledged: the market q, or q_ss with ``collateral_price="steady"``."""
    return q if p.collateral_price == "market" else jnp.broadcast_to(steady_state_price(p), jnp.shape(q))


def decode(y: Float[Array, "... n"], p: TradeoffParams, R, regime: str | None = None):
    """Policy vector(s) y = (s, k_free, q) -> (b', k_free', q, mu, slack); works on batches (...).

    regime: None decodes by the positive parts (used everywhere off the Newton solve); "slack"
    (mu = 0, slack = y_ss s) and "bind" (slack = 0, mu = -s) are the two smooth branches that
    the per-state solve tries in turn (guess and verify), so Newton never steps across the kink.
    """
    I = p.phi.shape[-1]
    s, kp_free, q = y[..., 0], y[..., 1:I], y[..., I]
    yss = steady_state_income(p)
    if p.constrained and regime == "slack":
        slack, mu = yss * s, jnp.zeros_like(s)
    elif p.constrained and regime == "bind":
        slack, mu = jnp.zeros_like(s), -s
    elif p.constrained:
        slack, mu = yss * positive_part(s), positive_part(-s)
    else:
        slack, mu = yss * s, jnp.zeros_like(s)
    bp = R * (slack - p.theta * collateral_value(q, p) * p.K_bar)
    return bp, kp_free, q, mu, slack


def encode(bp, kp_free, q, mu, p: TradeoffParams, R):
    """Inverse of :func:`decode` (mu is used only where the slack is zero)."""
    slack = (bp / R + p.theta * collateral_value(q, p) * p.K_bar) / steady_state_income(p)
    s = jnp.where(mu > 0, -mu, slack) if p.constrained else slack
    return jnp.concatenate([s[..., None], kp_free, q[..., None]], axis=-1)


def consumption(p: TradeoffParams, b, k, bp, kp, zbar, R):
    """Raw consumption from the budget after market clearing (sum k' = sum k = K_bar)."""
    y = jnp.sum(zbar * k ** (p.xi + p.alpha), axis=-1)
    adj = jnp.sum(adjustment_cost(p.phi, k, kp), axis=-1)
    return y - adj + b - bp / R


def floor_consumption(c, c_floor):
    """Identity above c_floor, smooth positive continuation c_floor exp(c/c_floor - 1) below."""
    safe = jnp.minimum(c, c_floor)
    return jnp.where(c > c_floor, c, c_floor * jnp.exp(safe / c_floor - 1.0))


class StatePieces(eqx.Module):
    """The equilibrium objects at one state (the convention of the hubs and CPRS blocks: a module, not
    a string-keyed dict): b', q, η, slack, c (floored) and c_raw, R, E[m'], and the portfolio Euler
    sides lhs = q + ∂Φ/∂k' and rhs = E[m' payoff] (I,)."""

    bp: Array
    q: Array
    mu: Array
    slack: Array
    c: Array
    c_raw: Array
    R: Array
    Em: Array
    lhs: Array
    rhs: Array


def _pieces(y, point, p: TradeoffParams, grid: TradeoffGrid, pol_next, regime=None) -> StatePieces:
    b, k_free, e = point
    R = grid.R[e]
    bp, kp_free, q, mu, slack = decode(y, p, R, regime)
    k = full_capital(k_free, p.K_bar)
    kp = full_capital(kp_free, p.K_bar)
    c_raw = consumption(p, b, k, bp, kp, grid.zbar[e], R)
    c = floor_consumption(c_raw, p.c_floor)
    x = jnp.concatenate([jnp.atleast_1d(bp), kp_free])
    nxt = pol_next(x) if callable(pol_next) else interp(grid.endog_grids, pol_next, x)  # (n_e, n_pol)
    bpp, kpp_free, qn, mun, _ = decode(nxt, p, grid.R)
    kpp = full_capital(kpp_free, p.K_bar)
    cn = floor_consumption(consumption(p, bp, kp[None, :], bpp, kpp, grid.zbar, grid.R), p.c_floor)
    m = p.beta * (cn / c) ** (-p.gamma)  # (n_e,)
    pe = grid.P[e]
    div = p.alpha * grid.zbar * kp[None, :] ** (p.xi + p.alpha - 1.0) - adjustment_cost_dk(p.phi, kp[None, :], kpp)
    payoff = div + (qn + p.theta * collateral_value(qn, p) * mun)[:, None]  # (n_e, I)
    Em = pe @ m
    rhs = pe @ (m[:, None] * payoff)  # (I,)
    lhs = q + adjustment_cost_dkp(p.phi, k, kp)
    return StatePieces(bp=bp, q=q, mu=mu, slack=slack, c=c, c_raw=c_raw, R=R, Em=Em, lhs=lhs, rhs=rhs)


def ce_residual(
    y: Float[Array, " n"],
    point: tuple[Float[Array, ""], Float[Array, " Im1"], Int[Array, ""]],
    p: TradeoffParams,
    grid: TradeoffGrid,
    pol_next: Float[Array, "..."],
    regime: str | None = None,
) -> tuple[Float[Array, " n"], Float[Array, ""]]:
    """Residual F(y) of one state (length I + 1: bond Euler, I portfolio Eulers) and c as aux.

    pol_next: previous iterate as an interpolation table (``grid.policy_table(pol)``, callable at (b', k'))
    or as an array of shape (*endog_shape, n_e, n_pol) (then interpolated multilinearly).
    regime: None, "slack" or "bind" (see :func:`decode`).
    """
    d = _pieces(y, point, p, grid, pol_next, regime)
    bond = 1.0 - d.mu - d.R * d.Em
    port = (d.lhs - d.rhs) / steady_state_price(p)
    return jnp.concatenate([jnp.atleast_1d(bond), port]), d.c


def ce_euler_errors(y, point, p: TradeoffParams, grid: TradeoffGrid, pol_next):
    """Unit-free Euler errors at a state (Judd 1992): returns (bond, portfolio (I,), c, c_raw).

    bond: 1 - u'^{-1}(beta R E u'(c') + eta) / c, the consumption error as a share of c;
    portfolio: 1 - RHS_i / (q + dPhi_i/dk'), the pricing error as a share of the capital cost.
    Complementarity holds exactly by construction (see the module docstring).
    """
    d = _pieces(y, point, p, grid, pol_next)
    ratio = d.R * d.Em + d.mu  # = (u'(c_implied) / u'(c))
    bond = 1.0 - ratio ** (-1.0 / p.gamma)
    port = 1.0 - d.rhs / d.lhs
    return bond, port, d.c, d.c_raw


CE_REGIMES = ("slack", "bind")
SELECTIONS = ("slack_first", "bind_first")
MULTIPLE_TOL = 1e-8


class CESelect(eqx.Module):
    """Guess and verify over the regimes, with an explicit equilibrium selection.

    The slack branch's solution is valid if s >= 0 (the collateral constraint holds), the binding
    branch's if its multiplier -s >= 0. Where only one is valid it is kept; where both are (with
    slack and multiplier both > MULTIPLE_TOL: two distinct equilibria at this state, given next
    period's policies) ``prefer_bind`` or the state's sunspot (``grid.sunspot[e]``) picks the
    constrained one ("bind_first": the self-fulfilling sudden stop), otherwise the slack one
    ("slack_first": the high-price equilibrium). Returns (y, ok, multiple).
    """

    prefer_bind: bool | Bool[Array, ""] = False

    def __call__(self, y0, values, converged, point=None, grid=None):
        (ys, yb), (cs, cb) = values, converged
        ok_s = cs & (ys[0] >= -1e-12)
        ok_b = cb & (yb[0] <= 1e-12)
        multiple = ok_s & ok_b & (ys[0] > MULTIPLE_TOL) & (yb[0] < -MULTIPLE_TOL)
        bind = jnp.asarray(self.prefer_bind)
        if grid is not None:
            bind = bind | grid.sunspot[point[2]]
        slack_first = jnp.where(ok_s, ys, jnp.where(ok_b, yb, y0))
        bind_first = jnp.where(ok_b, yb, jnp.where(ok_s, ys, y0))
        return jnp.where(bind, bind_first, slack_first), ok_s | ok_b, multiple


ce_select = CESelect()
