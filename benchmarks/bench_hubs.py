"""Benchmark: sectoral-hubs equilibrium, Newton-GMRES vs the CPRS-style damped tâtonnement.

For N in {50, 100, 200, 382, 764} (764 = the 382 metros plus 382 SYNTHETIC copies displaced by
up to 0.5 degrees), J = 22, K = 2, default economy (synthetic fundamentals, seed 0): compile
time, solve time after JIT (best of --repeats), Newton iterations and residual; then the
baseline (benchmarks/_hubs_tatonnement.py: inner price/sales fixed points, outer damped wage,
employment and rent updates) from the same cold start to the same tolerance, in the same
process. Prints a table and appends it to benchmarks/RESULTS.md.

    python benchmarks/bench_hubs.py [--quick] [--sizes 50 100] [--baseline-steps 3000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import jax
import numpy as np

import econhubs  # noqa: F401  (float64)
from _hubs_tatonnement import solve_tatonnement
from _report import append_results, machine
from econhubs.data import HubsDefaultData, great_circle_km
from econhubs.spatial import default_economy, initial_guess, solve_equilibrium, synthetic_fundamentals
from econhubs.spatial._default import GROUPS, THETA_BAR
from econhubs.spatial._params import TradeCosts


def economy(n: int):
    if n <= 382:
        ec = default_economy(n)
        return ec.params, ec.fundamentals, ec.trade
    ec = default_economy()
    d = ec.data
    rng = np.random.default_rng(1)
    extra = d.metros.copy()
    extra["lat"] += rng.uniform(-0.5, 0.5, len(extra))
    extra["lon"] += rng.uniform(-0.5, 0.5, len(extra))
    extra["name"] = extra["name"] + " (synthetic copy)"
    metros = __import__("pandas").concat([d.metros, extra], ignore_index=True).iloc[:n]
    dist = great_circle_km(metros["lat"].to_numpy(), metros["lon"].to_numpy())
    data = HubsDefaultData(metros=metros, industries=d.industries, io=d.io, occupations=d.occupations,
                           distance_km=dist, metadata=d.metadata)
    delta = np.array([THETA_BAR * d.metadata["phi"][g] for g in GROUPS])
    trade = TradeCosts.from_distance(dist, delta, ec.trade.group)
    return ec.params, synthetic_fundamentals(data, seed=0), trade


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="N in {50, 100} only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-steps", type=int, default=3000)
    ap.add_argument("--baseline-damping", type=float, default=0.05)
    args = ap.parse_args()
    sizes = args.sizes or ([50, 100] if args.quick else [50, 100, 200, 382, 764])
    rows = []
    for n in sizes:
        p, f, tc = economy(n)
        t0 = time.perf_counter()
        eq = solve_equilibrium(p, f, tc)
        jax.block_until_ready(eq.w)
        first = time.perf_counter() - t0
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            eq = solve_equilibrium(p, f, tc)
            jax.block_until_ready(eq.w)
            times.append(time.perf_counter() - t0)
        t_newton = min(times)
        z0 = jax.jit(initial_guess)(p, f, tc)
        base = jax.jit(lambda z: solve_tatonnement(p, f, tc, z, damping=args.baseline_damping, tol=1e-11,
                                                   max_steps=args.baseline_steps))
        jax.block_until_ready(base(z0).value)  # compile
        t0 = time.perf_counter()
        sb = base(z0)
        jax.block_until_ready(sb.value)
        t_base = time.perf_counter() - t0
        ok = bool(sb.converged)
        rows.append(dict(N=n, compile_s=first - t_newton, newton_s=t_newton, newton_it=int(eq.iterations),
                         newton_res=float(eq.residual), base_s=t_base, base_it=int(sb.num_steps),
                         base_res=float(sb.residual), base_ok=ok,
                         ratio=(t_base / t_newton) if ok else float("nan")))
        r = rows[-1]
        print(f"N={n:4d} newton {t_newton:7.3f}s it={r['newton_it']:3d} res={r['newton_res']:.1e} | "
              f"baseline {t_base:7.2f}s it={r['base_it']} res={r['base_res']:.1e} conv={ok}", flush=True)
    head = ("| N | J | K | compile (s) | Newton solve (s) | Newton it | Newton max rel. residual | "
            f"baseline (s) | baseline it | baseline residual | baseline converged | baseline/Newton |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['N']} | 22 | 2 | {r['compile_s']:.1f} | {r['newton_s']:.3f} | {r['newton_it']} | {r['newton_res']:.1e} | "
        f"{r['base_s']:.2f} | {r['base_it']} | {r['base_res']:.1e} | {r['base_ok']} | "
        f"{'%.0fx' % r['ratio'] if r['base_ok'] else 'n/a (baseline failed)'} |\n" for r in rows)
    text = (f"\n## bench_hubs.py — {dt.datetime.now():%Y-%m-%d %H:%M} — {machine()}\n\n"
            f"Sectoral-hubs equilibrium, default economy (synthetic fundamentals, seed 0), cold start, tol 1e-11. "
            f"Baseline: damped tâtonnement (damping {args.baseline_damping}, at most {args.baseline_steps} outer steps, "
            f"inner price and sales fixed points to 1e-13).\n\n" + head + body)
    append_results(text)


if __name__ == "__main__":
    main()
