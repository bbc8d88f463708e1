"""Constrained planner and Proposition-1 taxes on a small random economy (N=8, J=3, K=2)."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from econhubs.spatial import (
    external_effect,
    optimal_taxes,
    planner_residual,
    solve_equilibrium,
    solve_planner,
    solve_taxed_equilibrium,
)
from econhubs.spatial._planner_system import planner_guess

from _hubs_economies import small_economy


@pytest.fixture(scope="module")
def economy():
    p, f, tc, _ = small_economy(N=8, J=3, seed=3)
    return p, f, tc, solve_equilibrium(p, f, tc)


@pytest.fixture(scope="module")
def optimum(economy):
    p, f, tc, eq = economy
    return solve_planner(p, f, tc, baseline=eq, gtol=1e-7, print_every=None)


def test_equilibrium_allocation_is_the_planner_system_at_zero_gain(economy):
    p, f, tc, eq = economy
    F = eqx.filter_jit(planner_residual)(planner_guess(eq.z), (jnp.log(eq.L), eq.U, p, f, tc))
    assert max(float(jnp.max(jnp.abs(v))) for v in F.values()) < 1e-10


@pytest.mark.slow
def test_optimum_certificate(optimum):
    assert optimum.converged
    assert optimum.grad_norm <= 1e-6 and optimum.budget_error <= 1e-10 and optimum.g > 0
    assert np.allclose(optimum.L.sum(0), np.asarray(optimum.equilibrium.params.L_bar), rtol=1e-12)


def test_optimum_is_a_local_maximum(economy, optimum):
    """g falls along random feasible perturbations of the allocation (second-order check)."""
    p, f, tc, eq = economy
    from econhubs.core import Newton
    from econhubs.spatial._planner import _value_and_grad

    rng = np.random.default_rng(0)
    for _ in range(3):
        d = jnp.asarray(rng.normal(size=optimum.u.shape))
        for h in (1e-2, -1e-2):
            (g, sol), _ = _value_and_grad(jnp.asarray(optimum.u) + h * d, optimum.y, eq.U, p, f, tc,
                                          Newton(atol=1e-11), 50)  # compiled already by the planner
            assert bool(sol.converged) and float(g) < optimum.g


def test_random_starts_reach_the_same_gain(economy, optimum):
    p, f, tc, eq = economy
    rng = np.random.default_rng(1)
    gs = [solve_planner(p, f, tc, baseline=eq, u0=np.log(np.asarray(eq.L)) + 0.3 * rng.normal(size=eq.L.shape),
                        gtol=1e-7, print_every=None).g for _ in range(2)]
    assert max(abs(g - optimum.g) for g in gs) < 1e-10


@pytest.mark.slow
def test_no_externalities_leaves_only_the_income_tax_channel(economy, optimum):
    """tau = 0: the optimum is decentralised by t_L alone (Delta = 0) and g > 0. On the tau > 0 economy the
    income-tax-only policy (t_L and R, no Delta) gains less than the planner (the planner could choose it).
    (g at tau = 0 vs g at tau > 0 are gains over different baselines; their order is reported, not asserted.)"""
    p, f, tc, eq = economy
    p0 = eqx.tree_at(lambda q: (q.tau_R, q.tau_L), p, (jnp.zeros_like(p.tau_R), jnp.zeros_like(p.tau_L)))
    res0 = solve_planner(p0, f, tc, gtol=1e-7, print_every=None)
    tx0 = optimal_taxes(res0)
    assert res0.g > 0 and np.max(np.abs(tx0.delta)) == 0.0 and tx0.max_rel_diff_L <= 1e-4
    _, e_tl, _, _ = solve_taxed_equilibrium(p, f, tc, eq.U, {**eq.z, "R": jnp.zeros(2)}, t_L=0.25, subsidy=False)
    g_income_tax_only = float(e_tl.U[0] / eq.U[0] - 1)
    assert g_income_tax_only < optimum.g - 1e-8


def test_external_effect_matches_a_loop(economy):
    p, f, tc, eq = economy
    w, L, Lkj = (np.asarray(a) for a in (eq.w, eq.L, eq.Lkj))
    tR, tL = np.asarray(p.tau_R), np.asarray(p.tau_L)
    N, K, J = Lkj.shape
    want = np.zeros((N, K))
    for n in range(N):
        for k in range(K):
            s = L[n, k] / L[n].sum()
            for q in range(K):
                for j in range(J):
                    dlam = tR[q, j] * ((q == k) - s) + tL[j] * s
                    want[n, k] += w[n, q] * Lkj[n, q, j] * dlam / L[n, k]
    assert np.allclose(np.asarray(external_effect(eq.w, eq.L, eq.Lkj, p)), want, rtol=1e-12)


@pytest.mark.slow
def test_laissez_faire_taxed_equilibrium_is_the_equilibrium(economy):
    p, f, tc, eq = economy
    sol, e2, _, _ = solve_taxed_equilibrium(p, f, tc, eq.U, {**eq.z, "R": jnp.full(2, 0.01)}, t_L=0.0, subsidy=False)
    assert float(jnp.max(jnp.abs(e2.L / eq.L - 1))) < 1e-10
    assert float(jnp.max(jnp.abs(sol.value["R"]))) < 1e-10


def test_proposition1_taxes_decentralise_the_optimum(optimum):
    tx = optimal_taxes(optimum)
    assert tx.converged and tx.t_L == pytest.approx(0.25)
    assert tx.prop1_spread < 1e-6  # the FOC: the implied transfer is the same in every city
    assert tx.max_rel_diff_L <= 1e-4
    assert tx.g == pytest.approx(optimum.g, abs=1e-9)


def test_large_system_solver_gives_the_same_taxed_equilibrium(optimum):
    """The matrix-free path used above DENSE_MAX_UNKNOWNS (Newton-GMRES with the taxed system's city
    blocks; at full size the planner's preconditioner does not fit this system) equals the dense solve."""
    from econhubs.spatial._taxes import default_taxed_solver

    dense = optimal_taxes(optimum)
    krylov = optimal_taxes(optimum, solver=default_taxed_solver(10**9))
    assert krylov.converged and krylov.residual < 1e-10
    assert np.allclose(np.asarray(krylov.equilibrium.L), np.asarray(dense.equilibrium.L), rtol=1e-9)
    assert np.allclose(krylov.R, dense.R, rtol=1e-8, atol=1e-12)


@pytest.mark.slow
def test_checkpoint_resume(tmp_path, economy, optimum):
    p, f, tc, eq = economy
    ck = tmp_path / "ck.npz"
    part = solve_planner(p, f, tc, baseline=eq, max_iter=2, checkpoint=ck, throw=False, print_every=None)
    assert not part.converged and ck.exists() and part.iterations == 2
    full = solve_planner(p, f, tc, baseline=eq, checkpoint=ck, gtol=1e-7, print_every=None)
    assert full.iterations > 2 and full.g == pytest.approx(optimum.g, abs=1e-10)
    assert [h[0] for h in full.history][:2] == [1, 2]
