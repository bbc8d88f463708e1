"""Solver core: no economics here. Models call these; nothing here imports a model."""

from ._atomic import (
    atomic_output_dir as atomic_output_dir,
    atomic_write as atomic_write,
    atomic_write_text as atomic_write_text,
)
from ._batched_newton import BatchedNewton as BatchedNewton, map_states as map_states
from ._block_jacobi import BlockJacobi as BlockJacobi
from ._checks import (
    check_finite as check_finite,
    check_not_equal as check_not_equal,
    check_positive as check_positive,
    check_range as check_range,
    check_shape as check_shape,
    check_sums_to_one as check_sums_to_one,
    is_concrete as is_concrete,
)
from ._compile_cache import (
    compilation_cache_dir as compilation_cache_dir,
    enable_compilation_cache as enable_compilation_cache,
)
from ._compile_options import compiler_options as compiler_options, fast_compile_jit as fast_compile_jit
from ._errors import ConvergenceError as ConvergenceError
from ._export_cache import (
    enable_export_cache as enable_export_cache,
    export_cache_dir as export_cache_dir,
    exported_call as exported_call,
)
from ._gmres import LineaxGMRES as LineaxGMRES, gmres as gmres
from ._interp import (
    CellTable as CellTable,
    cell_table as cell_table,
    interp as interp,
    interp_weights as interp_weights,
)
from ._linear_solve import AbstractLinearSolve as AbstractLinearSolve, DenseLU as DenseLU
from ._markov import (
    kron_chain as kron_chain,
    rouwenhorst as rouwenhorst,
    stationary_distribution as stationary_distribution,
    tauchen as tauchen,
)
from ._newton import RESULTS as RESULTS, Newton as Newton
from ._newton_krylov import (
    GMRES as GMRES,
    AbstractPreconditioner as AbstractPreconditioner,
    FixedPreconditioner as FixedPreconditioner,
    FunctionPreconditioner as FunctionPreconditioner,
)
from ._read_table import data_rows as data_rows, pick_file as pick_file, read_table as read_table
from ._root_find import Solution as Solution, check_solution as check_solution, root_find as root_find
from ._tables import (
    format_cell as format_cell,
    sig_digits as sig_digits,
    tex_escape as tex_escape,
    to_latex as to_latex,
    to_markdown as to_markdown,
)
