"""Fact 1 of Boehnert (2026): highly specialized regions are richer initially and grow less.

    Y_r = a + b Gini_{r,base} + gamma' Z_r + delta g_hat_r + e_r          (robust SEs, HC1)

Y_r is the log growth of income per capita base -> end (columns 1-2, with base log income p.c.
among the controls) or base log income p.c. (columns 3-4). Z_r: base population (share of the
panel's national population), high-skill share, old-age dependency ratio, female share -- those
present in the regions table. Columns 2 and 4 split the Gini into tradable and non-tradable
industries. Robustness: HHI instead of Gini; industry-group specialization; horizons 10-70 years
(pooled start years with start-year dummies). Income per capita = total income / population;
without a population column it falls back to total income (noted in the table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._measures import levels_wide, shift_share_pairs, specialization
from ._ols import ols_frame
from ._schema import CONTROL_COLUMNS, Panel
from ._tables import RegressionTable

LABELS = {"gini": "Specialization", "gini_tradable": "Tradable", "gini_nontradable": "Non-tradable",
          "hhi_norm": "Specialization (HHI)", "g_hat": "g_hat", "log_income_pc": "log income p.c.",
          "high_skill_share": "High-skill labor share", "old_age_dependency": "Old-age dependency ratio",
          "female_share": "Female labor share", "population": "Population (share)"}
INDUSTRY_GROUPS = {
    "Manufacturing": ["Durable", "Nondurable"],
    "Services": ["Business Services", "Finance", "Personal Services", "Routine Prof. Serv.",
                 "Non-routine Prof. Serv.", "Entertainment"],
    "Agriculture": ["Agriculture"], "Transportation": ["Transportation"],
    "Wholesale": ["Wholesale"], "Retail": ["Retail"],
}


def region_year_frame(panel: Panel, value: str = "income", tradable=None) -> pd.DataFrame:
    """Per region-year: specialization measures, income p.c., log income p.c., controls."""
    sp = specialization(panel, value, tradable)
    inc = levels_wide(panel, "income" if "income" in panel.industry.columns else value).sum(axis=1)
    sp["income_total"] = inc.to_numpy()
    df = sp
    if panel.regions is not None:
        df = sp.merge(panel.regions, how="left", on=["region", "year"])
        tot = df.groupby("year")["population"].transform("sum")
        df["population_level"] = df["population"]
        df["population"] = df["population"] / tot
        df["income_pc"] = df["income_total"] / df["population_level"]
    else:
        df["income_pc"] = df["income_total"]
    df["log_income_pc"] = np.log(df["income_pc"])
    return df


def cross_section(panel: Panel, base: int = 1950, end: int = 2020, value: str = "income",
                  tradable=None) -> pd.DataFrame:
    """One row per region present in both years: base measures and controls, growth, g_hat."""
    if not base < end:
        raise ValueError(f"Fact 1: base year {base} must be before end year {end} (rule: growth from base to end)")
    ry = region_year_frame(panel, value, tradable)
    years = set(ry["year"])
    if base not in years or end not in years:
        raise ValueError(f"Fact 1 needs years {base} and {end} in the panel; have {sorted(years)}")
    b = ry[ry["year"] == base].set_index("region")
    e = ry[ry["year"] == end].set_index("region")
    d = b.join(e[["log_income_pc"]].rename(columns={"log_income_pc": "log_income_pc_end"}), how="inner")
    d["growth"] = d["log_income_pc_end"] - d["log_income_pc"]
    gh = shift_share_pairs(panel, [(base, end)], value).set_index("region")["g_hat"]
    d["g_hat"] = gh.reindex(d.index)
    d.attrs["dropped_regions"] = sorted(set(b.index) ^ set(e.index), key=str)
    return d.reset_index()


def _controls(d: pd.DataFrame) -> list[str]:
    return [c for c in (*CONTROL_COLUMNS, "population") if c in d.columns and d[c].notna().any()]


def _note(panel: Panel, d: pd.DataFrame) -> str:
    s = "SYNTHETIC panel. " if panel.synthetic else ""
    if panel.regions is None:
        s += "No population: income p.c. = total income. "
    if d.attrs.get("dropped_regions"):
        s += f"{len(d.attrs['dropped_regions'])} regions lack the base or end year (dropped). "
    return s.strip()


def fact1(panel: Panel, base: int = 1950, end: int = 2020, value: str = "income", measure: str = "gini",
          tradable=None, cov_type: str = "HC1") -> RegressionTable:
    """The slides' Fact 1 table: (1) growth, (2) growth with tradable split, (3) level, (4) level split.
    ``measure="hhi_norm"`` gives the HHI robustness table (columns 1 and 3 only)."""
    d = cross_section(panel, base, end, value, tradable)
    z = ["g_hat", *_controls(d)]
    split = ["gini_tradable", "gini_nontradable"]
    has_split = measure == "gini" and all(c in d.columns for c in split)
    models, cols = [], []
    for dep, extra in (("growth", ["log_income_pc"]), ("log_income_pc", [])):
        lab = f"{base}-{end} Growth" if dep == "growth" else f"{base} Income p.c."
        models.append(ols_frame(d, dep, [measure, *z[:1], *extra, *z[1:]], label=lab, cov_type=cov_type))
        cols.append(f"({len(cols) + 1}) {lab}")
        if has_split:
            models.append(ols_frame(d, dep, [*split, *z[:1], *extra, *z[1:]], label=lab, cov_type=cov_type))
            cols.append(f"({len(cols) + 1}) {lab}")
    title = "Fact 1: the specialization trade-off" + (" (HHI)" if measure != "gini" else "")
    return RegressionTable(title, models, cols, LABELS, _note(panel, d))


def fact1_industries(panel: Panel, base: int = 1950, end: int = 2020, value: str = "income",
                     groups: dict | None = None, cov_type: str = "HC1") -> RegressionTable:
    """Specialization in industry groups: base income share of each group (slides' table
    "across different industries"); omitted industries form the base category."""
    groups = INDUSTRY_GROUPS if groups is None else groups
    w = levels_wide(panel, value)
    yrs = w.index.get_level_values("year")
    wb = w[yrs == base].droplevel("year")
    sb = wb.div(wb.sum(axis=1), axis=0)
    missing = sorted({i for v in groups.values() for i in v} - set(sb.columns))
    if missing:
        raise ValueError(f"fact1_industries: industries {missing} not in the panel; pass groups=")
    gs = pd.DataFrame({f"spec_{g}": sb[list(v)].sum(axis=1) for g, v in groups.items()})
    d = cross_section(panel, base, end, value).set_index("region").join(gs).reset_index()
    x = list(gs.columns)
    z = ["g_hat", *_controls(d)]
    models = [ols_frame(d, "growth", [*x, *z[:1], "log_income_pc", *z[1:]], label="growth", cov_type=cov_type),
              ols_frame(d, "log_income_pc", [*x, *z], label="level", cov_type=cov_type)]
    labels = {**LABELS, **{f"spec_{g}": g for g in groups}}
    return RegressionTable("Fact 1 across industries (base-year income share of the group)", models,
                           [f"(1) {base}-{end} Growth", f"(2) {base} Income level"], labels, _note(panel, d))


def fact1_horizons(panel: Panel, horizons=(10, 20, 30, 40, 50, 60, 70), value: str = "income",
                   measure: str = "gini_tradable", tradable=None, cov_type: str = "HC1") -> RegressionTable:
    """Growth over h years on specialization at t-h, pooling all start years t-h in the panel,
    with t-h controls, log income p.c., g_hat over the window and start-year dummies."""
    ry = region_year_frame(panel, value, tradable)
    if measure not in ry.columns:
        raise ValueError(f"fact1_horizons: measure {measure!r} unavailable (tradable flags unknown?)")
    years = sorted(set(ry["year"]))
    models, cols = [], []
    for h in horizons:
        pairs = [(t, t + h) for t in years if t + h in years]
        if not pairs:
            continue
        gh = shift_share_pairs(panel, pairs, value)
        end = ry[["region", "year", "log_income_pc"]].rename(columns={"year": "end", "log_income_pc": "ly_end"})
        d = gh.merge(ry.rename(columns={"year": "start"}), on=["region", "start"]).merge(end, on=["region", "end"])
        d["growth"] = d["ly_end"] - d["log_income_pc"]
        dummies = [f"start_{t}" for t, _ in pairs[1:]]
        for t, _ in pairs[1:]:
            d[f"start_{t}"] = (d["start"] == t).astype(float)
        xs = [measure, "g_hat", "log_income_pc", *_controls(d), *dummies]
        models.append(ols_frame(d, "growth", xs, label=f"{h}-year", cov_type=cov_type))
        cols.append(f"{h}-year")
    labels = {**LABELS, measure: f"{LABELS.get(measure, measure)} (t-h)"}
    tab = RegressionTable("Fact 1 at different horizons (growth over h years)", models, cols, labels,
                          ("SYNTHETIC panel. " if panel.synthetic else "") + "Start-year dummies included.")
    tab.drop = ("const", *[n for m in models for n in m.names if n.startswith("start_")])
    return tab
