"""Per-state generalised Euler residual of the time-consistent constrained-efficient planner
(seed appendix: "Key optimality conditions (Planner Equilibrium)", "Planner FOCs: Cross-derivatives",
"Recursive Constrained-Efficient Equilibrium"; Bianchi and Mendoza 2018 for the Markov planner).

The planner chooses x = (b', k_1'..k_{I-1}') at s = (b, k_free, e), taking future planners' policy
functions as given (Markov), subject to the budget (q cancels by market clearing, so the budget
carries the social return zbar_i k_i^{xi_i+alpha}: agglomeration is internalised), the collateral
constraint and the implementability constraint (the private pricing condition). Substituting the
implementability constraint into the collateral constraint (q enters nowhere else), the planner solves

    V(s) = max_x u(c(s, x)) + beta E V(x, e')   s.t.   g(s, x) = b'/R + theta Q(s, x) K_bar >= 0,
    Q(s, x) = sum_i (k_i'/K_bar) [ E m'(x) (alpha zbar_i' k_i'^{xi_i+alpha-1} - dPhi_i/dk(k_i', k_i'')
                                          + q'(1 + theta mu')) - dPhi_i/dk'(k_i, k_i') ],

m' = beta u'(c')/u'(c) and (c', k'', q', mu') next period's policies interpolated at x (the previous
iterate). **choice**: with I > 1 the private valuations of the I industries differ at the planner's
portfolio, and the collateral price is their portfolio-weighted mean (the price at which households
value the planner's bundle; the decentralising capital taxes then sum to zero in expectation), and
the private multiplier in the pricing condition equals the planner's, eta = mu u'(c) (the debt tax
supports it: ``_welfare.decentralising_taxes``). With multiplier eta* = mu u'(c) the first-order and
envelope conditions are

    FOC (x):       d/dx [u(c(s, x)) + eta* g(s, x)] + beta sum_e' P_ee' W(x, e') = 0,
    envelope (s):  W(s) = d/ds [u(c(s, x)) + eta* g(s, x)]       (W = dV/d(b, k_free)).

dQ/dx (the seed's dQ/db', dQ/dk_i', d eta'/db', ...: the pecuniary externality) comes from autodiff
through the interpolated policies; dQ/ds through u'(c) gives the seed's shadow value of wealth
lambda = u'(c) - (u''/u') theta eta q K_bar.

Representation of W (**choice**): W(s) = u'(c(s)) dc/ds + W^Q(s) with W^Q = eta* dg/ds = eta* theta K_bar dQ/ds
the pecuniary part. Off the grid, W(x, e') is u'(c') dc'/ds' computed from next period's policies interpolated
at x (the same interpolation the CE uses for its Euler equations) plus W^Q(x, e') interpolated. Where eta* = 0
the planner's equations are then the CE's, term by term, whenever the private and social returns coincide
(xi = 0): with the constraint off (or never binding) planner and CE are the same allocation to the solver's
tolerance, not only up to interpolation error (interpolating the whole W instead makes them differ by ~1e-4
in q at I = 1). The unknowns per state are the CE layout plus W^Q:
y = (s, k_1'..k_{I-1}', q, W^Q_b, W^Q_k1..W^Q_k{I-1}), length 2I + 1; the residual is
(FOC_b', FOC_k' (I-1), q - Q, W^Q - eta* dg/ds (I)), scaled by u'(c) and q_ss to be O(1).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from ._grid import TradeoffGrid
from ._params import (
    TradeoffParams,
    adjustment_cost_dk,
    adjustment_cost_dkp,
    steady_state_price,
)
from ._planner_sweep import decode_regime
from ._residual import consumption, decode, floor_consumption, full_capital


def utility(c, gamma):
    """u(c) = c^{1-gamma} / (1-gamma) (the seed's u without the constant: welfare ratios are exact)."""
    return c ** (1.0 - gamma) / (1.0 - gamma)


def social_consumption(p: TradeoffParams, b, k_free, bp, kp_free, zbar, R):
    """c(s, x) with the social return zbar_i k_i^{xi_i+alpha} (floored smoothly like the CE)."""
    k, kp = full_capital(k_free, p.K_bar), full_capital(kp_free, p.K_bar)
    return floor_consumption(consumption(p, b, k, bp, kp, zbar, R), p.c_floor)


def implementability_price(p: TradeoffParams, grid: TradeoffGrid, table, e, k_free, x, c):
    """Q(s, x): the private pricing condition at the planner's choice x (module docstring).

    ``table``: last iterate's interpolation table (``grid.policy_table``), callable at x -> (n_e, n_pol);
    Q is differentiable in x through it (autodiff gives each cell's slope) and in (k_free, c) directly.
    Returns (Q, E m', E[m' d_i'] (I,), per-industry q_i (I,)).
    """
    I = p.phi.shape[-1]
    bp, kp_free = x[0], x[1:]
    k, kp = full_capital(k_free, p.K_bar), full_capital(kp_free, p.K_bar)
    nxt = table(x)[:, : I + 1]  # (n_e, I+1)
    bpp, kpp_free, qn, mun, _ = decode(nxt, p, grid.R)
    kpp = full_capital(kpp_free, p.K_bar)
    cn = floor_consumption(consumption(p, bp, kp[None, :], bpp, kpp, grid.zbar, grid.R), p.c_floor)
    m = p.beta * (cn / c) ** (-p.gamma)
    pe = grid.P[e]
    div = p.alpha * grid.zbar * kp[None, :] ** (p.xi + p.alpha - 1.0)
    rest = -adjustment_cost_dk(p.phi, kp[None, :], kpp) + (qn * (1.0 + p.theta * mun))[:, None]
    Emd = pe @ (m[:, None] * div)
    q_i = Emd + pe @ (m[:, None] * rest) - adjustment_cost_dkp(p.phi, k, kp)
    Q = jnp.sum(kp / p.K_bar * q_i)
    return Q, pe @ m, Emd, q_i


def budget_gradient(p: TradeoffParams, c_raw, k, kp, zbar):
    """dc/d(b, k_1..k_{I-1}) of the (floored) budget at given policies, batched over leading axes:
    floor'(c_raw) (1, MPK_j - MPK_I - dPhi_j/dk + dPhi_I/dk) with the social MPK_i = (xi_i + alpha) zbar_i
    k_i^{xi_i + alpha - 1} (k_I = K_bar - sum k_free). Closed form: one autodiff level less in the compiled
    planner sweep."""
    fl = jnp.where(c_raw > p.c_floor, 1.0, jnp.exp(jnp.minimum(c_raw, p.c_floor) / p.c_floor - 1.0))
    marg = (p.xi + p.alpha) * zbar * k ** (p.xi + p.alpha - 1.0) - adjustment_cost_dk(p.phi, k, kp)
    dk = marg[..., :-1] - marg[..., -1:]
    return fl[..., None] * jnp.concatenate([jnp.ones(dk.shape[:-1] + (1,)), dk], axis=-1)


def next_envelope(p: TradeoffParams, grid: TradeoffGrid, table, x):
    """W(x, e') (n_e, I) at the next states (x, e'): u'(c') dc'/ds' from next period's policies interpolated
    at x (the partial derivative of the budget in the state, policies held: envelope theorem) plus the
    interpolated pecuniary part W^Q(x, e') (module docstring)."""
    I = p.phi.shape[-1]
    nxt = table(x)
    bpp, kpp_free, _, _, _ = decode(nxt[:, : I + 1], p, grid.R)
    kp, kpp = full_capital(x[1:], p.K_bar), full_capital(kpp_free, p.K_bar)
    c_raw = consumption(p, x[0], kp[None, :], bpp, kpp, grid.zbar, grid.R)
    c = floor_consumption(c_raw, p.c_floor)
    dc = budget_gradient(p, c_raw, kp[None, :], kpp, grid.zbar)  # (n_e, I)
    return c[:, None] ** (-p.gamma) * dc + nxt[:, I + 1:]


def _parts(p, grid, table, e, z):
    """(u(c(s, x)), g(s, x)) with g = b'/R + theta Q(s, x) K_bar at z = (x, state), x = (b', k_free'),
    state = (b, k_free); aux: (Q, W(x, e') (n_e, I)). One trace gives the first-order and envelope terms."""
    I = p.phi.shape[-1]
    R = grid.R[e]
    x, state = z[:I], z[I:]
    b, k_free = state[0], state[1:]
    c = social_consumption(p, b, k_free, x[0], x[1:], grid.zbar[e], R)
    Q = implementability_price(p, grid, table, e, k_free, x, c)[0]
    g = x[0] / R + (p.theta * Q * p.K_bar if p.constrained else 0.0)
    return jnp.stack([utility(c, p.gamma), g]), (Q, next_envelope(p, grid, table, x))


def _derivatives(y_ce, point, p: TradeoffParams, grid: TradeoffGrid, table, regime):
    """At a state: (q, mu, c, d(u, g)/dz (2, 2I), Q, W(x, e') (n_e, I)) with z = (x, state)."""
    b, k_free, e = point
    R = grid.R[e]
    bp, kp_free, q, mu, _ = decode_regime(y_ce, p, R, regime)
    z = jnp.concatenate([jnp.atleast_1d(bp), kp_free, jnp.atleast_1d(b), k_free])
    c = social_consumption(p, b, k_free, bp, kp_free, grid.zbar[e], R)
    D, (Q, W_next) = jax.jacfwd(lambda zz: _parts(p, grid, table, e, zz), has_aux=True)(z)
    return q, mu, c, D, Q, W_next


def planner_residual(
    y: Float[Array, " n"],
    point: tuple[Float[Array, ""], Float[Array, " Im1"], Int[Array, ""]],
    p: TradeoffParams,
    grid: TradeoffGrid,
    table: Callable,
    regime=0,
) -> tuple[Float[Array, " n"], Float[Array, ""]]:
    """Residual of one state (length 2I + 1, see the module docstring) and c as aux.

    table: previous iterate's table (``grid.policy_table`` of the (N, 2I + 1) policies);
    regime: 0 (positive parts), 1 (slack) or 2 (binding), static or traced (``decode_regime``).
    """
    I = p.phi.shape[-1]
    e = point[2]
    q, mu, c, D, Q, W_next = _derivatives(y[: I + 1], point, p, grid, table, regime)
    uc = c ** (-p.gamma)
    eta = mu * uc
    dL = D[0] + eta * D[1]
    foc = dL[:I] + p.beta * grid.P[e] @ W_next
    env = y[I + 1:] - eta * D[1, I:]
    res = jnp.concatenate([foc / uc, jnp.atleast_1d((q - Q) / steady_state_price(p)), env / uc])
    return res, c


def envelope_at(y_ce: Float[Array, " n"], point, p: TradeoffParams, grid: TradeoffGrid, table):
    """(W^Q, W) at a CE-layout policy y_ce = (s, k_free', q): the pecuniary part eta dg/ds of the envelope
    (the planner's unknown; used to start the planner from the CE) and the whole W = dL/ds."""
    I = p.phi.shape[-1]
    _, mu, c, D, _, _ = _derivatives(y_ce[: I + 1], point, p, grid, table, 0)
    eta = mu * c ** (-p.gamma)
    return eta * D[1, I:], D[0, I:] + eta * D[1, I:]
