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


def _national_growth(nat: pd.DataFrame, t0: int, t1: int, value: str) -> pd.Series:
    """g_i = log(Y_{i,t1} / Y_{i,t0}); 0 for industries absent nationally at t0 (their shares are all
    zero, so they contribute nothing); an error for industries present at t0 that vanish by t1."""
    nb, ne = nat.loc[t0], nat.loc[t1]
    gone = list(nb.index[(nb > 0) & (ne <= 0)])
    if gone:
        raise ValueError(f"shift_share: industries with positive national {value} in {t0} but zero in {t1}: "
                         f"{gone} (their national growth is -inf; drop or merge them)")
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.log(ne / nb)
    return g.where(nb > 0, 0.0)


def shift_share_pairs(panel: Panel, pairs, value: str = "income",
                      national_growth: pd.Series | None = None) -> pd.DataFrame:
    """g_hat for every (start, end) year pair at once: long frame region, start, end, g_hat.

    g_hat_r = sum_i s_{i,r,start} g_i with g_i = log(Y_{i,end} / Y_{i,start}) (national totals of
    the panel, or ``national_growth``: industry -> growth, for a single pair). Zero industries:
    one absent nationally in the start year contributes 0 (every region's share of it is 0); one
    present in the start year with zero national total in the end year raises ``ValueError``.
    Regions present in the start year only are included (their g_hat needs no end-year data).
    """
    w = levels_wide(panel, value)
    yrs = w.index.get_level_values("year")
    have = set(yrs)
    nat = w.groupby(level="year").sum()
    sh = w.div(w.sum(axis=1), axis=0)
    out = []
    for t0, t1 in pairs:  # a loop over year pairs (at most ~30), not over regions
        if t0 not in have or t1 not in have:
            raise ValueError(f"shift_share: years {t0} and {t1} must be in the panel; have {sorted(have)}")
        if national_growth is None:
            g = _national_growth(nat, t0, t1, value)
        else:
            g = pd.Series(national_growth, dtype=float).reindex(w.columns)
            if g.isna().any():
                raise ValueError(f"shift_share: national_growth lacks industries {list(g.index[g.isna()])}")
        s = sh[yrs == t0].droplevel("year")
        out.append(pd.DataFrame({"region": s.index, "start": t0, "end": t1, "g_hat": (s @ g).to_numpy()}))
    return pd.concat(out, ignore_index=True)


def shift_share(panel: Panel, base: int, end: int, value: str = "income",
                national_growth: pd.Series | None = None) -> pd.Series:
    """g_hat_r = sum_i s_{i,r,base} g_i^US with g_i^US = log(Y_{i,end} / Y_{i,base}) (national totals),
    indexed by region. ``national_growth`` (industry -> growth) overrides the panel's own national
    growth. Zero industries: see :func:`shift_share_pairs` (the one implementation)."""
    d = shift_share_pairs(panel, [(base, end)], value, national_growth)
    return d.set_index("region")["g_hat"].rename("g_hat")
