"""Loader and validation of the CPRS 2007 calibration (shipped data and user-supplied tables)."""

import shutil

import numpy as np
import pandas as pd
import pytest

from econhubs.data._cprs2007 import _SCHEMA, DATA_DIR, load_cprs2007, load_cprs_table


@pytest.fixture(scope="module")
def cal():
    return load_cprs2007()


def test_shipped_calibration_shapes_and_labels(cal):
    assert (cal.J, cal.N) == (26, 50)
    assert cal.regions[4] == "California" and "Virginia and DC" in cal.regions
    assert cal.sectors[10] == "Computer and Electronics"
    assert cal.trade.shape == (26, 50, 50)
    np.testing.assert_allclose(np.asarray(cal.alpha).sum(0), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(cal.io).sum(0), 1.0, atol=1e-14)  # columns normalised
    assert float(cal.theta[0]) == pytest.approx(2.55)
    assert np.all(np.asarray(cal.trade.sum(1)) > 0)
    go = cal.gross_output()
    assert go.shape == (26, 50) and go.index.name == "sector"


def test_shock_tables(cal):
    nd = load_cprs_table("north_dakota_lambda", cal)
    assert nd.shape == (26,) and nd[0] == pytest.approx(0.905493019)
    assert load_cprs_table("distance", cal).shape == (26, 50, 50)
    assert load_cprs_table("measured_tfp_2002_2007", cal).shape == (26, 50)
    with pytest.raises(ValueError, match="unknown CPRS table"):
        load_cprs_table("nope", cal)


def _copy(tmp_path, fmt="csv"):
    d = tmp_path / "cal"
    d.mkdir()
    for stem in _SCHEMA:
        df = pd.read_csv(DATA_DIR / f"{stem}.csv.gz")
        if fmt == "parquet":
            df.to_parquet(d / f"{stem}.parquet")
        else:
            df.to_csv(d / f"{stem}.csv", index=False)
    return d


def _edit(d, stem, fn):
    p = d / f"{stem}.csv"
    df = fn(pd.read_csv(p))
    df.to_csv(p, index=False)


def test_user_csv_and_parquet_round_trip(tmp_path, cal):
    for fmt in ("csv", "parquet"):
        (tmp_path / fmt).mkdir()
        c2 = load_cprs2007(_copy(tmp_path / fmt, fmt))
        np.testing.assert_array_equal(np.asarray(c2.trade), np.asarray(cal.trade))
        assert c2.sectors == cal.sectors and c2.regions == cal.regions


@pytest.mark.parametrize("stem,edit,pattern", [
    ("final_demand_share", lambda df: df.assign(value=df.value.where(df.index != 3, df.value * 2)),
     r"final_demand_share.csv: data rows 4, 54, 104, 154, ... \(26 rows\): shares of region 'Arkansas' sum to 1.0346"
     r".*final-demand shares sum to one"),
    ("bilateral_trade", lambda df: df.assign(value=df.value.where(df.index != 7, -1.0)),
     r"bilateral_trade.csv: data row 8: column 'value': negative value"),
    ("io_matrix", lambda df: df.rename(columns={"source_sector": "dest_sector", "dest_sector": "source_sector"}),
     r"io_matrix.csv: .*looks transposed"),
    ("employment", lambda df: df.assign(region=df.region.where(df.index != 5, None)),
     r"employment.csv: data row 6: missing label in column 'region'"),
    ("value_added_share", lambda df: df[df.index != 10],
     r"value_added_share.csv: no row for cell"),
    ("portfolio_share", lambda df: df.assign(region=df.region.replace("Ohio", "Ohyo")),
     r"portfolio_share.csv: data row \d+: label 'Ohyo'"),
])
def test_rejects_bad_data_naming_file_row_rule(tmp_path, stem, edit, pattern):
    d = _copy(tmp_path)
    _edit(d, stem, edit)
    with pytest.raises(ValueError, match=pattern):
        load_cprs2007(d)


def test_rejects_zero_gross_output_cell(tmp_path):
    d = _copy(tmp_path)
    zero = lambda df: df.assign(value=df.value.where(~((df.sector == "Printing") & (df.source == "Alaska")), 0.0))  # noqa: E731
    _edit(d, "bilateral_trade", zero)
    with pytest.raises(ValueError, match=r"bilateral_trade.csv: data rows .*'Printing' x region 'Alaska' has zero "
                                         r"gross output"):
        load_cprs2007(d)


def test_missing_file(tmp_path):
    d = _copy(tmp_path)
    (d / "io_matrix.csv").unlink()
    with pytest.raises(FileNotFoundError, match="io_matrix"):
        load_cprs2007(d)
    shutil.rmtree(d)


def test_csv_beside_shipped_gz_is_ambiguous_and_error_names_both(tmp_path):
    """Issue 12 item 2: a user's bilateral_trade.csv beside the .csv.gz was silently ignored."""
    d = tmp_path / "cal"
    shutil.copytree(DATA_DIR, d)
    pd.read_csv(d / "bilateral_trade.csv.gz").to_csv(d / "bilateral_trade.csv", index=False)
    with pytest.raises(ValueError, match=r"ambiguous table bilateral_trade: bilateral_trade.csv and "
                                         r"bilateral_trade.csv.gz both exist"):
        load_cprs2007(d)
    (d / "bilateral_trade.csv.gz").unlink()
    cal = load_cprs2007(d)
    assert str(d / "bilateral_trade.csv") in cal.files  # which file was read is recorded


@pytest.mark.parametrize("content,pattern", [
    (b"", r"employment.csv: the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), r"employment.csv: not a CSV text file: it is a PNG"),
    (b"sector,region,value\n", r"employment.csv: header only, no data rows"),
    (b"\xff\xfeq\x00,\x00r\x00" * 40, r"employment.csv: not (a CSV text file|UTF-8)"),
])
def test_unreadable_files_name_the_file(tmp_path, content, pattern):
    """Issue 12 item 4: EmptyDataError / UnicodeDecodeError / IndexError without the file name."""
    d = tmp_path / "cal"
    shutil.copytree(DATA_DIR, d)
    (d / "employment.csv.gz").unlink()
    (d / "employment.csv").write_bytes(content)
    with pytest.raises(ValueError, match=pattern):
        load_cprs2007(d)
