r"""Two-stage least squares in JAX, with linearmodels' ``IV2SLS`` covariance conventions.

Model $y = X β + e$, $X = [X_{exog}, X_{endog}]$, instruments $Z = [X_{exog}, Z_{excl}]$.
With $\hat X = P_Z X$ (projection on the column space of Z, by a thin QR of Z):

- coefficients $\hat β = (\hat X'\hat X)^{-1}\hat X' y$; residuals $e = y - X\hat β$ (with X, not $\hat X$);
- ``cov="unadjusted"``: $V = s^2 (\hat X'\hat X)^{-1}$, $s^2 = e'e/n$;
- ``cov="robust"`` (White): $V = (\hat X'\hat X)^{-1}\big(\sum_i \hat x_i\hat x_i' e_i^2\big)(\hat X'\hat X)^{-1}$;
- ``cov="clustered"``: $V = (\hat X'\hat X)^{-1}\big(\sum_g u_g u_g'\big)(\hat X'\hat X)^{-1}$,
  $u_g = \sum_{i\in g}\hat x_i e_i$.

Small-sample corrections are linearmodels' (``debiased``, default False as in linearmodels):
none by default; with ``debiased=True`` the unadjusted and robust V are scaled by $n/(n-k)$ and the
clustered V by $\frac{G}{G-1}\frac{n-1}{n-k}$ (G clusters, k regressors), and p-values use the
t(n−k) distribution instead of the normal. (Stata's ``ivregress ..., small vce(cluster)`` uses
the same clustered factor.)

Everything in :func:`fit_arrays` is a pure JAX function of arrays, so it ``vmap``\ s over
bootstrap draws of y (or of X, Z of equal shapes). The DataFrame front end (validation, names,
first stage, summary) is :func:`econhubs.estimation.iv2sls`.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

COV_TYPES = ("unadjusted", "robust", "clustered")


def _project(z: Float[Array, "n l"], a: Float[Array, "n m"]) -> Float[Array, "n m"]:
    """P_Z a, by a thin QR of Z (Z has full column rank, checked by the front end)."""
    q, _ = jnp.linalg.qr(z, mode="reduced")
    return q @ (q.T @ a)


def _fit_core(y, x, z, clusters, num_clusters):
    """Coefficients, residuals, bread (X̂'X̂)^{-1} and the unscaled meats of the covariance types."""
    k = x.shape[1]
    xhat = _project(z, x)
    xtx = xhat.T @ xhat
    chol = jax.scipy.linalg.cho_factor(xtx)
    params = jax.scipy.linalg.cho_solve(chol, xhat.T @ y)
    eps = y - x @ params
    bread = jax.scipy.linalg.cho_solve(chol, jnp.eye(k, dtype=x.dtype))
    score = xhat * eps[:, None]
    meats = {"unadjusted": xtx * (eps @ eps / x.shape[0]), "robust": score.T @ score}
    if num_clusters is not None:
        u = jax.ops.segment_sum(score, clusters, num_segments=num_clusters)
        meats["clustered"] = u.T @ u
    return params, eps, bread, meats


def _scale(cov: str, n: int, k: int, g: int | None, debiased: bool) -> float:
    """linearmodels' small-sample factor (1 unless debiased)."""
    if not debiased:
        return 1.0
    return (g / (g - 1)) * ((n - 1) / (n - k)) if cov == "clustered" else n / (n - k)


def fit_arrays(
    y: Float[Array, " n"],
    x: Float[Array, "n k"],
    z: Float[Array, "n l"],
    clusters: Int[Array, " n"] | None = None,
    *,
    cov: str = "unadjusted",
    num_clusters: int | None = None,
    debiased: bool = False,
) -> tuple[Float[Array, " k"], Float[Array, "k k"], Float[Array, " n"]]:
    """2SLS on arrays: ``(params, cov_matrix, residuals)``; OLS when ``z is x``. Vmappable.

    clusters: integer codes 0..G-1 (``cov="clustered"``), with ``num_clusters=G`` static.
    """
    if cov not in COV_TYPES:
        raise ValueError(f"cov must be one of {COV_TYPES}, got {cov!r}")
    if cov == "clustered" and (clusters is None or num_clusters is None):
        raise ValueError("cov='clustered' needs clusters (integer codes) and num_clusters")
    n, k = x.shape
    g = num_clusters if cov == "clustered" else None
    params, eps, bread, meats = _fit_core(y, x, z, clusters if g else None, g)
    v = _scale(cov, n, k, g, debiased) * bread @ meats[cov] @ bread
    return params, 0.5 * (v + v.T), eps


def _partial_r2(d, exog, instr):
    """R² of d on the instruments after both are partialled on exog."""
    if exog.shape[1]:
        d, instr = d - _project(exog, d[:, None])[:, 0], instr - _project(exog, instr)
    resid = d - _project(instr, d[:, None])[:, 0]
    return 1.0 - (resid @ resid) / (d @ d)


def wald_first_stage(
    d: Float[Array, " n"],
    exog: Float[Array, "n k1"],
    instr: Float[Array, "n q"],
    clusters: Int[Array, " n"] | None = None,
    *,
    cov: str = "unadjusted",
    num_clusters: int | None = None,
    debiased: bool = False,
) -> tuple[Float[Array, ""], Float[Array, ""], Float[Array, " k"]]:
    r"""First stage of one endogenous regressor d: ``(F, partial R², coefficients)``.

    OLS of d on $[X_{exog}, Z_{excl}]$ with the model's covariance type; F is the Wald statistic
    of the q excluded-instrument coefficients, divided by q for ``cov="unadjusted"`` (an F
    statistic) and **not** divided for robust/clustered (a χ²_q statistic), exactly as
    linearmodels' ``first_stage.diagnostics["f.stat"]``. Partial R² is the R² of d on the
    instruments after both are partialled on the exogenous regressors.
    """
    xz = jnp.concatenate([exog, instr], axis=1)
    b, v, _ = fit_arrays(d, xz, xz, clusters, cov=cov, num_clusters=num_clusters, debiased=debiased)
    return _wald(b, v, instr.shape[1], cov), _partial_r2(d, exog, instr), b


def _wald(b, v, q: int, cov: str):
    bq, vq = b[..., -q:], v[..., -q:, -q:]
    stat = jnp.einsum("...i,...i->...", bq, jnp.linalg.solve(vq, bq[..., None])[..., 0])
    return stat / q if cov == "unadjusted" else stat


@partial(jax.jit, static_argnames=("num_clusters",))
def _estimate(y, exog, endog, instr, clusters, num_clusters):
    """One compiled kernel per problem shape, for every covariance type: the 2SLS core and the
    first-stage cores (vmapped over endogenous regressors) with their partial R²."""
    x, z = jnp.concatenate([exog, endog], 1), jnp.concatenate([exog, instr], 1)
    main = _fit_core(y, x, z, clusters, num_clusters)
    if not endog.shape[1]:
        return main, None
    xz = jnp.concatenate([exog, instr], 1)
    first = jax.vmap(lambda d: _fit_core(d, xz, xz, clusters, num_clusters), in_axes=1)(endog)
    r2 = jax.vmap(_partial_r2, in_axes=(1, None, None))(endog, exog, instr)
    return main, (first, r2)


def iv2sls(data, dependent: str, exog, endog, instruments, cluster: str | None = None, cov: str = "unadjusted",
           const: bool = False, debiased: bool = False):
    """2SLS of ``dependent`` on ``exog + endog`` with ``exog + instruments`` as instruments.

    data: pandas DataFrame; the other arguments are column names (lists of str). ``const=True``
    prepends a column of ones named ``const`` to exog (default: add your own). ``cov``:
    "unadjusted" | "robust" | "clustered" (then ``cluster`` names the cluster column).
    With no endog and no instruments this is OLS (``first_stage`` is then None). Returns
    :class:`IVResults`; bad input raises with the column and rule (see ``_design``).
    """
    from ._design import build_design
    from ._iv2sls_results import FirstStage, IVResults

    if cov not in COV_TYPES:
        raise ValueError(f"cov must be one of {COV_TYPES}, got {cov!r}")
    d = build_design(data, dependent, exog, endog, instruments, cluster=cluster, const=const, cov=cov)
    cl = None if d.clusters is None else jnp.asarray(d.clusters)
    g = d.num_clusters
    (coef, eps, bread, meats), fs = _estimate(*[jnp.asarray(a) for a in (d.y, d.exog, d.endog, d.instr)], cl, g)
    n, k = d.x.shape
    v = _scale(cov, n, k, g, debiased) * bread @ meats[cov] @ bread
    v = 0.5 * (v + v.T)
    if not bool(jnp.all(jnp.isfinite(coef)) & jnp.all(jnp.isfinite(v))):
        raise ValueError("2SLS failed: the projected regressors P_Z X are rank deficient (an endogenous regressor is "
                         f"not explained by the instruments {d.instr_names} beyond exog); check the first stage")
    first = None
    if d.endog_names:
        (b1, _, bread1, meats1), r2 = fs
        v1 = _scale(cov, n, d.z.shape[1], g, debiased) * bread1 @ meats1[cov] @ bread1
        first = FirstStage(
            f_stat=_wald(b1, v1, len(d.instr_names), cov), partial_r2=r2, coefs=b1, endog=tuple(d.endog_names),
            regressors=tuple(d.exog_names + d.instr_names), num_instruments=len(d.instr_names),
        )
    return IVResults(coef=coef, cov=v, resid=eps, first_stage=first, names=tuple(d.exog_names + d.endog_names),
                     dependent=d.dependent, cov_type=cov, debiased=debiased, num_clusters=d.num_clusters)
