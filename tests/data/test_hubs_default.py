"""Tests of the embedded sectoral-hubs default data (econhubs/data/hubs_default): the real
382-metro economy built by tools/build_us_metros.py, and the CPRS 2007 industry aggregates."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from econhubs.data import great_circle_km, load_hubs_default

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CPRS = SHARED / "cprs2007"
METROS = SHARED / "us_metros2015"

# Census Bureau divisions, typed in separately from the builder's table.
STATES_BY_DIVISION = {
    "New England": "CT ME MA NH RI VT",
    "Middle Atlantic": "NJ NY PA",
    "East North Central": "IL IN MI OH WI",
    "West North Central": "IA KS MN MO NE ND SD",
    "South Atlantic": "DE DC FL GA MD NC SC VA WV",
    "East South Central": "AL KY MS TN",
    "West South Central": "AR LA OK TX",
    "Mountain": "AZ CO ID MT NV NM UT WY",
    "Pacific": "AK CA HI OR WA",
}


@pytest.fixture(scope="module")
def data():
    return load_hubs_default()


def _spherical_law_of_cosines(lat1, lon1, lat2, lon2, r=6371.0088):
    p1, p2, dl = map(math.radians, (lat1, lat2, lon2 - lon1))
    return r * math.acos(math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl))


def test_haversine_known_distances():
    # NYC (40.7128, -74.0060) - LA (34.0522, -118.2437): ~3936 km great circle.
    d = great_circle_km(np.array([40.7128, 34.0522]), np.array([-74.0060, -118.2437]))
    assert d[0, 0] == 0.0 and d[0, 1] == pytest.approx(d[1, 0])
    assert d[0, 1] == pytest.approx(3936.0, rel=0.01)
    # London - Paris ~343.5 km; against an independent formula too.
    lat, lon = np.array([51.5074, 48.8566]), np.array([-0.1278, 2.3522])
    d = great_circle_km(lat, lon)[0, 1]
    assert d == pytest.approx(343.5, rel=0.01)
    assert d == pytest.approx(_spherical_law_of_cosines(lat[0], lon[0], lat[1], lon[1]), rel=1e-9)
    # Quarter meridian: pole to equator = pi R / 2.
    d = great_circle_km(np.array([90.0, 0.0]), np.array([0.0, 0.0]))[0, 1]
    assert d == pytest.approx(math.pi * 6371.0088 / 2, rel=1e-12)


def test_shapes(data):
    assert data.metros.shape[0] == 382 and data.industries.shape[0] == 22
    assert data.occupations.shape[0] == 2 and data.io.shape == (22, 22)
    assert data.distance_km.shape == (382, 382)
    assert np.allclose(data.distance_km, data.distance_km.T)
    assert np.all(np.diag(data.distance_km) == 0.0)
    assert data.metros["metro_id"].tolist() == list(range(382))


def test_shares_and_io_identity(data):
    assert data.alpha.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(data.alpha > 0)
    assert np.all((data.gamma > 0) & (data.gamma < 1))
    np.testing.assert_allclose(data.gamma + data.io.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(data.io >= 0)
    assert np.all(data.beta == data.beta[0]) and 0.5 < data.beta[0] < 0.9


def test_groups_and_tradability(data):
    ind = data.industries
    counts = ind["group"].value_counts().to_dict()
    assert counts == {"PS": 6, "M": 8, "NT": 3, "ATT": 3, "HE": 2}
    assert (ind["tradable"] == (ind["group"] != "NT")).all()
    phi = ind.groupby("group")["phi"].first()
    assert phi["PS"] < phi["M"] <= phi["ATT"] < phi["HE"] <= phi["NT"]
    assert "industries.phi" in data.synthetic_fields
    assert all("phi" in str(x).split(";") for x in ind["synthetic"])


def test_top_metros_are_largest_and_sensible(data):
    m = data.metros
    assert m["population"].is_monotonic_decreasing
    top5 = m.nlargest(5, "population")["name"].tolist()
    assert top5 == m["name"].head(5).tolist()
    assert top5[:3] == ["New York-Newark-Jersey City, NY-NJ-PA", "Los Angeles-Long Beach-Anaheim, CA",
                        "Chicago-Naperville-Elgin, IL-IN-WI"]
    pop = m.set_index("cbsa_code")["population"]
    assert round(pop["35620"] / 1e6, 2) == 19.57 and round(pop["31080"] / 1e6, 2) == 12.83
    assert round(pop["16980"] / 1e6, 2) == 9.46 and round(pop.sum() / 1e6, 1) == 262.5
    assert m["cbsa_code"].is_unique and m["cbsa_code"].str.fullmatch(r"\d{5}").all()
    assert (m["oews_mapping"] != "direct").sum() == 14
    assert m["state"].isin(sum((v.split() for v in STATES_BY_DIVISION.values()), [])).all()


def test_division_matches_state(data):
    state_div = {st: div for div, sts in STATES_BY_DIVISION.items() for st in sts.split()}
    assert len(state_div) == 51
    expected = data.metros["state"].map(state_div)
    assert (expected == data.metros["division"]).all()


def test_distances_positive_and_plausible(data):
    d = data.distance_km
    off = d[~np.eye(382, dtype=bool)]
    assert off.min() > 0 and off.max() < 9000  # Honolulu-New England ~8200 km


@pytest.mark.skipif(not CPRS.exists(), reason="raw CPRS 2007 files (../shared) absent")
def test_aggregation_reproduced_from_raw_cprs(data):
    """Rebuild the 'Wood, paper and printing' row directly from the raw CPRS tables."""
    parts = ["Wood and Paper", "Printing"]
    trade = pd.read_csv(CPRS / "bilateral_trade.csv.gz")
    trade = trade[trade["sector"].isin(parts)]
    y = trade.groupby(["sector", "source"])["value"].sum()  # gross output by region
    va = pd.read_csv(CPRS / "value_added_share.csv.gz").set_index(["sector", "region"])["value"]
    va = va.reindex(y.index.rename(["sector", "region"]))
    Y = y.groupby(level=0).sum()
    VA = (va.to_numpy() * y).groupby(level=0).sum()
    gamma_expected = VA.sum() / Y.sum()
    disp = pd.read_csv(CPRS / "sectoral_dispersion.csv.gz").set_index("sector")["value"]
    theta_expected = 1.0 / float(sum(Y[s] / Y.sum() * disp[s] for s in parts))
    fd = pd.read_csv(CPRS / "final_demand_share.csv.gz")
    # final-demand shares are common across regions in CPRS, so any weighting gives this mean
    alpha_expected = fd[fd["sector"].isin(parts)].groupby("sector")["value"].mean().sum()

    row = data.industries.set_index("name").loc["Wood, paper and printing"]
    assert row["cprs_sectors"] == "Wood and Paper;Printing"
    assert row["gamma"] == pytest.approx(gamma_expected, rel=1e-10)
    assert row["theta"] == pytest.approx(theta_expected, rel=1e-10)
    assert row["alpha"] == pytest.approx(alpha_expected, rel=1e-10)
    assert row["gross_output"] == pytest.approx(Y.sum(), rel=1e-12)


@pytest.mark.skipif(not CPRS.exists(), reason="raw CPRS 2007 files (../shared) absent")
def test_io_aggregate_reproduced_from_raw_cprs(data):
    """io[Wood-paper-printing, Petroleum-chemicals-plastics] from the raw CPRS tables."""
    users = ["Wood and Paper", "Printing"]
    suppliers = ["Petroleum and Coal", "Chemicals", "Plastics and Rubber"]
    trade = pd.read_csv(CPRS / "bilateral_trade.csv.gz")
    y = trade.groupby(["sector", "source"])["value"].sum()
    va = pd.read_csv(CPRS / "value_added_share.csv.gz").set_index(["sector", "region"])["value"]
    va = va.reindex(y.index.rename(["sector", "region"])).to_numpy()
    Y = y.groupby(level=0).sum()
    intermediates = (y * (1.0 - va)).groupby(level=0).sum()  # national spending on inputs
    io = pd.read_csv(CPRS / "io_matrix.csv.gz").pivot(
        index="source_sector", columns="dest_sector", values="value")
    io = io / io.sum(axis=0)  # columns = shares of the user's intermediate spending
    flow = sum(io.loc[s, d] * intermediates[d] for s in suppliers for d in users)
    expected = flow / sum(Y[d] for d in users)
    names = data.industries["name"].tolist()
    j = names.index("Wood, paper and printing")
    s = names.index("Petroleum, chemicals and plastics")
    assert data.io[j, s] == pytest.approx(expected, rel=1e-10)


def test_employment_margins_and_ipf(data):
    e = data.employment_nj
    assert e.shape == (382, 22) and np.all(e >= 0) and np.all(e.sum(axis=1) > 0)
    assert round(e.sum() / 1e6, 2) == 113.11  # CBP 2019, mapped sectors
    Lnk = data.employment_nk
    np.testing.assert_allclose(Lnk.sum(axis=1), e.sum(axis=1), rtol=1e-14)
    L = data.employment_nkj()
    tot = e.sum(axis=1)
    assert np.max(np.abs(L.sum(axis=1) - e) / tot[:, None]) <= 1e-10
    assert np.max(np.abs(L.sum(axis=2) - Lnk) / tot[:, None]) <= 1e-10
    assert np.all(L.transpose(0, 2, 1)[e == 0] == 0)
    # IPF keeps the seed's odds ratios: L[n,0,j] L[n,1,s] / (L[n,0,s] L[n,1,j]) = S[0,j] S[1,s] / (S[0,s] S[1,j])
    S = data.seed_kj
    n, j, s = 0, 0, 14
    got = L[n, 0, j] * L[n, 1, s] / (L[n, 0, s] * L[n, 1, j])
    assert got == pytest.approx(S[0, j] * S[1, s] / (S[0, s] * S[1, j]), rel=1e-9)
    w = data.wages_nk
    assert np.all(w[:, 0] > w[:, 1])  # CNR mean wages exceed non-CNR ones in every metro
    df = data.inversion_data()
    assert len(df) == 382 * 2 * 22 and df["constructed"].all()


@pytest.mark.skipif(not METROS.exists(), reason="raw us_metros2015 files (../shared) absent")
def test_cbp_totals_of_mapped_sectors(data):
    cbp = pd.read_csv(METROS / "cbp2019_metro_naics.csv.gz", dtype={"cbsa_code": str, "naics": str})
    codes = [c for x in data.industries["naics"] for c in x.split(";")]
    assert len(codes) == len(set(codes))
    raw = cbp[cbp["naics"].isin(codes)].groupby("cbsa_code")["employment"].sum()
    got = pd.Series(data.employment_nj.sum(axis=1), index=data.metros["cbsa_code"])
    np.testing.assert_allclose(got.to_numpy(), raw.reindex(got.index).to_numpy(), rtol=1e-14)
    # each industry: its NAICS rows
    j = data.industries["name"].tolist().index("Computer and electronics")
    raw334 = cbp[cbp["naics"] == "334"].set_index("cbsa_code")["employment"].reindex(got.index, fill_value=0.0)
    np.testing.assert_array_equal(data.employment_nj[:, j], raw334.to_numpy())


@pytest.mark.slow
@pytest.mark.skipif(not METROS.exists(), reason="raw us_metros2015 files (../shared) absent")
def test_rebuild_from_public_data_matches_shipped(tmp_path):
    import runpy
    import sys

    builder = Path(__file__).resolve().parents[2] / "tools" / "build_us_metros.py"
    argv = sys.argv
    try:
        sys.argv = [str(builder), "--src", str(METROS), "--out", str(tmp_path)]
        with pytest.raises(SystemExit) as e:
            runpy.run_path(str(builder), run_name="__main__")
        assert e.value.code == 0
    finally:
        sys.argv = argv
    shipped = Path(__file__).resolve().parents[2] / "econhubs" / "data" / "hubs_default"
    for f in ("metros.csv", "industry_employment.csv.gz", "occupation_wages.csv.gz", "national_seed.csv",
              "industries.csv", "io_matrix.csv", "occupations.csv", "metadata.json"):
        assert (tmp_path / f).read_bytes() == (shipped / f).read_bytes(), f
