"""Facts 1-3 of Boehnert (2026) on the SYNTHETIC default panel (or your own CSVs).

    python examples/facts.py                      # synthetic panel, 722 regions
    python examples/facts.py ind.csv regions.csv  # your panel (schema: docs/empirics.md)
"""

import sys

from econhubs.empirics import (
    fact1,
    fact2,
    fact3,
    load_panel,
    plot_fact2,
    plot_fact3,
    specialization_over_time,
    synthetic_panel,
)

if len(sys.argv) > 1:
    panel = load_panel(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
else:
    panel = synthetic_panel(722, seed=0)  # SYNTHETIC: generated, not data
print(panel.report)

print(specialization_over_time(panel).round(3).to_string(index=False))
tab = fact1(panel)                     # 4 columns, HC1 standard errors
print(tab.to_markdown())
print(tab.tidy().query("term == 'gini'")[["column", "coef", "se", "p"]])

f2 = fact2(panel, frac=0.3)            # LOWESS of normalised Gini on normalised log income p.c.
print(f2.summary().round(3))
plot_fact2(f2, "fact2_lowess.png")

f3 = fact3(panel)                      # beta_h, region-year + industry-year FE, clustered by region
print(f3[["h", "beta", "se", "nobs"]].round(4).to_string(index=False))
plot_fact3(f3, "fact3_persistence.png")
