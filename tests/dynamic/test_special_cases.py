"""Closed-form and symmetry checks of the competitive equilibrium solved by time iteration."""

import warnings

import jax.numpy as jnp
import numpy as np
import pytest

from econhubs.dynamic import GridSpec, default_params, solve_competitive

# Slack everywhere: the smooth solve alone and plain sweeps (no compile of the branches, the rescue and the
# Newton-GMRES polish), to a tolerance 100x below the default so the policies sit on the fixed point.
FAST = dict(guess_verify=False, polish=False, tol=1e-10, max_iter=4000)


def _deterministic(n_industries=2):
    R = 1.05
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # beta R = 1 warns (constraint kept, never binds)
        p = default_params(n_industries, sigma=jnp.zeros(n_industries), sigma_R=0.0, R_bar=R, beta=1 / R,
                           phi=jnp.zeros(n_industries), theta=50.0)
    # centre the k grid on the static optimum so that k' = k* is a node (interpolation exact there)
    spec = GridSpec(n_b=5, n_k=5, n_z=1, n_R=1, b_min=-2.0, b_max=2.0, k_lo=_kstar(p) - 0.2, k_hi=_kstar(p) + 0.2)
    return p, spec


def _kstar(p):
    """Private static optimum by bisection on the private-return gap (independent of the solver)."""
    xi, a = np.asarray(p.xi), float(p.alpha)
    lo, hi = 1e-6, 1 - 1e-6
    for _ in range(200):
        m = 0.5 * (lo + hi)
        gap = a * m ** (xi[0] + a - 1) - a * (1 - m) ** (xi[1] + a - 1)
        lo, hi = (m, hi) if gap > 0 else (lo, m)
    return 0.5 * (lo + hi)


def test_deterministic_closed_form():
    """sigma = 0, R constant, beta R = 1, phi = 0, slack constraint: c is the annuity value of wealth
    and k' jumps to the private static optimum alpha k1^(xi1+alpha-1) = alpha k2^(xi2+alpha-1)."""
    p, spec = _deterministic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sol = solve_competitive(p, spec, **FAST)
    assert float(sol.share_binding) == 0.0
    xi, a, R = np.asarray(p.xi), float(p.alpha), float(p.R_bar)
    k1 = _kstar(p)
    kstar = np.array([k1, 1 - k1])
    ystar = np.sum(kstar ** (xi + a))
    d = a * k1 ** (xi[0] + a - 1)
    b = np.asarray(sol.grid.b)[:, None]
    k = np.asarray(sol.grid.k)[0][None, :]
    y0 = k ** (xi[0] + a) + (1 - k) ** (xi[1] + a)
    c_closed = (R - 1) / R * (y0 + b) + ystar / R
    np.testing.assert_allclose(np.asarray(sol.c)[..., 0, 0, 0], c_closed, atol=1e-7)
    np.testing.assert_allclose(np.asarray(sol.k_next)[..., 0, 0, 0, 0], k1, atol=1e-7)
    np.testing.assert_allclose(np.asarray(sol.q), d / (R - 1), rtol=1e-7)
    assert float(sol.max_euler_error) < 1e-8


def test_symmetric_industries_symmetric_policies():
    p = default_params(2, calibration="seed", phi=jnp.array([1.0, 1.0]), xi=jnp.array([0.2, 0.2]),
                       rho=jnp.array([0.8, 0.8]), sigma=jnp.array([0.02, 0.02]))
    spec = GridSpec(n_b=5, n_k=5, n_z=3, n_R=1, b_lo_mult=0.85, b_hi_mult=0.35)  # slack grid: symmetry only
    sol = solve_competitive(p, spec, **FAST)
    k1 = np.asarray(sol.k_next)[..., 0]  # (b, k1, u1, u2, R)
    # mirror: k1'(b, k1, u1, u2) = 1 - k1'(b, 1 - k1, u2, u1)
    mirrored = 1 - np.flip(np.swapaxes(k1, 2, 3), axis=1)
    np.testing.assert_allclose(k1, mirrored, atol=1e-7)
    q = np.asarray(sol.q)
    np.testing.assert_allclose(q, np.flip(np.swapaxes(q, 2, 3), axis=1), atol=1e-7)


@pytest.mark.parametrize("bad", [dict(gamma=-1.0), dict(theta=-0.1), dict(beta=1.2), dict(xi=jnp.array([0.8, 0.1]))])
def test_bad_parameters_raise(bad):
    with pytest.raises(ValueError):
        default_params(2, **bad)


def test_unconstrained_impatience_rule():
    with pytest.raises(ValueError, match="beta\\*R_bar"):
        default_params(2, beta=0.99, R_bar=1.02, constrained=False)


def test_collateral_feedback_warning():
    """The slides' theta and gamma put binding states on the perverse branch (theta gamma q / c >> 1):
    a warning says so; a small theta does not warn."""
    with pytest.warns(RuntimeWarning, match="collateral-price feedback"):
        default_params(2, calibration="seed")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        default_params(2)
        default_params(2, calibration="seed", collateral_price="steady")
