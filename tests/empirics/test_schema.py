import re

import numpy as np
import pandas as pd
import pytest

from econhubs.empirics import fact1, load_panel, synthetic_panel, validate_panel, write_panel

from empirics_helpers import small_panel


def _df():
    return small_panel(n_regions=5, n_industries=4, years=(1950, 1960), seed=1)  # 40 rows


def test_duplicate_keys_named_by_row():
    df = _df()
    df.loc[17, ["region", "year", "industry"]] = df.loc[3, ["region", "year", "industry"]].to_numpy()
    with pytest.raises(ValueError, match=re.escape("duplicate (region, year, industry) keys in data rows 4, 18")):
        validate_panel(df)


def test_negative_income_named_by_row():
    df = _df()
    df.loc[[5, 21], "income"] = -1.0
    with pytest.raises(ValueError, match=re.escape("negative income in data rows 6, 22")):
        validate_panel(df)


def test_missing_year_and_non_integer_year():
    df = _df()
    df["year"] = df["year"].astype(float)
    df.loc[2, "year"] = np.nan
    with pytest.raises(ValueError, match=re.escape("missing values in column 'year' in data row 3")):
        validate_panel(df)
    df.loc[2, "year"] = 1950.5
    with pytest.raises(ValueError, match=re.escape("non-integer years in data row 3")):
        validate_panel(df)


def test_non_numeric_column_named_by_row(tmp_path):
    df = _df().astype({"income": object})
    df.loc[4, "income"] = "abc"
    with pytest.raises(ValueError, match=re.escape("non-numeric values in column 'income' in data row 5 (e.g. 'abc')")):
        validate_panel(df)
    path = tmp_path / "p.csv"
    df.loc[4, "income"] = "12x"
    df.to_csv(path, index=False)
    with pytest.raises(ValueError, match=re.escape("column 'income' in data row 5")):
        load_panel(path)


def test_missing_columns_and_bad_regions_table():
    with pytest.raises(ValueError, match=r"missing required column\(s\) \['industry'\]"):
        validate_panel(_df().drop(columns="industry"))
    with pytest.raises(ValueError, match="income' and/or 'employment"):
        validate_panel(_df().drop(columns="income"))
    reg = pd.DataFrame({"region": ["R0", "R1"], "year": [1950, 1950], "population": [10.0, 5.0],
                        "female_share": [0.3, 1.2]})
    with pytest.raises(ValueError, match=re.escape("regions: female_share must be in [0, 1]; violated in data row 2")):
        validate_panel(_df(), reg)
    reg2 = pd.DataFrame({"region": ["R0", "R0"], "year": [1950, 1950], "population": [1.0, 2.0]})
    with pytest.raises(ValueError, match=re.escape("regions: duplicate (region, year) keys in data rows 1, 2")):
        validate_panel(_df(), reg2)


def test_single_file_region_columns_must_be_constant():
    df = _df()
    df["population"] = 100.0
    p = validate_panel(df)
    assert p.regions is not None and len(p.regions) == 10
    df.loc[1, "population"] = 50.0  # R0 1950 rows are 0..3
    with pytest.raises(ValueError, match=re.escape("vary within a region-year in data rows 1, 2, 3, 4")):
        validate_panel(df)


def test_unbalanced_panel_works_and_is_reported(tmp_path):
    full = synthetic_panel(60, seed=3)
    ind = full.industry
    # region CZ001 loses 2020 entirely, CZ002 loses one cell in 1970
    drop = ((ind["region"] == "CZ001") & (ind["year"] == 2020)) | (
        (ind["region"] == "CZ002") & (ind["year"] == 1970) & (ind["industry"] == "Retail"))
    p = validate_panel(ind[~drop], full.regions)
    r = p.report
    assert not r.balanced and r.region_years_missing == 1 and r.zero_filled_cells == 1
    assert r.regions_missing_years == ("CZ001",)
    assert "UNBALANCED" in str(r)
    tab = fact1(p)
    assert tab.models[0].nobs == 59 and "1 regions lack the base or end year" in tab.notes
    # CSV round trip through the documented schema
    write_panel(p, tmp_path / "ind.csv", tmp_path / "reg.csv")
    q = load_panel(tmp_path / "ind.csv", tmp_path / "reg.csv")
    assert q.report.region_years_missing == 1 and not q.synthetic
    np.testing.assert_allclose(fact1(q).models[0].params, tab.models[0].params, atol=1e-10)
