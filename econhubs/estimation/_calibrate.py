r"""Calibration by gradient: the scalars inversion cannot identify (ν, θ, distance elasticities)
chosen so that model moments match targets, by least squares with optimistix.

$$\min_φ \tfrac12 \| W (m(\text{eq}(φ)) - m^*) \|^2$$

solved by Levenberg–Marquardt (``optimistix.LevenbergMarquardt``). The Jacobian ∂m/∂φ passes
through ``solve_equilibrium`` by implicit differentiation (forward mode: one linear solve per
parameter at the equilibrium, no re-solve), so each LM step costs **one** equilibrium solve.
Solves are counted by a callback inside the residual, not estimated.

:func:`default_model` maps φ = {nu, theta, delta_<group>} onto an economy on a distance matrix:
ν → ``params.nu``; θ → ``params.theta`` scaled by θ/θ̄ (industry heterogeneity kept, θ̄ = 4.55);
δ_g → trade kernel $K^g = (d/\bar d)^{-δ_g}$ (the distance elasticity of trade flows of group g).
:func:`default_moments` are standard targets: the Head–Ries distance elasticity of trade flows
of one group, mean own-trade shares (home bias) of two industries, and the dispersion of metro
employment and of the CNR share (migration / location-choice responses).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx


def default_model(params, fundamentals, trade, dist, groups=("HE", "PS", "M", "ATT"), theta_bar: float = 4.55):
    """φ (dict) → (params, fundamentals, trade) for :func:`calibrate` (see module docstring)."""
    dist = np.asarray(dist, float)
    off = ~np.eye(dist.shape[0], dtype=bool)
    dbar = dist[off].min()
    logd = jnp.asarray(np.where(off, np.log(np.where(off, dist, 1.0) / dbar), 0.0))
    theta0 = params.theta

    def build(phi: dict):
        p = params
        if "nu" in phi:
            p = eqx.tree_at(lambda q: q.nu, p, jnp.asarray(phi["nu"], float))
        if "theta" in phi:
            p = eqx.tree_at(lambda q: q.theta, p, theta0 * (phi["theta"] / theta_bar))
        kernels = trade.kernels
        for g, name in enumerate(groups):
            if f"delta_{name}" in phi:
                kernels = kernels.at[g].set(jnp.exp(-phi[f"delta_{name}"] * logd))
        return p, fundamentals, eqx.tree_at(lambda t: t.kernels, trade, kernels)

    return build


def default_moments(dist, j_trade: int = 0, j_home: tuple[int, int] = (0, 8), cnr: int = 0):
    """eq → moments: [Head–Ries distance elasticity of industry ``j_trade``, mean ln π_nn of the two
    ``j_home`` industries, sd of ln L_n, sd of ln(L^CNR_n/L_n)]."""
    dist = np.asarray(dist, float)
    off = ~np.eye(dist.shape[0], dtype=bool)
    logd = jnp.asarray(np.log(np.where(off, dist, 1.0) / dist[off].min()))
    w = jnp.asarray(off & (logd > 0))

    def moments(eq):
        pi = eq.trade_shares(j_trade)
        d = jnp.diag(pi)
        hr = jnp.log(pi * pi.T / (d[:, None] * d[None, :]))  # = -2 δ ln(d/d̄) in EK
        elast = jnp.sum(jnp.where(w, hr / (2 * jnp.where(w, logd, 1.0)), 0.0)) / jnp.sum(w)
        home = [jnp.mean(jnp.log(jnp.diag(eq.trade_shares(j)))) for j in j_home]
        L = jnp.sum(eq.L, axis=1)
        return jnp.stack([elast, *home, jnp.std(jnp.log(L)), jnp.std(jnp.log(eq.L[:, cnr] / L))])

    return moments


@dataclass(frozen=True)
class Calibration:
    """estimates; moments at the estimates and targets; Jacobian ∂m/∂φ (moments × params);
    equilibrium solves used; optimiser steps; converged."""

    estimates: dict
    moments: np.ndarray
    targets: np.ndarray
    jacobian: np.ndarray
    solves: int
    steps: int
    converged: bool


def calibrate(build: Callable, moments: Callable, targets, start: dict, *, weights=None, z0=None,
              solver="host-lm", max_steps: int = 50, throw: bool = True) -> Calibration:
    """Least-squares calibration of the scalars in ``start`` (dict name → value).

    build: φ dict → (params, fundamentals, trade) (e.g. :func:`default_model`); moments: Equilibrium →
    vector (e.g. :func:`default_moments`); targets: the data moments; weights: per-moment W (default 1);
    z0: a warm start for every solve. ``throw``: raise if the optimiser or the final solve fails.
    The search is over u with φ = lower + exp(u0 + tanh(u − u0)) (lower = 1 for ν, 0 otherwise):
    every trial point is a valid economy within a factor e of the start; a failed solve returns a
    large finite residual.

    solver: ``"host-lm"`` (default): Levenberg–Marquardt with the loop on the host, each trial
    point one solve giving residual and implicit forward-mode Jacobian; or an optimistix
    least-squares solver (``None`` → ``optimistix.LevenbergMarquardt``). Known issue: under
    ``optimistix.least_squares`` the linear solve inside the equilibrium's implicit derivative
    fails at the start point (12-metro test economy; 2026-11-25: a non-finite lineax input,
    2026-11-26: "maximum number of solver steps reached") although ``jax.jacfwd`` of the same
    moments there is finite; hence the host loop is the default.
    """
    names = list(start)
    targets = jnp.asarray(targets, float)
    w = jnp.ones_like(targets) if weights is None else jnp.asarray(weights, float)
    lower = jnp.asarray([1.0 if k == "nu" else 0.0 for k in names])  # ν > 1, θ, δ > 0
    u0 = jnp.log(jnp.asarray([start[k] for k in names], float) - lower)
    fixed = (u0, lower, targets, w, z0)
    if solver == "host-lm":
        value_jac = _value_jac(build, moments, tuple(names))
        u, steps, result_ok, solves, (J, (r, m, ok)) = _host_levenberg_marquardt(
            lambda u: value_jac(u, *fixed), u0, max_steps)
    else:
        count = [0]
        resid = _residual(build, moments, tuple(names), lambda: count.__setitem__(0, count[0] + 1))
        solver = optx.LevenbergMarquardt(rtol=1e-12, atol=1e-12) if solver is None else solver
        sol = optx.least_squares(lambda u, _: resid(u, *fixed)[0], solver, u0, max_steps=max_steps, throw=False)
        u, steps, result_ok = sol.value, int(sol.stats["num_steps"]), bool(sol.result == optx.RESULTS.successful)
        J, (r, m, ok) = _value_jac(build, moments, tuple(names))(u, *fixed)
        solves = count[0] + 1
    phi = _to_phi(u, u0, lower)
    # ∂m/∂φ from the last linearisation in u: r = W (m − m*), φ_i = lower_i + exp(u0_i + tanh(u_i − u0_i))
    dphi_du = (phi - lower) * (1.0 - jnp.tanh(u - u0) ** 2)
    jac = J / w[:, None] / dphi_du[None, :]
    converged = result_ok and bool(ok)
    if throw and not converged:
        raise RuntimeError(f"calibration did not converge: optimiser ok={result_ok}, final solve converged={bool(ok)}, "
                           f"moments {np.asarray(m)} vs targets {np.asarray(targets)}")
    est = {k: float(v) for k, v in zip(names, phi)}
    return Calibration(est, np.asarray(m), np.asarray(targets), np.asarray(jac), solves, steps, converged)


def _to_phi(u, u0, lower):
    """φ = lower + exp(u0 + tanh(u − u0)): a valid economy within a factor e of the start."""
    return lower + jnp.exp(u0 + jnp.tanh(u - u0))


def _residual(build, moments, names, tick=None):
    """u → (W (m − m*), (W (m − m*), m, converged)); a failed solve gives a large finite residual."""
    from ..spatial import solve_equilibrium

    def resid(u, u0, lower, targets, w, z0):
        eq = solve_equilibrium(*build(dict(zip(names, _to_phi(u, u0, lower)))), z0=z0, throw=False)
        if tick is not None:
            jax.debug.callback(tick)
        m = moments(eq)
        ok = eq.converged & jnp.all(jnp.isfinite(m))
        r = jnp.where(ok, w * (m - targets), 1e3)  # a failed solve is a bad point, not a NaN
        return r, (r, m, ok)

    return resid


@functools.lru_cache(maxsize=8)
def _value_jac(build, moments, names):
    """The compiled u → (∂r/∂u, (r, m, ok)) for one (build, moments, names): kept, so a second
    calibration of the same model (a warm start, another target) does not compile again."""
    return jax.jit(jax.jacfwd(_residual(build, moments, names), has_aux=True))


def _host_levenberg_marquardt(value_jac, u0, max_steps: int, tol: float = 1e-13):
    """Levenberg–Marquardt with the loop on the host: each trial point costs one solve, which gives
    the residual and (forward-mode, implicit) Jacobian together; failed solves are rejected steps.
    Returns u, steps, converged, solves and (J, aux) at u."""
    u = jnp.asarray(u0)
    J, aux = value_jac(u)
    r = aux[0]
    solves = 1
    damping = 1e-3
    for step in range(max_steps):
        if float(jnp.max(jnp.abs(r))) < tol:
            return u, step, True, solves, (J, aux)
        A, g = J.T @ J, J.T @ r
        d = -jnp.linalg.solve(A + damping * jnp.diag(jnp.diag(A)), g)
        J_new, aux_new = value_jac(u + d)
        solves += 1
        r_new = aux_new[0]
        if bool(jnp.all(jnp.isfinite(r_new))) and float(r_new @ r_new) < float(r @ r):
            u, J, r, aux, damping = u + d, J_new, r_new, aux_new, damping / 10
        else:
            damping *= 10
        if float(jnp.max(jnp.abs(d))) < 1e-15:
            break
    return u, step + 1, float(jnp.max(jnp.abs(r))) < 1e-8, solves, (J, aux)
