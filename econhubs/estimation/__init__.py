"""Estimation: the model inversion (recover fundamentals from data), externalities (Table 1)."""

# model inversion (issue 14)
from ._inversion import Inversion as Inversion
from ._inversion import fit as inversion_fit  # noqa: F401
from ._inversion import floor_zeros as floor_zeros
from ._inversion import invert as invert
from ._national import implied_shares as implied_shares
from ._national import national_shares as national_shares
from ._schema import COLUMNS as INVERSION_COLUMNS  # noqa: F401
from ._schema import InversionData as InversionData
from ._schema import validate as validate_inversion_data  # noqa: F401

# 2SLS, Table 1, uncertainty, calibration (issue 15)
from ._calibrate import Calibration as Calibration
from ._calibrate import calibrate as calibrate
from ._calibrate import default_model as calibration_model  # noqa: F401
from ._calibrate import default_moments as calibration_moments  # noqa: F401
from ._delta import Uncertainty as Uncertainty
from ._delta import delta_method as delta_method
from ._delta import params_with_tau as params_with_tau
from ._delta import tau_from_estimates as tau_from_estimates
from ._externalities import ExternalityEstimates as ExternalityEstimates
from ._externalities import estimate_externalities as estimate_externalities
from ._externalities import externality_panel as externality_panel
from ._externalities import geometric_mean_fundamentals as geometric_mean_fundamentals
from ._externalities import instrument_allocation as instrument_allocation
from ._iv2sls import fit_arrays as fit_arrays
from ._iv2sls import iv2sls as iv2sls
from ._iv2sls_results import FirstStage as FirstStage
from ._iv2sls_results import IVResults as IVResults
from ._synthetic import synthetic_table1_economy as synthetic_table1_economy
from ._table1 import SEED as SEED
from ._table1 import SEED_SE as SEED_SE
from ._table1 import table1_display as table1_display
from ._table1 import table1_frame as table1_frame
from ._table1 import table1_latex as table1_latex
from ._table1 import table1_markdown as table1_markdown
