"""Benchmark: the real-economy pipeline at full size (382 metros x 22 industries x 2 occupations).

Times, in one process: (1) the data build (``tools/build_us_metros.py`` from ../shared when it is
there, else skipped) and the load + IPF of the shipped data; (2) the inversion
(:func:`econhubs.estimation.invert`; first call incl. compile, then best of --repeats);
(3) the equilibrium at the recovered fundamentals from a cold start, which is the baseline:
every time is also given as a ratio to one (post-compile) equilibrium solve. Reports the fit
(max relative error of equilibrium wages and employment against the data) and appends a table
to benchmarks/RESULTS.md. Runs unchanged on a GPU (JAX picks the device).

    python benchmarks/bench_inversion.py [--cities N] [--repeats 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax

import econhubs  # noqa: F401  (float64)
from econhubs.data import load_hubs_default
from econhubs.estimation import inversion_fit
from econhubs.spatial import real_economy, solve_equilibrium

from _report import append_results, machine

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "data" / "us_metros2015"


def timed(fn, repeats: int):
    """(first call incl. compile, best of ``repeats`` later calls, last result)."""
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn())
    first = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - t0)
    return first, best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cities", type=int, default=None, help="the N most populous metros (default all 382)")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    build = float("nan")
    if SRC.exists():
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "tools" / "build_us_metros.py"), "--src", str(SRC),
                            "--out", tmp], check=True, capture_output=True)
            build = time.perf_counter() - t0
    t0 = time.perf_counter()
    d = load_hubs_default()
    d.employment_nkj()
    load = time.perf_counter() - t0
    inv_first, inv_best, ec = timed(lambda: real_economy(args.cities), args.repeats)
    inv = ec.inversion
    eq_first, eq_best, eq = timed(lambda: solve_equilibrium(inv.params, inv.fundamentals, inv.trade), args.repeats)
    fit = inversion_fit(inv, eq)
    N, K, J = inv.Lkj.shape
    r = lambda t: f"{t / eq_best:.2f}x"  # noqa: E731
    text = (
        f"\n## bench_inversion ({dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC)\n\n"
        f"Machine: {machine()}. Real economy N={N} x J={J} x K={K}; {inv.n_zero_cells} zero-employment cells "
        f"floored; employment CONSTRUCTED by IPF. Baseline: one post-compile equilibrium solve (cold start) "
        f"at the recovered fundamentals, {eq_best:.2f} s, {int(eq.iterations)} Newton iterations, residual "
        f"{float(eq.residual):.1e}. Fit of that equilibrium to the data (max relative error): wages "
        f"{fit['w']:.1e}, L^k_n {fit['L']:.1e}, L^kj_n {fit['Lkj_positive']:.1e}.\n\n"
        "| stage | first call incl. compile (s) | post-compile (s) | ratio to one equilibrium solve |\n"
        "|---|---|---|---|\n"
        f"| data build from ../shared (tools/build_us_metros.py, subprocess) | - | {build:.2f} | {r(build)} |\n"
        f"| load shipped data + IPF | - | {load:.2f} | {r(load)} |\n"
        f"| inversion (real_economy: schema, national shares, gravity, fundamentals) | {inv_first:.2f} | "
        f"{inv_best:.2f} | {r(inv_best)} |\n"
        f"| equilibrium at recovered fundamentals (cold start) | {eq_first:.2f} | {eq_best:.2f} | 1.00x |\n"
        f"| gravity residual | {float(inv.gravity_residual):.1e} | | |\n"
    )
    append_results(text)


if __name__ == "__main__":
    main()
