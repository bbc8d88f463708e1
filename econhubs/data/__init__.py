"""Shipped data and their loaders (public names; import these, not the private modules)."""

# CPRS 2007 US calibration (50 states x 26 sectors) and its long-form loader
from econhubs.data._cprs2007 import (
    CPRSCalibration as CPRSCalibration,
    load_cprs2007 as load_cprs2007,
    load_cprs_table as load_cprs_table,
)

# sectoral-hubs embedded default data (the real 382-metro economy, tools/build_us_metros.py)
from econhubs.data._hubs_default import (
    HubsDefaultData as HubsDefaultData,
    great_circle_km as great_circle_km,
    ipf as ipf,
    load_hubs_default as load_hubs_default,
)
