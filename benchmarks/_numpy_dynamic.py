"""NumPy baseline for ``bench_dynamic.py``: one time-iteration sweep of the dynamic model, same algorithm.

Pure NumPy (no JAX in the sweep; the model constants and grid arrays are read once from the
package's parameter and grid objects). It evaluates the residual of
``econhubs.dynamic._residual.ce_residual`` for a whole batch of grid states at once:

  decode y = (s, k_1'..k_{I-1}', q): slack = y_ss s_+, mu = (-s)_+, b' = R (slack - theta q K_bar),
    with the smooth x_+ = (x + sqrt(x^2 + eps^2)) / 2 (eps = 1e-10);
  c = floor(sum_i [zbar_i k_i^{xi_i+alpha} - Phi_i(k_i, k_i')] + b - b'/R), floor(c) = c above
    c_floor and c_floor exp(c/c_floor - 1) below;
  next policies: multilinear interpolation (linear extrapolation from the edge cell) of the
    previous iterate at (b', k_free') in every next exogenous state e', decoded with R(e');
  m' = beta (c'/c)^-gamma; expectations with the row P[e] of the transition matrix;
  bond Euler 1 - mu - R E[m'];  portfolio Eulers (q + dPhi_i/dk' - E[m' (dividend_i' + q'(1 + theta mu'))]) / q_ss.

(``regime="slack"``: slack = y_ss s, mu = 0; ``regime="bind"``: slack = 0, mu = -s, for this period's
y only, as ``decode(..., regime)``), and solves every state's (I+1)-equation system by the same damped
Newton as the core solver
(``econhubs.core.Newton``, dense step): Jacobian per state, stacked ``np.linalg.solve``, Armijo
backtracking on 1/2 ||F||^2 with step halving (at most ``max_backtracks``), a state stops when
max |F| <= atol, when its line search fails (then it keeps its last iterate), or after
``max_steps`` Newton steps. Non-finite results fall back to the previous policy, as in
``time_iteration``. With ``regimes=True`` each state is solved on both branches and the valid
root kept (``ce_select``: slack branch if s >= 0, else binding branch if -s >= 0), as
``time_iteration(..., regimes=CE_REGIMES, select=ce_select)``. States are processed in chunks
(vectorised within a chunk) to bound memory,
and only the states still iterating are evaluated.

Jacobian: ``"complex"`` (complex step, J = Im F(y + i h e_j) / h with h = 1e-20: exact to machine
precision like the JAX autodiff Jacobian, and on the same side of the interpolation kinks,
since cells are chosen from the real part) or ``"fd"`` (forward differences, step
sqrt(eps) max(1, |y_j|)).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

POS_EPS = 1e-10
CSTEP = 1e-20


@dataclass
class NumpyModel:
    """Constants and grid arrays of one region as NumPy (float64)."""

    I: int
    phi: np.ndarray
    xi: np.ndarray
    alpha: float
    beta: float
    gamma: float
    theta: float
    K_bar: float
    c_floor: float
    constrained: bool
    y_ss: float
    q_ss: float
    endog_grids: tuple
    zbar: np.ndarray  # (n_e, I)
    R: np.ndarray  # (n_e,)
    P: np.ndarray  # (n_e, n_e)

    @classmethod
    def from_jax(cls, p, grid) -> "NumpyModel":
        from econhubs.dynamic import steady_state_income, steady_state_price

        f = lambda x: float(np.asarray(x))  # noqa: E731
        a = lambda x: np.asarray(x, dtype=np.float64)  # noqa: E731
        return cls(
            I=int(np.shape(p.phi)[-1]),
            phi=a(p.phi),
            xi=a(p.xi),
            alpha=f(p.alpha),
            beta=f(p.beta),
            gamma=f(p.gamma),
            theta=f(p.theta),
            K_bar=f(p.K_bar),
            c_floor=f(p.c_floor),
            constrained=bool(p.constrained),
            y_ss=f(steady_state_income(p)),
            q_ss=f(steady_state_price(p)),
            endog_grids=tuple(a(g) for g in grid.endog_grids),
            zbar=a(grid.zbar),
            R=a(grid.R),
            P=a(grid.P),
        )

    @property
    def endog_shape(self) -> tuple:
        return tuple(g.shape[0] for g in self.endog_grids)

    @property
    def n_e(self) -> int:
        return self.R.shape[0]


def grid_points(m: NumpyModel):
    """States in C order over (endogenous..., e), as ``econhubs.dynamic._time_iteration.grid_points``."""
    mesh = np.meshgrid(*m.endog_grids, np.arange(m.n_e), indexing="ij")
    flat = [x.reshape(-1) for x in mesh]
    b, ks, e = flat[0], flat[1:-1], flat[-1].astype(np.int64)
    k = np.stack(ks, axis=-1) if ks else np.zeros((b.shape[0], 0))
    return b, k, e


def _pos(x):
    return 0.5 * (x + np.sqrt(x * x + POS_EPS**2))


def _full(k_free, K_bar):
    return np.concatenate([k_free, K_bar - np.sum(k_free, axis=-1, keepdims=True)], axis=-1)


def _floor(c, c_floor):
    safe = np.where(c.real < c_floor, c, c_floor)
    return np.where(c.real > c_floor, c, c_floor * np.exp(safe / c_floor - 1.0))


def _decode(m: NumpyModel, y, R, regime=None):
    I = m.I
    s, kp_free, q = y[..., 0], y[..., 1:I], y[..., I]
    if m.constrained and regime == "slack":
        slack, mu = m.y_ss * s, np.zeros_like(s)
    elif m.constrained and regime == "bind":
        slack, mu = np.zeros_like(s), -s
    elif m.constrained:
        slack, mu = m.y_ss * _pos(s), _pos(-s)
    else:
        slack, mu = m.y_ss * s, np.zeros_like(s)
    return R * (slack - m.theta * q * m.K_bar), kp_free, q, mu


def _interp(m: NumpyModel, flat_pol, x):
    """Multilinear interpolation of flat_pol (N_endog, n_e, n_pol) at x (P, D, d) -> (P, D, n_e, n_pol).

    Cells come from the real part of the first direction (all directions share it)."""
    d = len(m.endog_grids)
    shape = m.endog_shape
    strides = [int(np.prod(shape[j + 1 :])) for j in range(d)]
    axes = []
    for j, g in enumerate(m.endog_grids):
        xr = x[:, 0, j].real
        i = np.clip(np.searchsorted(g, xr, side="right") - 1, 0, g.shape[0] - 2)
        t = (x[:, :, j] - g[i][:, None]) / (g[i + 1] - g[i])[:, None]  # (P, D)
        axes.append(((i, i + 1), (1.0 - t, t)))
    out = None
    for corner in itertools.product((0, 1), repeat=d):
        flat = 0
        w = 1.0
        for j, c in enumerate(corner):
            flat = flat + axes[j][0][c] * strides[j]
            w = w * axes[j][1][c]
        term = w[:, :, None, None] * flat_pol[flat][:, None, :, :]
        out = term if out is None else out + term
    return out


def residual(m: NumpyModel, y, b, k_free, e, flat_pol, regime=None):
    """ce_residual for a batch: y (P, D, n) (real or complex, D directions), states b (P,),
    k_free (P, I-1), e (P,) int; flat_pol (N_endog, n_e, n_pol); regime None / "slack" / "bind"
    (decoding of this period's y only, as in ``decode(..., regime)``). Returns F (P, D, n)."""
    R = m.R[e][:, None]  # (P, 1)
    bp, kp_free, q, mu = _decode(m, y, R, regime)  # (P, D), (P, D, I-1)
    k = _full(k_free, m.K_bar)[:, None, :]  # (P, 1, I)
    kp = _full(kp_free, m.K_bar)  # (P, D, I)
    zb = m.zbar[e][:, None, :]
    ea = m.xi + m.alpha
    inc = np.sum(zb * k**ea, axis=-1)
    adj = np.sum(0.5 * m.phi * (kp / k - 1.0) ** 2 * k, axis=-1)
    c = _floor(inc - adj + b[:, None] - bp / R, m.c_floor)  # (P, D)
    x = np.concatenate([bp[..., None], kp_free], axis=-1)  # (P, D, d)
    nxt = _interp(m, flat_pol, x)  # (P, D, n_e, n_pol)
    bpp, kpp_free, qn, mun = _decode(m, nxt, m.R)  # (P, D, n_e), (P, D, n_e, I-1)
    kpp = _full(kpp_free, m.K_bar)  # (P, D, n_e, I)
    kpn = kp[:, :, None, :]  # (P, D, 1, I)
    inc_n = np.sum(m.zbar * kpn**ea, axis=-1)
    adj_n = np.sum(0.5 * m.phi * (kpp / kpn - 1.0) ** 2 * kpn, axis=-1)
    cn = _floor(inc_n - adj_n + bp[..., None] - bpp / m.R, m.c_floor)  # (P, D, n_e)
    mm = m.beta * (cn / c[..., None]) ** (-m.gamma)
    pe = m.P[e]  # (P, n_e)
    div = m.alpha * m.zbar * kpn ** (ea - 1.0) + 0.5 * m.phi * ((kpp / kpn) ** 2 - 1.0)  # - dPhi/dk(k', k'')
    payoff = div + (qn * (1.0 + m.theta * mun))[..., None]  # (P, D, n_e, I)
    Em = np.einsum("pe,pde->pd", pe, mm)
    rhs = np.einsum("pe,pdei->pdi", pe, mm[..., None] * payoff)
    lhs = q[..., None] + m.phi * (kp / k - 1.0)
    bond = 1.0 - mu - R * Em
    port = (lhs - rhs) / m.q_ss
    return np.concatenate([bond[..., None], port], axis=-1)


def _jacobian(m, y, st, flat_pol, how, regime):
    """(P, n, n) Jacobians at y (P, n)."""
    P, n = y.shape
    eye = np.eye(n)
    if how == "complex":
        yc = y[:, None, :] + 1j * CSTEP * eye[None]  # direction j on axis 1
        F = residual(m, yc, *st, flat_pol, regime)
        return np.swapaxes(F.imag, 1, 2) / CSTEP
    h = np.sqrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(y))  # (P, n)
    yd = np.concatenate([y[:, None, :], y[:, None, :] + h[:, :, None] * eye[None]], axis=1)
    F = residual(m, yd, *st, flat_pol, regime)
    return np.swapaxes((F[:, 1:] - F[:, :1]) / h[:, :, None], 1, 2)


def _solve(J, rhs):
    try:
        return np.linalg.solve(J, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:  # some singular block: those states get NaN (line search then fails)
        out = np.full_like(rhs, np.nan)
        for i in range(J.shape[0]):
            try:
                out[i] = np.linalg.solve(J[i], rhs[i])
            except np.linalg.LinAlgError:
                pass
        return out


def newton(m, y, st, flat_pol, *, atol=1e-11, max_steps=20, max_backtracks=10, armijo=1e-4, jac="fd", regime=None):
    """Damped Newton for every state of a batch at once (``econhubs.core.Newton`` semantics).

    y: (P, n) starting points (modified in place); st = (b, k_free, e). Returns (y, steps taken,
    converged mask: max |F| <= atol at the end, as ``Solution.converged``)."""
    with np.errstate(all="ignore"):
        F = residual(m, y[:, None, :], *st, flat_pol, regime)[:, 0]
    active = ~(np.max(np.abs(F), axis=-1) <= atol)
    steps = 0
    while active.any() and steps < max_steps:
        ia = np.nonzero(active)[0]
        sa = tuple(a[ia] for a in st)
        ya, Fa = y[ia], F[ia]
        with np.errstate(all="ignore"):
            d = _solve(_jacobian(m, ya, sa, flat_pol, jac, regime), -Fa)
            phi0 = 0.5 * np.sum(Fa * Fa, axis=-1)
            alpha = np.ones(ia.shape[0])
            yt = ya + d
            Ft = residual(m, yt[:, None, :], *sa, flat_pol, regime)[:, 0]
            phi = 0.5 * np.sum(Ft * Ft, axis=-1)
            ok = np.isfinite(phi) & (phi <= (1.0 - 2.0 * armijo * alpha) * phi0)
            for _ in range(max_backtracks):
                nb = np.nonzero(~ok)[0]
                if nb.size == 0:
                    break
                alpha[nb] *= 0.5
                yt[nb] = ya[nb] + alpha[nb, None] * d[nb]
                Ft[nb] = residual(m, yt[nb][:, None, :], *(a[nb] for a in sa), flat_pol, regime)[:, 0]
                phi[nb] = 0.5 * np.sum(Ft[nb] * Ft[nb], axis=-1)
                ok[nb] = np.isfinite(phi[nb]) & (phi[nb] <= (1.0 - 2.0 * armijo * alpha[nb]) * phi0[nb])
        failed = ~ok | ~np.isfinite(phi0)
        y[ia] = np.where(failed[:, None], ya, yt)
        F[ia] = np.where(failed[:, None], Fa, Ft)
        conv = np.max(np.abs(F[ia]), axis=-1) <= atol
        active[ia] = ~(conv | failed)
        steps += 1
    converged = (np.max(np.abs(F), axis=-1) <= atol) & np.all(np.isfinite(y), axis=-1)
    return y, steps, converged


def newton_steps(m: NumpyModel, y, pol, pts=None, *, chunk=2048):
    """At each state's y (N, n) against pol (complex-step J, smooth residual): the length max_i |(J^-1 F)_i| of
    the Newton step (to first order the distance from y to the exact root of that state's system: the error the
    stopping rule max |F| <= atol leaves) and ||J^-1||_inf (so the rule's error bound is ||J^-1||_inf atol).
    NaN where J is singular. Returns (step (N,), jinv (N,), y - J^-1 F (N, n): y after one more Newton step, the
    exact root to rounding where y was within the quadratic convergence region)."""
    y = np.asarray(y, dtype=np.float64)
    pol = np.asarray(pol, dtype=np.float64)
    b, k, e = grid_points(m) if pts is None else pts
    flat_pol = pol.reshape(-1, m.n_e, pol.shape[-1])
    step, jinv, polished = np.full(y.shape[0], np.nan), np.full(y.shape[0], np.nan), np.full_like(y, np.nan)
    with np.errstate(all="ignore"):
        for lo in range(0, y.shape[0], chunk):
            sl = slice(lo, lo + chunk)
            st = (b[sl], k[sl], e[sl])
            F = residual(m, y[sl][:, None, :], *st, flat_pol)[:, 0]
            J = _jacobian(m, y[sl], st, flat_pol, "complex", None)
            ok = np.all(np.isfinite(J), axis=(1, 2)) & (np.abs(np.linalg.det(np.where(np.isfinite(J), J, 0))) > 0)
            inv = np.linalg.inv(np.where(ok[:, None, None], J, np.eye(J.shape[-1])))
            d = np.einsum("pij,pj->pi", inv, F)
            step[sl] = np.where(ok, np.max(np.abs(d), axis=-1), np.nan)
            polished[sl] = np.where(ok[:, None], y[sl] - d, np.nan)
            jinv[sl] = np.where(ok, np.max(np.sum(np.abs(inv), axis=-1), axis=-1), np.nan)
    return step, jinv, polished


def select(y0, ys, yb, cs, cb):
    """Guess and verify (``econhubs.dynamic._residual.ce_select``): the slack branch if its root has
    s >= 0, else the binding branch if its multiplier -s >= 0, else y0."""
    ok_s = cs & (ys[:, 0] >= -1e-12)
    ok_b = cb & (yb[:, 0] <= 1e-12)
    y = np.where(ok_s[:, None], ys, np.where(ok_b[:, None], yb, y0))
    return y, ok_s | ok_b


def sweep(m: NumpyModel, pol, pts=None, *, regimes=False, chunk=2048, **newton_kw):
    """One time-iteration sweep: every state's Newton solve from its current policy against pol.

    pol: (N, n_pol) in grid_points order. regimes: False = one solve on the smooth positive-part
    decoding (``time_iteration(..., regimes=None)``); True = guess and verify, one solve on the
    slack branch and one on the binding branch, then ``select`` (``regimes=CE_REGIMES,
    select=ce_select``, what ``solve_competitive`` uses). Returns (new pol, most Newton steps taken
    in any chunk/branch, states without a valid solution)."""
    pol = np.asarray(pol, dtype=np.float64)
    b, k, e = grid_points(m) if pts is None else pts
    flat_pol = pol.reshape(-1, m.n_e, pol.shape[-1])
    new = pol.copy()
    steps, nfail = 0, 0
    for lo in range(0, pol.shape[0], chunk):
        sl = slice(lo, lo + chunk)
        st = (b[sl], k[sl], e[sl])
        if regimes and m.constrained:
            ys, s1, cs = newton(m, pol[sl].copy(), st, flat_pol, regime="slack", **newton_kw)
            yb, s2, cb = newton(m, pol[sl].copy(), st, flat_pol, regime="bind", **newton_kw)
            y, ok = select(pol[sl], ys, yb, cs, cb)
            s = max(s1, s2)
        else:
            y, s, ok = newton(m, pol[sl].copy(), st, flat_pol, **newton_kw)
            y = np.where(ok[:, None], y, pol[sl])  # a state without a root keeps its old policy (as the JAX sweep)
        new[sl] = y
        steps, nfail = max(steps, s), nfail + int(np.sum(~ok))
    new = np.where(np.all(np.isfinite(new), axis=1, keepdims=True), new, pol)
    return new, steps, nfail
