"""Estimation on model economies: 2SLS with model-implied instruments, Table 1, calibration."""

from ._iv2sls import fit_arrays as fit_arrays
from ._iv2sls import iv2sls as iv2sls
from ._iv2sls_results import FirstStage as FirstStage
from ._iv2sls_results import IVResults as IVResults
