"""Multi-way fixed effects by within transformation (Frisch-Waugh-Lovell), then OLS.

Two routes to the same projection M_D = I - D (D'D)^+ D' on the dummy matrix D = [D_1 .. D_K]:

* ``method="exact"`` (default): demean by the largest factor A (group means), then regress on
  the demeaned dummies M_A D_rest of the other factors, solving the normal equations from cell
  counts (the m x m matrix, m = sum of the other factors' levels, never the n x m one) by an
  eigen-decomposition. Exact, and it yields the rank of D: the absorbed degrees of freedom
  n_A + rank(M_A D_rest). Fact 3's region-year x industry-year design has m = 17 x T.
* ``method="ap"``: alternating projections (demean by each factor in turn until the sup change
  < tol; Guimaraes-Portugal 2010, Gaure 2013); the absorbed degrees of freedom (rank of D)
  still come from the count-based normal equations of the exact route.

The beta-block of HC1 and cluster-robust sandwiches on the demeaned data equals that of the
explicit-dummy regression, so ``fe_ols`` reproduces the dummy OLS exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._ols import OLSResult, ols


def _codes(x) -> tuple[np.ndarray, int]:
    if isinstance(x, pd.DataFrame):
        c = x.groupby(list(x.columns), sort=False).ngroup().to_numpy()
    else:
        c = np.unique(np.asarray(x), return_inverse=True)[1].reshape(-1)
    return c, int(c.max()) + 1 if len(c) else 0


def group_demean(Y: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Subtract group means from every column of Y (n x p)."""
    Y = np.asarray(Y, dtype=float)
    cnt = np.bincount(codes, minlength=n_groups).astype(float)
    means = np.empty((n_groups, Y.shape[1]))
    for j in range(Y.shape[1]):
        means[:, j] = np.bincount(codes, weights=Y[:, j], minlength=n_groups) / np.maximum(cnt, 1.0)
    return Y - means[codes]


def _rest_projection(Yt, ca, na, rest):
    """Residualise M_A Y on M_A D_rest without forming the dense n x m matrix M_A D_rest.

    (M_A D)'(M_A D) = D'D - C' diag(1/n_A) C and (M_A D)' M_A Y = D' (M_A Y), where C holds
    the A-by-rest cell counts; the fitted part is M_A (D coef).
    """
    cnt_a = np.bincount(ca, minlength=na).astype(float)
    sizes = [nb for _, nb in rest]
    off = np.concatenate([[0], np.cumsum(sizes)])
    m = int(off[-1])
    C = [np.bincount(ca * nb + cb, minlength=na * nb).reshape(na, nb).astype(float) for cb, nb in rest]
    ztz = np.empty((m, m))
    for j, (cj, nj) in enumerate(rest):
        for k, (ck, nk) in enumerate(rest):
            cross = np.bincount(cj * nk + ck, minlength=nj * nk).reshape(nj, nk).astype(float)
            ztz[off[j]:off[j + 1], off[k]:off[k + 1]] = cross - C[j].T @ (C[k] / cnt_a[:, None])
    zty = np.vstack([np.stack([np.bincount(cb, weights=Yt[:, i], minlength=nb) for i in range(Yt.shape[1])], axis=1)
                     for cb, nb in rest])
    w, V = np.linalg.eigh(ztz)
    keep = w > max(w.max(), 1.0) * 1e-10
    coef = (V[:, keep] / w[keep]) @ (V[:, keep].T @ zty)
    fitted = sum(coef[off[j]:off[j + 1]][cb] for j, (cb, _) in enumerate(rest))
    return Yt - group_demean(fitted, ca, na), int(keep.sum())


def absorb(Y, fe: list, *, method: str = "exact", tol: float = 1e-12, max_iter: int = 10_000):
    """Partial the fixed effects ``fe`` (list of group labels, arrays or DataFrames of columns)
    out of the columns of Y. Returns (Y_tilde, df_absorbed, info)."""
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    facs = [_codes(f) for f in fe]
    for c, _ in facs:
        if len(c) != Y.shape[0]:
            raise ValueError(f"absorb: fixed-effect labels have {len(c)} rows, data {Y.shape[0]}")
    if not facs:
        return Y.copy(), 0, {}
    facs.sort(key=lambda t: -t[1])
    (ca, na), rest = facs[0], facs[1:]
    if method == "exact":
        Yt = group_demean(Y, ca, na)
        if not rest:
            return Yt, na, {"method": "exact"}
        resid, rank = _rest_projection(Yt, ca, na, rest)
        return resid, na + rank, {"method": "exact"}
    if method == "ap":
        Yt = Y.copy()
        for it in range(1, max_iter + 1):
            prev = Yt
            for c, ng in facs:
                Yt = group_demean(Yt, c, ng)
            if np.max(np.abs(Yt - prev)) < tol:
                break
        else:
            raise ValueError(f"absorb: alternating projections did not reach tol={tol} in {max_iter} sweeps")
        df = na + (_rest_projection(np.zeros((len(ca), 1)), ca, na, rest)[1] if rest else 0)
        return Yt, df, {"method": "ap", "iterations": it}
    raise ValueError(f"absorb: method must be 'exact' or 'ap', got {method!r}")


def fe_ols(df: pd.DataFrame, y: str, xs: list[str], fe: list, *, cov_type: str = "cluster",
           cluster: str | None = None, method: str = "exact", label: str = "") -> OLSResult:
    """OLS of y on xs with the fixed effects ``fe`` absorbed.

    fe: list of column names or lists of column names (a list = the interaction, e.g.
    ``[["region", "year"], ["industry", "year"]]`` for region-year and industry-year effects).
    Standard errors: ``cov_type`` "cluster" (by ``cluster``), "HC1", "HC0" or "nonrobust";
    k includes the absorbed effects as in the explicit-dummy regression.
    """
    if cov_type in ("HC2", "HC3"):
        raise ValueError("fe_ols: HC2/HC3 need the full leverage of the dummy regression; use HC1 or cluster")
    d = df.dropna(subset=[y, *xs])
    labels = [d[f] if isinstance(f, str) else d[list(f)] for f in fe]
    Yt, k_fe, info = absorb(d[[y, *xs]].to_numpy(dtype=float), labels, method=method)
    yt, Xt = Yt[:, 0], Yt[:, 1:]
    groups = d[cluster].to_numpy() if cov_type == "cluster" else None
    if cov_type == "cluster" and cluster is None:
        raise ValueError("fe_ols: cov_type='cluster' needs cluster=<column>")
    res = ols(yt, Xt, xs, cov_type=cov_type, groups=groups, df_absorbed=k_fe,
              tss=float(yt @ yt), label=label, has_constant=True)
    res.info.update(info, within_r2=res.rsquared, dropped_rows=int(len(df) - len(d)))
    return res
