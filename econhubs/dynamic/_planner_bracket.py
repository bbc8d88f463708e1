"""Bracketing rescue for grid states where the planner's per-state Newton finds no root on either branch.

Why Newton can miss (measured at I = 2, 108 states, ``order_b=3``, b in [-0.2, 0.02]): the implementability
price Q(s, x) of the binding branch (b' = -R theta q K_bar) is not monotone in q: next period's policies
interpolated at b' switch regime inside a bond cell, and Q(b') falls by 2.3 (of q_ss = 7.9) over 0.02 in b'.
From the previous sweep's policy both branch Newtons stall on that fold (residual 0.05-0.24) although a
root exists a few cells away (q - Q changes sign). As :class:`CEBracket` does for the CE, the rescue fixes
one scalar and solves the rest of the branch's equations by Newton, which leaves one scalar function:

* binding (regime 2): fix q (so b' = -R theta q K_bar); solve the first-order, envelope conditions for
  (mu, k_free', W^Q); h(q) = (q - Q(s, x)) / q_ss, the implementability gap;
* slack (regime 1): fix b' (s = (b'/R + theta q K_bar) / y_ss follows q); solve the portfolio first-order,
  implementability and envelope conditions for (k_free', q, W^Q); h(b') = the bond first-order condition.

h is scanned (``scan`` points, the inner solve continued along the scan), the sign change nearest the old
policy is refined by false position (Illinois, ``refine`` steps) and the branch Newton polishes the
bracketed point; a branch is valid if its polished residual is <= 10 atol (then ``select`` checks s >= 0 or
mu >= 0, as for the Newton branches). A state where neither branch has a sign change stays failed and is
reported as such.
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp

from ._params import steady_state_income


def _layout(I: int, p, R, bind):
    """(y_of(t, z), z_of(y), t_of(y), keep rows, h row) of a branch, ``bind`` a traced bool: binding fixes
    t = q (z = y without q), slack fixes t = b' (z = y without s; s follows q = z[I-1])."""
    yss = steady_state_income(p)

    def y_of(t, z):
        yb = jnp.concatenate([z[:I], t[None], z[I:]])
        s = (t / R + p.theta * z[I - 1] * p.K_bar) / yss
        return jnp.where(bind, yb, jnp.concatenate([s[None], z]))

    def z_of(y):
        return jnp.where(bind, jnp.concatenate([y[:I], y[I + 1:]]), y[1:])

    def t_of(y):
        return jnp.where(bind, y[I], R * (yss * y[0] - p.theta * y[I] * p.K_bar))

    rows = jnp.arange(2 * I + 1)
    keep = jnp.where(bind, jnp.where(rows[:-1] < I, rows[:-1], rows[:-1] + 1), rows[1:])
    return y_of, z_of, t_of, keep, jnp.where(bind, I, 0)


class PlannerBracket(eqx.Module):
    """The rescue (module docstring): ``scan`` points of the fixed scalar, ``refine`` steps of the Illinois
    false-position method on the bracket (superlinear where h is smooth; the bracket always shrinks).
    Call with (residual, newton, y0, point, params, grid, table, extra) -> ((y_slack, y_bind), (ok_s, ok_b));
    both branches run as two lanes of one vmap (the regime is a traced code: one compiled Newton)."""

    scan: int = eqx.field(static=True, default=16)
    refine: int = eqx.field(static=True, default=14)

    def branch(self, regime, residual: Callable, newton, y0, pt, p, grid, table, extra):
        """One branch (regime 1 slack, 2 binding; traced) -> (y, ok)."""
        I = p.phi.shape[-1]
        R = grid.R[pt[2]]
        bind = regime == 2
        y_of, z_of, t_of, keep, row = _layout(I, p, R, bind)

        def F(y):
            return residual(y, pt, p, grid, table, extra, regime)[0]

        def inner(t, z0):
            z, ok = newton(lambda z: F(y_of(t, z))[keep], z0)
            h = F(y_of(t, z))[row]
            good = ok & jnp.isfinite(h)
            return jnp.where(good, z, z0), jnp.where(good, h, jnp.nan)

        span = grid.b[-1] - grid.b[0]
        b_lo, b_hi = grid.b[0] - 0.5 * span, grid.b[-1] + 0.5 * span
        u = jnp.linspace(0.0, 1.0, self.scan)
        q_max = -b_lo / (R * p.theta * p.K_bar)  # binding: q from b' = -R theta q K_bar over [b_lo, 0)
        ts = jnp.where(bind, q_max * (0.02 + 0.98 * u), b_lo + (b_hi - b_lo) * u)

        def scan_step(z, t):
            z, h = inner(t, z)
            return z, (z, h)

        _, (zs, hs) = jax.lax.scan(scan_step, z_of(y0), ts)
        cross = jnp.isfinite(hs[:-1]) & jnp.isfinite(hs[1:]) & (jnp.sign(hs[:-1]) != jnp.sign(hs[1:]))
        j = jnp.argmin(jnp.where(cross, jnp.abs(0.5 * (ts[:-1] + ts[1:]) - t_of(y0)), jnp.inf))

        def illinois(_, c):
            a, b, ha, hb, za, zb = c
            m = jnp.clip((a * hb - b * ha) / (hb - ha), jnp.minimum(a, b), jnp.maximum(a, b))
            m = jnp.where(jnp.isfinite(m), m, 0.5 * (a + b))
            zm, hm = inner(m, jnp.where(jnp.abs(m - a) < jnp.abs(m - b), za, zb))
            fin = jnp.isfinite(hm)
            to_b = fin & (jnp.sign(hm) == jnp.sign(hb))  # root in [a, m]: m replaces b, ha halved (Illinois)
            left = to_b | ~fin
            return (jnp.where(left, a, m), jnp.where(left, m, b), jnp.where(to_b, 0.5 * ha, jnp.where(fin, hm, ha)),
                    jnp.where(to_b, hm, jnp.where(fin, 0.5 * hb, hb)), jnp.where(left, za, zm), jnp.where(left, zm, zb))

        a, b, ha, hb, za, zb = jax.lax.fori_loop(0, self.refine, illinois,
                                                 (ts[j], ts[j + 1], hs[j], hs[j + 1], zs[j], zs[j + 1]))
        near_a = jnp.abs(ha) < jnp.abs(hb)
        y = y_of(jnp.where(near_a, a, b), jnp.where(near_a, za, zb))
        y1, _ = newton(F, y)  # polish on the branch's full residual

        def err(v):
            return jnp.max(jnp.abs(F(v)))

        y = jnp.where(err(y1) <= err(y), y1, y)
        return y, jnp.any(cross) & jnp.isfinite(err(y)) & (err(y) <= 10 * newton.atol)

    def __call__(self, residual: Callable, newton, y0, pt, p, grid, table, extra):
        ys, oks = jax.vmap(lambda rg: self.branch(rg, residual, newton, y0, pt, p, grid, table, extra))(
            jnp.array([1, 2]))
        return (ys[0], ys[1]), (oks[0], oks[1])
