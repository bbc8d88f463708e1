"""Table 1 (specialization over time), Fact 2 (LOWESS of specialization on income) and
Fact 3 (persistence of region-industry specialization), Boehnert (2026).

Fact 2: observations are region x year; y = normalised Gini, x = normalised log income p.c.
(normalised within year: z-scores by default, or ratio to the year mean), smoothed by LOWESS.
Fact 3: logRankRCA_{irt} = beta_h logRankRCA_{ir,t-h} + delta_rt + gamma_it + e, region-year
and industry-year effects absorbed, SEs clustered by region; one beta_h per horizon h.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._fact1 import region_year_frame
from ._fixed_effects import fe_ols
from ._lowess import lowess
from ._measures import rca, specialization
from ._schema import Panel


def specialization_over_time(panel: Panel, years=None) -> pd.DataFrame:
    """Slides' Table 1: mean, CV, p90/p10 of the Gini across regions, by year, for income and
    employment shares (whichever the panel has)."""
    rows = {}
    for v in panel.value_columns:
        sp = specialization(panel, v)
        g = sp.groupby("year")["gini"]
        rows[v] = pd.DataFrame({"mean": g.mean(), "cv": g.std() / g.mean(),
                                "p90_p10": g.quantile(0.9) / g.quantile(0.1), "regions": g.count()})
    out = pd.concat(rows, axis=1)
    out.columns = [f"gini_{v}_{s}" for v, s in out.columns]
    if years is not None:
        out = out.loc[[y for y in years if y in out.index]]
    return out.reset_index()


def _normalise(s: pd.Series, by: pd.Series, how: str) -> pd.Series:
    g = s.groupby(by)
    if how == "zscore":
        return (s - g.transform("mean")) / g.transform("std")
    if how == "mean":
        return s / g.transform("mean")
    raise ValueError(f"normalise must be 'zscore' or 'mean', got {how!r}")


@dataclass
class Fact2Result:
    """Points (region, year, x, y, fit) and a summary of the smoothed curve."""

    data: pd.DataFrame
    frac: float
    normalise: str
    synthetic: bool = False

    def summary(self) -> pd.DataFrame:
        """Fit at income quantiles 10/25/50/75/90 and the average slope of the curve."""
        d = self.data.sort_values("x")
        q = np.quantile(d["x"], [0.1, 0.25, 0.5, 0.75, 0.9])
        fit = np.interp(q, d["x"].to_numpy(), d["fit"].to_numpy())
        slope = (fit[-1] - fit[0]) / (q[-1] - q[0])
        return pd.DataFrame({"income_quantile": [10, 25, 50, 75, 90], "x": q, "fitted_gini": fit,
                             "avg_slope_p10_p90": slope})


def fact2(panel: Panel, value: str = "income", frac: float = 0.3, it: int = 3,
          normalise: str = "zscore") -> Fact2Result:
    """LOWESS of normalised Gini (y) on normalised log income per capita (x), region x year pooled
    (normalised within each year, so that common trends drop out)."""
    ry = region_year_frame(panel, value).dropna(subset=["gini", "income_pc"])
    x = _normalise(ry["log_income_pc"], ry["year"], normalise)
    y = _normalise(ry["gini"], ry["year"], normalise)
    ok = np.isfinite(x) & np.isfinite(y)
    d = pd.DataFrame({"region": ry["region"], "year": ry["year"], "x": x, "y": y})[ok]
    d["fit"] = lowess(d["y"].to_numpy(), d["x"].to_numpy(), frac=frac, it=it)
    return Fact2Result(d.reset_index(drop=True), frac, normalise, panel.synthetic)


def lagged_rca(panel: Panel, h: int, value: str = "income", rank_within: str = "year",
               r: pd.DataFrame | None = None) -> pd.DataFrame:
    """log rank RCA at t with its value at t-h (inner join on region, industry)."""
    r = rca(panel, value, rank_within) if r is None else r
    lag = r[["region", "industry", "year", "log_rank_rca"]].rename(columns={"log_rank_rca": "log_rank_rca_lag"})
    lag["year"] = lag["year"] + h
    return r.merge(lag, on=["region", "industry", "year"], how="inner")


def fact3(panel: Panel, horizons=(10, 20, 30, 40, 50, 60, 70), value: str = "income",
          rank_within: str = "year", method: str = "exact") -> pd.DataFrame:
    """beta_h per horizon: tidy frame h, beta, se, t, p, ci_low, ci_high, nobs, clusters, within_r2."""
    r = rca(panel, value, rank_within)
    rows = []
    for h in horizons:
        d = lagged_rca(panel, h, value, rank_within, r)
        if d.empty or d["region"].nunique() < 2:
            continue
        res = fe_ols(d, "log_rank_rca", ["log_rank_rca_lag"], [["region", "year"], ["industry", "year"]],
                     cov_type="cluster", cluster="region", method=method, label=f"h={h}")
        b, se = float(res.params[0]), float(res.bse[0])
        rows.append({"h": h, "beta": b, "se": se, "t": b / se, "p": float(res.pvalues[0]),
                     "ci_low": b - 1.959963984540054 * se, "ci_high": b + 1.959963984540054 * se,
                     "nobs": res.nobs, "clusters": res.n_clusters, "within_r2": res.rsquared,
                     "fe_absorbed": res.info["df_absorbed"]})
    out = pd.DataFrame(rows)
    out.attrs["synthetic"] = panel.synthetic
    return out
