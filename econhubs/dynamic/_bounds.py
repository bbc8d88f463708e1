"""Fitting the bond grid to the ergodic set (the grid must cover it; the lower end is endogenous).

The lowest bond position any region reaches is the lowest b' chosen on the grid (at binding
states b' = -theta q R K_bar with q endogenous), and the highest is the upper end of the
simulated ergodic distribution. ``fit_bond_grid`` alternates: solve on [b_min, b_max]; set
b_min to the lowest b' chosen anywhere on the grid and b_max to the ergodic maximum plus a
margin; re-solve from the previous policies interpolated onto the new nodes (continuation) until
the bounds move by less than ``rtol`` of the range. Nodes below the lowest reachable b are never
visited but can be infeasible (no positive consumption at any borrowing), which is why the lower
end is pulled in rather than pushed out. Works for one region (batches: fit a representative
region and pass ``b_bounds``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..core import interp
from ._solution import CESolution


def regrid(sol: CESolution, b_bounds) -> jax.Array:
    """Policies of ``sol`` interpolated (linearly, extrapolating) onto a bond grid with new bounds,
    in the time-iteration layout (N, n_pol): the warm start of a continuation step."""
    g = sol.grid
    nb = g.b.shape[0]
    new_b = jnp.linspace(b_bounds[0], b_bounds[1], nb)
    flat = sol.policy.reshape(nb, -1)
    new = jax.vmap(lambda x: interp((g.b,), flat, jnp.atleast_1d(x)))(new_b)
    return new.reshape((-1, sol.policy.shape[-1]))


def fit_bond_grid(solve, sol: CESolution, *, rounds: int = 8, rtol: float = 0.01, margin: float = 0.1,
                  n_regions: int = 500, T: int = 400, seed: int = 0, verbose: bool = False):
    """Continuation on the bond grid's bounds (see module docstring).

    solve(b_bounds, pol0) -> CESolution solves on a grid with those bounds from pol0.
    Returns (solution, history) with history a list of (b_min, b_max, ok) per round; stops early
    (keeping the last good solution) if a round fails to converge.
    """
    from ._simulate import simulate

    history = []
    for r in range(rounds):
        lo, hi = (float(x) for x in np.asarray(sol.b_bounds))
        sim = simulate(sol, jax.random.PRNGKey(seed + r), n_regions, T,
                       b0=jnp.linspace(lo, hi, n_regions))
        b_erg = np.asarray(sim["b"])[:, T // 2:]
        new_lo = float(np.min(np.asarray(sol.b_next)))
        new_hi = float(np.max(b_erg))
        new_hi = new_hi + margin * (new_hi - new_lo)
        moved = max(abs(new_lo - lo), abs(new_hi - hi)) / (hi - lo)
        history.append((lo, hi, True))
        if verbose:
            print(f"  bond grid round {r}: [{lo:.4f}, {hi:.4f}] -> [{new_lo:.4f}, {new_hi:.4f}] "
                  f"(moved {moved:.2%})", flush=True)
        if moved < rtol:
            break
        new = solve(jnp.array([new_lo, new_hi]), regrid(sol, (new_lo, new_hi)))
        ok = (bool(np.all(np.isfinite(np.asarray(new.policy)))) and int(new.n_failed) == 0
              and float(new.max_change) <= 1e-6)
        if not ok:
            history.append((new_lo, new_hi, False))
            if verbose:
                print(f"  bond grid round {r}: no converged solution on [{new_lo:.4f}, {new_hi:.4f}]; "
                      "keeping the last grid", flush=True)
            break
        sol = new
    return sol, history
