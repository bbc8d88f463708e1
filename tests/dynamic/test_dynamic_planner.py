"""The constrained-efficient planner at I = 1 (seed appendix; Bianchi-Mendoza Markov planner).

Checks are re-derived in NumPy from the solved policies (grid interpolation in b is linear, as in the
solver): the planner's bond Euler and envelope conditions at slack states, the binding constraint with
a positive multiplier, the sign of the pecuniary externality (the planner borrows less), the
welfare gain from a NumPy policy evaluation of both allocations, an independent value-function iteration of
the Markov planner's Bellman equation, and the CE under the decentralising taxes.
"""

import jax
import numpy as np
import pytest
from conftest import long
from scipy.interpolate import CubicSpline
from test_accuracy import _golden_max, _spline_at  # the CE's VFI check (tests/dynamic/test_accuracy.py): same search

from econhubs.dynamic import (
    GridSpec,
    default_params,
    ergodic_welfare_gain,
    solve_planner,
    steady_state_income,
    value_function,
    welfare_gain,
)

# The module fixture compiles the planner's sweep (nested autodiff) and the CE start: 300 s setup on the
# shared 2-core machine at load ~8 when written, 136-216 s at load ~12 after the third session's compile cuts
# (one compile of the sweep chunk instead of two, two Newton copies instead of five); behind ``long``.
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
    # envelope at slack states: W_b = u'(c) (its pecuniary part eta dg/db is zero there)
    np.testing.assert_allclose(W[slack], uc[slack], rtol=1e-8)
    # bond Euler: u'(c)/R = beta E W_b(b', e') with W_b(b', e') = u'(c') + W^Q_b(b', e'), where
    # c' = zbar' K_bar^(xi+alpha) + b' - b''/R' and b'' decoded from (s, q) interpolated linearly at b'
    S, Qn, WQ = (_flat(sol, a) for a in (sol.policy[..., 0], sol.policy[..., 1], sol.pecuniary[..., 0]))
    yss, th, K, gam = float(steady_state_income(p)), float(p.theta), float(p.K_bar), float(p.gamma)
    y_e = np.asarray(g.zbar)[:, 0] * K ** (float(p.xi[0]) + float(p.alpha))

    def w_next(x, f):
        s_, q_ = np.interp(x, b, S[:, f]), np.interp(x, b, Qn[:, f])
        bpp = R[f] * (yss * 0.5 * (s_ + np.sqrt(s_**2 + 1e-20)) - th * q_ * K)
        return (y_e[f] + x - bpp / R[f]) ** -gam + np.interp(x, b, WQ[:, f])

    EW = np.array([[P[e] @ np.array([w_next(bp[i, e], f) for f in range(len(R))])
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
    lam = np.asarray(welfare_gain(sol, refine=1))  # the grid's own policy evaluation (NumPy re-derivation below)
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
    mean, at = ergodic_welfare_gain(sol, jax.random.PRNGKey(0), n_regions=256, T=150, refine=1)
    assert np.isfinite(mean) and lam.min() <= mean <= lam.max()


def test_without_pecuniary_externality_planner_is_the_ce(sol):
    """theta = 0: the limit b' >= 0 binds at most states but the price no longer enters it, and at I = 1
    there is no portfolio (no agglomeration margin): the planner's problem is the household's. The planner's
    W(x, e') is u'(c') from the interpolated next policies (plus W^Q = 0), the CE's Euler equation term by
    term, so the two allocations agree to the solvers' tolerance."""
    sp = solve_planner(default_params(1, theta=0.0), SPEC, tol=1e-11)
    assert float(sp.share_binding) > 0.5 and float(sp.max_euler_error) < 1e-8
    np.testing.assert_allclose(np.asarray(sp.b_next), np.asarray(sp.ce.b_next), atol=1e-8)
    np.testing.assert_allclose(np.asarray(sp.q), np.asarray(sp.ce.q), rtol=1e-8)
    assert np.max(np.abs(np.asarray(welfare_gain(sp)))) < 1e-8


def test_xi_zero_without_constraint_planner_is_the_ce_at_two_industries():
    """I = 2, xi = 0 (no agglomeration: private and social returns coincide), no collateral constraint: the
    planner's first-order conditions are the CE's Euler equations (the portfolio FOC is the difference of
    the two pricing conditions), so planner = CE and Lambda = 0 to 1e-8."""
    p = default_params(2, xi=[0.0, 0.0], constrained=False)
    sp = solve_planner(p, GridSpec(n_b=5, n_k=4, n_z=2, n_R=1), b_bounds=(-2.0, 0.05), tol=1e-11)
    assert float(sp.max_euler_error) < 1e-8
    np.testing.assert_allclose(np.asarray(sp.b_next), np.asarray(sp.ce.b_next), atol=1e-8)
    np.testing.assert_allclose(np.asarray(sp.k_next), np.asarray(sp.ce.k_next), atol=1e-8)
    np.testing.assert_allclose(np.asarray(sp.q), np.asarray(sp.ce.q), rtol=1e-8)
    assert np.max(np.abs(np.asarray(welfare_gain(sp)))) < 1e-8


def test_taxed_ce_reproduces_the_planner(sol):
    """Under tau^B(s) (and tau^K = 0 at I = 1): time iteration of the taxed CE from the planner's allocation keeps it
    (a fixed point: changes < 1e-10), and from the untaxed CE's allocation it converges to it (measured: |b'|
    6.9e-12, |q| 7.6e-10; the first W representation landed elsewhere, |q| 0.027). One compiled taxed sweep for
    both starts (the default selection, "previous"; "bind" reaches the same allocation, measured)."""
    from econhubs.dynamic import decentralising_taxes, solve_taxed_ce

    tau_b, tau_k = decentralising_taxes(sol)
    assert np.max(np.abs(np.asarray(tau_k))) < 1e-8 and np.all(np.isfinite(np.asarray(tau_b)))
    fixed = solve_taxed_ce(sol)  # from the planner's own allocation
    assert fixed.n_failed == 0 and fixed.max_change <= 1e-10
    pol = np.asarray(sol.flat_policy())
    np.testing.assert_allclose(np.asarray(fixed.policy), pol, atol=1e-10)
    tx = solve_taxed_ce(sol, sol.ce)
    assert tx.n_failed == 0 and tx.max_change <= 1e-10
    np.testing.assert_allclose(np.asarray(tx.b_next), np.asarray(sol.b_next), atol=1e-6)
    np.testing.assert_allclose(np.asarray(tx.q), np.asarray(sol.q), atol=1e-6)
    with pytest.raises(ValueError, match="selection"):
        solve_taxed_ce(sol, selection="slack")


def _linear(b, V, x):
    """Columns of V (n_b, n_e) at x (...), linear and extrapolated like the solver's table."""
    lo = np.clip(np.searchsorted(b, x) - 1, 0, b.size - 2)
    t = (x - b[lo]) / (b[lo + 1] - b[lo])
    return (1 - t)[..., None] * V[lo] + t[..., None] * V[lo + 1]


def planner_vfi(sol, n_fine=300, tol=1e-11):
    """The Markov planner's Bellman equation at I = 1, by value-function iteration in NumPy/SciPy:

        V(b, e) = max_{b'} u(y_e + b - b'/R_e) + beta sum_e' P_ee' V(b', e')
                  s.t.  g = b'/R_e + theta K_bar Q(b, b', e) >= 0,
        Q(b, b', e) = sum_e' P_ee' beta (c'/c)^-gamma (alpha zbar_e' K^{xi+alpha-1} + q'(1 + theta mu')),

    where (c', q', mu') are FUTURE planners' policies (Markov: taken as given; the solved planner's s and q,
    interpolated linearly at b' as in the solver) and V is the planner's own value, cubic on a fine bond grid.
    The feasible set is b' >= L(b, e) (g rises in b': F = theta gamma q / c < 1 on the grid), L by bisection;
    the choice by golden-section search on [L, R(y + b)), as in the CE's check. Returns b'(b, e) and L(b, e)."""
    p, g = sol.params, sol.grid
    b, P, R, zb = np.asarray(g.b), np.asarray(g.P), np.asarray(g.R), np.asarray(g.zbar)[:, 0]
    gam, beta, th, K, cf = (float(a) for a in (p.gamma, p.beta, p.theta, p.K_bar, p.c_floor))
    ex, yss = float(p.xi[0] + p.alpha), float(steady_state_income(p))
    y, div = zb * K**ex, float(p.alpha) * zb * K ** (ex - 1.0)
    S, Qn = (np.asarray(sol.policy[..., j]).reshape(b.size, -1) for j in (0, 1))
    pos = lambda x: 0.5 * (x + np.sqrt(x * x + 1e-20))
    u = lambda c: np.maximum(c, cf) ** (1 - gam) / (1 - gam)

    def g_slack(bb, x, e):
        s, q = _linear(b, S, x), _linear(b, Qn, x)
        cn = y + x[..., None] - (yss * pos(s) - th * q * K)
        A = np.sum(P[e] * beta * cn**-gam * (div + q * (1 + th * pos(-s))), axis=-1)
        return x / R[e] + th * K * (y[e] + bb - x / R[e]) ** gam * A

    def limit(bb, e):
        lo, hi = np.full(bb.shape, b[0]), np.full(bb.shape, b[-1])
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            up = g_slack(bb, mid, e) >= 0
            hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
        return np.where(g_slack(bb, np.full(bb.shape, b[0]), e) >= 0, b[0], hi)

    bf = np.linspace(b[0], b[-1], n_fine)
    bs, es = (a.ravel() for a in np.meshgrid(bf, np.arange(R.size), indexing="ij"))
    L = limit(bs, es)
    cont = lambda V: CubicSpline(bf, V @ P.T, axis=0).c  # EV(x, e) = sum_e' P_ee' V(x, e')

    def choose(coef, bb, e, lo):
        hi = np.clip(R[e] * (y[e] + bb) - 1e-6, lo, b[-1])
        return _golden_max(lambda x: u(y[e] + bb - x / R[e]) + beta * _spline_at(bf, coef, x, e), lo, hi)

    V = (u(y[es] + bs * (1 - 1 / R[es])) / (1 - beta)).reshape(n_fine, R.size)
    for _ in range(300):
        x = choose(cont(V), bs, es, L)
        un = u(y[es] + bs - x / R[es])
        for _ in range(30):  # Howard steps at the fixed policy
            V = (un + beta * _spline_at(bf, cont(V), x, es)).reshape(V.shape)
        Vn = (un + beta * _spline_at(bf, cont(V), x, es)).reshape(V.shape)
        done = np.max(np.abs(Vn - V)) < tol * np.max(np.abs(V))
        V = Vn
        if done:
            break
    coef = cont(V)
    return (lambda bb, e: choose(coef, bb, e, limit(bb, e))), limit


def test_value_function_iteration_agrees_with_the_planner(sol):
    """Binding states: the VFI's choice sits on the same limit as the planner's b' (measured 2.6e-14); slack
    states: within the planner's interpolation error (measured 4.6e-4 max, 1.6e-4 median on this 12-point grid),
    an order of magnitude closer to the planner than to the CE (6.1e-3 apart), so the generalised Euler equations
    with their autodiff dQ/db' terms are the Bellman equation's optimality conditions."""
    b, n_e = np.asarray(sol.grid.b), sol.grid.R.shape[0]
    B, E = (a.ravel() for a in np.meshgrid(b, np.arange(n_e), indexing="ij"))
    policy, limit = planner_vfi(sol)
    x = policy(B, E)
    bp, bp_ce = np.asarray(sol.b_next).ravel(), np.asarray(sol.ce.b_next).ravel()
    bind = np.asarray(sol.mu).ravel() > 1e-8
    assert bind.any() and (~bind).any()
    assert np.max(np.abs(x - bp)[bind]) <= 1e-6 and np.max(np.abs(limit(B, E) - bp)[bind]) <= 1e-6
    err, err_ce = np.abs(x - bp)[~bind], np.abs(x - bp_ce)[~bind]
    assert np.max(err) < 1e-3 and np.median(err) < 3e-4, (np.max(err), np.median(err))
    assert np.max(err) < 0.2 * np.max(err_ce)


def test_planner_at_two_industries_converges_and_specializes_more():
    """I = 2, default calibration (xi_1 = 0.29 > xi_2 = 0.195, theta = 0.02), 108 states, cubic Hermite in b,
    b in [-0.2, 0.02]: two states fail on both branch Newtons in every sweep without the bracketing rescue
    (docs/tradeoff_experiment.md); with it the time iteration converges (measured: one state rescued once,
    450 sweeps, generalised-Euler residual 3.2e-11). The planner internalises agglomeration: k_1' above the
    CE's at every state (measured [1.5e-3, 3.1e-2])."""
    from econhubs.dynamic import solve_competitive

    spec = GridSpec(n_b=4, n_k=3, n_z=3, n_R=1, k_lo=0.08, k_hi=0.62, order_b=3)
    p = default_params(2)
    ce = solve_competitive(p, spec, b_bounds=(-0.2, 0.02), polish=False)
    sp = solve_planner(p, spec, ce=ce, max_iter=1000)
    assert int(sp.n_failed) == 0 and float(sp.max_change) <= 1e-9 and float(sp.max_euler_error) <= 1e-8
    assert np.all(np.asarray(sp.k_next[..., 0] - ce.k_next[..., 0]) > 0)


def test_agglomeration_alone_gives_a_positive_welfare_gain_at_two_industries():
    """I = 2, xi > 0, no collateral constraint: the planner's only margin is the agglomeration externality (a
    concave problem), so it beats the CE at every grid state (measured Lambda in [0.42%, 1.27%] with the refined
    policy evaluation, refine 8 and 16 alike; the grid's own evaluation said [0.60%, 1.0%]) and puts more
    capital into the industry with the larger xi."""
    p = default_params(2, constrained=False)
    sp = solve_planner(p, GridSpec(n_b=5, n_k=4, n_z=2, n_R=1), b_bounds=(-2.0, 0.05), tol=1e-10)
    assert float(sp.max_euler_error) < 1e-8
    lam = np.asarray(welfare_gain(sp))
    assert np.all(lam > 1e-3), lam.min()
    assert np.all(np.asarray(sp.k_next[..., 0] - sp.ce.k_next[..., 0]) > 0)


def test_taxed_ce_by_continuation_in_the_tax_scale_reproduces_the_planner(sol):
    """``solve_taxed_ce(steps=4)``: the CE under lambda tau for lambda = 1/4 .. 1, each step from the previous,
    the first from the untaxed CE, ends on the planner's allocation (I = 1: tau^K = 0; reuses the taxed sweep
    compiled by the test above)."""
    from econhubs.dynamic import solve_taxed_ce

    tx = solve_taxed_ce(sol, steps=4)
    assert tx.n_failed == 0 and np.all(tx.step_change <= 1e-10) and len(tx.step_change) == 4
    assert float(np.max(np.abs(np.asarray(tx.b_next - sol.b_next)))) <= 1e-6
    assert float(np.max(np.abs(np.asarray(tx.q - sol.q)))) <= 1e-6
