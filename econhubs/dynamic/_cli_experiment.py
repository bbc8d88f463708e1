"""``econhubs tradeoff --experiment``: the 722-region specialization trade-off experiment.

Solves the CE, the CE without the collateral constraint and (with ``--planner``) the constrained-efficient
planner at I = 2 (default calibration), simulates the regions 1950-2020, runs the Fact 1 regression on the simulated
panels and writes tables and figures (docs/tradeoff_experiment.md) as one atomic output set.
Regions: SYNTHETIC (the slides' 1950 Gini moments) unless ``--regions-csv`` gives a panel in the
``econhubs facts`` schema. Exit status 0 with every file written; when a solve does not converge or a
simulation leaves the grid the error propagates (``econhubs`` exits 3) and no file is written.
"""

from __future__ import annotations

import argparse
import os

from ._experiment import ExperimentSpec, run_experiment
from ._experiment_planner import PLANNER_GRID, planner_grid_spec
from ._experiment_regions import gini_moments, load_regions, synthetic_regions
from ._grid import GridSpec

OUT_DEFAULT = os.path.join("econhubs_output", "tradeoff_experiment")


def _floats(text: str) -> tuple:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="econhubs tradeoff --experiment", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=OUT_DEFAULT, help=f"output folder (default: {OUT_DEFAULT})")
    ap.add_argument("--regions-csv", default=None, help="industry table (region, year, industry, income) with 1950")
    ap.add_argument("--regions-table", default=None, help="regions table (population and Fact 1 controls)")
    ap.add_argument("--n-regions", type=int, default=722, help="SYNTHETIC regions when no CSV (default: 722)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the SYNTHETIC regions and shocks (default: 0)")
    ap.add_argument("--nb", type=int, default=10, help="bond grid points (default: 10)")
    ap.add_argument("--nk", type=int, default=6, help="capital grid points (default: 6)")
    ap.add_argument("--nz", type=int, default=3, help="TFP nodes per industry, odd (default: 3)")
    ap.add_argument("--order-b", type=int, default=1, choices=(1, 3),
                    help="interpolation in b: 1 linear, 3 cubic Hermite (C^1; what the planner needs: its first-order "
                    "conditions carry the slope of the interpolated policies) (default: 1)")
    ap.add_argument("--b-min", type=float, default=ExperimentSpec().b_bounds[0],
                    help="lower end of the CE's and the planner's bond grid (default: %(default)s)")
    ap.add_argument("--max-iter", type=int, default=3000, help="maximum time-iteration sweeps (default: 3000)")
    ap.add_argument("--irf-draws", type=int, default=500, help="draws of the generalised IRFs (default: 500)")
    ap.add_argument("--planner", action="store_true",
                    help="also solve the I = 2 planner (welfare gains, planner policies and IRF), by default on "
                    "its own 108-state grid where it converges (--planner-nb 4 --planner-nk 3 --planner-order-b 3 "
                    "--planner-b-min -0.2; compared there with the CE on the same grid and not simulated); the "
                    "coefficient and friction share come from the CE's grid (docs/tradeoff_experiment.md)")
    ap.add_argument("--planner-shared-grid", action="store_true",
                    help="solve the planner on the CE's grid instead (it does not converge on the default 540-state "
                    "grid; on --nb 4 --nk 3 --order-b 3 it converges but the simulated regions reach the bond grid's "
                    "edge: exit 3)")
    ap.add_argument("--planner-damping", type=float, default=1.0,
                    help="the planner's damping, Y += d (T(Y) - Y) per sweep (default: 1.0)")
    ap.add_argument("--planner-b-path", type=_floats, default=(),
                    help="continuation of the planner over the bond grid's lower end, e.g. "
                    "--planner-b-path=-0.2,-0.22 (with the =): solved first from the CE with b_min = -0.2, then "
                    "b_min = -0.22, then --b-min, each from the previous planner (default: none, directly from the CE "
                    "on the grid)")
    ap.add_argument("--planner-nb", type=int, default=None,
                    help="the planner's own grid (fallback; with --planner-nk, --planner-order-b, --planner-b-min): "
                    "bond points; the planner is then compared with the CE on its grid and not simulated, and the "
                    "coefficient and friction share come from the CE's grid (default with --planner: %s)"
                    % PLANNER_GRID[0])
    ap.add_argument("--planner-nk", type=int, default=None,
                    help="capital points of the planner's own grid (default with --planner: %s)" % PLANNER_GRID[1])
    ap.add_argument("--planner-order-b", type=int, default=None, choices=(1, 3),
                    help="interpolation in b on the planner's own grid (default with --planner: %s)" % PLANNER_GRID[2])
    ap.add_argument("--planner-b-min", type=float, default=None,
                    help="lower end of the planner's own bond grid (default with --planner: %s)" % PLANNER_GRID[3])
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    return ap


def planner_grid(a, grid: GridSpec) -> tuple:
    """(GridSpec, b_bounds) of the planner's own grid from --planner-nb/-nk/-order-b/-b-min (each defaulting to
    ``PLANNER_GRID``), or (None, None) without --planner or with --planner-shared-grid (the planner shares the CE's
    grid)."""
    own = (a.planner_nb, a.planner_nk, a.planner_order_b, a.planner_b_min)
    if a.planner_shared_grid:
        if any(v is not None for v in own):
            raise ValueError("--planner-shared-grid: the planner's own grid options (--planner-nb/-nk/-order-b/-b-min) "
                             "contradict it")
        return None, None
    if not a.planner:
        return None, None
    return planner_grid_spec(grid, ExperimentSpec().b_bounds[1], *own)


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    say = (lambda *_: None) if a.quiet else (lambda s: print(s, flush=True))
    if a.regions_csv is not None:
        regions = load_regions(a.regions_csv, a.regions_table)
    elif a.regions_table is not None:
        raise ValueError("--regions-table: needs --regions-csv (the industry table)")
    else:
        regions = synthetic_regions(a.n_regions, seed=a.seed)
    m = gini_moments(regions.gini)
    say(f"{len(regions)} {regions.label} regions: 1950 Gini mean {m['mean']:.3f}, CV {m['cv']:.3f}, "
        f"p90/p10 {m['p90_p10']:.3f}; dominant 1950 share k_1 in [{regions.k1.min():.3f}, {regions.k1.max():.3f}]")
    base = ExperimentSpec().grid
    grid = GridSpec(n_b=a.nb, n_k=a.nk, n_z=a.nz, n_R=base.n_R, k_lo=base.k_lo, k_hi=base.k_hi, order_b=a.order_b)
    pgrid, pbb = planner_grid(a, grid)
    spec = ExperimentSpec(grid=grid, b_bounds=(a.b_min, ExperimentSpec().b_bounds[1]), seed=a.seed,
                          planner=a.planner, irf_draws=a.irf_draws, max_iter=a.max_iter,
                          planner_damping=a.planner_damping, planner_b_path=a.planner_b_path, planner_grid=pgrid,
                          planner_b_bounds=pbb)
    res = run_experiment(regions, spec, say=say, verbose=not a.quiet)
    from ._experiment_report import write_outputs  # matplotlib only once there is something to write

    files = write_outputs(res, a.out, command="econhubs tradeoff --experiment " + " ".join(argv or []))
    say(f"wrote {len(files)} files to {a.out}: {', '.join(files)} ({res.seconds['total']:.1f}s)")
    return 0
