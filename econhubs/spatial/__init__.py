"""Static quantitative spatial models: the sectoral-hubs equilibrium (RSS 2021) and CPRS (2018)."""

from ._batch import (  # noqa: E402
    BATCH_SOLVER as BATCH_SOLVER,
    solve_batch_equilibrium as solve_batch_equilibrium,
    stack_scenarios as stack_scenarios,
)

# CPRS (2018) real-data case: exact hat algebra on the 2007 US calibration
from ._cprs import (  # noqa: E402
    CPRS_SOLVER as CPRS_SOLVER,
    CPRS_SWEEP_SOLVER as CPRS_SWEEP_SOLVER,
    CPRSEconomy as CPRSEconomy,
    CPRSShock as CPRSShock,
    cprs_baseline as cprs_baseline,
    cprs_blocks as cprs_blocks,
    cprs_residual as cprs_residual,
    economy_from_flows as economy_from_flows,
    fill_shock as fill_shock,
    observed_economy as observed_economy,
    prepare_shock as prepare_shock,
    solve_hat as solve_hat,
    zero_guess as zero_guess,
)
from ._cprs_results import CPRS as CPRS, CPRSResult as CPRSResult, cprs_outcomes as cprs_outcomes  # noqa: E402
from ._cprs_sweep import elasticity_table as elasticity_table, solve_batch as solve_batch, unit_lambdas as unit_lambdas  # noqa: E402
from ._default import (
    GROUPS as GROUPS,
    TABLE1 as TABLE1,
    THETA_BAR as THETA_BAR,
    DefaultEconomy as DefaultEconomy,
    RealEconomy as RealEconomy,
    default_economy as default_economy,
    default_trade as default_trade,
    real_economy as real_economy,
    synthetic_fundamentals as synthetic_fundamentals,
)
from ._equilibrium import (
    HUBS_SOLVER as HUBS_SOLVER,
    Equilibrium as Equilibrium,
    initial_guess as initial_guess,
    solve_equilibrium as solve_equilibrium,
)
from ._hub_analysis import (  # noqa: E402
    group_trade_shares as group_trade_shares,
    price_decomposition as price_decomposition,
    unit_cost_decomposition as unit_cost_decomposition,
)
from ._hub_stats import (  # noqa: E402
    coastal as coastal,
    hub_statistics as hub_statistics,
    seed_findings as seed_findings,
    size_class as size_class,  # noqa: E402
)
from ._hubs import (  # noqa: F401 (re-exported under model-prefixed names)
    log_cost_constant as hubs_log_cost_constant,
    log_externality as hubs_log_externality,
    residual as hubs_residual,
)
from ._hubs_precond import CityBlockPreconditioner as CityBlockPreconditioner
from ._params import Fundamentals as Fundamentals, HubsParams as HubsParams, TradeCosts as TradeCosts

# Constrained planner, Proposition-1 taxes, hub analysis, batched counterfactuals (RSS 2021, sections II-IV)
from ._planner import PlannerResult as PlannerResult, solve_planner as solve_planner  # noqa: E402
from ._planner_pipeline import run_planner_pipeline as run_planner_pipeline  # noqa: E402
from ._planner_system import planner_residual as planner_residual  # noqa: E402
from ._taxes import (  # noqa: E402
    TaxOutcome as TaxOutcome,
    external_effect as external_effect,
    optimal_taxes as optimal_taxes,
    solve_taxed_equilibrium as solve_taxed_equilibrium,
    taxed_residual as taxed_residual,
)
from ._trade import log_price_index as log_price_index, sales as sales, trade_shares as trade_shares
