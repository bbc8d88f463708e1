"""NumPy re-derivations for the I = 2 welfare and optimality checks (tests/dynamic/test_welfare_i2.py).

Independent of the package's welfare and first-order-condition code: the allocation's interpolated policies
(a NumPy copy of ``core.cell_table``'s Catmull-Rom Hermite / linear tensor interpolation, checked against it),
the budget, the private pricing condition at a planner's choice x = (b', k_1') given successors' policies
(the implementability price Q(s, x)), and the one-step Bellman objective u(c(s, x)) + beta E V(x, e') with V the
planner's value from a NumPy policy evaluation of its interpolated policies on a fine bilinear (b, k_1) grid.
"""

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla


def _pad(g):
    return np.concatenate([2 * g[:1] - g[1:2], g, 2 * g[-1:] - g[-2:-1]])


def axis_weights(g, x, order):
    """(cell index i (M,), node indices (M, 4) into g (clipped), weights (M, 4)) for a 1-d grid."""
    n = g.size
    i = np.clip(np.searchsorted(g, x, side="right") - 1, 0, n - 2)
    t = (x - g[i]) / (g[i + 1] - g[i])
    nodes = i[:, None] + np.arange(-1, 3)[None, :]
    if order == 1:
        w = np.stack([0 * t, 1 - t, t, 0 * t], axis=1)
        return np.clip(nodes, 0, n - 1), w, None
    gp = _pad(g)
    h = gp[i + 2] - gp[i + 1]
    a0, a1 = h / (gp[i + 2] - gp[i]), h / (gp[i + 3] - gp[i + 1])
    t2, t3 = t * t, t ** 3
    h00, h10, h01, h11 = 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + t, -2 * t3 + 3 * t2, t3 - t2
    cub = np.stack([-h10 * a0, h00 - h11 * a1, h01 + h10 * a0, h11 * a1], axis=1)
    lin = np.stack([0 * t, 1 - t, t, 0 * t], axis=1)
    w = np.where(((t >= 0) & (t <= 1))[:, None], cub, lin)
    return nodes, w, n


def interp2(gb, gk, vals, X, orders):
    """Tensor interpolation of vals (n_b, n_k, ...) at X (M, 2): (M, ...). Padded end nodes are the linear
    extrapolations 2 v_0 - v_1 and 2 v_{n-1} - v_{n-2} (as the package pads)."""
    out = 0.0
    nb_, wb, nB = axis_weights(gb, X[:, 0], orders[0])
    nk_, wk, nK = axis_weights(gk, X[:, 1], orders[1])

    def padded(vals, axis, n):  # values with one padded node each side along axis
        lo = 2 * np.take(vals, [0], axis) - np.take(vals, [1], axis)
        hi = 2 * np.take(vals, [n - 1], axis) - np.take(vals, [n - 2], axis)
        return np.concatenate([lo, vals, hi], axis)

    v = vals
    ob = 1
    if orders[0] == 3:
        v = padded(v, 0, gb.size)
    else:
        ob = 0
    ok = 1
    if orders[1] == 3:
        v = padded(v, 1, gk.size)
    else:
        ok = 0
    for a in range(4):
        for c in range(4):
            ib = nb_[:, a] + ob
            ic = nk_[:, c] + ok
            if orders[0] == 1:
                ib = np.clip(nb_[:, a], 0, gb.size - 1)
            if orders[1] == 1:
                ic = np.clip(nk_[:, c], 0, gk.size - 1)
            w = (wb[:, a] * wk[:, c]).reshape((-1,) + (1,) * (vals.ndim - 2))
            out = out + w * v[ib, ic]
    return out


class Bellman:
    """The planner's one-step problem at the grid states, in NumPy."""

    def __init__(self, sol, V):
        p, g = sol.params, sol.grid
        f = lambda a: np.asarray(a, float)
        self.gam, self.beta, self.theta, self.K = (float(f(a)) for a in (p.gamma, p.beta, p.theta, p.K_bar))
        self.cf, self.alpha = float(f(p.c_floor)), float(f(p.alpha))
        self.xi, self.phi = f(p.xi), f(p.phi)
        self.gb, self.gk = f(g.b), f(g.k[0])
        self.zbar, self.R, self.P = f(g.zbar), f(g.R), f(g.P)
        self.orders = tuple(g.order)
        k = self.K / 2
        self.yss = float(np.sum(np.exp(f(p.z_tilde)) * k ** (self.xi + self.alpha)))
        self.pol = f(sol.policy).reshape(self.gb.size, self.gk.size, -1, 3)  # (n_b, n_k, n_e, 3): s, k_1', q
        self.Vfun = V  # callable X (M, 2) -> (M, n_e): the planner's value at the next states

    def pos(self, x):
        return 0.5 * (x + np.sqrt(x * x + 1e-20))

    def floor(self, c):
        return np.where(c > self.cf, c, self.cf * np.exp(np.minimum(c, self.cf) / self.cf - 1.0))

    def u(self, c):
        return c ** (1 - self.gam) / (1 - self.gam)

    def budget(self, b, k1, bp, k1p, zb, R):
        k = np.stack([k1, self.K - k1], -1)
        kp = np.stack([k1p, self.K - k1p], -1)
        y = np.sum(zb * k ** (self.xi + self.alpha), -1)
        adj = np.sum(0.5 * self.phi * (kp / k - 1) ** 2 * k, -1)
        return y - adj + b - bp / R

    def decode(self, y, R):
        s, k1p, q = y[..., 0], y[..., 1], y[..., 2]
        slack, mu = self.yss * self.pos(s), self.pos(-s)
        return R * (slack - self.theta * q * self.K), k1p, q, mu

    def pieces(self, b, k1, e, X):
        """At states (b, k1, e) (M,) and choices X (M, 2): c, Q, g, objective."""
        bp, k1p = X[:, 0], X[:, 1]
        R, zb = self.R[e], self.zbar[e]
        c = self.floor(self.budget(b, k1, bp, k1p, zb, R))
        nxt = interp2(self.gb, self.gk, self.pol, X, self.orders)   # (M, n_e, 3)
        Vn = self.Vfun(X)                                           # (M, n_e)
        bpp, k1pp, qn, mun = self.decode(nxt, self.R[None, :])
        cn = self.floor(self.budget(bp[:, None], k1p[:, None], bpp, k1pp, self.zbar[None], self.R[None, :]))
        m = self.beta * (cn / c[:, None]) ** (-self.gam)
        kp = np.stack([k1p, self.K - k1p], -1)                      # (M, 2)
        kpp = np.stack([k1pp, self.K - k1pp], -1)                   # (M, n_e, 2)
        k = np.stack([k1, self.K - k1], -1)
        div = self.alpha * self.zbar[None] * kp[:, None, :] ** (self.xi + self.alpha - 1)
        dk = -0.5 * self.phi * ((kpp / kp[:, None, :]) ** 2 - 1)
        pay = div - dk + (qn * (1 + self.theta * mun))[..., None]
        Pe = self.P[e]                                              # (M, n_e)
        q_i = np.einsum("me,mei->mi", Pe * m, pay) - self.phi * (kp / k - 1)
        Q = np.sum(kp / self.K * q_i, -1)
        g = bp / R + self.theta * self.K * Q
        obj = self.u(c) + self.beta * np.sum(Pe * Vn, -1)
        return dict(c=c, Q=Q, g=g, obj=obj, q_i=q_i)


def zoom_max(bm, b, k1, e, x_starts, n=41, levels=9, shrink=4.0):
    """Vectorised global-then-local maximisation over all states at once: an n x n grid over the box, then
    ``levels`` zooms (box shrunk by ``shrink`` around the best feasible point so far). Feasible: g >= 0, c above
    the floor. The starts (list of (S, 2)) are evaluated too and kept if better. Returns (x (S, 2), obj (S,))."""
    S = b.shape[0]
    lo = np.tile([bm.gb[0], bm.gk[0]], (S, 1)).astype(float)
    hi = np.tile([bm.gb[-1], bm.gk[-1]], (S, 1)).astype(float)
    best_x, best_v = np.zeros((S, 2)), np.full(S, -np.inf)

    def consider(X):  # X (S, m, 2)
        nonlocal best_x, best_v
        m = X.shape[1]
        d = bm.pieces(np.repeat(b, m), np.repeat(k1, m), np.repeat(e, m), X.reshape(-1, 2))
        ok = (d["g"] >= 0) & (d["c"] > bm.cf)
        v = np.where(ok, d["obj"], -np.inf).reshape(S, m)
        j = np.argmax(v, 1)
        vj = v[np.arange(S), j]
        better = vj > best_v
        best_x = np.where(better[:, None], X[np.arange(S), j], best_x)
        best_v = np.where(better, vj, best_v)

    for xs in x_starts:
        consider(np.asarray(xs, float)[:, None, :])
    t = np.linspace(0.0, 1.0, n)
    for lev in range(levels + 1):
        Bg = lo[:, 0:1] + t[None, :] * (hi[:, 0:1] - lo[:, 0:1])
        Kg = lo[:, 1:2] + t[None, :] * (hi[:, 1:2] - lo[:, 1:2])
        X = np.stack([np.repeat(Bg, n, 1), np.tile(Kg, (1, n))], -1)      # (S, n*n, 2)
        consider(X)
        half = (hi - lo) / (2 * shrink)
        lo = np.maximum(best_x - half, [bm.gb[0], bm.gk[0]])
        hi = np.minimum(best_x + half, [bm.gb[-1], bm.gk[-1]])
    return best_x, best_v


def fine_value(sol, n_fb=60, n_fk=60):
    bm = Bellman(sol, np.zeros(sol.c.shape))
    gb, gk, n_e = bm.gb, bm.gk, bm.R.size
    bf, kf = np.linspace(gb[0], gb[-1], n_fb), np.linspace(gk[0], gk[-1], n_fk)
    B, K = np.meshgrid(bf, kf, indexing="ij")
    X = np.stack([B.ravel(), K.ravel()], 1)                      # (M, 2)
    pol = interp2(gb, gk, bm.pol, X, bm.orders)                   # (M, n_e, 3)
    bp, k1p, _, _ = bm.decode(pol, bm.R[None, :])
    M = X.shape[0]
    c = bm.floor(bm.budget(X[:, 0:1], X[:, 1:2], bp, k1p, bm.zbar[None], bm.R[None, :]))   # (M, n_e)
    u = bm.u(c)
    bp, k1p = np.clip(bp, gb[0], gb[-1]), np.clip(k1p, gk[0], gk[-1])
    # bilinear weights on the fine grid
    ib = np.clip(np.searchsorted(bf, bp, side="right") - 1, 0, n_fb - 2)
    ik = np.clip(np.searchsorted(kf, k1p, side="right") - 1, 0, n_fk - 2)
    tb = (bp - bf[ib]) / (bf[ib + 1] - bf[ib])
    tk = (k1p - kf[ik]) / (kf[ik + 1] - kf[ik])
    rows, cols, vals = [], [], []
    state = (np.arange(M)[:, None] * n_e + np.arange(n_e)[None, :])   # row index (m, e)
    for db, wb in ((0, 1 - tb), (1, tb)):
        for dk, wk in ((0, 1 - tk), (1, tk)):
            node = (ib + db) * n_fk + (ik + dk)                      # (M, n_e) fine endog node
            for e2 in range(n_e):
                rows.append(state.ravel())
                cols.append((node * n_e + e2).ravel())
                vals.append((wb * wk * bm.P[np.arange(n_e)[None, :], e2]).ravel())
    A = sps.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(M * n_e,) * 2)
    V = spla.spsolve((sps.identity(M * n_e, format="csr") - bm.beta * A).tocsc(), u.ravel())
    return bf, kf, V.reshape(n_fb, n_fk, n_e)


def at(bf, kf, V, b, k, e):
    """Bilinear V at states (b, k_1, e)."""
    ib = np.clip(np.searchsorted(bf, b, side="right") - 1, 0, bf.size - 2)
    ik = np.clip(np.searchsorted(kf, k, side="right") - 1, 0, kf.size - 2)
    tb = (b - bf[ib]) / (bf[ib + 1] - bf[ib])
    tk = (k - kf[ik]) / (kf[ik + 1] - kf[ik])
    return ((1 - tb) * (1 - tk) * V[ib, ik, e] + tb * (1 - tk) * V[ib + 1, ik, e]
            + (1 - tb) * tk * V[ib, ik + 1, e] + tb * tk * V[ib + 1, ik + 1, e])
