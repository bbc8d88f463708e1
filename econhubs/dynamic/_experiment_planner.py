"""The planner of the trade-off experiment: on the CE's grid or its own, directly or by continuation over b_min.

The I = 2 planner converges on coarser grids than the one on which the simulated regions stay inside
(docs/tradeoff_experiment.md, "A grid for the experiment"), so ``ExperimentSpec`` can give it its own grid
(``planner_grid``, ``planner_b_bounds``: it is then compared with the CE solved on that grid) and a continuation
path over the bond grid's lower end (``planner_b_path``: ``solve_planner(start=)`` from step to step).
"""

from __future__ import annotations

from ._competitive import solve_competitive
from ._grid import GridSpec
from ._params import default_params
from ._planner import solve_planner
from ._solution import CESolution


def solve_planner_path(spec, ce: CESolution, say=print, verbose: bool = False, throw: bool = True):
    """The planner on its grid (``spec.planner_spec``), directly from the CE there or by continuation over
    ``spec.planner_b_path`` (``ExperimentSpec``); every step must converge (``ConvergenceError`` otherwise,
    whatever ``throw`` says for the last step). ``ce``: the CE on the experiment's grid, used when the planner
    shares it; with an own planner grid the CE is solved there first. Returns the PlannerSolution (``.ce``: the
    CE on the planner's grid)."""
    say = say or (lambda *_: None)
    p, (grid, bb) = default_params(2), spec.planner_spec
    if spec.own_planner_grid:
        ce = solve_competitive(p, grid, b_bounds=bb, max_iter=spec.max_iter, verbose=verbose)
        say(f"  CE on the planner's grid ({grid_label(grid, bb)}): {ce.summary()}")
    start, kw = None, dict(max_iter=spec.planner_max_iter, damping=spec.planner_damping, verbose=verbose)
    for lo in spec.planner_b_path:
        start = solve_planner(p, grid, b_bounds=(lo, bb[1]), start=start, **kw)
        say(f"  planner continuation, bond grid [{lo:g}, {bb[1]:g}]: {int(start.iterations)} sweeps, "
            f"max generalised-Euler residual {float(start.max_euler_error):.1e}")
    return solve_planner(p, grid, ce=ce, start=start, throw=throw, **kw)


# the I = 2 planner's own grid by default (n_b, n_k, order in b, b_min): where it converges (450 sweeps, residual
# 3.2e-11; docs/tradeoff_experiment.md, "The I = 2 planner"); on the experiment's 540-state grid it does not
PLANNER_GRID = (4, 3, 3, -0.2)


def planner_grid_spec(grid: GridSpec, b_max: float, nb=None, nk=None, order_b=None, b_min=None) -> tuple:
    """(GridSpec, b_bounds) of the planner's own grid: ``grid``'s exogenous chain and capital range with n_b, n_k,
    order in b and b_min from the arguments, each defaulting to ``PLANNER_GRID``; bonds up to ``b_max``."""
    nb, nk, ob, lo = (v if v is not None else d for v, d in zip((nb, nk, order_b, b_min), PLANNER_GRID))
    return GridSpec(n_b=nb, n_k=nk, n_z=grid.n_z, n_R=grid.n_R, k_lo=grid.k_lo, k_hi=grid.k_hi, order_b=ob), \
        (lo, b_max)


def grid_label(grid: GridSpec, b_bounds) -> str:
    """'n_b x n_k x n_z^2 x n_R = N states, b in [lo, hi], order in b o' (I = 2)."""
    return (f"{grid.n_b} x {grid.n_k} x {grid.n_z}^2 x {grid.n_R} = {grid.n_points(2)} states, b in "
            f"[{b_bounds[0]:g}, {b_bounds[1]:g}], k_1 in [{grid.k_lo:g}, {grid.k_hi:g}], order in b {grid.order_b}")
