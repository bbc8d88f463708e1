"""`econhubs table1`: Table 1 of RSS (2021) — externality elasticities by 2SLS with model-implied
instruments — beside the seed's values, and one delta-method SE of a model outcome.

Data: a SYNTHETIC economy on the real metro geography generated with the seed's Table 1 τ as
truth (``synthetic_table1_economy``). Outputs (written only after everything succeeded, each file
atomically): table1.csv, table1.md, table1.tex, summary.json in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import jax.numpy as jnp
import numpy as np


def _outcome(eq):
    """ln(CNR wage in metro 0 / national mean CNR wage): the delta-method example."""
    return jnp.log(eq.w[0, 0] * jnp.sum(eq.L[:, 0]) / jnp.sum(eq.w[:, 0] * eq.L[:, 0]))


def _run(args) -> dict:
    from ..core import atomic_write_text
    from ..spatial import solve_equilibrium
    from ._delta import delta_method, tau_from_estimates
    from ._externalities import estimate_externalities
    from ._synthetic import synthetic_table1_economy
    from ._table1 import table1_frame, table1_latex, table1_markdown

    ec = synthetic_table1_economy(args.cities, seed=args.seed, shock_sd=args.shock_sd)
    N = ec.fundamentals.A.shape[0]
    print(f"econhubs table1: SYNTHETIC economy on the real geography (N={N} metros, seed {args.seed}, "
          f"metro x occupation shock sd {args.shock_sd}); truth = the seed's Table 1")
    t0 = time.perf_counter()
    eq = solve_equilibrium(ec.params, ec.fundamentals, ec.trade)
    t1 = time.perf_counter()
    est = estimate_externalities(eq.lam, eq.L, ec.params, ec.fundamentals, ec.trade, ec.data.metros, ec.groups)
    t2 = time.perf_counter()
    frame = table1_frame(est)
    if not np.all(np.isfinite(frame.drop(columns=["nobs", "metros"]).to_numpy(float))):
        raise RuntimeError("Table 1 has non-finite entries; nothing written")
    md, tex = table1_markdown(frame), table1_latex(frame)
    print(f"  equilibrium {t1 - t0:.1f} s; instrument counterfactual + 8 regressions {t2 - t1:.1f} s\n")
    print("Table 1 (2SLS, SEs clustered by metro; seed = RSS 2021 published; F = first-stage Wald/3; OLS alongside)")
    print(md)
    tau, cov = tau_from_estimates(est)
    unc = delta_method(_outcome, tau, cov, ec.params, ec.fundamentals, ec.trade, ec.groups, z0=eq.z,
                       bootstrap=args.bootstrap, chunk=min(args.bootstrap, 50) or 50)
    line = (f"Delta method: ln(CNR wage of {ec.cities[0]} / US mean CNR wage) = {unc.value:.4f}, "
            f"SE from Table 1's covariance {unc.se_delta:.4f}")
    if args.bootstrap:
        line += f"; parametric bootstrap ({args.bootstrap} draws) SD {unc.se_bootstrap:.4f}"
    print(line)
    summary = {"synthetic": True, "N": N, "seed": args.seed, "shock_sd": args.shock_sd,
               "delta_example": {"outcome": f"ln(CNR wage {ec.cities[0]} / US mean)", "value": unc.value,
                                 "se_delta": unc.se_delta,
                                 "se_bootstrap": unc.se_bootstrap if args.bootstrap else None},
               "seconds": {"equilibrium": t1 - t0, "estimation": t2 - t1}}
    out = args.out
    atomic_write_text(out / "table1.csv", frame.to_csv())
    atomic_write_text(out / "table1.md", md)
    atomic_write_text(out / "table1.tex", tex)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2))
    print(f"\n  wrote table1.csv, table1.md, table1.tex, summary.json to {out}")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="econhubs table1", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cities", type=int, default=None, help="use the N largest metros (default: all 382)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the SYNTHETIC fundamentals and shocks")
    ap.add_argument("--shock-sd", type=float, default=0.2, help="sd of the metro x occupation productivity shock")
    ap.add_argument("--bootstrap", type=int, default=0, help="parametric-bootstrap draws for the delta example")
    ap.add_argument("--out", type=Path, default=Path("econhubs_output/table1"), help="output folder")
    args = ap.parse_args(argv)
    try:
        _run(args)
    except Exception as exc:  # any failure: message and non-zero exit, no partial output set
        print(f"econhubs table1: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
