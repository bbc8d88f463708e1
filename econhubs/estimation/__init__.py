"""Estimation: the model inversion (recover fundamentals from data), externalities (Table 1)."""

# model inversion (issue 14)
# 2SLS, Table 1, uncertainty, calibration (issue 15)
from ._calibrate import (
    Calibration as Calibration,
    calibrate as calibrate,
    default_model as calibration_model,  # noqa: F401
    default_moments as calibration_moments,  # noqa: F401
)
from ._delta import (
    Uncertainty as Uncertainty,
    delta_method as delta_method,
    params_with_tau as params_with_tau,
    tau_from_estimates as tau_from_estimates,
)
from ._externalities import (
    ExternalityEstimates as ExternalityEstimates,
    estimate_externalities as estimate_externalities,
    externality_panel as externality_panel,
)
from ._hubs_step import hubs_table1_step as hubs_table1_step
from ._instrument import (
    InstrumentSolve as InstrumentSolve,
    geometric_mean_fundamentals as geometric_mean_fundamentals,
    instrument_allocation as instrument_allocation,
    instrument_equilibrium as instrument_equilibrium,
)
from ._inversion import (
    Inversion as Inversion,
    fit as inversion_fit,  # noqa: F401
    floor_zeros as floor_zeros,
    invert as invert,
)
from ._iv2sls import fit_arrays as fit_arrays, iv2sls as iv2sls
from ._iv2sls_results import FirstStage as FirstStage, IVResults as IVResults
from ._national import implied_shares as implied_shares, national_shares as national_shares
from ._schema import (
    COLUMNS as INVERSION_COLUMNS,  # noqa: F401
    InversionData as InversionData,
    validate as validate_inversion_data,  # noqa: F401
)
from ._synthetic import synthetic_table1_economy as synthetic_table1_economy
from ._table1 import (
    SEED as SEED,
    SEED_SE as SEED_SE,
    table1_display as table1_display,
    table1_frame as table1_frame,
    table1_latex as table1_latex,
    table1_markdown as table1_markdown,
)
