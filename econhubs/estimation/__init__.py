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
