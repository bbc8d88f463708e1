"""`econhubs table1`: Table 1 of RSS (2021) — externality elasticities by 2SLS with model-implied
instruments — beside the seed's values, and one delta-method SE of a model outcome.

Data: ``--data real`` (default) the inverted real economy (``econhubs.spatial.real_economy``);
``--data synthetic`` a SYNTHETIC economy on the real metro geography generated with the seed's
Table 1 τ as truth (``synthetic_table1_economy``). The delta-method example holds λ̂ re-derived
from the data at the estimated τ (so τ̂ reproduces the observed allocation). Outputs (written
only after everything succeeded, each file atomically): table1.csv, table1.md, table1.tex, summary.json in ``--out``.
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


def _economy(args) -> dict:
    """The arrays Table 1 needs, from the real inversion or the SYNTHETIC economy."""
    from ..spatial import real_economy, solve_equilibrium
    from ._synthetic import synthetic_table1_economy

    if args.data == "real":
        re = real_economy(args.cities)
        inv = re.inversion
        print(f"econhubs table1: REAL data, inverted economy (N={inv.L.shape[0]} metros; "
              f"{inv.n_zero_cells} floored zero-employment cells excluded from the regressions)")
        return dict(lam=inv.lam, L=inv.L, params=inv.params, fundamentals=inv.fundamentals, trade=inv.trade,
                    metros=re.data.metros, groups=re.groups, cities=re.cities, z0=inv.z, exclude=inv.zero_cells)
    ec = synthetic_table1_economy(args.cities, seed=args.seed, shock_sd=args.shock_sd)
    print(f"econhubs table1: SYNTHETIC economy on the real geography (N={ec.fundamentals.A.shape[0]} metros, "
          f"seed {args.seed}, metro x occupation shock sd {args.shock_sd}); truth = the seed's Table 1")
    eq = solve_equilibrium(ec.params, ec.fundamentals, ec.trade)
    return dict(lam=eq.lam, L=eq.L, params=ec.params, fundamentals=ec.fundamentals, trade=ec.trade,
                metros=ec.data.metros, groups=ec.groups, cities=ec.cities, z0=eq.z, exclude=None)


def _run(args) -> dict:
    from ..core import atomic_write_text
    from ._delta import delta_method, fundamentals_at_tau, tau_from_estimates
    from ._externalities import estimate_externalities
    from ._table1 import table1_frame, table1_latex, table1_markdown

    t0 = time.perf_counter()
    e = _economy(args)
    N = int(e["L"].shape[0])
    t1 = time.perf_counter()
    est = estimate_externalities(e["lam"], e["L"], e["params"], e["fundamentals"], e["trade"], e["metros"],
                                 e["groups"], exclude=e["exclude"], z0=e["z0"])
    t2 = time.perf_counter()
    inst = est.instrument
    cf = {"method": inst.method, "solves": inst.solves, "newton_steps": inst.newton_steps,
          "residual": float(inst.equilibrium.residual), "path": list(inst.path)}
    frame = table1_frame(est)
    if not np.all(np.isfinite(frame.drop(columns=["nobs", "metros"]).to_numpy(float))):
        raise RuntimeError("Table 1 has non-finite entries; nothing written")
    md, tex = table1_markdown(frame), table1_latex(frame)
    print(f"  economy {t1 - t0:.1f} s; instrument counterfactual + 8 regressions {t2 - t1:.1f} s")
    print(f"  instrument counterfactual (lambda at its geometric mean, tau = 0): {cf['method']} solve, "
          f"{cf['solves']} solve(s), {cf['newton_steps']} Newton steps, max residual {cf['residual']:.1e}\n")
    print("Table 1 (2SLS, SEs clustered by metro; seed = RSS 2021 published; F = first-stage Wald/3; OLS alongside)")
    print(md)
    tau, cov = tau_from_estimates(est)
    p_hat, f_hat = fundamentals_at_tau(e["lam"], e["L"], e["params"], e["fundamentals"], e["groups"], tau)
    unc = delta_method(_outcome, tau, cov, p_hat, f_hat, e["trade"], e["groups"], z0=e["z0"],
                       bootstrap=args.bootstrap, chunk=min(args.bootstrap, 50) or 50)
    line = (f"Delta method: ln(CNR wage of {e['cities'][0]} / US mean CNR wage) = {unc.value:.4f}, "
            f"SE from Table 1's covariance {unc.se_delta:.4f}")
    if args.bootstrap:
        line += f"; parametric bootstrap ({args.bootstrap} draws) SD {unc.se_bootstrap:.4f}"
    print(line)
    summary = {"data": args.data, "N": N, "seed": args.seed, "shock_sd": args.shock_sd,
               "delta_example": {"outcome": f"ln(CNR wage {e['cities'][0]} / US mean)", "value": unc.value,
                                 "se_delta": unc.se_delta,
                                 "se_bootstrap": unc.se_bootstrap if args.bootstrap else None},
               "seconds": {"economy": t1 - t0, "estimation": t2 - t1}, "instrument_counterfactual": cf,
               "table1": frame.reset_index().to_dict(orient="records")}
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
    ap.add_argument("--data", choices=["real", "synthetic"], default="real",
                    help="real: the inverted 382-metro economy; synthetic: known-truth check (seed's tau)")
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
