r"""The CPRS 2007 US calibration (50 states x 26 sectors) and its long-form loader.

Caliendo, Parro, Rossi-Hansberg & Sarte (2018), "The Impact of Regional and Sectoral
Productivity Changes on the U.S. Economy", REStud 85(4). The shipped tables (``cprs2007/``)
are the paper's replication data in long form (one ``value`` column, readable labels).
:func:`load_cprs2007` reads them, or a user's own calibration in the same schema (``.csv``,
``.csv.gz``, or ``.parquet`` when pyarrow is installed), validates every rule that the hat
algebra needs and returns a labelled :class:`CPRSCalibration`.

Validation errors name the file, the data row (counted from 1, header excluded) and the rule.
"""

from __future__ import annotations

from pathlib import Path

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pandas as pd
from jaxtyping import Array, Float

from econhubs.core import check_range, check_shape, data_rows, pick_file, read_table

DATA_DIR = Path(__file__).resolve().parent / "cprs2007"

# file stem -> label columns (the value column is always "value")
_SCHEMA: dict[str, tuple[str, ...]] = {
    "employment": ("sector", "region"),
    "bilateral_trade": ("sector", "destination", "source"),
    "io_matrix": ("source_sector", "dest_sector"),
    "value_added_share": ("sector", "region"),
    "structures_share": ("region",),
    "final_demand_share": ("sector", "region"),
    "portfolio_share": ("region",),
    "sectoral_dispersion": ("sector",),
}
_AXIS = {"sector": 0, "source_sector": 0, "dest_sector": 0, "region": 1, "destination": 1, "source": 1}
KAPPA_SCENARIOS = {"distance": "kappa_distance", "other_barriers": "kappa_other_barriers"}


class CPRSCalibration(eqx.Module):
    """A validated CPRS calibration: J sectors x N regions, arrays indexed by the labels.

    trade[j, n, i]: expenditure of destination n on source i in sector j (X_{ni}^j);
    employment[j, n]; io[k, j]: share of input k in sector j's intermediates (columns sum
    to one); gamma[j, n]: value-added share of gross output (gamma_n^j); structures[n]:
    share of structures in value added (beta_n); alpha[j, n]: final-demand shares (sum to
    one over j); iota[n]: share of structures rents paid into the national portfolio;
    theta[j]: trade elasticity (the files hold the dispersion 1/theta_j).
    """

    trade: Float[Array, "J N N"]
    employment: Float[Array, "J N"]
    io: Float[Array, "J J"]
    gamma: Float[Array, "J N"]
    structures: Float[Array, " N"]
    alpha: Float[Array, "J N"]
    iota: Float[Array, " N"]
    theta: Float[Array, " J"]
    sectors: tuple[str, ...] = eqx.field(static=True)
    regions: tuple[str, ...] = eqx.field(static=True)
    source: str = eqx.field(static=True, default="")
    files: tuple[str, ...] = eqx.field(static=True, default=())

    @property
    def J(self) -> int:
        return len(self.sectors)

    @property
    def N(self) -> int:
        return len(self.regions)

    def gross_output(self) -> pd.DataFrame:
        """Gross output (sales) by sector x region, Y_i^j = sum_n X_{ni}^j."""
        return pd.DataFrame(np.asarray(self.trade.sum(axis=1)), index=pd.Index(self.sectors, name="sector"),
                            columns=pd.Index(self.regions, name="region"))


def _find(directory: Path, stem: str) -> Path:
    return pick_file(directory, stem, (".csv", ".csv.gz", ".parquet"))


def _read(path: Path, cols: tuple[str, ...]) -> pd.DataFrame:
    df = read_table(path, (*cols, "value"), what="CPRS table")
    for c in cols:
        lab = df[c]
        bad = lab.isna() | (lab.astype(str).str.strip() == "")
        if bad.any():
            raise ValueError(f"{path}: {data_rows([int(np.flatnonzero(bad.to_numpy())[0])])}: "
                             f"missing label in column {c!r} (rule: every row is labelled)")
    vals = pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{path}: {data_rows([r])}: column 'value': {df['value'].iloc[r]!r} is not a finite number "
                         "(rule: values are finite numbers)")
    neg = vals < 0
    if neg.any():
        r = int(np.flatnonzero(neg)[0])
        raise ValueError(f"{path}: {data_rows([r])}: column 'value': negative value {vals[r]!r} "
                         "(rule: flows and shares are >= 0)")
    return df.assign(value=vals)


def _to_array(df: pd.DataFrame, name: str, cols: tuple[str, ...], labels: tuple[tuple[str, ...], ...]) -> np.ndarray:
    """Long form -> dense array, naming unknown labels, duplicates and absent cells."""
    codes = []
    for c in cols:
        lab = labels[_AXIS[c]]
        idx = {v: i for i, v in enumerate(lab)}
        code = df[c].astype(str).map(idx)
        if code.isna().any():
            r = int(np.flatnonzero(code.isna().to_numpy())[0])
            raise ValueError(f"{name}: {data_rows([r])}: label {df[c].iloc[r]!r} in column {c!r} is not one of the "
                             f"{'sectors' if _AXIS[c] == 0 else 'regions'} of employment (rule: one label set)")
        codes.append(code.to_numpy(dtype=np.int64))
    shape = tuple(len(labels[_AXIS[c]]) for c in cols)
    flat = np.ravel_multi_index(tuple(codes), shape)
    seen = pd.Series(flat).duplicated()
    if seen.any():
        r = int(np.flatnonzero(seen.to_numpy())[0])
        raise ValueError(f"{name}: {data_rows([r])}: duplicate cell {tuple(df[c].iloc[r] for c in cols)}")
    out = np.full(int(np.prod(shape)), np.nan)
    out[flat] = df["value"].to_numpy()
    if np.isnan(out).any():
        cell = np.unravel_index(int(np.flatnonzero(np.isnan(out))[0]), shape)
        named = tuple(labels[_AXIS[c]][k] for c, k in zip(cols, cell))
        raise ValueError(f"{name}: no row for cell {dict(zip(cols, named))} ({int(np.isnan(out).sum())} cells "
                         "missing; rule: every label combination has a row)")
    return out.reshape(shape)


def _rows_of(df: pd.DataFrame, **match: str) -> str:
    mask = np.ones(len(df), bool)
    for c, v in match.items():
        mask &= (df[c].astype(str) == v).to_numpy()
    return data_rows(mask, max_show=4) if mask.any() else "no rows"


def _check_shares(arr: dict, frames: dict, fn: dict, labels: tuple) -> None:
    """Final-demand shares sum to one per region, IO columns sum to one, shares and dispersions in range."""
    sectors, regions = labels
    a_sum = arr["final_demand_share"].sum(axis=0)
    bad = np.abs(a_sum - 1.0) > 1e-6
    if bad.any():
        n = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{fn['final_demand_share']}: {_rows_of(frames['final_demand_share'], region=regions[n])}: "
                         f"shares of region {regions[n]!r} sum to {a_sum[n]:.8g} "
                         "(rule: final-demand shares sum to one)")
    io = arr["io_matrix"]
    col, row = io.sum(axis=0), io.sum(axis=1)
    bad = np.abs(col - 1.0) > 1e-3
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        hint = (" -- the rows sum to one instead: the matrix looks transposed (source_sector and dest_sector swapped)"
                if np.all(np.abs(row - 1.0) <= 1e-3) else "")
        raise ValueError(f"{fn['io_matrix']}: {_rows_of(frames['io_matrix'], dest_sector=sectors[j])}: column "
                         f"dest_sector={sectors[j]!r} sums to {col[j]:.6g} (rule: intermediate shares of each "
                         f"destination sector sum to one){hint}")
    for key, lo, hi in (("value_added_share", 1e-12, 1.0), ("structures_share", 0.0, 1.0 - 1e-12),
                        ("portfolio_share", 0.0, 1.0), ("sectoral_dispersion", 1e-12, None)):
        a = arr[key].ravel()
        bad = (a < lo) | ((a > hi) if hi is not None else False)
        if np.any(bad):
            r = int(np.flatnonzero(bad)[0])
            cell = np.unravel_index(r, arr[key].shape)
            where = {c: labels[_AXIS[c]][cell[i]] for i, c in enumerate(_SCHEMA[key])}
            raise ValueError(f"{fn[key]}: {_rows_of(frames[key], **where)}: column 'value': {a[r]!r} out of "
                             f"[{lo}, {hi}] (rule: {key} in range)")


def load_cprs2007(path: str | Path | None = None) -> CPRSCalibration:
    """Read and validate a CPRS calibration; ``None`` reads the shipped 2007 US data.

    Labels come from ``employment`` (first-appearance order); every other table must use
    the same sectors and regions. Rules (each error names file, row and rule): labels
    present and known, no duplicates or absent cells, finite non-negative values, final-demand
    shares sum to one in each region, each IO column (destination sector) sums to one (a
    matrix whose rows do instead is reported as transposed), value-added and structures
    shares in (0, 1], portfolio shares in [0, 1], dispersions 1/theta > 0, and positive gross
    output and expenditure in every sector x region cell (Eaton-Kortum needs interior shares).
    """
    d = DATA_DIR if path is None else Path(path)
    if not d.is_dir():
        raise FileNotFoundError(f"calibration directory not found: {d}")
    files = {k: _find(d, k) for k in _SCHEMA}
    frames = {k: _read(p, _SCHEMA[k]) for k, p in files.items()}
    emp = frames["employment"]
    labels = (tuple(pd.unique(emp["sector"].astype(str))), tuple(pd.unique(emp["region"].astype(str))))
    arr = {k: _to_array(frames[k], str(files[k]), _SCHEMA[k], labels) for k in _SCHEMA}
    sectors, regions = labels
    fn = {k: str(files[k]) for k in files}

    _check_shares(arr, frames, fn, labels)
    io = arr["io_matrix"]
    col = io.sum(axis=0)
    trade = arr["bilateral_trade"]
    for what, tot, col_name in (("gross output", trade.sum(axis=1), "source"),
                                ("expenditure", trade.sum(axis=2), "destination")):
        zero = np.argwhere(tot <= 0)
        if len(zero):
            j, n = (int(v) for v in zero[0])
            rows = _rows_of(frames["bilateral_trade"], sector=sectors[j], **{col_name: regions[n]})
            raise ValueError(f"{fn['bilateral_trade']}: {rows}: "
                             f"sector {sectors[j]!r} x region {regions[n]!r} has zero {what} ({len(zero)} such cells; "
                             "rule: every cell is interior, aggregate sectors or regions otherwise)")
    if emp["value"].groupby(emp["region"].astype(str)).sum().le(0).any():
        raise ValueError(f"{fn['employment']}: a region has zero total employment (rule: positive population)")

    cal = CPRSCalibration(
        trade=jnp.asarray(trade), employment=jnp.asarray(arr["employment"]),
        io=jnp.asarray(io / col[None, :]), gamma=jnp.asarray(arr["value_added_share"]),
        structures=jnp.asarray(arr["structures_share"]), alpha=jnp.asarray(arr["final_demand_share"]),
        iota=jnp.asarray(arr["portfolio_share"]), theta=jnp.asarray(1.0 / arr["sectoral_dispersion"]),
        sectors=sectors, regions=regions, source=str(d), files=tuple(str(files[k]) for k in _SCHEMA),
    )
    J, N = len(sectors), len(regions)
    check_shape("trade", cal.trade, (J, N, N))
    check_range("gamma", cal.gamma, 0.0, 1.0)
    return cal


def load_cprs_table(name: str, cal: CPRSCalibration, path: str | Path | None = None) -> np.ndarray:
    """A shock table beside the calibration, as an array on ``cal``'s labels.

    ``name``: ``"measured_tfp_2002_2007"`` or ``"north_dakota_lambda"`` (``applications/``),
    or ``"distance"`` / ``"other_barriers"`` (the kappa-hat scenarios, ``geographic_barriers/``).
    """
    d = DATA_DIR if path is None else Path(path)
    if name in KAPPA_SCENARIOS:
        f, cols = _find(d / "geographic_barriers", KAPPA_SCENARIOS[name]), ("sector", "destination", "source")
    elif name == "measured_tfp_2002_2007":
        f, cols = _find(d / "applications", name), ("sector", "region")
    elif name == "north_dakota_lambda":
        f, cols = _find(d / "applications", name), ("sector",)
    else:
        known = [*KAPPA_SCENARIOS, "measured_tfp_2002_2007", "north_dakota_lambda"]
        raise ValueError(f"unknown CPRS table {name!r}; expected one of {known}")
    return _to_array(_read(f, cols), str(f), cols, (cal.sectors, cal.regions))
