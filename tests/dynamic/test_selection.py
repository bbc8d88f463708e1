"""Equilibrium selection where the collateral-price feedback F >= 1 (issue 17): on a small deterministic
I = 1 case with two equilibria at some states, "slack_first" and "bind_first" reach different fixed points,
each a valid equilibrium on the grid (Euler equations to 1e-8, the constraint and the multiplier's sign hold)."""

import warnings

import numpy as np

from econhubs.dynamic import GridSpec, collateral_feedback, default_params, solve_competitive

LO = 1.0


def test_selection_modes_give_different_valid_equilibria():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # F >= 1 warns
        p = default_params(1, theta=0.05)  # F = 1.5; with n_z = n_R = 1 below the case is deterministic
    assert float(collateral_feedback(p)) > 1.0
    spec = GridSpec(n_b=12, n_z=1, n_R=1, b_lo_mult=LO, b_hi_mult=0.2)
    # damping 0.5: undamped sweeps cycle on the high-price branch; one compiled solve serves both selections
    kw = dict(max_iter=600, damping=0.5)
    sols = {s: solve_competitive(p, spec, selection=s, **kw) for s in ("slack_first", "bind_first")}
    for name, sol in sols.items():
        assert sol.selection == name and bool(sol.converged)
        assert float(sol.max_euler_error) < 1e-8
        b_next, q, mu = (np.asarray(x).ravel() for x in (sol.b_next, sol.q, sol.mu))
        R = float(p.R_bar)
        assert np.all(b_next / R + float(p.theta) * q >= -1e-9)  # the collateral constraint holds
        assert np.all(mu >= -1e-12)  # the multiplier is non-negative
        assert float(np.max(np.asarray(sol.feedback))) >= 1.0
    slack, bind = sols["slack_first"], sols["bind_first"]
    assert int(slack.n_multiple) > 0  # two equilibria at some states, given next period's policies
    assert float(bind.share_binding) > float(slack.share_binding) == 0.0
    assert float(np.mean(np.asarray(slack.q))) > float(np.mean(np.asarray(bind.q))) + 10  # high-price equilibrium
    assert np.max(np.abs(np.asarray(bind.q) - np.asarray(slack.q))) > 0.1  # different equilibria
