"""Results of :func:`econhubs.estimation.iv2sls`: arrays in an ``eqx.Module``, pandas views on demand."""

from __future__ import annotations

import equinox as eqx
import numpy as np
import pandas as pd
from jaxtyping import Array, Float
from scipy import stats


class FirstStage(eqx.Module):
    """First-stage diagnostics, one entry per endogenous regressor.

    f_stat: Wald test of the excluded instruments (F for ``cov="unadjusted"``, χ²_q otherwise, as
    linearmodels); partial_r2: partial R²; coefs (m, k_exog + q): first-stage OLS coefficients.
    """

    f_stat: Float[Array, " m"]
    partial_r2: Float[Array, " m"]
    coefs: Float[Array, "m c"]
    endog: tuple[str, ...] = eqx.field(static=True)
    regressors: tuple[str, ...] = eqx.field(static=True)
    num_instruments: int = eqx.field(static=True)

    def to_frame(self) -> pd.DataFrame:
        """One row per endogenous regressor: f.stat, partial.rsquared, and the instruments' coefficients."""
        df = pd.DataFrame({"f.stat": np.asarray(self.f_stat), "partial.rsquared": np.asarray(self.partial_r2)},
                          index=list(self.endog))
        q = self.num_instruments
        coefs = pd.DataFrame(np.asarray(self.coefs)[:, -q:], index=list(self.endog), columns=list(self.regressors[-q:]))
        return pd.concat([df, coefs], axis=1)


class IVResults(eqx.Module):
    """2SLS (or OLS) estimates. Array fields vmap; ``params`` etc. are pandas views."""

    coef: Float[Array, " k"]
    cov: Float[Array, "k k"]
    resid: Float[Array, " n"]
    first_stage: FirstStage | None
    names: tuple[str, ...] = eqx.field(static=True)
    dependent: str = eqx.field(static=True)
    cov_type: str = eqx.field(static=True)
    debiased: bool = eqx.field(static=True)
    num_clusters: int | None = eqx.field(static=True)

    @property
    def nobs(self) -> int:
        return int(self.resid.shape[-1])

    @property
    def df_resid(self) -> int:
        return self.nobs - len(self.names)

    @property
    def params(self) -> pd.Series:
        return pd.Series(np.asarray(self.coef), index=list(self.names), name="parameter")

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(np.asarray(self.cov))), index=list(self.names), name="std_error")

    @property
    def tstats(self) -> pd.Series:
        return (self.params / self.std_errors).rename("tstat")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided; normal, or t(n−k) when debiased (linearmodels' convention)."""
        t = np.abs(self.tstats.to_numpy())
        p = 2 * (stats.t.sf(t, self.df_resid) if self.debiased else stats.norm.sf(t))
        return pd.Series(p, index=list(self.names), name="pvalue")

    @property
    def covariance(self) -> pd.DataFrame:
        return pd.DataFrame(np.asarray(self.cov), index=list(self.names), columns=list(self.names))

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        q = stats.t.ppf(0.5 + level / 2, self.df_resid) if self.debiased else stats.norm.ppf(0.5 + level / 2)
        b, s = self.params, self.std_errors
        return pd.DataFrame({"lower": b - q * s, "upper": b + q * s})

    def to_frame(self) -> pd.DataFrame:
        """params, std_error, tstat, pvalue, lower/upper 95% bounds, indexed by regressor."""
        return pd.concat([self.params, self.std_errors, self.tstats, self.pvalues, self.conf_int()], axis=1)

    def summary(self) -> str:
        """A text summary laid out like linearmodels' (estimates, then the first stage)."""
        est = "IV-2SLS" if self.first_stage is not None else "OLS"
        cov = self.cov_type + (f" ({self.num_clusters} clusters)" if self.num_clusters else "")
        head = [f"{est} Estimation Summary", "=" * 78,
                f"Dep. Variable: {self.dependent:<24} No. Observations: {self.nobs}",
                f"Cov. Estimator: {cov:<23} Debiased: {self.debiased}", "-" * 78]
        body = self.to_frame().to_string(float_format=lambda v: f"{v:.4f}")
        out = head + [body, "=" * 78]
        if self.first_stage is not None:
            kind = "F" if self.cov_type == "unadjusted" else "Wald chi2"
            out += [f"First stage (partial {kind} of the excluded instruments, partial R^2):",
                    self.first_stage.to_frame().to_string(float_format=lambda v: f"{v:.4f}")]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.summary()
