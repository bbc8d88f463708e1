"""Bracketing rescue for grid states where Newton finds no root on either branch (competitive residual).

Why Newton can miss: the per-state unknowns (s, k', q) move the bond choice b' = R (y_ss s_+ - theta q K_bar)
and the price q together, so the collateral-price feedback (F = theta gamma q / c, amplified where next
period's constraint binds: c' moves with b' by 1 / (1 - F')) can fold the branch systems; from last
sweep's policy the slack branch then stalls at a local minimum of |F| and the binding branch converges
to a negative multiplier (measured at I = 2, theta = 0.02: 10-50 states per sweep, docs/tradeoff.md).

The rescue parametrises by b' instead. With b' fixed, today's consumption
c = y - Phi(k, k') + b - b'/R does not depend on q, and q enters the portfolio Eulers linearly
(q = RHS_i - dPhi_i/dk'), so (k', q) follow from those equations without the feedback. That leaves
two scalar functions of b':
  G(b') = 1 - R E[m'(b')]                         the bond Euler's gap (= mu where the constraint binds),
  s(b') = (b'/R + theta q(b') K_bar) / y_ss        the scaled slack of the collateral constraint,
and the state's equilibria are the roots of phi(b') = min(G, s): G = 0 <= s (slack) or s = 0 <= G (binding,
mu = G). phi < 0 at low b' and phi -> min(1, s) > 0 as c -> 0 (m' -> 0), so a root exists by continuity
wherever the inner solve does. :class:`CEBracket` scans b' on the bond grid widened by half its range on
each side (then two points up to R (y + b), where c = 0), bisects the sign change nearest the old b',
polishes by Newton on the positive-part encoding and verifies (max |F| <= 10 atol; the encoding makes the
multiplier and the slack non-negative); a state where no sign change is found stays failed and is reported.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import Newton, root_find
from ._params import steady_state_income
from ._residual import ce_residual, collateral_value, consumption, decode, full_capital


class CEBracket(eqx.Module):
    """The rescue (see module docstring): ``scan`` points in b', ``bisect`` bisections.
    Call with (y0, point, params, grid, table, newton, steps) -> (y, ok)."""

    scan: int = eqx.field(static=True, default=24)
    bisect: int = eqx.field(static=True, default=44)

    def __call__(self, y0, point, p, grid, table, newton: Newton, steps: int):
        b, k_free, e = point
        R = grid.R[e]
        yss = steady_state_income(p)

        def y_of(bp, z):  # slack-branch encoding of (b', k', q): s may be negative here
            s = (bp / R + p.theta * collateral_value(z[-1], p) * p.K_bar) / yss
            return jnp.concatenate([s[None], z])

        def inner(bp, z0):
            sol = root_find(
                lambda z, a: ce_residual(y_of(bp, z), point, p, grid, table, regime="slack")[0][1:],
                z0, None, solver=newton, max_steps=steps, throw=False,
            )
            y = y_of(bp, sol.value)
            G = ce_residual(y, point, p, grid, table, regime="slack")[0][0]
            good = sol.converged & jnp.isfinite(G)
            return jnp.where(good, sol.value, z0), jnp.where(good, jnp.minimum(G, y[0]), jnp.nan)

        k = full_capital(k_free, p.K_bar)
        wealth = consumption(p, b, k, 0.0, k, grid.zbar[e], R)  # y + b at k' = k
        span = grid.b[-1] - grid.b[0]
        near = jnp.linspace(grid.b[0] - 0.5 * span, grid.b[-1] + 0.5 * span, self.scan - 2)
        far = jnp.stack([grid.b[-1] + 2.0 * span, jnp.maximum(R * wealth, grid.b[-1] + 3.0 * span)])
        bps = jnp.concatenate([near, far])  # fine around the grid (roots close together), then up to c = 0

        def scan_step(z, bp):
            z, phi = inner(bp, z)
            return z, (z, phi)

        _, (zs, phis) = jax.lax.scan(scan_step, y0[1:], bps)
        cross = (phis[:-1] < 0) & (phis[1:] >= 0)
        bp_old = decode(y0, p, R)[0]
        j = jnp.argmin(jnp.where(cross, jnp.abs(0.5 * (bps[:-1] + bps[1:]) - bp_old), jnp.inf))

        def halve(_, c):
            lo, hi, z_lo = c
            m = 0.5 * (lo + hi)
            z_m, phi_m = inner(m, z_lo)
            up = phi_m < 0  # root above m (nan: keep the lower half; the bracket halves either way)
            return jnp.where(up, m, lo), jnp.where(up, hi, m), jnp.where(up, z_m, z_lo)

        lo, _, z = jax.lax.fori_loop(0, self.bisect, halve, (bps[j], bps[j + 1], zs[j]))
        y = y_of(lo, z)  # z solves the portfolio Eulers at b' = lo, within (scan cell) 2^-bisect of the root
        G = ce_residual(y, point, p, grid, table, regime="slack")[0][0]
        y = jnp.where(y[0] < G, y.at[0].set(-G), y)  # s = 0 <= G: the constraint binds with mu = G
        sol = root_find(lambda yy, a: ce_residual(yy, point, p, grid, table)[0], y, None,
                        solver=newton, max_steps=steps, throw=False)  # polish on the positive-part encoding
        y = jnp.where(sol.converged, sol.value, y)
        err = jnp.max(jnp.abs(ce_residual(y, point, p, grid, table)[0]))
        return y, jnp.any(cross) & jnp.isfinite(err) & (err <= 10 * newton.atol)
