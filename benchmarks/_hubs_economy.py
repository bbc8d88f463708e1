"""The benchmark economies of the sectoral-hubs model: the default economy at N <= 382, and for
N = 764 the 382 metros plus 382 SYNTHETIC copies displaced by up to 0.5 degrees."""

from __future__ import annotations

import numpy as np
import pandas as pd

from econhubs.data import HubsDefaultData, great_circle_km
from econhubs.spatial import GROUPS, THETA_BAR, TradeCosts, default_economy, synthetic_fundamentals


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
    metros = pd.concat([d.metros, extra], ignore_index=True).iloc[:n]
    dist = great_circle_km(metros["lat"].to_numpy(), metros["lon"].to_numpy())
    data = HubsDefaultData(metros=metros, industries=d.industries, io=d.io, occupations=d.occupations,
                           distance_km=dist, metadata=d.metadata)
    delta = np.array([THETA_BAR * d.metadata["phi"][g] for g in GROUPS])
    trade = TradeCosts.from_distance(dist, delta, ec.trade.group)
    return ec.params, synthetic_fundamentals(data, seed=0), trade
