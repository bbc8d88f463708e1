"""Write CPRS reference numbers with an independent implementation (twedl/qge) as the oracle.

twedl/qge (MIT) is a NumPy port of the CPRS (2018) MATLAB replication kit, verified by its
author to 1e-13 against the MATLAB workspaces. It is *run* here, never copied or committed:

    git clone https://github.com/twedl/qge /tmp/qge        # or any snapshot of it
    python tools/qge_oracle.py --qge /tmp/qge/cprhs         # needs numpy, scipy, pandas, pyarrow

The script imports qge from ``--qge``, loads qge's own copy of the calibration (its parquet
tables; econhubs ships the same values as CSV), computes CPRS's baseline (the 2007 equilibrium
with non-portfolio imbalances removed) and a set of counterfactuals, and writes
``tests/spatial/reference/cprs_*.csv``:

* ``cprs_baseline.csv``      region, Ln (baseline population shares)
* ``cprs_sector_shares.csv`` sector, employment share (CPRS's sectoral-welfare denominator)
* ``cprs_aggregates.csv``    case, TFP_hat, GDP_hat, V_hat, TFP/GDP/welfare elasticities
* ``cprs_regions.csv``       case, region, L_hat, real_wage_ratio (P-hat is nominal; the
                             oracle's numeraire differs, so only its cross-region ratio is kept)
* ``cprs_ljn.csv``           case, sector, region, Ljn_hat (state x sector employment change;
                             the first regional and the first sectoral case)

Tolerances are tightened beyond qge's defaults (outer wage loop 1e-13 in the L1 norm, inner
employment loop 1e-13) by passing ``tol`` and wrapping qge's ``Lchange`` with a tighter ``tol``:
the default sectoral tolerance (1e-8) would limit agreement to about 1e-7.
Runtime: about 1-3 minutes per case on one core.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "tests" / "spatial" / "reference"
REGIONAL = {"region_California": 4, "region_North Dakota": 33}
SECTORAL = {"sector_Computer and Electronics": 10, "sector_Real Estate": 20}


def load_qge(path: str | Path, tol: float):
    """qge imported from ``path`` (its cprhs/ folder), its inner employment loop tightened to ``tol``, its
    calibration and baseline: (benchmark module, raw inputs, baseline). Also used by benchmarks/bench_cprs.py."""
    sys.path.insert(0, str(Path(path).resolve()))
    from qge import helpers  # noqa: PLC0415  (the oracle is imported from --qge)
    from qge.io import load_inputs  # noqa: PLC0415
    from qge.models import benchmark as bm  # noqa: PLC0415

    bm.Lchange = functools.partial(helpers.Lchange, tol=tol)  # tighter inner employment loop
    raw = load_inputs()
    return bm, raw, bm.compute_baseline(raw=raw, tol=tol)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qge", required=True, help="path to qge's cprhs/ folder (contains qge/ and data/)")
    ap.add_argument("--tol", type=float, default=1e-13)
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--quick", action="store_true", help="only the California and Computers cases")
    a = ap.parse_args(argv)
    t0 = time.time()
    bm, raw, base = load_qge(a.qge, a.tol)
    from qge import applications  # noqa: PLC0415  (on sys.path since load_qge)
    from qge.elasticities import regional_elasticities, sectoral_elasticities  # noqa: PLC0415

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"baseline {time.time() - t0:.1f}s", flush=True)
    sectors, regions = list(raw.sectors), list(raw.regions)
    Ln = np.asarray(base.Ln).ravel()
    pd.DataFrame({"region": regions, "Ln": Ln}).to_csv(out / "cprs_baseline.csv", index=False, float_format="%.17g")
    pd.DataFrame({"sector": sectors, "share": base.Ljn.sum(axis=1)}).to_csv(
        out / "cprs_sector_shares.csv", index=False, float_format="%.17g"
    )

    cases = {}
    reg = dict(list(REGIONAL.items())[:1]) if a.quick else REGIONAL
    sec = dict(list(SECTORAL.items())[:1]) if a.quick else SECTORAL
    for name, r in reg.items():
        s = bm.compute_regional_shock(r, baseline=base, raw=raw, tol=a.tol)
        cases[name] = (s, regional_elasticities(s, region=r, Ln=Ln))
    for name, j in sec.items():
        s = bm.compute_sectoral_shock(j, baseline=base, raw=raw, tol=a.tol)
        cases[name] = (s, sectoral_elasticities(s, sector=j, Ljn=base.Ljn))
    if not a.quick:
        cases["north_dakota"] = (applications.shock_north_dakota(baseline=base, raw=raw, tol=a.tol), None)
        cases["katrina"] = (applications.shock_katrina(baseline=base, raw=raw, tol=a.tol), None)
        cases["california_computers"] = (
            applications.shock_california_computers(baseline=base, raw=raw, tol=a.tol),
            None,
        )
    print(f"cases {time.time() - t0:.1f}s", flush=True)

    agg, regs, ljn = [], [], []
    for name, (s, e) in cases.items():
        agg.append(
            dict(
                case=name,
                TFP_hat=s.TFP_hat,
                GDP_hat=s.GDP_hat,
                V_hat=s.V_hat,
                TFP_elasticity=np.nan if e is None else e.TFP,
                GDP_elasticity=np.nan if e is None else e.GDP,
                welfare_elasticity=np.nan if e is None else e.welfare,
                iterations=s.iterations,
            )
        )
        wf = s.om * s.L_hat ** (-raw.B)  # nominal wage change (structures unchanged outside Katrina)
        real = wf / s.P_index_hat
        for n, reg_name in enumerate(regions):
            regs.append(dict(case=name, region=reg_name, L_hat=s.L_hat[n], real_wage_ratio=real[n] / real[0]))
        for j, sname in enumerate(sectors) if name in (next(iter(reg)), next(iter(sec))) else ():
            for n, reg_name in enumerate(regions):
                ljn.append(dict(case=name, sector=sname, region=reg_name, Ljn_hat=s.Ljn_hat[j, n]))
    pd.DataFrame(agg).to_csv(out / "cprs_aggregates.csv", index=False, float_format="%.17g")
    pd.DataFrame(regs).to_csv(out / "cprs_regions.csv", index=False, float_format="%.17g")
    pd.DataFrame(ljn).to_csv(out / "cprs_ljn.csv", index=False, float_format="%.17g")
    print(pd.DataFrame(agg).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
