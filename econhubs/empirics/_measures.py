"""Specialization measures from a long panel: normalised Gini, HHI, max share, RCA, shift-share.

Boehnert (2026, slides, "Data"): specialization is the Gini of a region's income shares across
industries (Imbs & Wacziarg 2003), normalised so that all income in one industry gives 1:

    Gini_r = sum_i sum_j |s_i - s_j| / (2 (N - 1) sum_i s_i)          (uniform shares -> 0)

(the usual Gini times N/(N-1)). HHI = sum_i s_i^2, normalised (HHI - 1/N)/(1 - 1/N).
RCA_irt = (Y_irt / Y_rt) / (Y_it / Y_t) with national totals from the panel (Fact 3), and the
shift-share predicted growth g_hat_r = sum_i s_{i,r,base} g_i^US, g_i^US = log(Y_{i,end}/Y_{i,base})
(Fact 1, Borusyak et al. 2025). Everything is vectorised over regions and years.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from ._schema import Panel


def gini(shares) -> np.ndarray:
    """Normalised Gini along the last axis (0 = equal shares, 1 = all in one industry)."""
    x = np.sort(np.asarray(shares, dtype=float), axis=-1)
    n = x.shape[-1]
    if n < 2:
        raise ValueError(f"gini: needs at least 2 industries, got {n}")
    w = 2.0 * np.arange(n) - n + 1.0
    tot = x.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x @ w) / ((n - 1) * tot)


def hhi(shares, normalised: bool = False) -> np.ndarray:
    """Herfindahl index sum s_i^2 of shares (renormalised to sum 1) along the last axis."""
    x = np.asarray(shares, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = x / x.sum(axis=-1, keepdims=True)
    h = (s * s).sum(axis=-1)
    if normalised:
        n = x.shape[-1]
        h = (h - 1.0 / n) / (1.0 - 1.0 / n)
    return h


def max_share(shares) -> np.ndarray:
    x = np.asarray(shares, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return x.max(axis=-1) / x.sum(axis=-1)


def us_industries() -> pd.DataFrame:
    """The shipped 17-industry table (slides' appendix): shares 1950/1990/2020 as fractions, tradable flag."""
    path = resources.files("econhubs.data").joinpath("us_industries/industries.csv")
    with resources.as_file(path) as p:
        df = pd.read_csv(p)
    for y in (1950, 1990, 2020):
        df[f"share_{y}"] = df[f"share_{y}"] / df[f"share_{y}"].sum()
    df["tradable"] = df["tradable"].astype(bool)
    return df


def default_tradable(industries) -> pd.Series | None:
    """Tradable flags from the shipped table when every industry name is in it, else None."""
    t = us_industries().set_index("industry")["tradable"]
    names = pd.Index(industries)
    if names.isin(t.index).all():
        return t.reindex(names)
    return None


def levels_wide(panel: Panel, value: str = "income") -> pd.DataFrame:
    """Y_irt as a (region, year) x industry frame; absent cells of present region-years are 0."""
    if value not in panel.industry.columns:
        raise ValueError(f"value column {value!r} not in panel; have {panel.value_columns}")
    w = panel.industry.pivot(index=["region", "year"], columns="industry", values=value)
    return w.fillna(0.0).sort_index()


def specialization(panel: Panel, value: str = "income", tradable: pd.Series | dict | None = None) -> pd.DataFrame:
    """Per region-year: gini, hhi, hhi_norm, max_share, total; plus gini/hhi over tradable and
    non-tradable industries (shares renormalised within the subset) when flags are known."""
    w = levels_wide(panel, value)
    x = w.to_numpy()
    out = pd.DataFrame(index=w.index)
    out["total"] = x.sum(axis=1)
    out["gini"] = gini(x)
    out["hhi"] = hhi(x)
    out["hhi_norm"] = hhi(x, normalised=True)
    out["max_share"] = max_share(x)
    flags = default_tradable(w.columns) if tradable is None else pd.Series(tradable).reindex(w.columns)
    if flags is not None and not flags.isna().any():
        f = flags.to_numpy(bool)
        for name, cols in (("tradable", f), ("nontradable", ~f)):
            if cols.sum() >= 2:
                out[f"gini_{name}"] = gini(x[:, cols])
                out[f"hhi_{name}"] = hhi(x[:, cols], normalised=True)
    return out.reset_index()


def rca(panel: Panel, value: str = "income", rank_within: str = "year") -> pd.DataFrame:
    """Long frame region, year, industry, rca, rank_rca, log_rank_rca.

    rank_rca ranks region-industries by RCA within each year (``rank_within="year"``, the slides'
    "rank region-industries by RCA") or within industry-year; rank 1 = highest RCA, ties averaged
    (RCA compared at 12 decimals, so equal RCAs computed along different float paths tie).
    """
    w = levels_wide(panel, value)
    x = w.to_numpy()
    years = w.index.get_level_values("year").to_numpy()
    uy, yi = np.unique(years, return_inverse=True)
    nat = np.zeros((len(uy), x.shape[1]))
    np.add.at(nat, yi, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (x / x.sum(axis=1, keepdims=True)) / (nat / nat.sum(axis=1, keepdims=True))[yi]
    df = pd.DataFrame(r, index=w.index, columns=w.columns).stack().rename("rca").reset_index()
    df = df[np.isfinite(df["rca"])]
    if rank_within not in ("year", "industry-year"):
        raise ValueError(f"rank_within must be 'year' or 'industry-year', got {rank_within!r}")
    keys = ["year"] if rank_within == "year" else ["year", "industry"]
    # rank on RCA rounded to 12 decimals so that ties broken only by floating-point noise stay ties
    df["rank_rca"] = df["rca"].round(12).groupby([df[k] for k in keys]).rank(ascending=False, method="average")
    df["log_rank_rca"] = np.log(df["rank_rca"])
    return df.reset_index(drop=True)


def shift_share(panel: Panel, base: int, end: int, value: str = "income",
                national_growth: pd.Series | None = None) -> pd.Series:
    """g_hat_r = sum_i s_{i,r,base} g_i^US with g_i^US = log(Y_{i,end} / Y_{i,base}) (national totals).

    ``national_growth`` (industry -> growth) overrides the panel's own national growth.
    """
    w = levels_wide(panel, value)
    yrs = w.index.get_level_values("year")
    if base not in set(yrs) or end not in set(yrs):
        raise ValueError(f"shift_share: years {base} and {end} must be in the panel; have {sorted(set(yrs))}")
    b, e = w[yrs == base].droplevel("year"), w[yrs == end].droplevel("year")
    if national_growth is None:
        nb, ne = b.sum(axis=0), e.sum(axis=0)
        bad = list(nb.index[(nb <= 0) | (ne <= 0)])
        if bad:
            raise ValueError(f"shift_share: industries with zero national {value} in {base} or {end}: {bad}")
        g = np.log(ne / nb)
    else:
        g = pd.Series(national_growth).reindex(w.columns)
        if g.isna().any():
            raise ValueError(f"shift_share: national_growth lacks industries {list(g.index[g.isna()])}")
    s = b.div(b.sum(axis=1), axis=0)
    return (s @ g).rename("g_hat")
