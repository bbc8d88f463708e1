"""Default calibration (theta = theta_LTV * omega) and the collateral-price feedback F at the seed's theta,
computed here from the binding steady state with SciPy (not from the package's formula)."""

import numpy as np
import pytest
from scipy.optimize import fsolve

from econhubs.dynamic import collateral_feedback, default_params


def _feedback_scipy(theta, I=2, gamma=5.0, alpha=0.3, beta=0.95, R=1.013):
    """Binding deterministic steady state with k_i = 1/I: unknowns (q, mu, c) solve
    bond Euler 1 = beta R + mu, portfolio Euler q = beta (d + q + theta q mu) with the industry-average
    private dividend d, budget c = y + b - b/R with b = -theta q R (the binding limit); F = theta gamma q / c."""
    xi = np.array([0.29, 0.195, 0.195][:I])
    k = np.full(I, 1.0 / I)
    d = np.mean(alpha * k ** (xi + alpha - 1))
    y = np.sum(k ** (xi + alpha))

    def eqs(x):
        q, mu, c = x
        b = -theta * q * R
        return [1 - beta * R - mu, q - beta * (d + q + theta * q * mu), c - (y + b - b / R)]

    q, mu, c = fsolve(eqs, [5.0, 0.0, 1.0], xtol=1e-13)
    return theta * gamma * q / c


@pytest.mark.parametrize("theta, expected", [(0.35, 13.8), (0.44, 19.2), (0.53, 26.0)])
def test_feedback_at_the_seed_theta(theta, expected):
    ref = _feedback_scipy(theta)
    assert abs(ref - expected) < 0.05
    np.testing.assert_allclose(float(collateral_feedback(default_params(2, theta=theta))), ref, rtol=1e-10)


def test_default_calibration_is_theta_ltv_times_pledgeable_share():
    p = default_params(2)
    assert float(p.theta) == pytest.approx(0.02)
    assert float(collateral_feedback(p)) == pytest.approx(_feedback_scipy(0.02), rel=1e-10)
    assert float(collateral_feedback(p)) < 1.0
    seed = default_params(2, calibration="seed")
    assert float(seed.theta) == pytest.approx(0.44)
    assert float(collateral_feedback(seed)) > 1.0
    steady = default_params(2, calibration="seed", collateral_price="steady")
    assert float(collateral_feedback(steady)) == 0.0  # the limit does not move with q
    with pytest.raises(ValueError, match="calibration"):
        default_params(2, calibration="slides")
    with pytest.raises(ValueError, match="collateral_price"):
        default_params(2, collateral_price="book")
