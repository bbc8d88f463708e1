"""Figures for Facts 2 and 3, saved as PNG.

Matplotlib's object-oriented API (``matplotlib.figure.Figure``, not ``pyplot``): no backend is
chosen and no global state is touched on import or when drawing, so the figures work headless and
leave a user's interactive backend alone. Files are written with ``econhubs.core.atomic_write``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core import atomic_write
from ._fact23 import Fact2Result


def _finish(fig, path, synthetic: bool):
    if synthetic:
        fig.text(0.99, 0.01, "SYNTHETIC panel", ha="right", va="bottom", fontsize=8, color="crimson")
    fig.tight_layout()
    if path is not None:
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=130, format="png"))
    return fig


def plot_fact2(res: Fact2Result, path=None, max_points: int = 4000, seed: int = 0):
    """Scatter of normalised Gini on normalised log income p.c. (coloured by year) and the LOWESS fit."""
    d = res.data
    if len(d) > max_points:
        d = d.sample(max_points, random_state=seed)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.subplots()
    sc = ax.scatter(d["x"], d["y"], c=d["year"], s=5, alpha=0.35, cmap="viridis")
    s = res.data.sort_values("x")
    ax.plot(s["x"], s["fit"], color="crimson", lw=2.2, label=f"LOWESS (frac={res.frac:g})")
    fig.colorbar(sc, ax=ax, label="year")
    ax.set_xlabel(f"normalised log income per capita ({res.normalise} within year)")
    ax.set_ylabel(f"normalised Gini ({res.normalise} within year)")
    ax.set_title("Fact 2: specialization and income")
    ax.legend(loc="upper left")
    return _finish(fig, path, res.synthetic)


def plot_fact3(tab: pd.DataFrame, path=None):
    """beta_h against the horizon h with 95% confidence intervals (SEs clustered by region)."""
    fig = Figure(figsize=(6.0, 4.0))
    ax = fig.subplots()
    h = tab["h"].to_numpy()
    b = tab["beta"].to_numpy()
    err = np.vstack([b - tab["ci_low"].to_numpy(), tab["ci_high"].to_numpy() - b])
    ax.errorbar(h, b, yerr=err, fmt="o-", color="navy", capsize=4, label=r"$\beta_h$, 95% CI")
    ax.set_xlabel("horizon h (years)")
    ax.set_ylabel("rank-rank elasticity of RCA")
    ax.set_ylim(0, max(1.0, float(tab["ci_high"].max()) * 1.05) if len(tab) else 1.0)
    ax.set_xticks(h)
    ax.grid(alpha=0.3)
    ax.set_title("Fact 3: persistence of region-industry specialization")
    ax.legend(loc="lower left")
    return _finish(fig, path, bool(tab.attrs.get("synthetic", False)))
