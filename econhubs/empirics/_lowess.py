"""LOWESS (Cleveland 1979): robust locally weighted linear regression, vectorised in NumPy.

At each x_i: the k = floor(frac n) nearest neighbours (a contiguous window of the sorted x),
tricube weights w_j = (1 - (|x_j - x_i| / d_i)^3)^3 with d_i the distance to the farthest
neighbour, times the robustness weights; the fit is the weighted local line at x_i,

    y_hat_i = sum_j w_j (1 + (x_i - xbar_w)(x_j - xbar_w) / sum_l w_l (x_l - xbar_w)^2) y_j .

After each pass the robustness weights are the bisquare (1 - u^2)^2 of u = |e| / (6 median|e|)
(``it`` passes). Window choice, weights, and degenerate cases (fewer than two positive weights
-> y_hat_i = y_i) follow the reference algorithm as implemented in statsmodels' ``lowess``
with delta = 0, which the tests use as the oracle. Fact 2 of Boehnert (2026) uses it for
normalised Gini on normalised income per capita.
"""

from __future__ import annotations

import numpy as np


def _one_pass(x: np.ndarray, y: np.ndarray, rw: np.ndarray, k: int, chunk: int) -> np.ndarray:
    n = len(x)
    mid = (x[: n - k] + x[k:]) / 2.0  # move the window right while x_i > (x[l] + x[l+k]) / 2
    left = np.searchsorted(mid, x, side="left") if n > k else np.zeros(n, dtype=np.int64)
    radius = np.maximum(x - x[left], x[left + k - 1] - x)
    fit = np.empty(n)
    offs = np.arange(k)
    for s in range(0, n, chunk):
        sl = slice(s, min(s + chunk, n))
        idx = left[sl, None] + offs[None, :]
        xj, xi = x[idx], x[sl, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.abs(xj - xi) / radius[sl, None]
        d = np.where(np.isfinite(d), d, 0.0)  # radius 0: all neighbours tie with x_i
        w = (1.0 - d**3) ** 3 * rw[idx]
        ok = (w > 1e-12).sum(axis=1) >= 2
        w = w / np.where(ok, w.sum(axis=1), 1.0)[:, None]
        xbar = (w * xj).sum(axis=1, keepdims=True)
        sdev = np.maximum((w * (xj - xbar) ** 2).sum(axis=1, keepdims=True), 1e-12)
        p = w * (1.0 + (xi - xbar) * (xj - xbar) / sdev)
        fit[sl] = np.where(ok, (p * y[idx]).sum(axis=1), y[sl])
    return fit


def lowess(y, x, frac: float = 2.0 / 3.0, it: int = 3, *, chunk: int = 256) -> np.ndarray:
    """Smoothed values at each x, in the input order (statsmodels' ``return_sorted=False``)."""
    y = np.asarray(y, dtype=float).reshape(-1)
    x = np.asarray(x, dtype=float).reshape(-1)
    if x.shape != y.shape:
        raise ValueError(f"lowess: x has shape {x.shape}, y {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("lowess: x and y must be finite (drop missing rows first)")
    if not 0.0 <= frac <= 1.0:
        raise ValueError(f"lowess: frac must lie in [0, 1], got {frac}")
    n = len(x)
    if n < 2:
        raise ValueError("lowess: needs at least 2 points")
    k = min(max(int(frac * n + 1e-10), 2), n)
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    rw = np.ones(n)
    for _ in range(it + 1):
        fit = _one_pass(xs, ys, rw, k, chunk)
        r = np.abs(ys - fit)
        med = float(np.median(r))
        u = (r > 0).astype(float) if med == 0 else np.minimum(r / (6.0 * med), 1.0)
        rw = (1.0 - u * u) ** 2
    out = np.empty(n)
    out[order] = fit
    return out
