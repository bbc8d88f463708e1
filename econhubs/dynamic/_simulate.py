"""Simulation of many regions (vmap over regions, lax.scan over time, lax.map over chunks).

Two exogenous modes:
* ``simulate``: the discretised Markov chain (exact states e_t), endogenous states (b, k) off
  the grid, policies by multilinear interpolation in (b, k). Used for the ergodic distribution,
  the binding share, and Judd's unit-free Euler errors (expectations are exact chain sums).
* ``simulate_ar1``: continuous AR(1) shocks u_i and ln R, policies interpolated in all state
  dimensions (clamped at the edges of the exogenous grids). Used for impulse responses.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ..core import cell_table
from ._residual import (
    ce_euler_errors,
    consumption,
    decode,
    floor_consumption,
    full_capital,
)
from ._solution import CESolution


def _table(sol: CESolution):
    """The solution's interpolation table over the endogenous states (the one the solver used)."""
    return sol.grid.policy_table(sol.flat_policy(), kink=True)


def policy_at(sol: CESolution, b, k_free, e, table=None):
    """Solver vector y = (s, k_1'..k_{I-1}', q) at an off-grid endogenous state in exogenous state e
    (decode it with ``_residual.decode``); pass ``table`` (``_table(sol)``) when evaluating many states."""
    table = _table(sol) if table is None else table
    return table(jnp.concatenate([jnp.atleast_1d(b), k_free]))[e]


def _next_endog(g, bp, kp_free):
    """Next period's endogenous state (b', k_1'..k_{I-1}') clipped to the grid (coverage() reports clipping)."""
    lo = jnp.array([gr[0] for gr in g.endog_grids])
    hi = jnp.array([gr[-1] for gr in g.endog_grids])
    return jnp.clip(jnp.concatenate([jnp.atleast_1d(bp), kp_free]), lo, hi)


def _chunked(f, xs, chunk: int):
    n = jax.tree.leaves(xs)[0].shape[0]
    if n <= chunk or n % chunk:
        return jax.vmap(f)(*xs)
    resh = jax.tree.map(lambda a: a.reshape((n // chunk, chunk) + a.shape[1:]), xs)
    out = jax.lax.map(lambda x: jax.vmap(f)(*x), resh)
    return jax.tree.map(lambda a: a.reshape((n,) + a.shape[2:]), out)


def simulate(
    sol: CESolution, key, n_regions: int = 1000, T: int = 500, *, b0=None, k0=None, e0=None, chunk: int = 1024
):
    """Simulate n_regions independent regions for T periods on the Markov chain.

    Returns a dict of arrays (n_regions, T[, ...]): b, k (I), e, c, q, mu, eta, binding, and
    euler_bond, euler_port (I) (unit-free Euler errors at each simulated state).
    """
    p, g = sol.params, sol.grid
    I = sol.n_industries
    n_e = g.R.shape[0]
    kb, ke = jax.random.split(key)
    b0 = jnp.full((n_regions,), 0.5 * (g.b[0] + g.b[-1])) if b0 is None else jnp.broadcast_to(b0, (n_regions,))
    k0 = jnp.full((n_regions, I - 1), p.K_bar / I) if k0 is None else jnp.broadcast_to(k0, (n_regions, I - 1))
    e0 = jnp.full((n_regions,), n_e // 2, jnp.int32) if e0 is None else jnp.broadcast_to(e0, (n_regions,))
    cumP = jnp.cumsum(g.P, axis=1)
    keys = jax.random.split(ke, n_regions)

    def one(b, kf, e, k_, table):
        draws = jax.random.uniform(k_, (T,))

        def step(carry, u):
            b, kf, e = carry
            y = policy_at(sol, b, kf, e, table)
            bond, port, c, _ = ce_euler_errors(y, (b, kf, e), p, g, table)
            bp, kp_free, q, mu, _ = decode(y, p, g.R[e])
            binding = mu > 1e-8
            out = dict(
                b=b,
                k=full_capital(kf, p.K_bar),
                e=e,
                c=c,
                q=q,
                mu=mu,
                eta=mu * c ** (-p.gamma),
                binding=binding & p.constrained,
                euler_bond=bond,
                euler_port=port,
            )
            e_next = jnp.minimum(jnp.searchsorted(cumP[e], u), n_e - 1).astype(jnp.int32)
            nxt = _next_endog(g, bp, kp_free)
            return (nxt[0], nxt[1:I], e_next), out

        _, out = jax.lax.scan(step, (b, kf, e), draws)
        return out

    def run(b0, k0, e0, keys, pol):
        table = g.policy_table(pol, kink=True)
        return _chunked(lambda *xs: one(*xs, table), (b0, k0, e0, keys), chunk)

    return jax.jit(run)(b0, k0, e0, keys, sol.flat_policy())


def simulate_ar1(sol: CESolution, b0, k0, u0, logR0, eps):
    """Simulate with continuous shocks: eps (n, T, I+1) standard normal innovations (u_1..u_I, ln R).

    u_{t+1} = rho u_t + sigma eps_{t+1}; the period-0 state is (b0, k0, u0 + sigma eps_0, ...).
    Returns dict of (n, T[, ...]) arrays: b, k, u, R, c, q, mu, eta.
    """
    p, g = sol.params, sol.grid
    if g.has_sunspot:
        raise ValueError("simulate_ar1: a solution with a sunspot state has no continuous-shock form; use simulate")
    I = sol.n_industries
    grids = g.endog_grids + g.exog_grids
    n_en = len(g.endog_grids)
    ext = (True,) * n_en + (False,) * (I + 1)
    order = g.order + (1,) * (I + 1)
    rho = jnp.concatenate([p.rho, jnp.atleast_1d(p.rho_R)])
    sig = jnp.concatenate([p.sigma, jnp.atleast_1d(p.sigma_R)])
    mean = jnp.concatenate([jnp.zeros(I), jnp.atleast_1d(jnp.log(p.R_bar))])

    def one(b, kf, x0, ep, table):
        def step(carry, e_t):
            b, kf, x_prev, first = carry
            x = jnp.where(first, x_prev + sig * e_t, mean + rho * (x_prev - mean) + sig * e_t)
            y = table(jnp.concatenate([jnp.atleast_1d(b), kf, x]))
            zbar = jnp.exp(p.z_tilde + x[:I])
            R = jnp.exp(x[I])
            k = full_capital(kf, p.K_bar)
            bp, kp_free, q, mu, _ = decode(y, p, R)
            kp = full_capital(kp_free, p.K_bar)
            c = floor_consumption(consumption(p, b, k, bp, kp, zbar, R), p.c_floor)
            out = dict(b=b, k=k, u=x[:I], R=R, c=c, q=q, mu=mu, eta=mu * c ** (-p.gamma))
            nxt = _next_endog(g, bp, kp_free)
            return (nxt[0], nxt[1:I], x, False), out

        _, out = jax.lax.scan(step, (b, kf, x0, True), ep)
        return out

    def run(b0, k0, x0, eps, pol):
        table = cell_table(grids, pol, order, ext, kink=g.kink, kink_dims=g.kink_dims)
        return jax.vmap(lambda *xs: one(*xs, table))(b0, k0, x0, eps)

    x0 = jnp.concatenate([u0, logR0[:, None]], axis=1)
    return jax.jit(run)(b0, k0, x0, eps, sol.policy)


def euler_error_stats(sim) -> dict:
    """Judd's log10 unit-free Euler errors over simulated states (bond and portfolio Eulers)."""
    err = np.maximum(np.abs(np.asarray(sim["euler_bond"])), np.max(np.abs(np.asarray(sim["euler_port"])), axis=-1))
    l10 = np.log10(np.maximum(err, 1e-17)).ravel()
    return {"mean_log10": float(l10.mean()), "max_log10": float(l10.max())}


def coverage(sol: CESolution, sim, warn: bool = True) -> dict:
    """Share of simulated states on the edge of the endogenous grid (the simulation clips states
    to the grid, so mass at an edge means the policy wanted to leave it); warns if any."""
    b = np.asarray(sim["b"])
    gb = np.asarray(sol.grid.b)
    tol = 1e-9 * (gb[-1] - gb[0])
    out = {"b_below": float(np.mean(b <= gb[0] + tol)), "b_above": float(np.mean(b >= gb[-1] - tol))}
    I = sol.n_industries
    if I > 1:
        k = np.asarray(sim["k"])[..., : I - 1]
        gk = np.asarray(sol.grid.k)
        out["k_outside"] = float(np.mean((k <= gk[:, 0] + 1e-12) | (k >= gk[:, -1] - 1e-12)))
    if warn and any(v > 0 for v in out.values()):
        warnings.warn(f"the grid does not cover the simulated ergodic set: {out}", RuntimeWarning, stacklevel=2)
    return out
