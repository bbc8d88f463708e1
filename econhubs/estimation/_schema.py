"""The one input schema of the model inversion: long-form wages and employment.

One row per metro x occupation x industry with columns

    metro (str code) | occupation (str) | industry (str) | employment (>= 0) | wage (> 0)

``wage`` is the mean wage of the metro's occupation (the model has one wage per metro and
occupation), repeated on each of its industry rows. Every error names the rule, the data row
(counted from 1, header excluded) and the column, so a user's BEA/ACS-style table can be fixed.
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import numpy as np
import pandas as pd

from ..core import check_positive, check_shape

COLUMNS = ("metro", "occupation", "industry", "employment", "wage")


class InversionData(eqx.Module):
    """Validated arrays: w (N, K) wages, Lkj (N, K, J) employment, with their labels."""

    w: np.ndarray
    Lkj: np.ndarray
    metros: tuple[str, ...] = eqx.field(static=True)
    occupations: tuple[str, ...] = eqx.field(static=True)
    industries: tuple[str, ...] = eqx.field(static=True)


def _row_error(df: pd.DataFrame, mask, column: str, rule: str) -> ValueError:
    r = int(np.flatnonzero(np.asarray(mask))[0])
    n = int(np.sum(mask))
    more = f" ({n} rows)" if n > 1 else ""
    return ValueError(f"inversion data: row {r + 1}, column {column!r}: {rule}; found {df[column].iloc[r]!r}{more}")


def _labels(df: pd.DataFrame, col: str, given: Sequence[str] | None) -> tuple[str, ...]:
    vals = df[col].astype(str)
    if given is None:
        return tuple(pd.unique(vals))
    given = tuple(str(g) for g in given)
    unknown = ~vals.isin(given)
    if unknown.any():
        raise _row_error(df, unknown, col, f"unknown {col} code (rule: one of the {len(given)} {col}s of the economy)")
    return given


def validate(df: pd.DataFrame, *, metros: Sequence[str] | None = None, occupations: Sequence[str] | None = None,
             industries: Sequence[str] | None = None) -> InversionData:
    """Check the long-form table and return dense arrays in the given label orders.

    metros / occupations / industries: the economy's label orders (trade costs and parameters
    are indexed by them); ``None`` takes first-appearance order from the table.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"inversion data: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"inversion data: missing column(s) {missing} (row 0, the header); expected {list(COLUMNS)}")
    df = df.reset_index(drop=True)
    for c in COLUMNS[:3]:
        bad = df[c].isna() | (df[c].astype(str).str.strip() == "")
        if bad.any():
            raise _row_error(df, bad, c, "missing label (rule: every row is labelled)")
    vals = {}
    for c in ("employment", "wage"):
        v = pd.to_numeric(df[c], errors="coerce").to_numpy(np.float64)
        if not np.all(np.isfinite(v)):
            raise _row_error(df, ~np.isfinite(v), c, "NaN, inf or not a number (rule: finite values)")
        vals[c] = v
    if np.any(vals["employment"] < 0):
        raise _row_error(df, vals["employment"] < 0, "employment", "negative employment (rule: >= 0)")
    if np.any(vals["wage"] <= 0):
        raise _row_error(df, vals["wage"] <= 0, "wage", "negative or zero wage (rule: > 0)")
    labs = [_labels(df, c, g) for c, g in zip(COLUMNS[:3], (metros, occupations, industries))]
    codes = [df[c].astype(str).map({v: i for i, v in enumerate(lab)}).to_numpy(np.int64)
             for c, lab in zip(COLUMNS[:3], labs)]
    shape = tuple(len(lab) for lab in labs)
    flat = np.ravel_multi_index(tuple(codes), shape)
    dup = pd.Series(flat).duplicated().to_numpy()
    if dup.any():
        raise _row_error(df, dup, "metro", "duplicated metro/occupation/industry row (rule: one row per cell)")
    if len(flat) != int(np.prod(shape)):
        absent = np.setdiff1d(np.arange(int(np.prod(shape))), flat)[0]
        cell = np.unravel_index(int(absent), shape)
        named = {c: lab[i] for c, lab, i in zip(COLUMNS[:3], labs, cell)}
        raise ValueError(f"inversion data: no row for cell {named} ({int(np.prod(shape)) - len(flat)} cells "
                         "missing; rule: every metro x occupation x industry has a row, zeros included)")
    L = np.zeros(int(np.prod(shape)))
    L[flat] = vals["employment"]
    L = L.reshape(shape)
    w = np.zeros(shape[:2])
    wk = flat // shape[2]
    w.reshape(-1)[wk] = vals["wage"]
    spread = pd.Series(vals["wage"]).groupby(wk).transform(lambda s: s.max() - s.min()).to_numpy()
    bad = spread > 1e-9 * vals["wage"]
    if bad.any():
        raise _row_error(df, bad, "wage", "wage differs across industries of the same metro and occupation "
                         "(rule: one wage per metro x occupation)")
    Lnk = L.sum(axis=2)
    if np.any(Lnk <= 0):
        n, k = (int(i) for i in np.argwhere(Lnk <= 0)[0])
        rows = (codes[0] == n) & (codes[1] == k)
        raise _row_error(df, rows, "employment", f"metro {labs[0][n]!r} has no workers of occupation "
                         f"{labs[1][k]!r} (rule: every metro employs every occupation)")
    check_shape("wages", w, shape[:2])
    check_positive("wages", w)
    return InversionData(w=w, Lkj=L, metros=labs[0], occupations=labs[1], industries=labs[2])
