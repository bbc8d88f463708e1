"""Design matrices for :func:`econhubs.estimation.iv2sls` from a DataFrame, with validation.

Every rejection names the column (and for NaN the first offending rows) and the rule broken:
a missing column, a non-numeric or non-finite value, an unidentified model (fewer excluded
instruments than endogenous regressors), collinear regressors or instruments, a cluster column
with fewer than two clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Design:
    """Arrays and names of one 2SLS problem (all float64, rows = observations)."""

    y: np.ndarray
    exog: np.ndarray
    endog: np.ndarray
    instr: np.ndarray
    clusters: np.ndarray | None
    num_clusters: int | None
    dependent: str
    exog_names: list[str]
    endog_names: list[str]
    instr_names: list[str]

    @property
    def x(self) -> np.ndarray:
        return np.concatenate([self.exog, self.endog], axis=1)

    @property
    def z(self) -> np.ndarray:
        return np.concatenate([self.exog, self.instr], axis=1)


def _as_list(cols, what: str) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    cols = list(cols)
    if len(set(cols)) != len(cols):
        raise ValueError(f"{what}: a column is listed twice: {cols}")
    return cols


def _numeric(data: pd.DataFrame, cols: list[str], what: str) -> np.ndarray:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise KeyError(f"{what}: column(s) {missing} not in data (columns: {list(data.columns)})")
    out = np.empty((len(data), len(cols)))
    for i, c in enumerate(cols):
        try:
            v = pd.to_numeric(data[c], errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{what}: column {c!r} is not numeric ({exc})") from None
        bad = ~np.isfinite(v)
        if bad.any():
            rows = list(data.index[bad][:5])
            raise ValueError(f"{what}: column {c!r} has {int(bad.sum())} NaN/inf value(s), first at rows {rows}; "
                             "drop or impute them before estimating")
        out[:, i] = v
    return out


def _dependent_columns(a: np.ndarray, names: list[str], tol: float = 1e-8) -> list[str]:
    """Names of columns that are (numerically) linear combinations of the ones before them."""
    scale = np.linalg.norm(a, axis=0)
    bad = [names[i] for i in np.flatnonzero(scale == 0)]
    a = a / np.where(scale == 0, 1.0, scale)
    basis = np.zeros((a.shape[0], 0))
    for i in range(a.shape[1]):
        if scale[i] == 0:
            continue
        r = a[:, i] - basis @ (basis.T @ a[:, i])
        r = r - basis @ (basis.T @ r)  # reorthogonalise
        nr = np.linalg.norm(r)
        if nr < tol:  # columns have unit norm: a relative test
            bad.append(names[i])
        else:
            basis = np.concatenate([basis, (r / nr)[:, None]], axis=1)
    return bad


def build_design(data: pd.DataFrame, dependent: str, exog, endog, instruments, cluster=None,
                 const: bool = False, cov: str = "unadjusted") -> Design:
    """Validate the columns and return the :class:`Design` (see module docstring for the rules)."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    exog, endog, instr = _as_list(exog, "exog"), _as_list(endog, "endog"), _as_list(instruments, "instruments")
    if not isinstance(dependent, str):
        raise TypeError(f"dependent must be one column name (str), got {dependent!r}")
    if len(instr) < len(endog):
        raise ValueError(f"model not identified: {len(endog)} endogenous regressor(s) {endog} but only "
                         f"{len(instr)} excluded instrument(s) {instr}; the order condition needs at least as many")
    if const:
        if "const" in exog:
            raise ValueError("const=True but 'const' is already in exog")
        data = data.assign(const=1.0)
        exog = ["const"] + exog
    names = [dependent] + exog + endog + instr
    dup = {c for c in names if names.count(c) > 1}
    if dup:
        raise ValueError(f"column(s) {sorted(dup)} appear in more than one role (dependent/exog/endog/instruments)")
    if not exog + endog:
        raise ValueError("no regressors: give exog and/or endog columns (or const=True)")
    y = _numeric(data, [dependent], "dependent")[:, 0]
    ex, en, z = _numeric(data, exog, "exog"), _numeric(data, endog, "endog"), _numeric(data, instr, "instruments")
    n = len(y)
    if n <= len(exog) + len(endog):
        raise ValueError(f"{n} observations for {len(exog) + len(endog)} regressors: need more observations")
    bad = _dependent_columns(np.concatenate([ex, en], 1), exog + endog)
    if bad:
        raise ValueError(f"collinear regressors: {bad} (each is a linear combination of the columns listed before it "
                         f"in exog + endog = {exog + endog}); drop them")
    bad = _dependent_columns(np.concatenate([ex, z], 1), exog + instr)
    if bad:
        raise ValueError(f"collinear instruments: {bad} are linear combinations of earlier columns of "
                         f"exog + instruments = {exog + instr}; drop them")
    codes, g = None, None
    if cov == "clustered":
        if cluster is None:
            raise ValueError("cov='clustered' needs cluster=<column name>")
        if cluster not in data.columns:
            raise KeyError(f"cluster: column {cluster!r} not in data (columns: {list(data.columns)})")
        col = data[cluster]
        if col.isna().any():
            rows = list(data.index[col.isna()][:5])
            raise ValueError(f"cluster: column {cluster!r} has missing values, first at rows {rows}")
        codes, uniques = pd.factorize(col, sort=True)
        g = len(uniques)
        if g < 2:
            raise ValueError(f"cluster: column {cluster!r} has {g} distinct value(s); a clustered covariance "
                             "needs >= 2 clusters (and is only reliable with many)")
    elif cluster is not None:
        raise ValueError(f"cluster={cluster!r} given but cov={cov!r}; use cov='clustered'")
    return Design(y, ex, en, z, codes, g, dependent, exog, endog, instr)
