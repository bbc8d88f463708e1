"""The bracketing rescue (``_bracket.CEBracket``) against an independent NumPy/SciPy solve (I = 1).

With one industry capital is fixed, so with b' given the state's equations are explicit: today's c from
the budget, next period's (s', q') interpolated linearly in b' from the table's policies, then
  G(b') = 1 - R E[m'],   q(b') = E[m' (alpha zbar' K^(xi+alpha-1) + q' (1 + theta mu'))],
  s(b') = (b'/R + theta q(b') K) / y_ss,
and an equilibrium is a root of min(G, s) (slack: G = 0 <= s; binding: s = 0 <= G = mu). SciPy's brentq
finds it in the same scan cell; the rescue's b', q and regime must match, and its y must solve the
package's residual (max |F| <= 1e-10) with the multiplier >= 0 and the constraint holding.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq

from econhubs.core import Newton
from econhubs.dynamic import GridSpec, ce_residual, default_params, make_grid
from econhubs.dynamic._bracket import CEBracket
from econhubs.dynamic._competitive import initial_policy
from econhubs.dynamic._residual import decode
from econhubs.dynamic._time_iteration import grid_points


def _numpy_state(p, g, pol, b, e):
    """(phi, G, s, q) as functions of b' at state (b, e), written from the model equations."""
    gam, al, be, th, K = (float(getattr(p, n)) for n in ("gamma", "alpha", "beta", "theta", "K_bar"))
    xi = float(p.xi[0])
    bg, R, P, z = np.asarray(g.b), np.asarray(g.R), np.asarray(g.P), np.asarray(g.zbar)[:, 0]
    yss = K ** (xi + al)
    pol = np.asarray(pol).reshape(len(bg), len(R), -1)

    def parts(bp):
        i = np.clip(np.searchsorted(bg, bp, side="right") - 1, 0, len(bg) - 2)
        t = (bp - bg[i]) / (bg[i + 1] - bg[i])
        nxt = (1 - t) * pol[i] + t * pol[i + 1]  # (n_e, 2): s', q'
        sn, qn = nxt[:, 0], nxt[:, 1]
        pos = 0.5 * (sn + np.sqrt(sn * sn + 1e-20))
        mun = 0.5 * (-sn + np.sqrt(sn * sn + 1e-20))
        bpp = R * (yss * pos - th * qn * K)
        c = z[e] * K ** (xi + al) + b - bp / R[e]
        cn = z * K ** (xi + al) + bp - bpp / R
        m = be * (cn / c) ** (-gam)
        G = 1 - R[e] * P[e] @ m
        q = P[e] @ (m * (al * z * K ** (xi + al - 1) + qn * (1 + th * mun)))
        s = (bp / R[e] + th * q * K) / yss
        return min(G, s), G, s, q

    return parts


@pytest.mark.slow
def test_rescue_matches_an_independent_scalar_solve():
    p = default_params(1)
    g = make_grid(p, GridSpec(n_b=8, n_z=3, n_R=3, order_b=1))
    pol = initial_policy(p, g)
    table = g.policy_table(pol)
    pts = grid_points(g)
    rescue = CEBracket(scan=32, bisect=56)
    ys, oks = jax.jit(jax.vmap(lambda y, pt: rescue(y, pt, p, g, table, Newton(atol=1e-11), 20)))(pol, pts)
    F = jax.vmap(lambda y, pt: ce_residual(y, pt, p, g, table)[0])(ys, pts)
    assert bool(jnp.all(oks)) and float(jnp.max(jnp.abs(F))) <= 1e-10
    bp, _, q, mu, slack = (np.asarray(x) for x in decode(ys, p, g.R[pts[2]]))
    assert np.all(mu >= 0) and np.all(slack >= 0)
    b, e = np.asarray(pts[0]), np.asarray(pts[2])
    bp_old = np.asarray(decode(pol, p, g.R[pts[2]])[0])
    n_bind = 0
    for j in range(len(b)):
        parts = _numpy_state(p, g, pol, b[j], e[j])
        R = float(g.R[e[j]])
        gb = np.asarray(g.b)
        span = gb[-1] - gb[0]
        top = max(R * (float(g.zbar[e[j], 0]) + b[j]), gb[-1] + 3 * span)  # c = 0 at b' = R (y + b)
        grid_bp = np.r_[np.linspace(gb[0] - span / 2, gb[-1] + span / 2, 30), gb[-1] + 2 * span, top]
        with np.errstate(divide="ignore"):  # c = 0 at the scan's top end (the package continues c below c_floor)
            phis = np.array([parts(x)[0] for x in grid_bp])
        cells = np.nonzero((phis[:-1] < 0) & (phis[1:] >= 0))[0]
        c = cells[np.argmin(np.abs(0.5 * (grid_bp[cells] + grid_bp[cells + 1]) - bp_old[j]))]
        root = brentq(lambda x: parts(x)[0], grid_bp[c], grid_bp[c + 1], xtol=1e-15, rtol=1e-15)
        _, G, s, q_ref = parts(root)
        assert abs(bp[j] - root) < 1e-9 and abs(q[j] - q_ref) < 1e-8 * q_ref
        n_bind += s < G
        assert (mu[j] > 1e-8) == (s < G and G > 1e-8)
    assert 0 < n_bind < len(b)  # both regimes occur on this grid
