"""Estimation: the model inversion (recover fundamentals from data), externalities (Table 1)."""

# model inversion (issue 14)
from ._inversion import Inversion as Inversion, floor_zeros as floor_zeros, invert as invert
from ._inversion import fit as inversion_fit  # noqa: F401
from ._national import implied_shares as implied_shares, national_shares as national_shares
from ._schema import InversionData as InversionData
from ._schema import COLUMNS as INVERSION_COLUMNS, validate as validate_inversion_data  # noqa: F401
