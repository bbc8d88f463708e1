r"""The default sectoral-hubs economies on the 382 real US metros (2015 delineation).

:func:`real_economy` (the default of ``econhubs hubs``): real wages and employment (OEWS 2025,
CBP 2019; metro x occupation x industry CONSTRUCTED by IPF), inverted
(:func:`econhubs.estimation.invert`) for the fundamentals λ̂, A, r that make them an equilibrium.
:func:`default_economy` (``--synthetic``, tests, demos): the same geography and national
accounts with **synthetic** fundamentals λ̂, A, H drawn by :func:`synthetic_fundamentals`.

Both: great-circle distances, 22 industries with national shares and trade elasticities from
the CPRS 2007 calibration, externalities from the seed's Table 1 (RSS 2021), zero for
nontradables. The distance elasticities φ_g are a synthetic spec choice.

Trade costs (spec **choice**): $κ^j_{nm} = (d_{nm}/\bar d)^{\bar θ φ_g/θ^j}$ for m ≠ n, with
$\bar θ$ = 4.55 (CPRS's services elasticity) and $\bar d$ the smallest metro distance, so the
distance elasticity of trade flows, $\bar θ φ_g$, is common within a group g and κ ≥ 1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..data import HubsDefaultData, load_hubs_default
from ._params import Fundamentals, HubsParams, TradeCosts

if TYPE_CHECKING:
    from ..estimation import Inversion

#: Seed Table 1 (RSS 2021): (τ^R CNR, τ^R non-CNR, τ^L) by tradable group.
TABLE1 = {"HE": (0.63, 0.44, 0.20), "PS": (1.22, 0.71, 0.39), "M": (1.23, 1.28, 0.51), "ATT": (0.80, 0.54, 0.37)}
GROUPS = ("HE", "PS", "M", "ATT")
THETA_BAR = 4.55


@dataclass(frozen=True)
class DefaultEconomy:
    """params, fundamentals (synthetic), trade, the shipped data, and labels."""

    params: HubsParams
    fundamentals: Fundamentals
    trade: TradeCosts
    data: HubsDefaultData
    cities: list[str]
    industries: list[str]
    occupations: list[str]
    groups: list[str]
    seed: int


def synthetic_fundamentals(data: HubsDefaultData, seed: int = 0, epsilon: float = 1.6, nu: float = 3.0,
                           wage_premium: float = 1.8) -> Fundamentals:
    r"""SYNTHETIC fundamentals, reproducible from ``seed``.

    - structures $H_n$ ∝ metro population × lognormal(0, 0.2);
    - productivity $\ln\hatλ^{kj}_n = a^{kj} + b^j_n + e^{kj}_n$ where $a^{CNR,j} - a^{nonCNR,j}
      = \ln(s_j/(1-s_j))/(ε-1) + \ln(\text{premium})$ makes industry j's CNR cost share about
      its ``cnr_share`` s_j, $b \sim N(0, 0.15^2)$ is city-industry comparative advantage and
      $e \sim N(0, 0.05^2)$;
    - amenities $A^k_n$ ∝ (population_n / mean)^{1/ν} × lognormal(0, 0.1), so that larger
      metros attract more workers.
    """
    rng = np.random.default_rng(seed)
    pop = data.metros["population"].to_numpy(float)
    N, J, K = len(pop), len(data.industries), len(data.occupations)
    s = np.clip(data.industries["cnr_share"].to_numpy(float), 0.02, 0.98)
    a = np.zeros((K, J))
    a[0] = np.log(s / (1 - s)) / (epsilon - 1.0) + np.log(wage_premium)
    lam_hat = np.exp(a[None] + rng.normal(0, 0.15, (N, 1, J)) + rng.normal(0, 0.05, (N, K, J)))
    A = (pop / pop.mean())[:, None] ** (1.0 / nu) * np.exp(rng.normal(0, 0.1, (N, K)))
    H = pop / 1e6 * np.exp(rng.normal(0, 0.2, N))
    return Fundamentals(lam_hat=lam_hat, A=A, H=H)


def default_trade(data: HubsDefaultData, groups: tuple[str, ...] = GROUPS) -> TradeCosts:
    """κ^j = (d/d̄)^{θ̄ φ_g/θ^j} for industries of the listed ``groups``; others nontradable."""
    phi = data.metadata["phi"]
    delta = np.array([THETA_BAR * phi[g] for g in groups])
    group_idx = tuple(groups.index(g) if g in groups else -1 for g in data.industries["group"])
    return TradeCosts.from_distance(data.distance_km, delta, group_idx)


def subset(data: HubsDefaultData, n_cities: int | None) -> HubsDefaultData:
    """The ``n_cities`` most populous metros (all when None)."""
    if n_cities is None:
        return data
    if not 2 <= n_cities <= len(data.metros):
        raise ValueError(f"n_cities must lie in [2, {len(data.metros)}], got {n_cities}")
    keep = np.arange(n_cities)
    m = data.metros.iloc[keep].reset_index(drop=True)
    codes = set(m["cbsa_code"])
    return dataclasses.replace(
        data, metros=m, distance_km=data.distance_km[np.ix_(keep, keep)],
        industry_employment=data.industry_employment[data.industry_employment["cbsa_code"].isin(codes)],
        occupation_wages=data.occupation_wages[data.occupation_wages["cbsa_code"].isin(codes)])


def table1_taus(groups, externalities: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """τ^R (2, J) and τ^L (J) from the seed's Table 1 by group; zero for nontradables."""
    J = len(groups)
    tau_R, tau_L = np.zeros((2, J)), np.zeros(J)
    if externalities:
        for j, g in enumerate(groups):
            if g in TABLE1:
                tau_R[0, j], tau_R[1, j], tau_L[j] = TABLE1[g]
    return tau_R, tau_L


@dataclass(frozen=True)
class RealEconomy:
    """The real economy: the inversion (``inversion.params``, ``.fundamentals``, ``.trade`` are the
    inputs of ``solve_equilibrium``), the shipped data and labels."""

    inversion: Inversion
    data: HubsDefaultData
    cities: list[str]
    industries: list[str]
    occupations: list[str]
    groups: list[str]

    @property
    def params(self) -> HubsParams:
        return self.inversion.params

    @property
    def fundamentals(self) -> Fundamentals:
        return self.inversion.fundamentals

    @property
    def trade(self) -> TradeCosts:
        return self.inversion.trade


def real_economy(n_cities: int | None = None, *, nu: float = 3.0, epsilon: float = 1.6,
                 externalities: bool = True) -> RealEconomy:
    """Invert the model on the real data (all 382 metros, or the ``n_cities`` most populous).

    Trade: nontradables (retail, utilities and construction, real estate) are traded at the
    steepest distance cost (φ_NT, metadata ``phi``) so that each city's nontradable employment
    can differ from its local demand; α and β are recalibrated for national consistency
    (:func:`econhubs.estimation.national_shares`). H: land-area proxy. See docs/hubs_default_data.md.
    """
    from ..estimation import invert

    data = subset(load_hubs_default(), n_cities)
    ind = data.industries
    groups = ind["group"].tolist()
    tau_R, tau_L = table1_taus(groups, externalities)
    L = data.employment_nk
    params = HubsParams(theta=ind["theta"].to_numpy(float), nu=nu, epsilon=epsilon, alpha=data.alpha,
                        gamma=data.gamma, io=data.io, beta=data.beta, tau_R=tau_R, tau_L=tau_L,
                        L_bar=L.sum(axis=0) / 1e6)
    trade = default_trade(data, GROUPS + ("NT",))
    df = data.inversion_data().assign(employment=lambda d: d["employment"] / 1e6)
    inv = invert(df, params, trade, H=data.structures_proxy, metros=data.metros["cbsa_code"].tolist(),
                 occupations=data.occupations["name"].tolist(), industries=ind["name"].tolist())
    return RealEconomy(inversion=inv, data=data, cities=data.metros["name"].tolist(),
                       industries=ind["name"].tolist(), occupations=data.occupations["name"].tolist(), groups=groups)


def default_economy(n_cities: int | None = None, seed: int = 0, *, nu: float = 3.0, epsilon: float = 1.6,
                    externalities: bool = True) -> DefaultEconomy:
    """The default economy (N = 382, J = 22, K = 2), or its ``n_cities`` largest metros.

    National employment L^k is in millions of workers (CPRS 2007 total, synthetic split).
    ``externalities=False`` sets every τ to zero.
    """
    data = subset(load_hubs_default(), n_cities)
    ind = data.industries
    groups = ind["group"].tolist()
    tau_R, tau_L = table1_taus(groups, externalities)
    L_bar = data.occupations["national_employment"].to_numpy(float) / 1e6
    params = HubsParams(
        theta=ind["theta"].to_numpy(float), nu=nu, epsilon=epsilon, alpha=data.alpha, gamma=data.gamma,
        io=data.io, beta=data.beta, tau_R=tau_R, tau_L=tau_L, L_bar=L_bar,
    )
    trade = default_trade(data, GROUPS)
    fund = synthetic_fundamentals(data, seed=seed, epsilon=epsilon, nu=nu)
    return DefaultEconomy(
        params=params, fundamentals=fund, trade=trade, data=data, cities=data.metros["name"].tolist(),
        industries=ind["name"].tolist(), occupations=data.occupations["name"].tolist(), groups=groups, seed=seed,
    )
