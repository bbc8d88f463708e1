"""CSV schema, validation and loading of a long region x year x industry panel.

Schema (one row per region, year, industry; see ``docs/empirics.md``)::

    industry table   region, year, industry, income [, employment]
    regions table    region, year, population [, high_skill_share, old_age_dependency, female_share]

``income`` (earnings) and ``employment`` are non-negative levels; at least one must be present.
A region-industry cell absent from a region-year that is present counts as zero. Regions that
lack whole years make the panel unbalanced: that is allowed and reported in ``Panel.report``.
The region-level columns may instead sit on the industry rows (one CSV file); they must then
be constant within each region-year.

Every rule violation raises ``ValueError`` naming the table (the file, for :func:`load_panel`), the
column and the offending rows: data rows counted from 1, header excluded (the CSV line is the data
row + 1 when the file has one header line), as everywhere in econhubs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import check_finite, data_rows, read_table

KEYS = ["region", "year", "industry"]
VALUE_COLUMNS = ["income", "employment"]
CONTROL_COLUMNS = ["high_skill_share", "old_age_dependency", "female_share"]  # the one list of Fact 1's controls
REGION_COLUMNS = ["population", *CONTROL_COLUMNS]
_SHARE_COLUMNS = {"high_skill_share", "female_share"}


def _rows(mask, max_show: int = 10) -> str:
    return data_rows(mask, max_show)


def _numeric(table: str, df: pd.DataFrame, col: str) -> pd.Series:
    raw = df[col]
    missing = raw.isna().to_numpy()
    if missing.any():
        raise ValueError(f"{table}: missing values in column '{col}' in {_rows(missing)}; drop those rows instead")
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna().to_numpy()
    if bad.any():
        example = raw.iloc[int(np.flatnonzero(bad)[0])]
        raise ValueError(f"{table}: non-numeric values in column '{col}' in {_rows(bad)} (e.g. {example!r})")
    vals = num.to_numpy(dtype=float)
    inf = ~np.isfinite(vals)
    if inf.any():
        raise ValueError(f"{table}: non-finite values in column '{col}' in {_rows(inf)}")
    return pd.Series(vals, index=df.index, name=col)


def _years(table: str, df: pd.DataFrame) -> pd.Series:
    y = _numeric(table, df, "year")
    frac = (y != np.round(y)).to_numpy()
    if frac.any():
        raise ValueError(f"{table}: non-integer years in {_rows(frac)}")
    return y.astype(np.int64)


def _keys(table: str, df: pd.DataFrame, keys: list[str]) -> None:
    missing_cols = [k for k in keys if k not in df.columns]
    if missing_cols:
        raise ValueError(f"{table}: missing required column(s) {missing_cols}; have {list(df.columns)}")
    for k in keys:
        if k == "year":
            continue
        miss = df[k].isna().to_numpy()
        if miss.any():
            raise ValueError(f"{table}: missing {k} in {_rows(miss)}")


@dataclass(frozen=True)
class PanelReport:
    """What the validator found: sizes, balance, gaps (printed by the CLI)."""

    n_rows: int
    n_regions: int
    n_industries: int
    years: tuple[int, ...]
    balanced: bool
    zero_filled_cells: int
    region_years_missing: int
    regions_missing_years: tuple = ()
    region_years_without_controls: int = 0
    synthetic: bool = False

    def __str__(self) -> str:
        tag = "SYNTHETIC panel" if self.synthetic else "panel"
        s = (f"{tag}: {self.n_rows} rows, {self.n_regions} regions x {self.n_industries} industries, "
             f"years {list(self.years)}; ")
        if self.balanced:
            s += "balanced"
        else:
            s += (f"UNBALANCED: {self.region_years_missing} region-years absent "
                  f"({len(self.regions_missing_years)} regions affected), "
                  f"{self.zero_filled_cells} absent region-industry cells counted as zero")
        if self.region_years_without_controls:
            s += f"; {self.region_years_without_controls} region-years lack region-level data"
        return s


@dataclass(frozen=True)
class Panel:
    """A validated panel: long industry table, region-year table (or None), metadata, report."""

    industry: pd.DataFrame
    regions: pd.DataFrame | None
    meta: dict = field(default_factory=dict)
    report: PanelReport | None = None

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    @property
    def value_columns(self) -> list[str]:
        return [c for c in VALUE_COLUMNS if c in self.industry.columns]


def _validate_industry(df: pd.DataFrame, t: str = "panel") -> pd.DataFrame:
    df = df.reset_index(drop=True)
    _keys(t, df, KEYS)
    vals = [c for c in VALUE_COLUMNS if c in df.columns]
    if not vals:
        raise ValueError(f"{t}: needs a value column 'income' and/or 'employment'; have {list(df.columns)}")
    out = pd.DataFrame({"region": df["region"], "year": _years(t, df), "industry": df["industry"].astype(str)})
    for c in vals:
        v = _numeric(t, df, c)
        neg = (v < 0).to_numpy()
        if neg.any():
            raise ValueError(f"{t}: negative {c} in {_rows(neg)}")
        out[c] = v
    dup = out.duplicated(KEYS, keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{t}: duplicate (region, year, industry) keys in {_rows(dup)}")
    tot = out.groupby(["region", "year"])[vals[0]].transform("sum").to_numpy()
    zero = tot <= 0
    if zero.any():
        raise ValueError(f"{t}: region-year with zero total {vals[0]} in {_rows(zero)}")
    return out


def _validate_regions(df: pd.DataFrame, table: str = "regions") -> pd.DataFrame:
    df = df.reset_index(drop=True)
    _keys(table, df, ["region", "year", "population"])
    out = pd.DataFrame({"region": df["region"], "year": _years(table, df)})
    for c in REGION_COLUMNS:
        if c not in df.columns:
            continue
        v = _numeric(table, df, c)
        bad = (v <= 0) if c == "population" else (v < 0)
        if c in _SHARE_COLUMNS:
            bad = bad | (v > 1)
        if bad.to_numpy().any():
            rule = "> 0" if c == "population" else ("in [0, 1]" if c in _SHARE_COLUMNS else ">= 0")
            raise ValueError(f"{table}: {c} must be {rule}; violated in {_rows(bad)}")
        out[c] = v
    dup = out.duplicated(["region", "year"], keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{table}: duplicate (region, year) keys in {_rows(dup)}")
    return out


def _regions_from_industry(df: pd.DataFrame, table: str = "panel") -> pd.DataFrame | None:
    cols = [c for c in REGION_COLUMNS if c in df.columns]
    if "population" not in cols:
        return None
    sub = df[["region", "year", *cols]]
    nun = sub.groupby(["region", "year"])[cols].transform("nunique").max(axis=1).to_numpy()
    if (nun > 1).any():
        raise ValueError(f"{table}: region-level columns {cols} vary within a region-year in {_rows(nun > 1)}")
    return _validate_regions(sub.drop_duplicates(["region", "year"]), table=f"{table} (region-level columns)")


def validate_panel(industry: pd.DataFrame, regions: pd.DataFrame | None = None, *, meta: dict | None = None,
                   names: tuple[str, str] = ("panel", "regions")) -> Panel:
    """Check both tables against the schema and return a :class:`Panel` with its report.

    ``names``: how errors call the two tables (:func:`load_panel` passes the file paths)."""
    if not isinstance(industry, pd.DataFrame):
        raise ValueError(f"{names[0]}: expected a pandas DataFrame, got {type(industry).__name__}")
    ind = _validate_industry(industry, names[0])
    reg = (_validate_regions(regions, names[1]) if regions is not None
           else _regions_from_industry(industry.reset_index(drop=True), names[0]))
    meta = dict(meta or {})
    years = tuple(int(y) for y in np.sort(ind["year"].unique()))
    regs = ind["region"].unique()
    inds = ind["industry"].unique()
    ry = ind[["region", "year"]].drop_duplicates()
    n_missing_ry = len(regs) * len(years) - len(ry)
    per_region = ry.groupby("region")["year"].nunique()
    short = tuple(per_region.index[per_region < len(years)])
    zero_cells = len(ry) * len(inds) - len(ind)
    no_ctrl = 0
    if reg is not None:
        check_finite("regions.population", reg["population"].to_numpy())
        m = ry.merge(reg[["region", "year"]], how="left", on=["region", "year"], indicator=True)
        no_ctrl = int((m["_merge"] == "left_only").sum())
    report = PanelReport(
        n_rows=len(ind), n_regions=len(regs), n_industries=len(inds), years=years,
        balanced=(n_missing_ry == 0 and zero_cells == 0), zero_filled_cells=int(zero_cells),
        region_years_missing=int(n_missing_ry), regions_missing_years=short,
        region_years_without_controls=no_ctrl, synthetic=bool(meta.get("synthetic", False)),
    )
    return Panel(industry=ind, regions=reg, meta=meta, report=report)


def load_panel(path: str | Path, regions_path: str | Path | None = None, *, meta: dict | None = None) -> Panel:
    """Read the industry CSV (and optionally the regions CSV), validate, return a :class:`Panel`.

    Columns are read as text first so that a stray non-numeric cell is reported with its row
    instead of silently turning a column into strings or NaN.
    """
    m = {"source": str(path), "synthetic": False, **(meta or {})}
    ind = read_table(path, dtype=str, what="panel")
    reg = read_table(regions_path, dtype=str, what="regions") if regions_path is not None else None
    if reg is not None:
        m["regions_source"] = str(regions_path)
    return validate_panel(ind, reg, meta=m, names=(str(path), str(regions_path)))


def write_panel(panel: Panel, path: str | Path, regions_path: str | Path | None = None) -> None:
    """Write a panel in the schema above (the inverse of :func:`load_panel`)."""
    panel.industry.to_csv(path, index=False)
    if regions_path is not None and panel.regions is not None:
        panel.regions.to_csv(regions_path, index=False)
