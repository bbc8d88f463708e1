"""Sectoral-hubs equilibrium: closed forms, special cases, identities, gradients, bad input."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from econhubs.core import GMRES, ConvergenceError, Newton
from econhubs.spatial import Fundamentals, HubsParams, TradeCosts, hubs_residual, solve_equilibrium

from _hubs_economies import small_economy

TIGHT = Newton(atol=1e-12, linear=GMRES(restart=60, max_restarts=10, rtol=0.1, rtol_min=1e-4))


@pytest.fixture(scope="module")
def econ():
    p, f, tc, d = small_economy()
    return p, f, tc, d, solve_equilibrium(p, f, tc, solver=TIGHT)


def test_residual_and_accounting_identities(econ):
    p, f, tc, _, eq = econ
    r = hubs_residual(eq.z, (p, f, tc))
    assert max(float(jnp.max(jnp.abs(v))) for v in r.values()) <= 1e-11
    np.testing.assert_allclose(eq.L.sum(0), p.L_bar, rtol=1e-12)  # Σ_n L^k_n = L^k
    np.testing.assert_allclose(eq.Lkj.sum(2), eq.L, rtol=1e-10)  # Σ_j L^{kj} = L^k
    np.testing.assert_allclose(float(jnp.sum(eq.w * eq.L)), 1.0, rtol=1e-12)  # numéraire
    # the structures equation of city 0 was dropped for the numéraire: Walras' law restores it
    lhs = eq.r[0] * f.H[0]
    rhs = jnp.sum((1 - p.beta) * p.gamma * eq.Y[0])
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)
    # income = expenditure nationally: Σ E = Σ wL + Σ rH; sales = absorption per industry
    np.testing.assert_allclose(eq.E.sum(), jnp.sum(eq.w * eq.L) + jnp.sum(eq.r * f.H), rtol=1e-10)
    np.testing.assert_allclose(eq.Y.sum(0), eq.X.sum(0), rtol=1e-10)
    for j in range(p.theta.shape[0]):
        np.testing.assert_allclose(eq.trade_shares(j).sum(1), 1.0, rtol=1e-12)
    # price identity of the decomposition: ln P = ln x + (1/θ) ln π_nn
    pi_nn = jnp.stack([jnp.diag(eq.trade_shares(j)) for j in range(p.theta.shape[0])], 1)
    np.testing.assert_allclose(jnp.log(eq.P), jnp.log(eq.x) + jnp.log(pi_nn) / p.theta, atol=1e-10)


def _gravity_numpy(T, K, theta, L, tol=1e-13):
    """Independent solver of w_i L_i = Σ_n π_ni w_n L_n, Σ wL = 1: Alvarez-Lucas excess-demand
    iteration w <- w (demand / supply)^(1/(1+θ)) in plain NumPy."""
    w = np.ones_like(L) / L.sum()
    for _ in range(200_000):
        num = K * (w / T)[None, :] ** (-theta)
        pi = num / num.sum(1, keepdims=True)
        excess = (pi * (w * L)[:, None]).sum(0) / (w * L)
        if np.max(np.abs(excess - 1)) < tol:
            return w
        w = w * excess ** (1.0 / (1.0 + theta))
        w /= (w * L).sum()
    raise RuntimeError("numpy gravity solver did not converge")


def test_gravity_special_case_matches_numpy():
    rng = np.random.default_rng(3)
    N, theta = 15, 5.0
    L = rng.uniform(0.5, 2.0, N)
    T = rng.lognormal(0, 0.3, N)
    xy = rng.uniform(0, 1000, (N, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(N)
    tc = TradeCosts.from_distance(d, np.array([1.2]), (0,))
    # J = K = 1, no input-output (γ = 1), no structures (β = 1 exactly), fixed labour, τ = 0
    p = HubsParams(
        theta=[theta],
        nu=3.0,
        epsilon=1.6,
        alpha=[1.0],
        gamma=[1.0],
        io=[[0.0]],
        beta=[1.0],
        tau_R=[[0.0]],
        tau_L=[0.0],
        L_bar=[L.sum()],
    )
    f = Fundamentals(lam_hat=T[:, None, None], A=np.ones((N, 1)), H=np.ones(N), L_fixed=L[:, None])
    eq = solve_equilibrium(p, f, tc, solver=TIGHT)
    w_np = _gravity_numpy(T, np.asarray(tc.kernels[0]), theta, L)
    np.testing.assert_allclose(np.asarray(eq.w[:, 0]), w_np, rtol=1e-8)


def test_symmetric_cities_zero_trade_costs():
    p, _, _, _ = small_economy(N=6, nontradable=0)
    N, K, J = 6, 2, 4
    f = Fundamentals(
        lam_hat=np.broadcast_to(np.linspace(1, 2, K * J).reshape(1, K, J), (N, K, J)), A=np.ones((N, K)), H=np.ones(N)
    )
    tc = TradeCosts(kernels=jnp.ones((3, N, N)), group=(0, 1, 2, 0))
    eq = solve_equilibrium(p, f, tc, solver=TIGHT)
    np.testing.assert_allclose(eq.L, np.broadcast_to(p.L_bar / N, (N, K)), rtol=1e-10)
    np.testing.assert_allclose(eq.w, np.broadcast_to(eq.w[0], (N, K)), rtol=1e-10)
    for j in range(J):
        np.testing.assert_allclose(eq.trade_shares(j), 1.0 / N, rtol=1e-10)


def test_externality_consistency_and_tau_invariance(econ):
    """With τ = 0 the solution cannot depend on τ-machinery: re-solving with τ ≠ 0 and
    λ̂' = λ / (externality at the τ = 0 allocation) gives the same allocation."""
    p, f, tc, _, _ = econ
    p0 = eqx.tree_at(lambda q: (q.tau_R, q.tau_L), p, (p.tau_R * 0, p.tau_L * 0))
    eq0 = solve_equilibrium(p0, f, tc, solver=TIGHT)
    L, Ltot = eq0.L, eq0.L.sum(1)
    ext = (L / Ltot[:, None])[:, :, None] ** p.tau_R[None] * Ltot[:, None, None] ** p.tau_L[None, None]
    f1 = Fundamentals(lam_hat=f.lam_hat / ext, A=f.A, H=f.H)
    eq1 = solve_equilibrium(p, f1, tc, z0=eq0.z, solver=TIGHT)
    np.testing.assert_allclose(eq1.L, eq0.L, rtol=1e-9)
    np.testing.assert_allclose(eq1.w, eq0.w, rtol=1e-9)
    # and with τ = 0, λ equals λ̂ exactly
    np.testing.assert_allclose(eq0.lam, f.lam_hat, rtol=1e-13)


def test_homogeneity_of_nominal_variables(econ):
    p, f, tc, _, eq = econ
    c = jnp.log(3.7)
    z = {k: (v + c if k in ("w", "P", "Y", "r") else v) for k, v in eq.z.items()}
    r = hubs_residual(z, (p, f, tc))
    r_no_num = {**r, "r": r["r"][1:]}
    assert max(float(jnp.max(jnp.abs(v))) for v in r_no_num.values()) <= 1e-11
    assert abs(float(r["r"][0])) > 1.0  # only the numéraire notices


def test_gradients_match_finite_differences(econ):
    p, f, tc, d, eq = econ

    def welfare(s_tau, s_theta, s_delta):
        q = eqx.tree_at(lambda q: (q.tau_R, q.theta), p, (p.tau_R * s_tau, p.theta * s_theta))
        t = TradeCosts.from_distance(d, jnp.array([1.5, 0.6, 1.0]) * s_delta, tc.group)
        e = solve_equilibrium(q, f, t, z0=eq.z, solver=TIGHT, throw=False)
        return e.U[0]  # national CNR welfare

    x0 = (1.0, 1.0, 1.0)
    grad = jax.grad(welfare, argnums=(0, 1, 2))(*x0)
    h = 1e-5
    for i in range(3):
        up, dn = list(x0), list(x0)
        up[i] += h
        dn[i] -= h
        fd = (welfare(*up) - welfare(*dn)) / (2 * h)
        np.testing.assert_allclose(float(grad[i]), float(fd), rtol=1e-5)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda k: {**k, "alpha": np.full(4, 0.3)}, "alpha"),
        (lambda k: {**k, "epsilon": 1.0}, "epsilon"),
        (lambda k: {**k, "theta": np.array([4.0, np.nan, 4.0, 4.0])}, "theta"),
        (lambda k: {**k, "io": np.zeros((4, 3))}, "io"),
        (lambda k: {**k, "L_bar": np.array([1.0, -1.0])}, "L_bar"),
        (lambda k: {**k, "gamma": np.full(4, 0.9)}, r"gamma \+ io"),
    ],
)
def test_bad_params_raise_naming_the_field(change, field):
    p, _, _, _ = small_economy()
    kw = {
        k: np.asarray(getattr(p, k))
        for k in ("theta", "nu", "epsilon", "alpha", "gamma", "io", "beta", "tau_R", "tau_L", "L_bar")
    }
    with pytest.raises(ValueError, match=field):
        HubsParams(**change(kw))


def test_bad_fundamentals_and_geography_raise():
    p, f, tc, d = small_economy()
    with pytest.raises(ValueError, match="A"):
        Fundamentals(lam_hat=f.lam_hat, A=np.ones((5, 2)), H=f.H)
    with pytest.raises(ValueError, match="H"):
        Fundamentals(lam_hat=f.lam_hat, A=f.A, H=-np.asarray(f.H))
    with pytest.raises(ValueError, match="lam_hat"):
        Fundamentals(lam_hat=np.where(np.ones_like(f.lam_hat) > 0, np.nan, 1.0), A=f.A, H=f.H)
    bad = d.copy()
    bad[0, 1] = 0.0
    with pytest.raises(ValueError, match="dist"):
        TradeCosts.from_distance(bad, np.array([1.0]), (0,) * 4)
    small = Fundamentals(lam_hat=f.lam_hat[:5], A=f.A[:5], H=f.H[:5])
    with pytest.raises(ValueError, match="kernels"):
        solve_equilibrium(p, small, tc)


def test_non_convergence_reports_residual_and_iterations(econ):
    p, f, tc, _, _ = econ
    with pytest.raises(ConvergenceError, match=r"max residual .* after 2 iterations"):
        solve_equilibrium(p, f, tc, max_steps=2)


@pytest.mark.slow
def test_full_default_economy_cold_start():
    from econhubs.spatial import default_economy

    ec = default_economy()
    assert ec.fundamentals.lam_hat.shape == (382, 2, 22)
    eq = solve_equilibrium(ec.params, ec.fundamentals, ec.trade)
    r = hubs_residual(eq.z, (ec.params, ec.fundamentals, ec.trade))
    assert max(float(jnp.max(jnp.abs(v))) for v in r.values()) <= 1e-10


def test_trade_kernels_with_interleaved_groups_match_numpy():
    """Prices and sales with a group layout that is not contiguous (0, 1, 0, nontradable, 1) against
    the EK formulas written out in NumPy (issue 11: products on static column slices per run)."""
    from econhubs.spatial import log_price_index, sales

    rng = np.random.default_rng(3)
    N, group = 4, (0, 1, 0, -1, 1)
    K = rng.uniform(0.1, 1.0, (2, N, N))
    lx, lP, X = rng.normal(size=(N, 5)), rng.normal(size=(N, 5)), rng.uniform(1.0, 2.0, (N, 5))
    theta = np.array([4.0, 6.0, 3.0, 5.0, 8.0])
    trade = TradeCosts(kernels=jnp.asarray(K), group=group)
    P_ref, Y_ref = np.exp(lx.copy()), X.copy()
    for j, g in enumerate(group):
        if g < 0:
            continue
        P_ref[:, j] = (K[g] @ np.exp(-theta[j] * lx[:, j])) ** (-1.0 / theta[j])
        pi = K[g] * np.exp(-theta[j] * (lx[None, :, j] - lP[:, None, j]))  # pi_nm, destination n
        Y_ref[:, j] = pi.T @ X[:, j]
    both = jax.jit(lambda lx, lP, X, th, tr: (log_price_index(lx, th, tr), sales(lx, lP, X, th, tr)))
    lP_model, Y = both(lx, lP, X, theta, trade)
    np.testing.assert_allclose(np.exp(np.asarray(lP_model)), P_ref, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(Y), Y_ref, rtol=1e-13)
