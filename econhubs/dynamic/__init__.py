"""The regional specialization trade-off (Boehnert 2026): dynamic small open economy with
industries, agglomeration, adjustment costs and a collateral constraint; competitive
equilibrium by vmapped time iteration, simulation and impulse responses."""

from ._competitive import solve_competitive as solve_competitive
from ._grid import GridSpec as GridSpec
from ._grid import TradeoffGrid as TradeoffGrid
from ._grid import make_grid as make_grid
from ._irf import impulse_response as impulse_response
from ._irf import plot_irf as plot_irf
from ._params import (
    TradeoffParams as TradeoffParams,
)
from ._params import (
    collateral_feedback as collateral_feedback,
)
from ._params import (
    default_params as default_params,
)
from ._params import (
    stack_params as stack_params,
)
from ._residual import CESelect as CESelect
from ._residual import ce_euler_errors as ce_euler_errors
from ._residual import ce_residual as ce_residual
from ._simulate import (
    coverage as coverage,
)
from ._simulate import (
    euler_error_stats as euler_error_stats,
)
from ._simulate import (
    simulate as simulate,
)
from ._simulate import (
    simulate_ar1 as simulate_ar1,
)
from ._solution import CESolution as CESolution
from ._sweep import SweepOut as SweepOut
from ._sweep import polish as polish
from ._sweep import sweep as sweep
from ._time_iteration import TimeIteration as TimeIteration
from ._time_iteration import TIResult as TIResult
from ._time_iteration import time_iteration as time_iteration
