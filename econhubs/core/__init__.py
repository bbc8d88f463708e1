"""Solver core: no economics here. Models call these; nothing here imports a model."""

from ._atomic import atomic_write as atomic_write
from ._atomic import atomic_write_text as atomic_write_text
from ._checks import (
    check_finite as check_finite,
)
from ._checks import (
    check_not_equal as check_not_equal,
)
from ._checks import (
    check_positive as check_positive,
)
from ._checks import (
    check_range as check_range,
)
from ._checks import (
    check_shape as check_shape,
)
from ._checks import (
    check_sums_to_one as check_sums_to_one,
)
from ._checks import (
    is_concrete as is_concrete,
)
from ._compile_cache import (
    compilation_cache_dir as compilation_cache_dir,
)
from ._compile_cache import (
    enable_compilation_cache as enable_compilation_cache,
)
from ._errors import ConvergenceError as ConvergenceError
from ._gmres import LineaxGMRES as LineaxGMRES
from ._gmres import gmres as gmres
from ._interp import CellTable as CellTable
from ._interp import cell_table as cell_table
from ._interp import interp as interp
from ._interp import interp_weights as interp_weights
from ._linear_solve import AbstractLinearSolve as AbstractLinearSolve
from ._linear_solve import DenseLU as DenseLU
from ._markov import (
    kron_chain as kron_chain,
)
from ._markov import (
    rouwenhorst as rouwenhorst,
)
from ._markov import (
    stationary_distribution as stationary_distribution,
)
from ._markov import (
    tauchen as tauchen,
)
from ._newton import RESULTS as RESULTS
from ._newton import Newton as Newton
from ._newton_krylov import (
    GMRES as GMRES,
)
from ._newton_krylov import (
    AbstractPreconditioner as AbstractPreconditioner,
)
from ._newton_krylov import (
    FunctionPreconditioner as FunctionPreconditioner,
)
from ._root_find import Solution as Solution
from ._root_find import check_solution as check_solution
from ._root_find import root_find as root_find
