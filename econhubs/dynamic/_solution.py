"""``CESolution``: policies of a recursive equilibrium on its grid, with diagnostics and atomic save."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import atomic_write
from ._grid import GridSpec, TradeoffGrid
from ._params import TradeoffParams


def _atomic_savez(path: str, arrays: dict) -> str:
    return atomic_write(path, lambda tmp: np.savez(tmp, **{k: np.asarray(v) for k, v in arrays.items()}))


class CESolution(eqx.Module):
    """Policies on the grid, arrays shaped (*endog_shape, *exog_shape[, ...]); a leading batch
    axis on every leaf for batched solves.

    ``policy[..., :]`` is the solver's vector y = (s, k_1'..k_{I-1}', q) (see ``_residual``);
    the decoded policies are fields: b_next, k_next (I, k_I' by market clearing), q, mu = eta/u'(c),
    eta, c. Diagnostics: iterations, max_change (last sup policy change), max_euler_error (max
    unit-free Euler error on the grid: bond in consumption units, portfolio in price units),
    share_binding (grid states where the constraint binds), share_floor (grid states on the
    consumption floor), n_failed (Newton failures in the last sweep), b_bounds (the bond grid),
    feedback (the collateral-price feedback F = theta gamma q K_bar / c state by state), n_multiple
    (states where both the slack and the binding branch were valid in the last sweep; 0 unless every
    state was solved on both branches), failed_per_sweep (failed states per sweep, -1 after the last),
    selection (the equilibrium selection used where several branches were valid, "none" without
    guess and verify everywhere).
    """

    params: TradeoffParams
    grid: TradeoffGrid
    spec: GridSpec = eqx.field(static=True)
    policy: jax.Array
    b_next: jax.Array
    k_next: jax.Array
    q: jax.Array
    mu: jax.Array
    c: jax.Array
    iterations: jax.Array
    max_change: jax.Array
    max_euler_error: jax.Array
    max_bond_error: jax.Array
    max_portfolio_error: jax.Array
    share_binding: jax.Array
    share_floor: jax.Array
    n_failed: jax.Array
    binding: jax.Array
    b_bounds: jax.Array
    feedback: jax.Array
    n_multiple: jax.Array
    failed_per_sweep: jax.Array
    selection: str = eqx.field(static=True, default="none")
    tol: float = eqx.field(static=True, default=1e-8)

    @property
    def n_industries(self) -> int:
        return self.grid.u.shape[-2]

    @property
    def converged(self):
        """Sup change <= tol (the solve's stopping tolerance) was reached with no failed state (per region for
        a batch); a sweep with failed states has change +inf."""
        return jnp.isfinite(self.max_change) & (self.max_change <= self.tol) & (self.n_failed == 0)

    @property
    def share_multiple(self):
        """Share of grid states with two valid equilibria in the last sweep (per region for a batch)."""
        n_states = self.binding.size // max(1, int(jnp.size(self.n_multiple)))
        return self.n_multiple / n_states

    @property
    def eta(self):
        """Multiplier in marginal-utility units (seed: u'(c) = beta R E u'(c') + eta)."""
        g = jnp.asarray(self.params.gamma)
        return self.mu * self.c ** (-g.reshape(g.shape + (1,) * (self.c.ndim - g.ndim)))

    def flat_policy(self):
        """Solver vectors as (N, n_pol) in ``grid_points`` order (the time-iteration layout)."""
        n_lead = self.policy.ndim - 1 - len(self.grid.endog_shape) - len(self.grid.exog_shape)
        return self.policy.reshape(self.policy.shape[:n_lead] + (-1, self.policy.shape[-1]))

    def save(self, path: str) -> str:
        """Write policies, grids and diagnostics to an .npz atomically (temp file + os.replace)."""
        return _atomic_savez(path, {
            "b_next": self.b_next, "k_next": self.k_next, "q": self.q, "eta": self.eta, "mu": self.mu, "c": self.c,
            "b_grid": self.grid.b, "k_grid": self.grid.k, "u_grid": self.grid.u, "logR_grid": self.grid.logR,
            "P": self.grid.P, "iterations": self.iterations, "max_change": self.max_change,
            "max_euler_error": self.max_euler_error, "share_binding": self.share_binding, "n_failed": self.n_failed,
            "feedback": self.feedback, "n_multiple": self.n_multiple, "selection": np.array(self.selection),
        })

    def summary(self) -> str:
        f = lambda x: np.array2string(np.asarray(x), precision=3)  # noqa: E731
        return (
            f"iterations {f(self.iterations)}, sup change {f(self.max_change)}, max Euler error on grid "
            f"{f(self.max_euler_error)}, binding share on grid {f(self.share_binding)}, failed solves "
            f"{f(self.n_failed)}, bond grid {f(self.b_bounds)}, F = theta*gamma*q/c on grid "
            f"[{float(np.min(self.feedback)):.3g}, {float(np.max(self.feedback)):.3g}], selection {self.selection}"
            + ("" if self.selection == "none" else f", states with two equilibria {f(self.n_multiple)}")
        )
