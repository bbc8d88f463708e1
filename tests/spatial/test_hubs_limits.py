"""Sectoral-hubs limits and degenerate inputs: β = 1 exactly (no structures), the one-sector gravity
model against scipy and the ACR welfare formula, the Walras check of the dropped equation, and the
inputs that used to end in 'residual nan' without a cause (issue 12, items 2-3)."""

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

from econhubs.core import GMRES, ConvergenceError, Newton
from econhubs.spatial import Fundamentals, HubsParams, TradeCosts, solve_equilibrium

from _hubs_economies import small_economy

TIGHT = Newton(atol=1e-12, linear=GMRES(restart=60, max_restarts=10, rtol=0.1, rtol_min=1e-4))


def _gravity(N=9, theta=4.0, beta=1.0, seed=11):
    """A NEW one-sector economy: J = K = 1, γ = 1, immobile labour, τ = 0, lattice geography."""
    rng = np.random.default_rng(seed)
    L = rng.uniform(0.3, 3.0, N)
    T = rng.lognormal(0, 0.5, N)
    xy = np.stack(np.meshgrid(np.arange(3.0), np.arange(3.0)), -1).reshape(-1, 2)[:N] * 400 + rng.uniform(0, 50, (N, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(N)
    tc = TradeCosts.from_distance(d, np.array([2.0]), (0,))
    p = HubsParams(theta=[theta], nu=2.0, epsilon=2.5, alpha=[1.0], gamma=[1.0], io=[[0.0]], beta=[beta],
                   tau_R=[[0.0]], tau_L=[0.0], L_bar=[L.sum()])
    f = Fundamentals(lam_hat=T[:, None, None], A=np.ones((N, 1)), H=rng.uniform(0.5, 2, N), L_fixed=L[:, None])
    return p, f, tc, T, L


def _gravity_scipy(T, K, theta, L):
    """Independent solver (scipy.optimize.root, hybr) of w_i L_i = Σ_n π_ni w_n L_n with Σ w L = 1,
    π_ni = K_ni (w_i/T_i)^-θ / Σ_m K_nm (w_m/T_m)^-θ, in log wages; one market dropped for the numéraire."""
    def F(lw):
        w = np.exp(lw)
        num = K * (w / T)[None, :] ** (-theta)
        pi = num / num.sum(1, keepdims=True)
        F = np.log((pi * (w * L)[:, None]).sum(0)) - np.log(w * L)
        F[0] = np.log(np.sum(w * L))
        return F
    sol = scipy.optimize.root(F, np.zeros_like(L) - np.log(L.sum()), method="hybr", tol=1e-13)
    assert np.max(np.abs(F(sol.x))) < 1e-12
    return np.exp(sol.x)


def test_one_sector_gravity_limit_beta_one_matches_scipy_and_acr():
    p, f, tc, T, L = _gravity()
    eq = solve_equilibrium(p, f, tc, solver=TIGHT)
    assert bool(eq.converged) and abs(float(eq.walras)) < 1e-10
    np.testing.assert_allclose(np.asarray(eq.r), 1.0)  # no structures: ln r = 0, rents unused
    np.testing.assert_allclose(np.asarray(eq.chi), 0.0, atol=1e-15)
    w = _gravity_scipy(T, np.asarray(tc.kernels[0]), 4.0, L)
    np.testing.assert_allclose(np.asarray(eq.w[:, 0]), w, rtol=1e-9)
    # ACR (Arkolakis, Costinot & Rodríguez-Clare 2012): real wage = T_n^(1) K_nn^(1/θ) π_nn^(-1/θ), K_nn = 1
    pi_nn = np.diag(np.asarray(eq.trade_shares(0)))
    np.testing.assert_allclose(np.asarray(eq.C[:, 0]), T * pi_nn ** (-1 / 4.0), rtol=1e-9)


def test_beta_just_below_one_is_flagged_or_right():
    """β = 1 - 1e-13: rents are unidentified; the dropped equation must not pass silently."""
    p, f, tc, T, L = _gravity(beta=1 - 1e-13)
    try:
        eq = solve_equilibrium(p, f, tc, solver=TIGHT)
    except ConvergenceError as e:
        assert "Walras" in str(e) or "did not converge" in str(e)
        return
    assert abs(float(eq.walras)) <= 1e-8
    w = _gravity_scipy(T, np.asarray(tc.kernels[0]), 4.0, L)
    np.testing.assert_allclose(np.asarray(eq.w[:, 0]), w, rtol=1e-6)


def test_alpha_zero_with_intermediate_demand_solves():
    p, f, tc, _ = small_economy()
    alpha = np.asarray(p.alpha).copy()
    alpha[1] = 0.0
    alpha /= alpha.sum()
    names = ("theta", "nu", "epsilon", "gamma", "io", "beta", "tau_R", "tau_L", "L_bar")
    kw = {k: np.asarray(getattr(p, k)) for k in names}
    eq = solve_equilibrium(HubsParams(alpha=alpha, **kw), f, tc, solver=TIGHT)
    assert bool(eq.converged) and np.all(np.isfinite(np.asarray(eq.city_price)))


@pytest.mark.parametrize("change, match", [
    (dict(beta=np.zeros(4)), "beta: at least one industry"),
    (dict(epsilon=1 + 1e-8), "epsilon"),
    (dict(theta=np.full(4, 1e-6)), "theta"),
])
def test_degenerate_params_explain_the_cause(change, match):
    p, _, _, _ = small_economy()
    kw = {k: np.asarray(getattr(p, k)) for k in ("theta", "nu", "epsilon", "alpha", "gamma", "io", "beta", "tau_R",
                                                 "tau_L", "L_bar")}
    with pytest.raises(ValueError, match=match):
        HubsParams(**{**kw, **change})


def test_alpha_zero_without_any_demand_and_zero_kernels_raise():
    p, f, tc, _ = small_economy()
    kw = {k: np.asarray(getattr(p, k)) for k in ("theta", "nu", "epsilon", "gamma", "beta", "tau_R", "tau_L", "L_bar")}
    io = np.asarray(p.io).copy()
    io[:, 2] = 0.0
    io = io / io.sum(1, keepdims=True) * (1 - kw["gamma"])[:, None]
    with pytest.raises(ValueError, match="alpha: industry 2"):
        HubsParams(alpha=[0.5, 0.5, 0.0, 0.0], io=io, **kw)
    with pytest.raises(ValueError, match="kernels: group 0, row 0 is all zero"):
        TradeCosts(kernels=jnp.zeros_like(tc.kernels), group=tc.group)


def test_l_fixed_must_sum_to_l_bar():
    p, f, tc, _ = small_economy()
    with pytest.raises(ValueError, match=r"L_fixed: column 0 sums to .*L_bar\[0\]"):
        solve_equilibrium(p, Fundamentals(f.lam_hat, f.A, f.H, L_fixed=np.ones_like(f.A)), tc)
