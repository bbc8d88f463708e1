"""CPRS (2018) on the 2007 US calibration: one regional shock, the paper's applications, the sweeps.

Run: python examples/cprs_applications.py   (about a minute on 2 cores, most of it compilation)
"""

from econhubs.data import load_cprs2007
from econhubs.spatial import CPRS, elasticity_table

model = CPRS.from_calibration(load_cprs2007())  # baseline: 2007 with non-portfolio imbalances removed

res, el = model.unit_shock("region", "California", size=0.1)  # +10% productivity, all CA sectors
print(el)  # TFP, GDP and welfare elasticities (CPRS's definition)
print(res.by_region().nlargest(5, "L_hat")[["L_hat", "real_wage_hat", "GDP_hat"]])

nd = model.north_dakota()  # the North Dakota oil-boom shock
print("North Dakota:", nd.aggregates().to_dict())
tfp = model.measured_tfp_2002_2007()  # fundamental productivity implied by measured TFP 2002-2007
print("2002-2007 TFP (annualised):", tfp.aggregates().to_dict())
print("Katrina:", model.katrina().aggregates().to_dict())

print(elasticity_table(model, "sector").sort_values("welfare_elasticity").tail(5))
