"""q equals the expected discounted dividends implied by the pricing condition.

Given the solved allocation (SDF m' = beta (c'/c)^-gamma, next states, multipliers), the
portfolio Euler of industry 1 is linear in the vector of grid prices q:
    q_s + dPhi_1/dk'(s) = sum_{s'} A_{s s'} [div_1(s') + q_{s'} (1 + theta mu_{s'})],
with A = transition probabilities x SDF x bilinear interpolation weights of the next state.
Solving (I - A D) q = A div - dPhi' directly (the present value of dividends, summed in closed
form) must give the price that time iteration converged to. Everything below is NumPy, written
from the model equations, not from the package's residual.
"""

import numpy as np

from econhubs.dynamic import GridSpec, default_params, solve_competitive


def _weights(g, x):
    i = np.clip(np.searchsorted(g, x, side="right") - 1, 0, len(g) - 2)
    t = (x - g[i]) / (g[i + 1] - g[i])  # linear extrapolation outside, as the solver does
    return i, t


def test_price_is_present_value_of_dividends():
    p = default_params(2, calibration="seed")  # the seed's theta on a grid above the limit: slack everywhere
    sol = solve_competitive(p, GridSpec(n_b=6, n_k=4, n_z=2, n_R=2, b_lo_mult=0.85, b_hi_mult=0.35, order_k=1),
                           guess_verify=False, polish=False, tol=1e-11)  # slack: the smooth solve, plain sweeps
    assert float(sol.share_binding) == 0.0  # slack: interpolating b'' is then exact
    g = sol.grid
    b, k1 = np.asarray(g.b), np.asarray(g.k[0])
    nb, nk, ne = len(b), len(k1), np.asarray(g.R).shape[0]
    zbar, R, P = np.asarray(g.zbar), np.asarray(g.R), np.asarray(g.P)
    bn = np.asarray(sol.b_next).reshape(nb, nk, ne)
    kn = np.asarray(sol.k_next).reshape(nb, nk, ne, 2)
    q = np.asarray(sol.q).reshape(nb, nk, ne)
    c = np.asarray(sol.c).reshape(nb, nk, ne)
    mu = np.asarray(sol.mu).reshape(nb, nk, ne)
    xi, a, phi, gam, beta, theta = (
        np.asarray(p.xi),
        float(p.alpha),
        np.asarray(p.phi),
        float(p.gamma),
        float(p.beta),
        float(p.theta),
    )
    N = nb * nk * ne
    A = np.zeros((N, N))
    rhs_div = np.zeros(N)
    dphi = np.zeros(N)
    for ib in range(nb):
        for ik in range(nk):
            for e in range(ne):
                s = (ib * nk + ik) * ne + e
                kk = np.array([k1[ik], 1 - k1[ik]])
                kp = kn[ib, ik, e]
                dphi[s] = phi[0] * (kp[0] / kk[0] - 1)
                i, t = _weights(b, bn[ib, ik, e])
                j, u = _weights(k1, kp[0])
                corners = [
                    (i, j, (1 - t) * (1 - u)),
                    (i + 1, j, t * (1 - u)),
                    (i, j + 1, (1 - t) * u),
                    (i + 1, j + 1, t * u),
                ]
                for e2 in range(ne):
                    bpp = sum(w * bn[ci, cj, e2] for ci, cj, w in corners)
                    k1pp = sum(w * kn[ci, cj, e2, 0] for ci, cj, w in corners)
                    kpp = np.array([k1pp, 1 - k1pp])
                    adj = np.sum(0.5 * phi * (kpp / kp - 1) ** 2 * kp)
                    cn = np.sum(zbar[e2] * kp ** (xi + a)) - adj + bn[ib, ik, e] - bpp / R[e2]
                    m = beta * (cn / c[ib, ik, e]) ** (-gam)
                    div = a * zbar[e2, 0] * kp[0] ** (xi[0] + a - 1) + 0.5 * phi[0] * ((kpp[0] / kp[0]) ** 2 - 1)
                    rhs_div[s] += P[e, e2] * m * div
                    for ci, cj, w in corners:
                        A[s, (ci * nk + cj) * ne + e2] += P[e, e2] * m * w
    D = 1 + theta * mu.reshape(-1)
    q_pv = np.linalg.solve(np.eye(N) - A * D[None, :], rhs_div - dphi)
    np.testing.assert_allclose(q.reshape(-1), q_pv, rtol=1e-7)
