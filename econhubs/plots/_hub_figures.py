"""RSS (2021) Figures 1 and 2 from an equilibrium and the planner's optimum."""

from __future__ import annotations

import numpy as np

from ..spatial import group_trade_shares, price_decomposition, unit_cost_decomposition
from ._maps import plot_flow_map
from ._save import save_figure
from ._topojson import load_state_outlines

#: Figure 1's thresholds: equilibrium flows, and optimum-minus-equilibrium flows by group
FLOW_THRESHOLD = 0.05
CHANGE_THRESHOLD = {"HE": 0.0025, "PS": 0.01}


def group_log_unit_cost(eq, groups, G) -> np.ndarray:
    """Expenditure-weighted mean of ln x^j_n over j in G (N,)."""
    idx = np.flatnonzero(np.asarray(groups) == G)
    X = np.asarray(eq.X)[:, idx]
    return (X * np.log(np.asarray(eq.x)[:, idx])).sum(1) / X.sum(1)


def _labels(eq0, metros, n_labels):
    L = np.asarray(eq0.L).sum(1)
    names = metros["name"].astype(str).str.split(",").str[0].tolist()
    return {int(i): names[i] for i in np.argsort(-L)[:n_labels]}


def figure1(eq0, eq1, groups, metros, stem, *, n_labels: int = 8, change_threshold=None) -> list[str]:
    """Flow maps of HE and PS: equilibrium flows π^G_{nm} > 5% (dots: ln unit cost relative to the
    mean) and optimum-minus-equilibrium flows above 0.25% (HE) / 1% (PS) (dots: Δ ln unit cost)."""
    import matplotlib.pyplot as plt

    thr = {**CHANGE_THRESHOLD, **(change_threshold or {})}
    lon, lat = metros["lon"].to_numpy(float), metros["lat"].to_numpy(float)
    labels = _labels(eq0, metros, n_labels)
    outlines = load_state_outlines()
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.2))
    for row, G in enumerate(("HE", "PS")):
        pi0, pi1 = group_trade_shares(eq0, groups, G), group_trade_shares(eq1, groups, G)
        c0, c1 = group_log_unit_cost(eq0, groups, G), group_log_unit_cost(eq1, groups, G)
        plot_flow_map(axes[row, 0], pi0, lon, lat, c0 - c0.mean(), FLOW_THRESHOLD, labels=labels, outlines=outlines,
                      title=f"{'AC'[row]}. {G}: equilibrium flows", colour_label=f"ln unit cost {G} (vs mean)")
        plot_flow_map(axes[row, 1], pi1 - pi0, lon, lat, c1 - c0, thr[G], labels=labels, outlines=outlines,
                      title=f"{'BD'[row]}. {G}: optimum minus equilibrium", cmap="coolwarm",
                      colour_label=f"Δ ln unit cost {G}", arrow_colour="darkred", symmetric=True)
    fig.suptitle("Trade flows (arrows: source → destination share of spending)", fontsize=11)
    return save_figure(fig, stem)


def _bars(ax, df, parts, total, title, names):
    x = np.arange(len(df))
    pos, neg = np.zeros(len(df)), np.zeros(len(df))
    colours = {"unit_cost": "tab:blue", "variety_trade": "tab:orange", "wages": "tab:red", "tfp": "tab:green",
               "materials": "tab:purple", "structures": "tab:brown", "residual": "0.6"}
    for part in parts:
        v = df[part].to_numpy()
        base = np.where(v >= 0, pos, neg)
        ax.bar(x, v, bottom=base, color=colours[part], label=part.replace("_", "/"), width=0.75)
        pos, neg = pos + np.maximum(v, 0), neg + np.minimum(v, 0)
    ax.plot(x, df[total].to_numpy(), "kD", ms=4, label=f"total Δ ln {'P' if total == 'dlnP' else 'x'}")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=7)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6, ncol=3)


def figure2(eq0, eq1, groups, metros, stem, *, n_metros: int = 15) -> list[str]:
    """Bars per metro (largest ``n_metros``): Δ ln P^G = unit cost + variety/trade, and Δ ln x^G =
    wages + TFP + materials + structures + residual, for HE, PS and M (optimum vs equilibrium)."""
    import matplotlib.pyplot as plt

    cities = metros["name"].astype(str).str.split(",").str[0].tolist()
    top = np.argsort(-np.asarray(eq0.L).sum(1))[:n_metros]
    fig, axes = plt.subplots(3, 2, figsize=(13, 11))
    for row, G in enumerate(("HE", "PS", "M")):
        pd_ = price_decomposition(eq0, eq1, groups, G, cities).iloc[top]
        ud = unit_cost_decomposition(eq0, eq1, groups, G, cities).iloc[top]
        names = [cities[i] for i in top]
        _bars(axes[row, 0], pd_, ["unit_cost", "variety_trade"], "dlnP", f"{'ACE'[row]}. {G}: Δ ln price", names)
        _bars(axes[row, 1], ud, ["wages", "tfp", "materials", "structures", "residual"], "dlnx",
              f"{'BDF'[row]}. {G}: Δ ln unit cost", names)
    fig.suptitle("Price and unit-cost decomposition, optimum vs equilibrium (largest metros)", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, stem)
