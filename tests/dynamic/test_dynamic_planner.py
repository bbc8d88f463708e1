"""The constrained-efficient planner at I = 1 (seed appendix; Bianchi-Mendoza Markov planner).

Checks are re-derived in NumPy from the solved policies (grid interpolation in b is linear, as in the
solver): the planner's bond Euler and envelope conditions at slack states, the binding constraint with
a positive multiplier, the sign of the pecuniary externality (the planner borrows less), and the
welfare gain from a NumPy policy evaluation of both allocations.
"""

import jax
import numpy as np
import pytest
from conftest import long

from econhubs.dynamic import GridSpec, default_params, ergodic_welfare_gain, solve_planner, value_function, welfare_gain

# The module fixture compiles the planner's sweep (nested autodiff) and the CE start: 300 s setup on the
# shared 2-core machine under load (load average ~8) when written; behind ``long`` until timed on CI.
pytestmark = [pytest.mark.slow, long]

SPEC = GridSpec(n_b=12, n_z=2, n_R=1)  # 24 states; the constraint binds at ~17% of them (default theta = 0.02)


@pytest.fixture(scope="module")
def sol():
    return solve_planner(default_params(1), SPEC)


def _flat(sol, x):
    return np.asarray(x).reshape(SPEC.n_b, -1)  # (n_b, n_e)


def test_generalised_euler_residuals_and_conditions(sol):
    p, g = sol.params, sol.grid
    assert bool(sol.converged) and float(sol.max_euler_error) <= 1e-8
    b, P, R = np.asarray(g.b), np.asarray(g.P), np.asarray(g.R)
    c, bp, mu, q = (_flat(sol, a) for a in (sol.c, sol.b_next, sol.mu, sol.q))
    W = _flat(sol, sol.envelope[..., 0])
    uc = c ** -float(p.gamma)
    slack = mu <= 1e-8
    # envelope at slack states: W_b = u'(c); bond Euler: u'(c)/R = beta E W_b(b', e')
    np.testing.assert_allclose(W[slack], uc[slack], rtol=1e-8)
    EW = np.array([[P[e] @ np.array([np.interp(bp[i, e], b, W[:, f]) for f in range(len(R))])
                    for e in range(len(R))] for i in range(len(b))])
    rel = (uc / R[None, :] - float(p.beta) * EW) / uc
    assert np.max(np.abs(rel[slack])) < 1e-8
    # binding states: the limit holds with equality, the multiplier is positive
    bind = ~slack
    assert bind.any() and np.all(mu[bind] > 0)
    gap = bp / R[None, :] + float(p.theta) * q * float(p.K_bar)
    assert np.max(np.abs(gap[bind])) < 1e-9 and np.all(gap[slack] > -1e-12)


def test_planner_borrows_less_than_ce(sol):
    """The pecuniary externality: debt lowers tomorrow's capital price and collateral; the planner saves more."""
    diff = _flat(sol, sol.b_next) - _flat(sol, sol.ce.b_next)
    assert np.all(diff > 0), diff.min()
    assert float(sol.ce.share_binding) > 0 and float(sol.ce.max_euler_error) < 1e-8


def test_welfare_gain_matches_numpy_policy_evaluation(sol):
    lam = np.asarray(welfare_gain(sol))
    p, g = sol.params, sol.grid
    b, P = np.asarray(g.b), np.asarray(g.P)
    gam, beta = float(p.gamma), float(p.beta)

    def evaluate(s):
        c, bp = _flat(s, s.c), _flat(s, s.b_next)
        u = c ** (1 - gam) / (1 - gam)
        V = u / (1 - beta)
        for _ in range(3000):
            lo = np.clip(np.searchsorted(b, bp) - 1, 0, len(b) - 2)
            t = (bp - b[lo]) / (b[lo + 1] - b[lo])  # linear, extrapolated like the solver's table
            Vn = (1 - t)[..., None] * V[lo, :] + t[..., None] * V[lo + 1, :]  # (n_b, n_e, n_e')
            V_new = u + beta * np.einsum("ef,ief->ie", P, Vn)
            if np.max(np.abs(V_new - V)) < 1e-14 * np.max(np.abs(V)):
                break
            V = V_new
        return V_new

    V_sp, V_ce = evaluate(sol), evaluate(sol.ce)
    np.testing.assert_allclose(_flat(sol, value_function(sol)), V_sp, rtol=1e-11)
    np.testing.assert_allclose(lam.reshape(V_sp.shape), (V_sp / V_ce) ** (1 / (1 - gam)) - 1, atol=1e-10)
    mean, at = ergodic_welfare_gain(sol, jax.random.PRNGKey(0), n_regions=256, T=150)
    assert np.isfinite(mean) and lam.min() <= mean <= lam.max()


def test_without_pecuniary_externality_planner_is_the_ce_up_to_interpolation(sol):
    """theta = 0: the limit b' >= 0 binds at most states but the price no longer enters it, and at I = 1
    there is no portfolio (no agglomeration margin): the planner's problem is the household's. The
    planner interpolates W = dV/db linearly where the CE interpolates b'' (u'(c') from it), so they agree
    up to interpolation error: measured |q diff| 7.6e-4 (q ~ 6), Lambda <= 3.4e-8 at n_b = 12."""
    sp = solve_planner(default_params(1, theta=0.0), SPEC, tol=1e-11)
    assert float(sp.share_binding) > 0.5 and float(sp.max_euler_error) < 1e-8
    np.testing.assert_allclose(np.asarray(sp.b_next), np.asarray(sp.ce.b_next), atol=1e-3)
    np.testing.assert_allclose(np.asarray(sp.q), np.asarray(sp.ce.q), rtol=2e-4)
    assert np.max(np.abs(np.asarray(welfare_gain(sp)))) < 1e-7


def test_planner_allocation_solves_the_taxed_ce(sol):
    """Under tau^B(s) (and tau^K = 0 at I = 1) one taxed-CE sweep from the planner's policies keeps them."""
    from econhubs.dynamic import decentralising_taxes
    from econhubs.dynamic._planner import _select
    from econhubs.dynamic._planner_sweep import StateNewton, sweep_states
    from econhubs.dynamic._welfare import _taxed_fn, _taxes

    tau_b, tau_k = decentralising_taxes(sol)
    assert np.max(np.abs(np.asarray(tau_k))) < 1e-8 and np.all(np.isfinite(np.asarray(tau_b)))
    p, g = sol.params, sol.grid
    pol = sol.flat_policy()
    new, ok = sweep_states(_taxed_fn, StateNewton(), _select(p), pol, p, g, _taxes(p, g, pol))
    assert bool(np.all(np.asarray(ok))) and np.max(np.abs(np.asarray(new - pol))) < 1e-10
