r"""Hub statistics and the seed's qualitative findings (RSS 2021, section IV), equilibrium vs optimum.

Size classes (**choice**): metros ranked by baseline employment; large = top 10%, medium = next
30%, small = the rest. Coastal (**choice**, a proxy without coastline data): a metro in a Pacific
state (WA, OR, CA) west of 116.5°W, or in an Atlantic-seaboard state east of 82°W. A metro is
a G hub when it supplies more than ``hub_threshold`` (5%, Figure 1's threshold) of another
metro's spending on G. Findings are measured and reported; nothing is tuned to make them hold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._equilibrium import Equilibrium
from ._hub_analysis import _members, group_trade_shares

PACIFIC = {"WA", "OR", "CA"}
ATLANTIC = {"ME", "NH", "MA", "RI", "CT", "NY", "NJ", "PA", "DE", "MD", "DC", "VA", "NC", "SC", "GA", "FL"}


def size_class(L_total) -> np.ndarray:
    """'large' (top 10% by employment), 'medium' (next 30%), 'small' (rest)."""
    rank = np.argsort(np.argsort(-np.asarray(L_total)))
    n = len(rank)
    return np.where(rank < max(1, round(0.1 * n)), "large", np.where(rank < max(2, round(0.4 * n)), "medium", "small"))


def coastal(metros: pd.DataFrame) -> np.ndarray:
    """Coastal proxy from ``state`` and ``lon`` columns (module docstring)."""
    st, lon = metros["state"].astype(str).to_numpy(), metros["lon"].to_numpy(float)
    return (np.isin(st, list(PACIFIC)) & (lon < -116.5)) | (np.isin(st, list(ATLANTIC)) & (lon > -82.0))


def _group_output(eq: Equilibrium, idx) -> np.ndarray:
    return np.asarray(eq.Y)[:, idx].sum(1)


def _exports(eq: Equilibrium, groups, G) -> np.ndarray:
    """Σ_{n≠m} π^G_{nm} X^G_n: sales of m's group-G output to other metros."""
    pi = group_trade_shares(eq, groups, G)
    XG = np.asarray(eq.X)[:, _members(groups, G)].sum(1)
    flows = pi * XG[:, None]
    return flows.sum(0) - np.diag(flows)


def _hubs(eq: Equilibrium, groups, G, threshold) -> np.ndarray:
    pi = group_trade_shares(eq, groups, G).copy()
    np.fill_diagonal(pi, 0.0)
    return (pi > threshold).any(0)


def hub_statistics(eq0: Equilibrium, eq1: Equilibrium, groups, metros: pd.DataFrame, *, top: int = 10,
                   hub_threshold: float = 0.05, group_names=("HE", "PS", "M", "ATT")) -> dict[str, pd.DataFrame]:
    """``concentration`` (HHI, top-10 share, metros holding half of output), ``top_exporters``,
    ``size_classes`` (output shares and CNR shares by class) for each group, eq vs opt."""
    names = metros["name"].tolist()
    cls = size_class(np.asarray(eq0.L).sum(1))
    conc, tops, sizes = [], [], []
    for G in group_names:
        idx = _members(groups, G)
        for label, eq in (("equilibrium", eq0), ("optimum", eq1)):
            y = _group_output(eq, idx)
            s = np.sort(y / y.sum())[::-1]
            conc.append({"group": G, "state": label, "hhi": float((s ** 2).sum()), "top10_share": float(s[:10].sum()),
                         "metros_for_half": int(np.searchsorted(np.cumsum(s), 0.5) + 1),
                         "hubs": int(_hubs(eq, groups, G, hub_threshold).sum())})
            ex = _exports(eq, groups, G)
            order = np.argsort(-ex)[:top]
            tops += [{"group": G, "state": label, "rank": r + 1, "metro": names[i], "exports": float(ex[i]),
                      "export_share": float(ex[i] / ex.sum())} for r, i in enumerate(order)]
        y0, y1 = _group_output(eq0, idx), _group_output(eq1, idx)
        for c in ("large", "medium", "small"):
            m = cls == c
            sizes.append({"group": G, "size_class": c, "metros": int(m.sum()),
                          "output_share_eq": y0[m].sum() / y0.sum(), "output_share_opt": y1[m].sum() / y1.sum(),
                          "dln_output": float(np.log(y1[m].sum() / y0[m].sum()))})
    return {"concentration": pd.DataFrame(conc), "top_exporters": pd.DataFrame(tops),
            "size_classes": pd.DataFrame(sizes)}


def seed_findings(eq0: Equilibrium, eq1: Equilibrium, groups, metros: pd.DataFrame,
                  hub_threshold: float = 0.05) -> pd.DataFrame:
    """The four qualitative findings of RSS (2021, section IV), measured: one row each with the
    measure, its equilibrium and optimum values and whether the finding holds here."""
    L0, L1 = np.asarray(eq0.L), np.asarray(eq1.L)
    cls = size_class(L0.sum(1))
    big, small = cls == "large", cls == "small"
    coast = coastal(metros)
    inland_mid = (~coast) & (cls != "small")

    def share(eq, G, mask):
        y = _group_output(eq, _members(groups, G))
        return float(y[mask].sum() / y.sum())

    cnr0, cnr1 = L0[big, 0].sum() / L0[:, 0].sum(), L1[big, 0].sum() / L1[:, 0].sum()
    he_h0 = int((_hubs(eq0, groups, "HE", hub_threshold) & ~coast).sum())
    he_h1 = int((_hubs(eq1, groups, "HE", hub_threshold) & ~coast).sum())
    rows = [
        ("CNR workers concentrate in the largest metros", "share of CNR workers in large metros", cnr0, cnr1,
         cnr1 > cnr0),
        ("PS output concentrates on the coasts", "coastal share of PS output", share(eq0, "PS", coast),
         share(eq1, "PS", coast), share(eq1, "PS", coast) > share(eq0, "PS", coast)),
        ("HE forms more local hubs inland", f"inland metros supplying >{hub_threshold:.0%} of another metro's HE",
         he_h0, he_h1, he_h1 > he_h0),
        ("HE grows in inland medium/large metros", "inland non-small metros' share of HE output",
         share(eq0, "HE", inland_mid), share(eq1, "HE", inland_mid),
         share(eq1, "HE", inland_mid) > share(eq0, "HE", inland_mid)),
        ("M spreads toward smaller metros", "small metros' share of M output", share(eq0, "M", small),
         share(eq1, "M", small), share(eq1, "M", small) > share(eq0, "M", small)),
    ]
    return pd.DataFrame(rows, columns=["finding", "measure", "equilibrium", "optimum", "holds"])
