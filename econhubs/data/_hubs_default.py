"""Embedded default data of the sectoral-hubs model (Rossi-Hansberg, Sarte & Schwartzman 2021).

The 382 US metropolitan areas of the 2015 delineation (real names, states, divisions, internal
points, 2010 populations and land areas), CBP 2019 employment by metro x 22 industries, OEWS May 2025
CNR / non-CNR employment and mean wages by metro, the OEWS national industry x occupation table, and
22 industries with national consumption, value-added, labour and input-output shares and trade
elasticities aggregated from the Caliendo, Parro, Rossi-Hansberg & Sarte (2018, REStud) 2007
calibration. Built by ``tools/build_us_metros.py``; provenance in ``hubs_default/README.md`` and
``metadata.json``. Employment by metro x occupation x industry is CONSTRUCTED at load time by
iterative proportional fitting (:func:`ipf`). pandas + numpy only; no network, no ``../shared``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from econhubs.core import (
    check_finite,
    check_positive,
    check_range,
    check_shape,
    check_sums_to_one,
)

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
N_METROS, N_INDUSTRIES, N_OCCUPATIONS = 382, 22, 2
GROUPS = ("HE", "PS", "M", "ATT", "NT")
DIVISIONS = (
    "New England", "Middle Atlantic", "East North Central", "West North Central",
    "South Atlantic", "East South Central", "West South Central", "Mountain", "Pacific",
)


def great_circle_km(lat, lon) -> np.ndarray:
    """Pairwise great-circle distances (km) by the haversine formula.

    d_nm = 2 R asin(sqrt(sin^2(dphi/2) + cos(phi_n) cos(phi_m) sin^2(dlambda/2))),
    R = 6371.0088 km; ``lat``/``lon`` in degrees, shape (N,); returns (N, N).
    """
    lat = np.radians(np.asarray(lat, dtype=np.float64))
    lon = np.radians(np.asarray(lon, dtype=np.float64))
    check_shape("lon", lon, lat.shape)
    check_finite("lat", lat)
    check_finite("lon", lon)
    dphi = lat[:, None] - lat[None, :]
    dlam = lon[:, None] - lon[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlam / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class HubsDefaultData:
    """Default economy: metros (N rows), industries (J rows), io (J x J; row = using j,
    column = supplying s; share of j's gross output), occupations (K rows), distance_km (N x N)."""

    metros: pd.DataFrame
    industries: pd.DataFrame
    io: np.ndarray
    occupations: pd.DataFrame
    distance_km: np.ndarray
    metadata: dict = field(default_factory=dict)
    industry_employment: pd.DataFrame | None = None
    occupation_wages: pd.DataFrame | None = None
    national_seed: pd.DataFrame | None = None

    @property
    def synthetic_fields(self) -> dict[str, str]:
        """Fields (``file.column``) that are not from a real source, with the reason."""
        return dict(self.metadata.get("synthetic", {}))

    @property
    def alpha(self) -> np.ndarray:
        return self.industries["alpha"].to_numpy(np.float64)

    @property
    def gamma(self) -> np.ndarray:
        return self.industries["gamma"].to_numpy(np.float64)

    @property
    def beta(self) -> np.ndarray:
        return self.industries["beta"].to_numpy(np.float64)

    @property
    def theta(self) -> np.ndarray:
        return self.industries["theta"].to_numpy(np.float64)

    @property
    def L_national(self) -> np.ndarray:
        """National employment by occupation (CNR, non-CNR)."""
        return self.occupations["national_employment"].to_numpy(np.float64)

    @property
    def employment_nj(self) -> np.ndarray:
        """CBP 2019 employment by metro x industry (N, J), in the order of ``metros``/``industries``."""
        t = self.industry_employment.pivot(index="cbsa_code", columns="industry", values="employment")
        return t.reindex(index=self.metros["cbsa_code"], columns=self.industries["name"]).to_numpy(np.float64)

    def _occ(self, col: str) -> np.ndarray:
        t = self.occupation_wages.pivot(index="cbsa_code", columns="occupation", values=col)
        return t.reindex(index=self.metros["cbsa_code"], columns=self.occupations["name"]).to_numpy(np.float64)

    @property
    def wages_nk(self) -> np.ndarray:
        """OEWS May 2025 annual mean wage (current dollars) by metro x occupation (N, K)."""
        return self._occ("mean_wage")

    @property
    def employment_nk(self) -> np.ndarray:
        """Employment by metro x occupation (N, K): the CBP metro total (22 industries) split by the
        OEWS CNR share of the metro, so that both IPF margins have the same metro totals."""
        e = self._occ("oews_employment")
        return self.employment_nj.sum(axis=1, keepdims=True) * e / e.sum(axis=1, keepdims=True)

    @property
    def seed_kj(self) -> np.ndarray:
        """OEWS national employment by occupation x industry (K, J): the IPF seed."""
        t = self.national_seed.pivot(index="occupation", columns="industry", values="employment")
        return t.reindex(index=self.occupations["name"], columns=self.industries["name"]).to_numpy(np.float64)

    @property
    def structures_proxy(self) -> np.ndarray:
        """H_n: metro land area / mean metro land area (the documented proxy; no rent index)."""
        a = self.metros["land_area_km2"].to_numpy(np.float64)
        return a / a.mean()

    def employment_nkj(self) -> np.ndarray:
        """CONSTRUCTED employment by metro x occupation x industry (N, K, J) by :func:`ipf`."""
        return ipf(self.employment_nj, self.employment_nk, self.seed_kj)

    def inversion_data(self) -> pd.DataFrame:
        """Long-form input of :func:`econhubs.estimation.invert`: one row per metro x occupation x
        industry with columns metro (CBSA code), occupation, industry, employment (CONSTRUCTED by
        IPF), wage (OEWS annual mean, dollars), constructed (True)."""
        L = self.employment_nkj()
        N, K, J = L.shape
        w = self.wages_nk
        idx = np.indices((N, K, J)).reshape(3, -1)
        return pd.DataFrame({
            "metro": self.metros["cbsa_code"].to_numpy()[idx[0]],
            "occupation": self.occupations["name"].to_numpy()[idx[1]],
            "industry": self.industries["name"].to_numpy()[idx[2]],
            "employment": L.reshape(-1), "wage": w[idx[0], idx[1]], "constructed": True,
        })


def ipf(row: np.ndarray, col: np.ndarray, seed: np.ndarray, *, tol: float = 1e-12,
        max_iter: int = 10_000) -> np.ndarray:
    r"""Iterative proportional fitting, one table per metro: $L_{nkj} = a_{nk} b_{nj} S_{kj}$ with
    $\sum_k L_{nkj}$ = ``row`` (N, J) and $\sum_j L_{nkj}$ = ``col`` (N, K) (Deming-Stephan 1940).

    ``seed`` (K, J) must be positive; each metro's two margins must have the same total. Rows of
    ``row`` that are zero stay zero. Stops when both margins hold to relative error ``tol`` (scaled
    by the metro total); raises if they do not within ``max_iter`` sweeps.
    """
    row, col, seed = (np.asarray(a, np.float64) for a in (row, col, seed))
    tot = row.sum(axis=1)
    gap = np.abs(col.sum(axis=1) - tot) / tot
    if np.any(gap > 1e-12):
        n = int(np.argmax(gap))
        raise ValueError(f"ipf: metro row {n}: margins disagree (industry total {tot[n]!r}, occupation total "
                         f"{col[n].sum()!r}); rule: both margins of a metro have the same total")
    check_positive("ipf seed", seed)
    L = np.broadcast_to(seed[None], (row.shape[0], *seed.shape)).copy()
    for _ in range(max_iter):
        s = L.sum(axis=1)
        L *= np.divide(row, s, out=np.zeros_like(row), where=s > 0)[:, None, :]
        L *= (col / L.sum(axis=2))[:, :, None]
        err = np.max(np.abs(L.sum(axis=1) - row).max(axis=1) / tot)
        if err <= tol:
            return L
    raise ValueError(f"ipf: margins not matched to {tol} after {max_iter} sweeps (max relative error {err:.3e})")


def _read_csv(name: str) -> pd.DataFrame:
    with resources.files("econhubs.data").joinpath("hubs_default", name).open("rb") as f:
        return pd.read_csv(f, compression="gzip" if name.endswith(".gz") else None,
                           dtype={"cbsa_code": str, "oews_area_code": str})


def _validate(d: HubsDefaultData) -> None:
    m, ind, occ = d.metros, d.industries, d.occupations
    check_shape("metros.csv rows", m.index, (N_METROS,))
    check_shape("industries.csv rows", ind.index, (N_INDUSTRIES,))
    check_shape("occupations.csv rows", occ.index, (N_OCCUPATIONS,))
    check_positive("metros.csv population", m["population"].to_numpy(np.float64))
    if not m["population"].is_monotonic_decreasing:
        raise ValueError("metros.csv population: rows must be sorted by population descending")
    if m["cbsa_code"].duplicated().any():
        raise ValueError(f"metros.csv cbsa_code: duplicated {m.loc[m['cbsa_code'].duplicated(), 'cbsa_code'].tolist()}")
    check_range("metros.csv lat", m["lat"].to_numpy(), 18.0, 72.0)
    check_range("metros.csv lon", m["lon"].to_numpy(), -180.0, -65.0)
    bad = sorted(set(m["division"]) - set(DIVISIONS))
    if bad:
        raise ValueError(f"metros.csv division: unknown census division(s) {bad}")
    bad = sorted(set(ind["group"]) - set(GROUPS))
    if bad:
        raise ValueError(f"industries.csv group: must be one of {GROUPS}, got {bad}")
    if not (ind["tradable"] == (ind["group"] != "NT")).all():
        raise ValueError("industries.csv tradable: must be False exactly for group NT")
    check_sums_to_one("industries.csv alpha", d.alpha, axis=0, tol=1e-10)
    check_positive("industries.csv alpha", d.alpha)
    check_range("industries.csv gamma", d.gamma, 0.0, 1.0)
    check_positive("industries.csv gamma", d.gamma)
    check_range("industries.csv beta", d.beta, 0.0, 1.0)
    check_positive("industries.csv theta", d.theta)
    check_positive("industries.csv phi (tradables)", ind.loc[ind["tradable"], "phi"].to_numpy(np.float64))
    check_range("industries.csv cnr_share", ind["cnr_share"].to_numpy(np.float64), 0.0, 1.0)
    check_shape("io_matrix.csv", d.io, (N_INDUSTRIES, N_INDUSTRIES))
    check_positive("io_matrix.csv value", d.io, strict=False)
    check_sums_to_one("gamma_j + sum_s io[j, s]",
                      np.concatenate([d.gamma[:, None], d.io], axis=1), axis=1, tol=1e-10)
    check_positive("occupations.csv national_employment", d.L_national)
    if d.industry_employment is not None:
        e = d.employment_nj
        check_shape("industry_employment.csv.gz (metro x industry)", e, (N_METROS, N_INDUSTRIES))
        check_positive("industry_employment.csv.gz employment", e, strict=False)
        check_positive("occupation_wages.csv.gz mean_wage", d.wages_nk)
        check_positive("occupation_wages.csv.gz oews_employment", d._occ("oews_employment"))
        check_positive("national_seed.csv employment", d.seed_kj)
    off = d.distance_km[~np.eye(N_METROS, dtype=bool)]
    check_positive("distance_km (off-diagonal)", off)


@lru_cache(maxsize=1)
def _load() -> HubsDefaultData:
    metros = _read_csv("metros.csv")
    industries = _read_csv("industries.csv")
    occupations = _read_csv("occupations.csv")
    io_long = _read_csv("io_matrix.csv")
    names = industries["name"].tolist()
    io = (io_long.pivot(index="using_industry", columns="supplying_industry", values="value")
          .reindex(index=names, columns=names).to_numpy(np.float64))
    check_finite("io_matrix.csv value (missing using/supplying pair?)", io)
    meta_path = resources.files("econhubs.data").joinpath("hubs_default", "metadata.json")
    metadata = json.loads(meta_path.read_text())
    dist = great_circle_km(metros["lat"].to_numpy(), metros["lon"].to_numpy())
    data = HubsDefaultData(metros, industries, io, occupations, dist, metadata,
                           _read_csv("industry_employment.csv.gz"), _read_csv("occupation_wages.csv.gz"),
                           _read_csv("national_seed.csv"))
    _validate(data)
    return data


def load_hubs_default() -> HubsDefaultData:
    """Load and validate the packaged default data (see ``docs/hubs_default_data.md``).

    Cached: the tables are parsed once per process; a fresh copy of each frame is returned.
    """
    d = _load()
    copy = {k: (v.copy() if isinstance(v, (pd.DataFrame, np.ndarray)) else v) for k, v in vars(d).items()}
    return HubsDefaultData(**copy)
