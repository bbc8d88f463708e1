"""Benchmark: all Fact 1-3 tables on the SYNTHETIC 722 regions x 17 industries x 8 decades panel.

Target: every table in <= 30 s on a 2-core CPU. Baselines run in the same process:
  * Fact 3 at the longest horizons by explicit-dummy OLS (dense region-year and industry-year
    dummies, lstsq, cluster sandwich on the full design) vs. the absorbed ``fe_ols``;
  * the Gini of every region-year by a pandas groupby-apply loop vs. the vectorised ``specialization``.
Prints a table and appends it to benchmarks/RESULTS.md. ``--quick``: 200 regions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd

from econhubs.empirics import fe_ols, lagged_rca, run_facts, specialization, synthetic_panel

from _report import append_results, machine


def _dummy_ols(d: pd.DataFrame) -> tuple[float, float]:
    ry = d["region"].astype(str) + "|" + d["year"].astype(str)
    iy = d["industry"].astype(str) + "|" + d["year"].astype(str)
    D1 = pd.get_dummies(ry).to_numpy(float)
    D2 = pd.get_dummies(iy).to_numpy(float)
    X = np.column_stack([d["log_rank_rca_lag"].to_numpy(), D1, D2])
    y = d["log_rank_rca"].to_numpy()
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ beta
    bread = np.linalg.pinv(X.T @ X)
    g = d["region"].astype("category").cat.codes.to_numpy()
    s = np.zeros((g.max() + 1, X.shape[1]))
    np.add.at(s, g, X * e[:, None])
    k = np.linalg.matrix_rank(X)
    G, n = g.max() + 1, len(y)
    v = G / (G - 1) * (n - 1) / (n - k) * (bread @ (s.T @ s) @ bread)
    return float(beta[0]), float(np.sqrt(v[0, 0]))


def _gini_loop(panel) -> pd.Series:
    def one(g):
        s = np.sort(g.to_numpy())
        n = len(s)
        return np.abs(s[:, None] - s[None, :]).sum() / (2 * (n - 1) * s.sum())
    return panel.industry.groupby(["region", "year"])["income"].apply(one)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--results", default=str(Path(__file__).with_name("RESULTS.md")))
    a = ap.parse_args(argv)
    R = 200 if a.quick else 722
    rows = []
    t = time.perf_counter()
    panel = synthetic_panel(R, seed=0)
    rows.append(("synthetic panel", f"{R}x17x8", time.perf_counter() - t, "", "", ""))
    t = time.perf_counter()
    out = run_facts(panel, None, progress=None)
    t_all = time.perf_counter() - t
    met = "met" if t_all <= 30 else "NOT met"
    rows.append(("all tables (run_facts)", f"{R}x17x8", t_all, "", "", f"target <= 30 s: {met}"))
    for h in (70,):  # the dense dummy baseline costs minutes beyond h = 70 (k > 1400)
        d = lagged_rca(panel, h)
        t = time.perf_counter()
        res = fe_ols(d, "log_rank_rca", ["log_rank_rca_lag"], [["region", "year"], ["industry", "year"]],
                     cov_type="cluster", cluster="region")
        t_fe = time.perf_counter() - t
        t = time.perf_counter()
        b, se = _dummy_ols(d)
        t_d = time.perf_counter() - t
        diff = max(abs(b - res.params[0]), abs(se - res.bse[0]))
        rows.append((f"fact3 h={h}: absorbed FE", f"n={len(d)}", t_fe, "", f"{diff:.1e}", f"{t_d / t_fe:.1f}x faster"))
        k = 1 + res.info["df_absorbed"]
        rows.append((f"fact3 h={h}: explicit dummies (baseline)", f"k={k}", t_d, "", "", "1.0x"))
    t = time.perf_counter()
    sp = specialization(panel)
    t_v = time.perf_counter() - t
    t = time.perf_counter()
    loop = _gini_loop(panel)
    t_l = time.perf_counter() - t
    diff = float(np.abs(sp.set_index(["region", "year"])["gini"].to_numpy() - loop.to_numpy()).max())
    speedup = f"{t_l / t_v:.1f}x faster"
    rows.append(("Gini/HHI/max share, vectorised", f"{R * 8} region-years", t_v, "", f"{diff:.1e}", speedup))
    rows.append(("Gini, groupby-apply loop (baseline)", f"{R * 8} region-years", t_l, "", "", "1.0x"))
    f3 = out["fact3"]
    head = "| step | size | time (s) | iterations | max abs diff vs baseline | ratio |\n|---|---|---|---|---|---|\n"
    body = "".join(f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3] or '-'} | {r[4] or '-'} | {r[5] or '-'} |\n" for r in rows)
    text = (f"\n## bench_empirics ({'quick' if a.quick else 'full'}) {dt.datetime.now():%Y-%m-%d %H:%M}\n\n"
            f"Machine: {machine()}. SYNTHETIC panel {R} regions x 17 industries x 8 decades. "
            f"Fact 3 beta_10 = {f3['beta'].iloc[0]:.4f}.\n\n" + head + body)
    append_results(text, a.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
