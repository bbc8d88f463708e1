"""Ordinary least squares with classical, heteroskedasticity-robust (HC0-HC3) and
cluster-robust covariances, in NumPy.

    beta = (X'X)^+ X'y,   V_HC0 = (X'X)^+ X' diag(e^2) X (X'X)^+,   V_HC1 = n/(n-k) V_HC0,
    V_HC2/HC3 rescale e_i^2 by 1/(1-h_ii) and 1/(1-h_ii)^2,
    V_cluster = G/(G-1) (n-1)/(n-k) (X'X)^+ [sum_g X_g'e_g e_g'X_g] (X'X)^+ .

k counts the regressors plus any absorbed fixed effects (``df_absorbed``), which is the
convention of statsmodels' small-sample cluster correction applied to the explicit-dummy
regression (MacKinnon-White 1985 for HC; Cameron-Gelbach-Miller / Stata for clusters).
p-values use the normal distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")


@dataclass(frozen=True)
class OLSResult:
    """Coefficients, standard errors and fit statistics of one regression."""

    names: tuple[str, ...]
    params: np.ndarray
    bse: np.ndarray
    cov: np.ndarray
    nobs: int
    df_model_total: int
    rsquared: float
    rsquared_adj: float
    cov_type: str
    n_clusters: int | None = None
    label: str = ""
    info: dict = field(default_factory=dict)

    @property
    def tvalues(self) -> np.ndarray:
        return self.params / self.bse

    @property
    def pvalues(self) -> np.ndarray:
        return np.array([math.erfc(abs(t) / math.sqrt(2.0)) for t in self.tvalues])

    def tidy(self) -> pd.DataFrame:
        """One row per term: model, term, coef, se, t, p, nobs, r2, adj_r2, cov_type."""
        return pd.DataFrame({
            "model": self.label, "term": list(self.names), "coef": self.params, "se": self.bse,
            "t": self.tvalues, "p": self.pvalues, "nobs": self.nobs, "r2": self.rsquared,
            "adj_r2": self.rsquared_adj, "cov_type": self.cov_type,
        })


def _as_groups(groups, n: int) -> np.ndarray:
    g = np.asarray(groups)
    if g.shape != (n,):
        raise ValueError(f"cluster groups: expected shape ({n},), got {g.shape}")
    return np.unique(g, return_inverse=True)[1]


def _covariance(X: np.ndarray, e: np.ndarray, pinv_x: np.ndarray, cov_type: str, groups,
                df_resid: int) -> tuple[np.ndarray, int | None]:
    """The covariance of the module docstring for ``cov_type`` (and the number of clusters)."""
    n, p = X.shape
    bread = pinv_x @ pinv_x.T  # (X'X)^+
    n_clusters = None
    if cov_type == "nonrobust":
        cov = bread * (e @ e) / df_resid
    elif cov_type == "cluster":
        if groups is None:
            raise ValueError("ols: cov_type='cluster' needs groups")
        gi = _as_groups(groups, n)
        n_clusters = int(gi.max()) + 1
        if n_clusters < 2:
            raise ValueError("ols: cluster-robust covariance needs at least 2 clusters")
        scores = np.zeros((n_clusters, p))
        np.add.at(scores, gi, X * e[:, None])
        meat = scores.T @ scores
        corr = n_clusters / (n_clusters - 1.0) * (n - 1.0) / df_resid
        cov = corr * bread @ meat @ bread
    else:
        u2 = e * e
        if cov_type in ("HC2", "HC3"):
            h = np.einsum("ij,ji->i", X, pinv_x)
            u2 = u2 / (1.0 - h) if cov_type == "HC2" else u2 / (1.0 - h) ** 2
        meat = (X * u2[:, None]).T @ X
        cov = bread @ meat @ bread
        if cov_type == "HC1":
            cov = cov * n / df_resid
    return cov, n_clusters


def ols(y, X, names=None, *, cov_type: str = "HC1", groups=None, df_absorbed: int = 0,
        tss=None, label: str = "", has_constant: bool | None = None) -> OLSResult:
    """Least squares of y on the columns of X (add the constant yourself).

    df_absorbed: number of fixed-effect parameters already partialled out of y and X (their
    rank); they count in k for HC1/cluster corrections and in the residual degrees of freedom.
    tss: total sum of squares for R^2 (defaults to the centred TSS of y when X holds a constant
    column, otherwise uncentred).
    """
    y = np.asarray(y, dtype=float).reshape(-1)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    n, p = X.shape
    if y.shape[0] != n:
        raise ValueError(f"ols: y has {y.shape[0]} rows, X has {n}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(X))):
        bad = np.flatnonzero(~np.isfinite(y) | ~np.isfinite(X).all(axis=1))
        raise ValueError(f"ols: NaN or inf in the data in rows {bad[:10].tolist()} ({len(bad)} rows)")
    if cov_type not in _COV_TYPES:
        raise ValueError(f"ols: cov_type must be one of {_COV_TYPES}, got {cov_type!r}")
    names = tuple(names) if names is not None else tuple(f"x{j}" for j in range(p))
    pinv_x = np.linalg.pinv(X, rcond=1e-15)
    beta = pinv_x @ y
    rank = int(np.linalg.matrix_rank(X))
    e = y - X @ beta
    k = rank + int(df_absorbed)
    df_resid = n - k
    if df_resid <= 0:
        raise ValueError(f"ols: {n} observations for {k} parameters; no residual degrees of freedom")
    cov, n_clusters = _covariance(X, e, pinv_x, cov_type, groups, df_resid)
    bse = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    if has_constant is None:
        has_constant = bool(np.any(np.all(X == X[0:1], axis=0) & (X[0] != 0)))
    if tss is None:
        tss = float(((y - y.mean()) ** 2).sum()) if has_constant else float(y @ y)
    rss = float(e @ e)
    r2 = 1.0 - rss / tss if tss > 0 else float("nan")
    df_tot = n - (1 if has_constant else 0)
    r2_adj = 1.0 - (1.0 - r2) * df_tot / df_resid
    return OLSResult(names=names, params=beta, bse=bse, cov=cov, nobs=n, df_model_total=k,
                     rsquared=r2, rsquared_adj=r2_adj, cov_type=cov_type, n_clusters=n_clusters,
                     label=label, info={"df_resid": df_resid, "rank": rank, "df_absorbed": int(df_absorbed)})


def _check_identified(X: np.ndarray, names: list[str], what: str) -> None:
    """Refuse a rank-deficient design: a pseudo-inverse would report an arbitrary coefficient
    (e.g. a g_hat of 1e-14 with stars when g_hat is identically zero)."""
    if len(X) == 0:
        raise ValueError(f"ols_frame ({what}): no complete observations")
    scale = np.linalg.norm(X, axis=0)
    Xs = X / np.where(scale > 0, scale, 1.0)
    rank = int(np.linalg.matrix_rank(Xs, tol=1e-10 * max(Xs.shape)))
    if rank == X.shape[1]:
        return
    bad = [n for j, n in enumerate(names)
           if scale[j] == 0 or np.linalg.matrix_rank(np.delete(Xs, j, axis=1), tol=1e-10 * max(Xs.shape)) == rank]
    raise ValueError(f"ols_frame ({what}): regressors are collinear (rank {rank} < {X.shape[1]}); "
                     f"not identified: {bad} (rule: each regressor varies independently of the others)")


def ols_frame(df: pd.DataFrame, y: str, xs: list[str], *, constant: bool = True, label: str = "",
              cov_type: str = "HC1", cluster: str | None = None) -> OLSResult:
    """OLS on DataFrame columns (rows with missing values in y/xs are dropped and counted)."""
    cols = [y, *xs] + ([cluster] if cluster else [])
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"ols_frame: columns {missing} not in data; have {list(df.columns)}")
    d = df[cols].replace([np.inf, -np.inf], np.nan).dropna()
    X = d[xs].to_numpy(dtype=float)
    names = list(xs)
    if constant:
        X = np.column_stack([np.ones(len(d)), X])
        names = ["const", *names]
    _check_identified(X, names, label or y)
    res = ols(d[y].to_numpy(dtype=float), X, names, cov_type=cov_type,
              groups=d[cluster].to_numpy() if cluster else None, label=label, has_constant=constant)
    res.info["dropped_rows"] = int(len(df) - len(d))
    return res
