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


@partial(jax.jit, static_argnames=("num_clusters",))
def _fit_core(y, x, z, clusters, num_clusters):
    """Coefficients, residuals, bread (X̂'X̂)^{-1} and the unscaled meats of every covariance type.

    One compiled kernel per shape serves all three covariance types (the choice is cheap algebra).
    """
    k = x.shape[1]
    xhat = _project(z, x)
    chol = jax.scipy.linalg.cho_factor(xhat.T @ xhat)
    params = jax.scipy.linalg.cho_solve(chol, xhat.T @ y)
    eps = y - x @ params
    bread = jax.scipy.linalg.cho_solve(chol, jnp.eye(k, dtype=x.dtype))
    score = xhat * eps[:, None]
    meats = {"unadjusted": jnp.linalg.inv(bread) * (eps @ eps / x.shape[0]), "robust": score.T @ score}
    if num_clusters is not None:
        u = jax.ops.segment_sum(score, clusters, num_segments=num_clusters)
        meats["clustered"] = u.T @ u
    return params, eps, bread, meats


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
    if cov == "clustered":
        scale = (g / (g - 1)) * ((n - 1) / (n - k)) if debiased else 1.0
    else:
        scale = n / (n - k) if debiased else 1.0
    v = scale * bread @ meats[cov] @ bread
    return params, 0.5 * (v + v.T), eps


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
    q = instr.shape[1]
    bq, vq = b[-q:], v[-q:, -q:]
    stat = bq @ jnp.linalg.solve(vq, bq)
    stat = stat / q if cov == "unadjusted" else stat
    if exog.shape[1]:
        ed, ez = d - _project(exog, d[:, None])[:, 0], instr - _project(exog, instr)
    else:
        ed, ez = d, instr
    resid = ed - _project(ez, ed[:, None])[:, 0]
    r2 = 1.0 - (resid @ resid) / (ed @ ed)
    return stat, r2, b


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
    kw = dict(cov=cov, num_clusters=d.num_clusters, debiased=debiased)
    x, z = jnp.asarray(d.x), jnp.asarray(d.z)
    coef, v, eps = fit_arrays(jnp.asarray(d.y), x, z, cl, **kw)
    if not bool(jnp.all(jnp.isfinite(coef)) & jnp.all(jnp.isfinite(v))):
        raise ValueError("2SLS failed: the projected regressors P_Z X are rank deficient (an endogenous regressor is "
                         f"not explained by the instruments {d.instr_names} beyond exog); check the first stage")
    first = None
    if d.endog_names:
        ex, ins = jnp.asarray(d.exog), jnp.asarray(d.instr)
        fs = [wald_first_stage(jnp.asarray(d.endog[:, i]), ex, ins, cl, **kw) for i in range(d.endog.shape[1])]
        first = FirstStage(
            f_stat=jnp.stack([f[0] for f in fs]), partial_r2=jnp.stack([f[1] for f in fs]),
            coefs=jnp.stack([f[2] for f in fs]), endog=tuple(d.endog_names),
            regressors=tuple(d.exog_names + d.instr_names), num_instruments=len(d.instr_names),
        )
    return IVResults(coef=coef, cov=v, resid=eps, first_stage=first, names=tuple(d.exog_names + d.endog_names),
                     dependent=d.dependent, cov_type=cov, debiased=debiased, num_clusters=d.num_clusters)
