"""The Table 1 step of ``econhubs hubs`` (appended to ``econhubs.spatial._cli_hubs.STEPS``).

After the economy and its equilibrium are solved, estimate RSS (2021) Table 1 on them: one
instrument counterfactual (warm-started at the solved equilibrium; continuation if the direct
solve fails) and eight regressions. The real economy uses the inversion's λ and employment (its
floored zero-employment cells excluded), exactly as ``econhubs table1``; the synthetic one its
equilibrium. The delta-method example stays in ``econhubs table1`` (it costs a gradient solve).
Adds ``table1.csv`` (numeric, with the seed's values), ``table1.md`` and ``table1.tex`` text and a
``table1`` entry in the summary. Skipped (with the reason in the summary) below :data:`MIN_METROS`
metros: each regression has about 16 metro-level columns (3 regressors, division dummies, 5
climate proxies) and its SEs are clustered by metro, so small subsets give no usable table.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ._externalities import estimate_externalities
from ._table1 import table1_frame, table1_latex, table1_markdown

MIN_METROS = 50
"""Fewest metros for which ``econhubs hubs`` estimates Table 1 (``econhubs table1`` has no floor)."""


def _inputs(run) -> dict:
    ec, eq = run.economy, run.equilibrium
    if getattr(run.args, "synthetic", False):
        return dict(lam=eq.lam, L=eq.L, params=ec.params, fundamentals=ec.fundamentals, trade=ec.trade, exclude=None)
    inv = ec.inversion
    return dict(lam=inv.lam, L=inv.L, params=inv.params, fundamentals=inv.fundamentals, trade=inv.trade,
                exclude=inv.zero_cells)


def hubs_table1_step(run) -> dict[str, pd.DataFrame]:
    """``Run -> {"table1": DataFrame}``; records timings, the counterfactual's solve and the
    markdown / LaTeX texts in ``run.summary["table1"]``. Raises if the counterfactual fails."""
    if getattr(run.args, "no_table1", False):
        return {}
    N = int(run.equilibrium.L.shape[0])
    if N < MIN_METROS:
        run.summary["table1_skipped"] = f"{N} metros < {MIN_METROS}: too few metro clusters for Table 1"
        return {}
    t0 = time.perf_counter()
    x = _inputs(run)
    est = estimate_externalities(x["lam"], x["L"], x["params"], x["fundamentals"], x["trade"], run.economy.data.metros,
                                 run.economy.groups, exclude=x["exclude"], z0=run.equilibrium.z)
    frame = table1_frame(est)
    if not np.all(np.isfinite(frame.drop(columns=["nobs", "metros"]).to_numpy(float))):
        raise ValueError("Table 1 has non-finite entries")
    inst = est.instrument
    run.summary["table1"] = {
        "seconds": time.perf_counter() - t0, "markdown": table1_markdown(frame), "latex": table1_latex(frame),
        "instrument_counterfactual": {"method": inst.method, "solves": inst.solves, "newton_steps": inst.newton_steps,
                                      "residual": float(inst.equilibrium.residual), "path": list(inst.path)},
    }
    return {"table1": frame.reset_index()}
