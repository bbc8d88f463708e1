"""1950 regions of the trade-off experiment (Boehnert 2026, "Data vs. Model": "Match 1950 specialization
(722 CZs) + simulate using realized TFP process"), and the map from 17 industries to the model's I = 2.

Regions come from a panel in the ``econhubs facts`` schema (docs/empirics.md: region, year, industry,
income [, employment]; optional regions table with population and the Fact 1 controls), real when a CSV
is given (:func:`load_regions`), otherwise the SYNTHETIC panel of ``econhubs.empirics.synthetic_panel``,
whose 1950 Ginis have the slides' moments exactly (mean 0.46, CV 0.162, p90/p10 1.55; appendix table
"Regional specialization in the U.S.") and whose national 1950 shares follow the shipped 17-industry
table. Only the base year's shares and controls enter the model.

Industry map (**choice**, the spec's default I = 2, docs/tradeoff_experiment.md): model industry 1 is the
region's dominant industry (largest 1950 income share s_dom among the 17), model industry 2 the other 16
(the rest of the portfolio, weights w_j = s_j / (1 - s_dom)). The region's 1950 capital in industry 1 is
its dominant income share, k_1,1950 = s_dom K_bar (seed calibration table: "1950 capital stock
k_{i,1950} in [0.1, 0.29], matching income shares"; the SYNTHETIC regions' s_dom spans [0.11, 0.29]).
All regions share the model's parameters (one policy solve per economy serves all of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..empirics import Panel, gini, levels_wide, load_panel, synthetic_panel

GINI_TARGETS = {"mean": 0.46, "cv": 0.162, "p90_p10": 1.55}  # slides' appendix, 1950 Gini on income shares


@dataclass(frozen=True)
class Regions1950:
    """Base-year regions. shares (R, 17): income shares; gini (R,): normalised Gini of the shares;
    dominant (R,): index of the dominant industry; k1 (R,): 1950 capital in model industry 1 (= s_dom);
    rest_weights (R, 17): the other industries' weights in model industry 2 (0 at the dominant one);
    panel: the source panel (controls, and the data's regression when it has the end year)."""

    names: tuple
    industries: tuple
    shares: np.ndarray
    gini: np.ndarray
    dominant: np.ndarray
    k1: np.ndarray
    rest_weights: np.ndarray
    panel: Panel
    base: int = 1950

    @property
    def synthetic(self) -> bool:
        return self.panel.synthetic

    @property
    def label(self) -> str:
        return "SYNTHETIC" if self.synthetic else "data"

    def __len__(self) -> int:
        return len(self.names)


def gini_moments(g) -> dict:
    """Mean, coefficient of variation (s.d. / mean, population s.d.) and p90/p10 of regional Ginis."""
    g = np.asarray(g, float)
    return {"mean": float(g.mean()), "cv": float(g.std() / g.mean()),
            "p90_p10": float(np.quantile(g, 0.9) / np.quantile(g, 0.1))}


def regions_from_panel(panel: Panel, base: int = 1950, k_bounds=(0.02, 0.98)) -> Regions1950:
    """The base-year regions of ``panel`` (see module docstring); ValueError naming the rule when the base
    year is missing or a region's dominant share is outside ``k_bounds`` (no interior capital split)."""
    w = levels_wide(panel, "income")
    years = sorted(set(w.index.get_level_values("year")))
    if base not in years:
        raise ValueError(f"regions panel ({panel.meta.get('source', 'panel')}): base year {base} not in years "
                         f"{years} (rule: the experiment starts from the regions' {base} income shares)")
    wb = w.xs(base, level="year")
    s = wb.to_numpy(float) / wb.to_numpy(float).sum(axis=1, keepdims=True)
    dom = np.argmax(s, axis=1)
    s_dom = s[np.arange(len(s)), dom]
    bad = (s_dom < k_bounds[0]) | (s_dom > k_bounds[1])
    if bad.any():
        r = wb.index[np.flatnonzero(bad)[0]]
        raise ValueError(f"regions panel: region {r!r}: dominant 1950 income share {s_dom[bad][0]:.3g} outside "
                         f"{k_bounds} (rule: model industry 1 gets k_1 = s_dom, both industries need capital)")
    rest = s.copy()
    rest[np.arange(len(s)), dom] = 0.0
    rest /= rest.sum(axis=1, keepdims=True)
    return Regions1950(names=tuple(wb.index), industries=tuple(wb.columns), shares=s, gini=gini(s), dominant=dom,
                       k1=s_dom, rest_weights=rest, panel=panel, base=base)


def synthetic_regions(n_regions: int = 722, seed: int = 0, end: int = 2020) -> Regions1950:
    """SYNTHETIC 1950 regions with the slides' Gini moments (``econhubs.empirics.synthetic_panel``; its
    end-year incomes carry the planted Fact 1 coefficient -0.233, the SYNTHETIC 'data' regression)."""
    if n_regions < 10:
        raise ValueError(f"n_regions: need at least 10 regions for the quantiles and the regression, got {n_regions}")
    return regions_from_panel(synthetic_panel(n_regions, years=(1950, end), seed=seed))


def load_regions(path, regions_path=None, base: int = 1950) -> Regions1950:
    """Real regions from CSV files in the ``econhubs facts`` schema (``econhubs.empirics.load_panel``)."""
    return regions_from_panel(load_panel(path, regions_path), base)
