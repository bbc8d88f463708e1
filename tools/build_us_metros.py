"""Build the shipped sectoral-hubs default data from public sources (dev-time only).

Writes ``econhubs/data/hubs_default/`` (the package never reads ``../shared`` at run time)::

    python tools/build_us_metros.py [--src ../shared/data/us_metros2015] [--out econhubs/data/hubs_default]

Inputs: ``--src`` (Census/OMB/BLS extracts, see that folder's README) and the CPRS 2007 calibration
shipped in the package (read with :func:`econhubs.data.load_cprs2007`). Outputs:

* ``metros.csv``: the 382 MSAs of the 2015 delineation (OMB Feb 2013 + Enid, OK): CBSA code, title,
  principal state, census division, TIGER 2017 internal point, 2010 population and land area summed
  from the counties (2010 Gazetteer), the OEWS 2025 area used for it and how it was mapped.
* ``industry_employment.csv.gz``: CBP 2019 employment by metro x 22 industries (``naics_map.csv``).
* ``occupation_wages.csv.gz``: OEWS May 2025 employment and annual mean wage by metro x CNR/non-CNR
  (``soc_cnr.csv``); suppressed cells imputed and flagged.
* ``national_seed.csv``: OEWS May 2025 national employment by industry x CNR/non-CNR (the IPF seed).
* ``industries.csv``, ``io_matrix.csv``: 22 industries aggregated from CPRS 2007 (rules below),
  ``cnr_share`` from OEWS national; ``occupations.csv``: national CNR / non-CNR employment.
* ``metadata.json``: source and vintage of every table; constructed and synthetic parts named.

CPRS aggregation (national figures; Y gross output, VA value added): Y_{n,s} = total sales of
region n; gamma_s = national VA/Y; alpha_s = final-demand shares weighted by regional final
absorption; beta = 1 - VA-weighted mean structures share (one value, as in CPRS); theta_s = 1/dispersion.
A 22x26 matrix M[i, s] (columns sum to one; split sectors get documented hand-typed weights) gives
Y_i = M Y, gamma_i = (M VA)_i / Y_i, alpha_i = (M alpha)_i, 1/theta_i = output-weighted mean of
1/theta_s, intermediate flows Z = M Z_s M' and io[j, s] = Z[s, j] / Y_j, so gamma_j + sum_s io[j, s] = 1.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from econhubs.data import great_circle_km, load_cprs2007

ROOT = Path(__file__).resolve().parents[1]

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

# (industry, group, CPRS sectors, NAICS codes). NAICS codes are 2-digit sectors, or 3-digit
# subsectors where CBP has no 2-digit row (31-33, 44-45, 48-49). Not mapped (outside the CPRS
# sectors, as in RSS): 11 agriculture, 21 mining, 99 unclassified.
INDUSTRIES = [
    ("Health care", "HE", ["Health Care"], ["62"]),
    ("Education", "HE", ["Education"], ["61"]),
    ("Professional, scientific and technical services", "PS", ["Other Services"], ["54"]),
    ("Management and administrative support", "PS", ["Other Services"], ["55", "56"]),
    ("Finance and insurance", "PS", ["Finance and Insurance"], ["52"]),
    ("Information and communications", "PS", ["Information Services"], ["51"]),
    ("Arts and recreation", "PS", ["Arts and Recreation"], ["71"]),
    ("Other services", "PS", ["Other Services"], ["81"]),
    ("Food, beverage and tobacco", "M", ["Food, Beverage, Tobacco"], ["311", "312"]),
    ("Textiles, apparel and furniture", "M", ["Textile, Apparel, Leather", "Furniture"],
     ["313", "314", "315", "316", "337"]),
    ("Wood, paper and printing", "M", ["Wood and Paper", "Printing"], ["321", "322", "323"]),
    ("Petroleum, chemicals and plastics", "M", ["Petroleum and Coal", "Chemicals", "Plastics and Rubber"],
     ["324", "325", "326"]),
    ("Nonmetallic minerals and metals", "M", ["Nonmetallic Mineral", "Primary and Fabricated Metal"],
     ["327", "331", "332"]),
    ("Machinery and electrical equipment", "M", ["Machinery", "Electrical Equipment"], ["333", "335"]),
    ("Computer and electronics", "M", ["Computer and Electronics"], ["334"]),
    ("Transportation equipment and miscellaneous", "M", ["Transportation Equipment", "Miscellaneous"],
     ["336", "339"]),
    ("Accommodation and food services", "ATT", ["Accom. and Food Services"], ["72"]),
    ("Wholesale trade", "ATT", ["Wholesale and Retail Trade"], ["42"]),
    ("Transportation and warehousing", "ATT", ["Transport Services"],
     ["481", "482", "483", "484", "485", "486", "487", "488", "491", "492", "493"]),
    ("Retail trade", "NT", ["Wholesale and Retail Trade"],
     ["441", "442", "443", "444", "445", "446", "447", "448", "451", "452", "453", "454"]),
    ("Utilities and construction", "NT", ["Construction"], ["22", "23"]),
    ("Real estate", "NT", ["Real Estate"], ["53"]),
]

# OEWS national industry codes of the same industries (2-digit sectors are "SS--TT").
OEWS_SECTOR = {"42": "42--43", "51": "51--52", "52": "52--53", "53": "53--54", "54": "54--55", "55": "55--56",
               "56": "56--57", "61": "61--62", "62": "62--63", "71": "71--72", "72": "72--73", "81": "81--82",
               "22": "22--23", "23": "23--24", "44": "44--46", "45": "44--46", "48": "48--50",
               "49": "48--50"}

# Synthetic split weights of CPRS sectors that feed several industries: approximate shares of
# 2007 US value added (BEA GDP-by-industry, rounded, typed by hand).
SPLITS = {
    "Wholesale and Retail Trade": {"Wholesale trade": 0.48, "Retail trade": 0.52},
    "Other Services": {"Professional, scientific and technical services": 0.51,
                       "Management and administrative support": 0.33, "Other services": 0.16},
}

# Distance elasticity of trade costs kappa = (d/dbar)^phi (spec **choice**, SYNTHETIC). NT: the
# real economy trades nontradables at the HE cost (the steepest at which the gravity inversion
# converges on the data; see docs/hubs_default_data.md).
PHI = {"PS": 0.3, "M": 0.6, "ATT": 0.6, "HE": 1.0, "NT": 1.0}

# SOC major groups counted as cognitive non-routine (CNR); all others are non-CNR.
CNR_SOC = {"11": "Management", "13": "Business and financial operations", "15": "Computer and mathematical",
           "17": "Architecture and engineering", "19": "Life, physical and social science", "23": "Legal",
           "25": "Educational instruction and library", "27": "Arts, design, entertainment, sports and media",
           "29": "Healthcare practitioners and technical"}

# The 14 metros of the 2015 delineation without an OEWS 2025 (2023-delineation) area of the
# same code: (OEWS area code, rule). Rule "renamed": same core county, new code; "merged": the
# county joined a 2023 metro; "nonmetro": the area lost metro status, so the state's OEWS
# nonmetropolitan area that contains it is used; "adjacent": no OEWS area contains it, the
# bordering metro is used. OEWS is used only for the CNR share and the wages (levels are CBP's).
OEWS_MAP = {
    "14100": ("4200003", "nonmetro", "Bloomsburg-Berwick, PA -> Central Pennsylvania nonmetropolitan area"),
    "15680": ("0030500", "renamed", "California-Lexington Park, MD -> Lexington Park, MD"),
    "16060": ("1700004", "nonmetro", "Carbondale-Marion, IL -> South Illinois nonmetropolitan area"),
    "17460": ("0017410", "renamed", "Cleveland-Elyria, OH -> Cleveland, OH"),
    "19060": ("2400006", "nonmetro", "Cumberland, MD-WV -> Maryland nonmetropolitan area"),
    "19180": ("1700003", "nonmetro", "Danville, IL -> East Central Illinois nonmetropolitan area"),
    "19380": ("0019430", "renamed", "Dayton, OH -> Dayton-Kettering-Beavercreek, OH"),
    "20700": ("0010900", "adjacent", "East Stroudsburg, PA -> Allentown-Bethlehem-Easton, PA-NJ"),
    "31460": ("0023420", "merged", "Madera, CA -> Fresno, CA"),
    "35100": ("3700001", "nonmetro", "New Bern, NC -> Eastern North Carolina nonmetropolitan area"),
    "36140": ("0012100", "adjacent", "Ocean City, NJ -> Atlantic City-Hammonton, NJ (NJ has no nonmetro area)"),
    "38220": ("0500004", "nonmetro", "Pine Bluff, AR -> South Arkansas nonmetropolitan area"),
    "39140": ("0039150", "renamed", "Prescott, AZ -> Prescott Valley-Prescott, AZ"),
    "45540": ("0048680", "renamed", "The Villages, FL -> Wildwood-The Villages, FL"),
}

STATE_ABBR = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS",
    "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI",
    "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX",
    "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA", "West Virginia": "WV",
    "Wisconsin": "WI", "Wyoming": "WY",
}


GZIP = {"method": "gzip", "mtime": 0}  # reproducible bytes


def _read(src: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(src / name, dtype=str, keep_default_na=False, na_values=[""])


def build_metros(src: Path) -> pd.DataFrame:
    """382 metros: names, states, divisions, internal points, 2010 population and land area."""
    xw = _read(src, "metro_counties_2015.csv.gz")
    gaz = _read(src, "counties_gazetteer_2010.csv.gz")
    pts = _read(src, "metro_points_tiger2017.csv.gz").set_index("cbsa_code")
    gaz["pop2010"] = gaz["pop2010"].astype(float)
    gaz["land_area_m2"] = gaz["land_area_m2"].astype(float)
    cty = xw.merge(gaz[["county_fips", "pop2010", "land_area_m2"]], on="county_fips", how="left", validate="1:1")
    if cty["pop2010"].isna().any():
        raise ValueError(f"counties without a gazetteer row: {cty.loc[cty['pop2010'].isna(), 'county_fips'].tolist()}")
    g = cty.groupby("cbsa_code")
    m = pd.DataFrame({
        "name": g["cbsa_title"].first(),
        "population": g["pop2010"].sum().astype(np.int64),
        "land_area_km2": g["land_area_m2"].sum() / 1e6,
        "n_counties": g.size(),
    })
    # principal state: the state of the most populous central county
    top = cty.sort_values("pop2010", ascending=False).groupby("cbsa_code")["state_name"].first()
    m["state"] = top.map(STATE_ABBR)
    m["states"] = m["name"].str.split(", ").str[-1]
    m["division"] = m["state"].map(STATE_DIVISION)
    m["lat"] = pts.loc[m.index, "lat"].astype(float)
    m["lon"] = pts.loc[m.index, "lon"].astype(float)
    m = m.reset_index().sort_values(["population", "cbsa_code"], ascending=[False, True]).reset_index(drop=True)
    m.insert(0, "metro_id", np.arange(len(m)))
    return m[["metro_id", "cbsa_code", "name", "state", "states", "division", "lat", "lon", "population",
              "land_area_km2", "n_counties"]]


def build_industry_employment(src: Path, metros: pd.DataFrame) -> pd.DataFrame:
    """CBP 2019 employment by metro x industry (sum of the mapped NAICS rows; absent rows are 0)."""
    cbp = _read(src, "cbp2019_metro_naics.csv.gz")
    cbp["employment"] = cbp["employment"].astype(float)
    naics_to_ind = {c: name for name, _, _, codes in INDUSTRIES for c in codes}
    cbp = cbp[cbp["naics"].isin(naics_to_ind)].assign(industry=lambda d: d["naics"].map(naics_to_ind))
    tab = cbp.pivot_table(index="cbsa_code", columns="industry", values="employment", aggfunc="sum", fill_value=0.0)
    tab = tab.reindex(index=metros["cbsa_code"], columns=[i[0] for i in INDUSTRIES], fill_value=0.0)
    long = tab.stack().rename("employment").reset_index()
    return long.rename(columns={"level_1": "industry"})


def _oews_area_codes(metros: pd.DataFrame, areas: set[str]) -> pd.DataFrame:
    rows = []
    for c in metros["cbsa_code"]:
        if c in OEWS_MAP:
            code, rule, note = OEWS_MAP[c]
        else:
            code, rule, note = "00" + c, "direct", ""
        if code not in areas:
            raise ValueError(f"metro {c}: OEWS area {code} not in the OEWS file (rule {rule})")
        rows.append((c, code, rule, note))
    return pd.DataFrame(rows, columns=["cbsa_code", "oews_area_code", "oews_mapping", "oews_note"])


def build_occupations(src: Path, metros: pd.DataFrame) -> pd.DataFrame:
    """OEWS 2025 CNR / non-CNR employment and mean wage per metro, suppressed cells imputed.

    Imputation (each flagged): a major group with wage but no employment gets the area total
    minus the released groups, split over the missing groups in proportion to national group
    employment; a group with employment but no wage gets the national group mean wage times the
    area's all-occupation mean relative to the national one.
    """
    o = _read(src, "oews2025_metro_major_occupation.csv.gz")
    for c in ("employment", "annual_mean_wage"):
        o[c] = o[c].astype(float)
    nat = _read(src, "oews2025_national_industry_major_occupation.csv.gz")
    nat = nat[nat["industry_code"] == "000000"].set_index("occupation_code")
    nat_emp, nat_wage = nat["employment"].astype(float), nat["annual_mean_wage"].astype(float)
    amap = _oews_area_codes(metros, set(o["oews_area_code"]))
    o = o[o["oews_area_code"].isin(set(amap["oews_area_code"]))]
    out = []
    for code, a in o.groupby("oews_area_code"):
        tot = a[a["occupation_code"] == "000000"].iloc[0]
        g = a[a["occupation_code"] != "000000"].set_index("occupation_code")
        emp, wage = g["employment"].copy(), g["annual_mean_wage"].copy()
        miss_e, miss_w = emp.isna(), wage.isna()
        if miss_e.any():
            rest = max(tot["employment"] - emp.sum(), 0.0)
            wts = nat_emp.reindex(emp.index[miss_e])
            emp[miss_e] = rest * wts / wts.sum()
        if miss_w.any():
            rel = tot["annual_mean_wage"] / nat_wage["000000"]
            wage[miss_w] = nat_wage.reindex(wage.index[miss_w]) * rel
        cnr = emp.index.str[:2].isin(list(CNR_SOC))
        for occ, mask in (("CNR", cnr), ("non-CNR", ~cnr)):
            e = float(emp[mask].sum())
            out.append({"oews_area_code": code, "occupation": occ, "oews_employment": e,
                        "mean_wage": float((emp[mask] * wage[mask]).sum() / e),
                        "imputed_employment_groups": int((miss_e & mask).sum()),
                        "imputed_wage_groups": int((miss_w & mask).sum())})
    occ = pd.DataFrame(out)
    occ = amap.merge(occ, on="oews_area_code", how="left", validate="m:m")
    return occ


def build_national_seed(src: Path) -> pd.DataFrame:
    """OEWS 2025 national employment by industry x CNR / non-CNR (non-CNR = all minus CNR)."""
    nat = _read(src, "oews2025_national_industry_major_occupation.csv.gz")
    nat["employment"] = nat["employment"].astype(float)
    rows = []
    for name, _, _, naics in INDUSTRIES:
        codes = [OEWS_SECTOR.get(c, c + "000") for c in naics]
        codes = [OEWS_SECTOR[c[:2]] if c[:2] in ("44", "45", "48", "49") else c for c in codes]
        codes = list(dict.fromkeys(codes))
        sub = nat[nat["industry_code"].isin(codes)]
        if sub["industry_code"].nunique() != len(codes):
            raise ValueError(f"{name}: OEWS industry codes missing: {sorted(set(codes) - set(sub['industry_code']))}")
        total = sub.loc[sub["occupation_code"] == "000000", "employment"].sum()
        cnr = sub.loc[sub["occupation_code"].str[:2].isin(list(CNR_SOC)), "employment"].sum()
        rows += [{"industry": name, "occupation": "CNR", "employment": cnr, "oews_codes": ";".join(codes)},
                 {"industry": name, "occupation": "non-CNR", "employment": total - cnr, "oews_codes": ";".join(codes)}]
    return pd.DataFrame(rows)


def cprs_industries() -> tuple[pd.DataFrame, np.ndarray]:
    """22-industry national table and io[j, s] from the shipped CPRS 2007 calibration."""
    cal = load_cprs2007()
    sectors = list(cal.sectors)
    trade = np.asarray(cal.trade)
    Y = trade.sum(axis=1)  # (J, N) sales of each source region
    X = trade.sum(axis=2)  # (J, N) spending of each destination
    va_share = np.asarray(cal.gamma)
    io = np.asarray(cal.io)  # io[s, d]: share of input s in d's intermediates (columns sum to one)
    VA = va_share * Y
    inter_use = io @ (Y * (1.0 - va_share))  # (supplying sector, region)
    E = X.sum(axis=0) - inter_use.sum(axis=0)
    beta = 1.0 - float(np.asarray(cal.structures) @ VA.sum(axis=0) / VA.sum())
    alpha_s = (np.asarray(cal.alpha) * E[None]).sum(axis=1) / E.sum()
    Ys, VAs = Y.sum(axis=1), VA.sum(axis=1)
    theta_s = np.asarray(cal.theta)
    M = np.zeros((len(INDUSTRIES), len(sectors)))
    for i, (name, _, cprs_list, _) in enumerate(INDUSTRIES):
        for s in cprs_list:
            M[i, sectors.index(s)] = SPLITS.get(s, {}).get(name, 1.0)
    if not np.allclose(M.sum(axis=0), 1.0):
        raise ValueError("mapping matrix: every CPRS sector must be assigned exactly once")
    Yi = M @ Ys
    Z = io * ((1.0 - VAs / Ys) * Ys)[None, :]
    io22 = (M @ Z @ M.T).T / Yi[:, None]
    rows = []
    for i, (name, group, cprs_list, naics) in enumerate(INDUSTRIES):
        split = any(s in SPLITS for s in cprs_list)
        rows.append({
            "industry_id": i, "name": name, "group": group, "tradable": group != "NT",
            "alpha": M[i] @ alpha_s, "gamma": (M @ VAs)[i] / Yi[i], "beta": beta,
            "theta": Yi[i] / (M[i] @ (Ys / theta_s)), "phi": PHI[group], "gross_output": Yi[i],
            "cprs_sectors": ";".join(cprs_list), "naics": ";".join(naics),
            "split_weight": max(M[i, sectors.index(s)] for s in cprs_list),
            "synthetic": ";".join(["phi"] + (["split_weight"] if split else [])),
        })
    return pd.DataFrame(rows), io22


def metadata(src: Path, occ: pd.DataFrame) -> dict:
    return {
        "sources": {
            "metros.csv": "OMB Feb 2013 delineation (NBER cbsa2fipsxw) + Enid, OK (July 2015): 382 MSAs; names, "
                          "states; population and land area: 2010 Census Gazetteer (counties), summed; internal "
                          "point: Census TIGER/Line 2017 CBSA; divisions: Census Bureau regions and divisions",
            "industry_employment.csv.gz": "County Business Patterns 2019 (Census API extract), NAICS 2017, "
                                          "mapped by naics_map (industries.csv column naics)",
            "occupation_wages.csv.gz": "BLS OEWS May 2025 metropolitan and nonmetropolitan areas (2023 "
                                       "delineation), SOC major groups, CNR rule soc_cnr",
            "national_seed.csv": "BLS OEWS May 2025 national industry-specific estimates, SOC major groups",
            "industries.csv": "Caliendo, Parro, Rossi-Hansberg & Sarte (2018 REStud) 2007 calibration, aggregated; "
                              "cnr_share: OEWS May 2025 national",
            "io_matrix.csv": "CPRS 2007 input-output shares, aggregated to 22 industries",
            "occupations.csv": "national employment by occupation: CBP 2019 metro totals x OEWS 2025 CNR shares",
        },
        "vintages": {"delineation": "2013-02 (+ 2015-07 Enid)", "population": 2010, "cbp": 2019,
                     "oews": "2025-05", "cprs": 2007, "tiger": 2017},
        "constructed": {
            "employment by metro x occupation x industry": "iterative proportional fitting of the CBP metro x "
            "industry and the metro x occupation margins, seeded with national_seed; built at load time "
            "(econhubs.data.ipf), never observed",
            "occupation employment levels": "CBP metro total (mapped sectors) x OEWS CNR share of the metro",
            "occupation_wages imputed cells": f"{int(occ['imputed_employment_groups'].sum())} major-group "
            f"employment and {int(occ['imputed_wage_groups'].sum())} wage cells suppressed by BLS, imputed",
            "structures H": "land area proxy: metro land area / mean metro land area (no rent index)",
        },
        "synthetic": {
            "industries.phi": "distance elasticity of trade costs: spec choice, not estimated",
            "industries.split_weight": "approximate BEA 2007 value-added shares, typed by hand",
        },
        "cnr_soc_major_groups": CNR_SOC,
        "oews_area_map": {k: {"oews_area_code": v[0], "rule": v[1], "note": v[2]} for k, v in OEWS_MAP.items()},
        "split_weights": SPLITS,
        "phi": PHI,
        "earth_radius_km": 6371.0088,
        "source_folder": "shared/data/us_metros2015",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=ROOT.parent / "shared" / "data" / "us_metros2015")
    ap.add_argument("--out", type=Path, default=ROOT / "econhubs" / "data" / "hubs_default")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    metros = build_metros(a.src)
    great_circle_km(metros["lat"].to_numpy(), metros["lon"].to_numpy())  # validates the points
    occ = build_occupations(a.src, metros)
    amap = occ.drop_duplicates("cbsa_code").set_index("cbsa_code")
    metros["oews_area_code"] = metros["cbsa_code"].map(amap["oews_area_code"])
    metros["oews_mapping"] = metros["cbsa_code"].map(amap["oews_mapping"])
    metros.to_csv(a.out / "metros.csv", index=False, float_format="%.10g")
    emp = build_industry_employment(a.src, metros)
    emp.to_csv(a.out / "industry_employment.csv.gz", index=False, float_format="%.17g", compression=GZIP)
    occ.drop(columns=["oews_note"]).to_csv(a.out / "occupation_wages.csv.gz", index=False, float_format="%.17g",
                                          compression=GZIP)
    seed = build_national_seed(a.src)
    seed.to_csv(a.out / "national_seed.csv", index=False, float_format="%.17g")
    ind, io22 = cprs_industries()
    s = seed.pivot(index="industry", columns="occupation", values="employment").loc[ind["name"]]
    ind["cnr_share"] = (s["CNR"] / s.sum(axis=1)).to_numpy()
    ind.to_csv(a.out / "industries.csv", index=False, float_format="%.17g")
    names = ind["name"].tolist()
    long = pd.DataFrame([(names[j], names[k], io22[j, k]) for j in range(len(names)) for k in range(len(names))],
                        columns=["using_industry", "supplying_industry", "value"])
    long.to_csv(a.out / "io_matrix.csv", index=False, float_format="%.17g")
    tot = emp.groupby("cbsa_code")["employment"].sum()
    occ_w = occ.pivot(index="cbsa_code", columns="occupation", values="oews_employment")
    cnr = occ_w["CNR"] / occ_w.sum(axis=1)
    L_cnr = float((tot * cnr.reindex(tot.index)).sum())
    pd.DataFrame({"name": ["CNR", "non-CNR"], "national_employment": [L_cnr, float(tot.sum()) - L_cnr],
                  "source": ["CBP 2019 metro employment (22 industries) x OEWS 2025 metro CNR share"] * 2}
                 ).to_csv(a.out / "occupations.csv", index=False, float_format="%.17g")
    (a.out / "metadata.json").write_text(json.dumps(metadata(a.src, occ), indent=2) + "\n")
    print(f"wrote {a.out}: {len(metros)} metros, population {metros['population'].sum() / 1e6:.1f} M, "
          f"CBP employment {tot.sum() / 1e6:.2f} M")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
