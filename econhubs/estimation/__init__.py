"""Estimation: the model inversion (recover fundamentals from data), externalities (Table 1)."""

# model inversion (issue 14)
from ._inversion import Inversion as Inversion, fit as inversion_fit, floor_zeros as floor_zeros, invert as invert
from ._national import implied_shares as implied_shares, national_shares as national_shares
from ._schema import COLUMNS as INVERSION_COLUMNS, InversionData as InversionData, validate as validate_inversion_data
