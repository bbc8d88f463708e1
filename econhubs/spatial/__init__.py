"""Static quantitative spatial models: the sectoral-hubs equilibrium (RSS 2021) and CPRS (2018)."""

from ._default import (
    TABLE1 as TABLE1,
    DefaultEconomy as DefaultEconomy,
    default_economy as default_economy,
    synthetic_fundamentals as synthetic_fundamentals,
)
from ._equilibrium import Equilibrium as Equilibrium, initial_guess as initial_guess, solve_equilibrium as solve_equilibrium
from ._hubs import residual as hubs_residual
from ._params import Fundamentals as Fundamentals, HubsParams as HubsParams, TradeCosts as TradeCosts
from ._trade import log_price_index as log_price_index, sales as sales, trade_shares as trade_shares

# CPRS (2018) real-data case: exact hat algebra on the 2007 US calibration
from ._cprs import (  # noqa: E402
    CPRSEconomy as CPRSEconomy,
    CPRSShock as CPRSShock,
    CPRS_SOLVER as CPRS_SOLVER,
    CPRS_SWEEP_SOLVER as CPRS_SWEEP_SOLVER,
    cprs_baseline as cprs_baseline,
    cprs_residual as cprs_residual,
    economy_from_flows as economy_from_flows,
    observed_economy as observed_economy,
    solve_hat as solve_hat,
)
from ._cprs_results import CPRS as CPRS, CPRSResult as CPRSResult, cprs_outcomes as cprs_outcomes  # noqa: E402
from ._cprs_sweep import elasticity_table as elasticity_table, solve_batch as solve_batch, unit_lambdas as unit_lambdas  # noqa: E402
