r"""Externality elasticities by 2SLS with model-implied instruments (RSS 2021, Table 1).

Per tradable group g ∈ {HE, PS, M, ATT}, pooling metros n, occupations k and industries j ∈ g
(seed eq. 1 in logs; spec "Externality estimation"):

$$\ln λ^{kj}_n = δ_{kj} + δ_{div(n)} + c_n'b + τ^{R,CNR}_g 1[k=CNR]\ln\frac{L^{CNR}_n}{L_n}
 + τ^{R,NCNR}_g 1[k=NCNR]\ln\frac{L^{NCNR}_n}{L_n} + τ^L_g \ln L_n + e^{kj}_n.$$

- δ_kj: occupation × industry dummies; δ_div: census-division dummies (one dropped);
- c_n: **climate proxies**. The data carry no climate measures, so (as the seed's "measures of
  local climate" stand-in) we use a quadratic surface in latitude and longitude (lat, lon,
  lat², lon², lat·lon, standardised), which absorbs smooth north-south (temperature) and
  coast-interior (precipitation) gradients. This is a documented proxy, not climate data;
- instruments (model-implied, MIIV): the same three regressors computed from the
  counterfactual equilibrium in which λ^{kj}_n is replaced by its cross-city geometric mean
  $\bar λ^{kj} = \exp(\frac1N\sum_n \ln λ^{kj}_n)$ for every (k, j), holding amenities,
  structures, trade costs and parameters fixed. λ is *fixed* there (τ set to 0 in the
  counterfactual: λ is replaced, not λ̂), so the allocation depends only on amenities and
  geography, not on the city-specific productivity shocks e. Solved directly, or by continuation
  from the observed equilibrium if the direct solve fails (:mod:`._instrument`);
- 2SLS with standard errors clustered by metro; first-stage Wald statistic per endogenous
  regressor (linearmodels' convention: χ²_q for clustered covariances, here q = 3); OLS alongside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..spatial import GROUPS
from ._instrument import InstrumentSolve, instrument_equilibrium
from ._iv2sls import iv2sls
from ._iv2sls_results import IVResults

ENDOG = ("tauR_CNR", "tauR_NCNR", "tauL")
INSTR = tuple("z_" + e for e in ENDOG)
CLIMATE = ("lat", "lon", "lat2", "lon2", "latlon")


def _regressors(L: np.ndarray, cnr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per metro: ln(L^CNR/L), ln(L^NCNR/L), ln L."""
    tot = L.sum(axis=1)
    return np.log(L[:, cnr] / tot), np.log(L[:, 1 - cnr] / tot), np.log(tot)


def externality_panel(lam, L, L_instrument, metros: pd.DataFrame, groups, cnr: int = 0, exclude=None) -> pd.DataFrame:
    """Long panel (one row per metro n, occupation k, industry j) with ln λ, the three regressors,
    their instruments, metro id, division and climate proxies. ``exclude`` (N, K, J) bool drops
    cells (e.g. the inversion's floored zero-employment cells, whose λ is an artefact)."""
    lam, L, Lz = np.asarray(lam, float), np.asarray(L, float), np.asarray(L_instrument, float)
    N, K, J = lam.shape
    if K != 2:
        raise ValueError(f"the Table 1 specification has two occupations (CNR, non-CNR); got K={K}")
    if L.shape != (N, K) or Lz.shape != (N, K):
        raise ValueError(f"L {L.shape} and L_instrument {Lz.shape} must be (N, K) = {(N, K)}")
    if len(metros) != N or not {"division", "lat", "lon"} <= set(metros.columns):
        raise ValueError(f"metros must have N={N} rows and columns division, lat, lon; got {len(metros)} rows, "
                         f"columns {list(metros.columns)}")
    for name, a in (("lam", lam), ("L", L), ("L_instrument", Lz)):
        if not (np.all(np.isfinite(a)) and np.all(a > 0)):
            raise ValueError(f"{name} must be finite and positive")
    n, k, j = (a.ravel() for a in np.meshgrid(np.arange(N), np.arange(K), np.arange(J), indexing="ij"))
    x, z = _regressors(L, cnr), _regressors(Lz, cnr)
    is_cnr = (k == cnr).astype(float)
    lat = (metros["lat"].to_numpy(float) - metros["lat"].mean()) / metros["lat"].std()
    lon = (metros["lon"].to_numpy(float) - metros["lon"].mean()) / metros["lon"].std()
    df = pd.DataFrame({
        "metro": n, "k": k, "j": j, "group": np.asarray(groups)[j], "ln_lam": np.log(lam).ravel(),
        ENDOG[0]: is_cnr * x[0][n], ENDOG[1]: (1 - is_cnr) * x[1][n], ENDOG[2]: x[2][n],
        INSTR[0]: is_cnr * z[0][n], INSTR[1]: (1 - is_cnr) * z[1][n], INSTR[2]: z[2][n],
        "division": metros["division"].to_numpy()[n], "lat": lat[n], "lon": lon[n],
    })
    df = df.assign(lat2=df.lat ** 2, lon2=df.lon ** 2, latlon=df.lat * df.lon)
    if exclude is not None:
        exclude = np.asarray(exclude, bool)
        if exclude.shape != lam.shape:
            raise ValueError(f"exclude must have the shape of lam {lam.shape}, got {exclude.shape}")
        df = df[~exclude.ravel()].reset_index(drop=True)
    return df


def _group_frame(panel: pd.DataFrame, g: str) -> tuple[pd.DataFrame, list[str]]:
    d = panel[panel["group"] == g].reset_index(drop=True)
    kj = pd.get_dummies(d["k"].astype(str) + "_" + d["j"].astype(str), prefix="kj", dtype=float)
    div = pd.get_dummies(d["division"], prefix="div", dtype=float).iloc[:, 1:]
    div = div.loc[:, div.sum() > 0]
    return pd.concat([d, kj, div], axis=1), list(kj.columns) + list(div.columns) + list(CLIMATE)


@dataclass(frozen=True)
class ExternalityEstimates:
    """2SLS and OLS results per group, the panel, the instrument allocation and (when solved here)
    how its counterfactual was solved."""

    iv: dict[str, IVResults]
    ols: dict[str, IVResults]
    panel: pd.DataFrame
    L_instrument: np.ndarray
    instrument: InstrumentSolve | None = None

    def tau(self) -> pd.DataFrame:
        """2SLS τ (rows: groups; columns tauR_CNR, tauR_NCNR, tauL)."""
        return pd.DataFrame({g: r.params[list(ENDOG)] for g, r in self.iv.items()}).T


def estimate_externalities(lam, L, params, fundamentals, trade, metros: pd.DataFrame, groups, *, cnr: int = 0,
                           L_instrument=None, exclude=None, group_names=GROUPS,
                           **solve_kwargs) -> ExternalityEstimates:
    """Table 1 regressions from an (inverted) economy.

    lam (N, K, J): productivity λ with externalities (e.g. ``Equilibrium.lam`` or the inversion's);
    L (N, K): employment; params/fundamentals/trade: to solve the instrument counterfactual
    (only A and H of ``fundamentals`` are used); metros: DataFrame with division, lat, lon (one row
    per metro, in order); groups (J,): each industry's group label; cnr: index of the CNR occupation.
    ``L_instrument`` (N, K) skips the counterfactual solve; ``exclude`` (N, K, J) bool drops cells.
    Extra keywords go to :func:`instrument_equilibrium` (``z0``: the observed equilibrium's unknowns,
    ``method``) and on to ``solve_equilibrium``.
    """
    inst = None
    if L_instrument is None:
        inst = instrument_equilibrium(lam, params, fundamentals, trade, **solve_kwargs)
        L_instrument = inst.equilibrium.L
    panel = externality_panel(lam, L, L_instrument, metros, groups, cnr, exclude)
    iv, ols = {}, {}
    for g in group_names:
        d, controls = _group_frame(panel, g)
        if d.empty:
            raise ValueError(f"group {g!r} has no industries (groups: {sorted(set(groups))})")
        iv[g] = iv2sls(d, "ln_lam", controls, list(ENDOG), list(INSTR), cluster="metro", cov="clustered")
        ols[g] = iv2sls(d, "ln_lam", controls + list(ENDOG), [], [], cluster="metro", cov="clustered")
    return ExternalityEstimates(iv=iv, ols=ols, panel=panel, L_instrument=np.asarray(L_instrument), instrument=inst)
