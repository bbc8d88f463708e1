"""Solver core: no economics here. Models call these; nothing here imports a model."""

from ._checks import (
    check_finite as check_finite,
    check_not_equal as check_not_equal,
    check_positive as check_positive,
    check_range as check_range,
    check_shape as check_shape,
    check_sums_to_one as check_sums_to_one,
)
from ._atomic import atomic_write as atomic_write, atomic_write_text as atomic_write_text
from ._errors import ConvergenceError as ConvergenceError
from ._fixed_point import DampedFixedPoint as DampedFixedPoint, fixed_point as fixed_point
from ._newton import RESULTS as RESULTS, Newton as Newton
from ._root_find import Solution as Solution, check_solution as check_solution, root_find as root_find
from ._interp import CellTable as CellTable, cell_table as cell_table, interp as interp, interp_weights as interp_weights
from ._markov import (
    kron_chain as kron_chain,
    rouwenhorst as rouwenhorst,
    stationary_distribution as stationary_distribution,
    tauchen as tauchen,
)
