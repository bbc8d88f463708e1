
# sectoral-hubs embedded default data: the real 382-metro economy (tools/build_us_metros.py)
from econhubs.data._hubs_default import HubsDefaultData, great_circle_km, ipf, load_hubs_default  # noqa: E402

# CPRS 2007 US calibration (50 states x 26 sectors) and its long-form loader
from econhubs.data._cprs2007 import CPRSCalibration, load_cprs2007, load_cprs_table  # noqa: E402
