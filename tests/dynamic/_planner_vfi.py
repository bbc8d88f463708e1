"""Value-function iteration of the Markov planner's Bellman equation at I = 1, in NumPy/SciPy (test helper).

    V(b, e) = max_{b'} u(y_e + b - b'/R_e) + beta sum_e' P_ee' V(b', e')
              s.t.  g(b, b', e) = b'/R_e + theta K_bar Q(b, b', e) >= 0,
    Q(b, b', e) = sum_e' P_ee' beta (c'/c)^-gamma (alpha zbar_e' K^{xi+alpha-1} + q'(1 + theta mu')),

where (c', q', mu') are FUTURE planners' policies (Markov: taken as given; the solved planner's s and q,
interpolated linearly at b' as in the solver) and V is the planner's own value. None of the package's solver
code is used: only the planner's policy table (s, q) on its grid and the model's parameters. The feasible set is
b' >= L(b, e) (g rises in b' and in b, so L falls in b); the choice is a golden-section search on [L, R(y + b)).

V is not smooth, and a single cubic spline through it on 300 nodes (the first version of this check) was off by
1.1e-4 to 4.5e-4 at the planner's slack states (planner grids of 12 to 192 points; against this version on 2400
nodes), moving with its fine grid:
- the future policies are piecewise linear in b', so g has kinks in b' at the planner's nodes b_j, L(b, e) has
  kinks where L(b, e) = b_j, and at binding states V'(b) = u'(c) + lambda dg/db jumps there (lambda =
  (u'(c)/R - beta EV'(L)) / g_b' and g_b' jumps): V has kinks (``kinks``);
- at the fixed point b^(e) of L (L(b^, e) = b^; ``fixed_points``) V has a concave kink: below b^ the constraint
  binds with lambda > 0 and L(b) > b^, above it the choice is b' = b^ itself (the slack states on a plateau
  choose the kink of their own continuation), so lambda does not fall to zero where the constraint stops
  binding. The VFI confirms it: its own threshold (``thresholds``) is b^ to 1e-14.
V(., e) is therefore a piecewise cubic whose breaks are those points, an independent not-a-knot spline on each
piece (the spline is linear in the node values: ``_Piecewise`` keeps that map, so a VFI step is a matmul).
"""

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.sparse import csr_matrix
from test_accuracy import _golden_max  # the CE's VFI check (tests/dynamic/test_accuracy.py): same search


def problem_from_solution(sol):
    """The arrays the Bellman equation needs, from a solved I = 1 planner (``solve_planner``)."""
    from econhubs.dynamic import steady_state_income

    p, g = sol.params, sol.grid
    return dict(b=np.asarray(g.b), P=np.asarray(g.P), R=np.asarray(g.R), zbar=np.asarray(g.zbar),
                gamma=float(p.gamma), beta=float(p.beta), theta=float(p.theta), K_bar=float(p.K_bar),
                c_floor=float(p.c_floor), xi=np.asarray(p.xi), alpha=float(p.alpha),
                yss=float(steady_state_income(p)), policy=np.asarray(sol.policy))


def _linear(b, V, x):
    """Columns of V (n_b, n_e) at x (...), linear and extrapolated like the solver's table."""
    lo = np.clip(np.searchsorted(b, x) - 1, 0, b.size - 2)
    t = (x - b[lo]) / (b[lo + 1] - b[lo])
    return (1 - t)[..., None] * V[lo] + t[..., None] * V[lo + 1]


def _bisect(up, lo, hi, n=100):
    """Elementwise bisection for the point in [lo, hi] where the boolean up(x) switches from False to True."""
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        u = up(mid)
        lo, hi = np.where(u, lo, mid), np.where(u, mid, hi)
    return 0.5 * (lo + hi)


class _Piecewise:
    """Piecewise cubic on [a, z] with breaks: pieces of ~uniform spacing h (4 to ``longest`` nodes each), a not-a-knot
    spline on each (longest=None: no cuts); coefficients = M @ (node values) (``coef``), evaluated at x by ``at``."""

    def __init__(self, breaks, h, longest=64):
        nodes, pieces, start = [], [], 0
        span = np.diff(breaks)  # long pieces are cut into pieces of <= ``longest`` nodes (keeps M sparse)
        cuts = [np.linspace(a, z, 1 + (int(np.ceil(d / ((longest - 1) * h))) if longest else 1))[:-1]
                for a, z, d in zip(breaks, breaks[1:], span)]
        breaks = np.concatenate(cuts + [breaks[-1:]])
        for a, z in zip(breaks[:-1], breaks[1:]):
            m = max(4, int(np.ceil((z - a) / h - 1e-9)) + 1)
            nodes.append(np.linspace(a, z, m)[:-1])
            pieces.append((start, start + m - 1))
            start += m - 1
        self.x = np.concatenate(nodes + [breaks[-1:]])
        n, rows, cols, vals = self.x.size, [], [], []
        for i, j in pieces:  # block (4, j - i, j + 1 - i) of coefficients on the piece's node values
            blk = CubicSpline(self.x[i:j + 1], np.eye(j + 1 - i)).c
            k, r, col = np.meshgrid(np.arange(4), np.arange(i, j), np.arange(i, j + 1), indexing="ij")
            rows.append((k * (n - 1) + r).ravel()), cols.append(col.ravel()), vals.append(blk.ravel())
        self.M = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), (4 * (n - 1), n))

    def coef(self, v):
        return (self.M @ v).reshape(4, -1)  # (4, n - 1)

    def at(self, c, x):
        i = np.clip(np.searchsorted(self.x, x) - 1, 0, self.x.size - 2)
        dx = x - self.x[i]
        return ((c[0, i] * dx + c[1, i]) * dx + c[2, i]) * dx + c[3, i]


class PlannerBellman:
    """The planner's Bellman equation on the bond range of the planner's grid; ``solve`` runs the VFI."""

    def __init__(self, d):
        self.b, self.P, self.R = d["b"], d["P"], d["R"]
        zb, K = d["zbar"][:, 0], d["K_bar"]
        ex = float(d["xi"][0] + d["alpha"])
        self.y, self.div = zb * K**ex, d["alpha"] * zb * K ** (ex - 1.0)
        self.gam, self.beta, self.th, self.K, self.cf, self.yss = (
            d[k] for k in ("gamma", "beta", "theta", "K_bar", "c_floor", "yss"))
        self.S, self.Qn = (d["policy"][..., j].reshape(self.b.size, -1) for j in (0, 1))

    def u(self, c):
        return np.maximum(c, self.cf) ** (1 - self.gam) / (1 - self.gam)

    def g(self, bb, x, e):
        """The collateral constraint g(b, b', e) with the future policies interpolated at b'."""
        pos = lambda v: 0.5 * (v + np.sqrt(v * v + 1e-20))  # the solver's smooth positive part
        s, q = _linear(self.b, self.S, x), _linear(self.b, self.Qn, x)
        cn = self.y + x[..., None] - (self.yss * pos(s) - self.th * q * self.K)
        A = np.sum(self.P[e] * self.beta * cn**-self.gam * (self.div + q * (1 + self.th * pos(-s))), axis=-1)
        return x / self.R[e] + self.th * self.K * (self.y[e] + bb - x / self.R[e]) ** self.gam * A

    def _edges(self, shape):
        return np.full(shape, self.b[0]), np.full(shape, self.b[-1])

    def limit(self, bb, e):
        """L(b, e) = min{b' >= b_0 : g(b, b', e) >= 0}."""
        L = _bisect(lambda x: self.g(bb, x, e) >= 0, *self._edges(bb.shape))
        return np.where(self.g(bb, self._edges(bb.shape)[0], e) >= 0, self.b[0], L)

    def kinks(self, e):
        """The b where L(b, e) crosses a planner node b_j (g(b, b_j, e) = 0), inside the grid."""
        xj, ee = self.b[:-1], np.full(self.b.size - 1, e)
        lo, hi = self._edges(xj.shape)
        inside = (self.g(lo, xj, ee) < 0) & (self.g(hi, xj, ee) > 0)
        return np.sort(_bisect(lambda bb: self.g(bb, xj, ee) >= 0, lo, hi)[inside])

    def fixed_points(self):
        """b^(e) with L(b^, e) = b^, i.e. g(b^, b^, e) = 0 (g rises in both); NaN where none is on the grid."""
        e = np.arange(self.R.size)
        lo, hi = self._edges(e.shape)
        ok = (self.g(lo, lo, e) < 0) & (self.g(hi, hi, e) > 0)
        return np.where(ok, _bisect(lambda bb: self.g(bb, bb, e) >= 0, lo, hi), np.nan)

    def solve(self, n_fine=600, breaks=True, tol=1e-12, max_iter=300, howard=30):
        """VFI on ~n_fine nodes per exogenous state (``howard`` policy-evaluation steps between policy updates; 5
        after 50 iterations: with 30 it cycled between two choices at a state whose two local maxima are close, on
        a shifted 48-point planner grid). breaks: V is piecewise
        cubic with breaks at ``kinks`` and ``fixed_points``; else one cubic spline on a uniform grid (the first
        version of the check). Returns policy(b, e) and the unconstrained choice (b' >= b_0 only), functions of
        arrays b, e."""
        b, R, n_e = self.b, self.R, self.R.size
        h, fp = (b[-1] - b[0]) / (n_fine - 1), self.fixed_points()
        fits = []
        for e in range(n_e):
            br = [b[0], b[-1]] + (list(self.kinks(e)) + list(fp[e:e + 1][np.isfinite(fp[e:e + 1])]) if breaks else [])
            br = np.unique(br)
            br = br[np.concatenate([[True], np.diff(br) > 1e-9])]  # merge coincident breaks
            fits.append(_Piecewise(br, h, 64 if breaks else None))
        bs = np.concatenate([f.x for f in fits])
        es = np.concatenate([np.full(f.x.size, e) for e, f in enumerate(fits)])
        cut = np.cumsum([0] + [f.x.size for f in fits])

        def ev(V, e):  # sum_e' P_ee' V(x, e')
            cs = [fit.coef(V[cut[f]:cut[f + 1]]) for f, fit in enumerate(fits)]
            return lambda x: sum(self.P[e, f] * fit.at(c, x) for f, (fit, c) in enumerate(zip(fits, cs)))

        def choose(V, bb, e, lo):
            hi, EV = np.clip(R[e] * (self.y[e] + bb) - 1e-6, lo, b[-1]), ev(V, e)
            return _golden_max(lambda x: self.u(self.y[e] + bb - x / R[e]) + self.beta * EV(x), lo, hi)

        L = self.limit(bs, es)
        V = self.u(self.y[es] + bs * (1 - 1 / R[es])) / (1 - self.beta)
        for it in range(max_iter):
            x = choose(V, bs, es, L)
            un = self.u(self.y[es] + bs - x / R[es])
            for _ in range(howard if it < 50 else min(howard, 5)):  # Howard steps (fewer if it cycles)
                V = un + self.beta * ev(V, es)(x)
            Vn = un + self.beta * ev(V, es)(x)
            done = np.max(np.abs(Vn - V)) < tol * np.max(np.abs(V))
            V = Vn
            if done:
                break
        self.iterations, self.converged, self.nodes = it + 1, bool(done), bs.size
        policy = lambda bb, e: choose(V, bb, e, self.limit(bb, e))
        return policy, lambda bb, e: choose(V, bb, e, np.full(bb.shape, b[0]))

    def thresholds(self, unconstrained):
        """b*(e): where the unconstrained choice meets L(b, e) (binding below, slack above); NaN where the
        constraint binds nowhere or everywhere on the grid."""
        e = np.arange(self.R.size)
        gap = lambda bb: unconstrained(bb, e) - self.limit(bb, e)
        lo, hi = self._edges(e.shape)
        ok = (gap(lo) < 0) & (gap(hi) > 0)
        return np.where(ok, _bisect(lambda bb: gap(bb) > 0, lo, hi, n=60), np.nan)
