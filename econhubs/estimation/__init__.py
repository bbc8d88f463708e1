"""Estimation on model economies: 2SLS with model-implied instruments, Table 1, calibration."""

from ._externalities import (
    ExternalityEstimates as ExternalityEstimates,
    estimate_externalities as estimate_externalities,
    externality_panel as externality_panel,
    geometric_mean_fundamentals as geometric_mean_fundamentals,
    instrument_allocation as instrument_allocation,
)
from ._iv2sls import fit_arrays as fit_arrays, iv2sls as iv2sls
from ._iv2sls_results import FirstStage as FirstStage, IVResults as IVResults
from ._synthetic import synthetic_table1_economy as synthetic_table1_economy
from ._table1 import (
    SEED as SEED,
    SEED_SE as SEED_SE,
    table1_display as table1_display,
    table1_frame as table1_frame,
    table1_latex as table1_latex,
    table1_markdown as table1_markdown,
)
