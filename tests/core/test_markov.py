import numpy as np
import pytest
from scipy.stats import norm

from econhubs.core import kron_chain, rouwenhorst, stationary_distribution, tauchen


@pytest.mark.parametrize("n,rho,sigma", [(3, 0.9, 0.027), (5, 0.71, 0.013), (7, 0.0, 1.0)])
def test_rouwenhorst_matches_ar1_moments(n, rho, sigma):
    g, P = (np.asarray(a) for a in rouwenhorst(n, rho, sigma))
    np.testing.assert_allclose(P.sum(1), 1, atol=1e-14)
    pi = np.asarray(stationary_distribution(P))
    np.testing.assert_allclose(pi @ P, pi, atol=1e-12)
    var = pi @ g**2 - (pi @ g) ** 2
    np.testing.assert_allclose(pi @ g, 0, atol=1e-12)
    np.testing.assert_allclose(var, sigma**2 / (1 - rho**2), rtol=1e-10)
    cov = np.sum(pi[:, None] * P * np.outer(g, g))
    np.testing.assert_allclose(cov / var, rho, atol=1e-10)


def test_tauchen_against_direct_formula():
    n, rho, sigma, m = 5, 0.8, 0.1, 3.0
    g, P = (np.asarray(a) for a in tauchen(n, rho, sigma, m=m))
    sx = sigma / np.sqrt(1 - rho**2)
    x = np.linspace(-m * sx, m * sx, n)
    h = x[1] - x[0]
    Q = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            if j == 0:
                Q[i, j] = norm.cdf((x[0] - rho * x[i] + h / 2) / sigma)
            elif j == n - 1:
                Q[i, j] = 1 - norm.cdf((x[-1] - rho * x[i] - h / 2) / sigma)
            else:
                Q[i, j] = norm.cdf((x[j] - rho * x[i] + h / 2) / sigma) - norm.cdf((x[j] - rho * x[i] - h / 2) / sigma)
    np.testing.assert_allclose(g, x, atol=1e-14)
    np.testing.assert_allclose(P, Q, atol=1e-12)


def test_kron_chain_order_and_degenerate():
    g1, P1 = rouwenhorst(3, 0.5, 0.1)
    g2, P2 = rouwenhorst(1, 0.5, 0.1)
    g3, P3 = rouwenhorst(2, 0.2, 0.1)
    S, P = kron_chain([g1, g2, g3], [P1, P2, P3])
    assert S.shape == (6, 3) and P.shape == (6, 6)
    np.testing.assert_allclose(np.asarray(S[:, 2]), np.tile(np.asarray(g3), 3))
    np.testing.assert_allclose(np.asarray(P[1, 4]), np.asarray(P1[0, 2] * P3[1, 0]), atol=1e-15)
    with pytest.raises(ValueError):
        rouwenhorst(0, 0.5, 0.1)
