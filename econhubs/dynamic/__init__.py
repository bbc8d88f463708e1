"""The regional specialization trade-off (Boehnert 2026): dynamic small open economy with
industries, agglomeration, adjustment costs and a collateral constraint; competitive
equilibrium by vmapped time iteration, simulation and impulse responses."""

from ._competitive import initial_policy as initial_policy, solve_competitive as solve_competitive
from ._experiment import (
    ExperimentResult as ExperimentResult,
    ExperimentSpec as ExperimentSpec,
    ergodic_bond as ergodic_bond,
    grid_label as grid_label,
    run_experiment as run_experiment,
    solve_economies as solve_economies,
    solve_planner_path as solve_planner_path,
    welfare_gains as welfare_gains,
)
from ._experiment_planner import PLANNER_GRID as PLANNER_GRID, planner_grid_spec as planner_grid_spec
from ._experiment_regions import (
    Regions1950 as Regions1950,
    gini_moments as gini_moments,
    load_regions as load_regions,
    synthetic_regions as synthetic_regions,
)
from ._experiment_simulate import common_innovations as common_innovations, simulate_regions as simulate_regions
from ._grid import (
    GridSpec as GridSpec,
    TradeoffGrid as TradeoffGrid,
    grid_points as grid_points,
    make_grid as make_grid,
)
from ._irf import impulse_response as impulse_response, plot_irf as plot_irf
from ._params import (
    TradeoffParams as TradeoffParams,
    collateral_feedback as collateral_feedback,
    default_params as default_params,
    stack_params as stack_params,
    steady_state_income as steady_state_income,
    steady_state_price as steady_state_price,
)
from ._planner import PlannerSolution as PlannerSolution, solve_planner as solve_planner
from ._planner_bracket import PlannerBracket as PlannerBracket
from ._residual import (
    CE_REGIMES as CE_REGIMES,
    CESelect as CESelect,
    ce_euler_errors as ce_euler_errors,
    ce_residual as ce_residual,
    ce_select as ce_select,
)
from ._simulate import (
    coverage as coverage,
    euler_error_stats as euler_error_stats,
    simulate as simulate,
    simulate_ar1 as simulate_ar1,
)
from ._solution import CESolution as CESolution
from ._sweep import SweepOut as SweepOut, polish as polish, sweep as sweep
from ._time_iteration import (
    TimeIteration as TimeIteration,
    TIResult as TIResult,
    evaluate_on_grid as evaluate_on_grid,
    time_iteration as time_iteration,
)
from ._welfare import (
    allocation_value as allocation_value,
    decentralising_taxes as decentralising_taxes,
    ergodic_welfare_gain as ergodic_welfare_gain,
    solve_taxed_ce as solve_taxed_ce,
    value_function as value_function,
    welfare_gain as welfare_gain,
)
