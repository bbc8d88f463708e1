"""iv2sls against linearmodels' IV2SLS (an independent implementation) and its input checks.

Data sets: Mroz (1987) as shipped in tests/estimation/data/mroz.csv (Wooldridge's textbook IV
example: ln wage on education, instrumented by parents' education), and a SYNTHETIC data set
with two endogenous regressors, three instruments and 40 clusters.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS

from econhubs.estimation import fit_arrays, iv2sls

MROZ = Path(__file__).parent / "data" / "mroz.csv"


def _mroz():
    d = pd.read_csv(MROZ, comment="#")
    return d[d.inlf == 1].reset_index(drop=True).assign(const=1.0)


def _synthetic(n=600, seed=3):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 40, n)
    z = rng.normal(size=(n, 3)) + rng.normal(size=(40, 1))[g]
    u = rng.normal(size=n) + 0.5 * rng.normal(size=40)[g]
    w = rng.normal(size=n)
    d1 = z @ [1.0, 0.5, 0.0] + 0.8 * u + rng.normal(size=n)
    d2 = z @ [0.0, 0.7, 1.2] - 0.5 * u + rng.normal(size=n)
    y = 1.0 + 0.3 * w + 2.0 * d1 - 1.0 * d2 + u * (1 + 0.5 * np.abs(w))
    return pd.DataFrame({"y": y, "w": w, "d1": d1, "d2": d2, "z1": z[:, 0], "z2": z[:, 1], "z3": z[:, 2],
                         "g": g, "const": 1.0})


CASES = {
    "mroz": (_mroz, "lwage", ["const", "exper", "expersq"], ["educ"], ["motheduc", "fatheduc"], "age"),
    "synthetic": (_synthetic, "y", ["const", "w"], ["d1", "d2"], ["z1", "z2", "z3"], "g"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_matches_linearmodels(case):
    make, dep, exog, endog, instr, cl = CASES[case]
    d = make()
    for cov in ["unadjusted", "robust", "clustered"]:
        for debiased in [False, True]:
            _compare(d, dep, exog, endog, instr, cl, cov, debiased)


def _compare(d, dep, exog, endog, instr, cl, cov, debiased):
    kw = {"clusters": d[cl]} if cov == "clustered" else {}
    ref = IV2SLS(d[dep], d[exog], d[endog], d[instr]).fit(cov_type=cov, debiased=debiased, **kw)
    res = iv2sls(d, dep, exog, endog, instr, cov=cov, cluster=cl if cov == "clustered" else None, debiased=debiased)
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(res.std_errors, ref.std_errors, rtol=1e-8)
    np.testing.assert_allclose(res.tstats, ref.tstats, rtol=1e-8)
    np.testing.assert_allclose(res.pvalues, ref.pvalues, rtol=1e-6, atol=1e-12)
    assert res.nobs == ref.nobs
    fs = ref.first_stage.diagnostics
    mine = res.first_stage.to_frame()
    np.testing.assert_allclose(mine["f.stat"], fs["f.stat"].astype(float), rtol=1e-6)
    np.testing.assert_allclose(mine["partial.rsquared"], fs["partial.rsquared"].astype(float), rtol=1e-6)
    for e in endog:  # first-stage coefficients equal linearmodels' individual first-stage OLS
        np.testing.assert_allclose(mine.loc[e, instr], ref.first_stage.individual[e].params[instr], rtol=1e-8)


def test_ols_when_no_endog_matches_linearmodels():
    d = _mroz()
    ref = IV2SLS(d.lwage, d[["const", "educ", "exper"]], None, None).fit(cov_type="robust")
    res = iv2sls(d, "lwage", ["educ", "exper"], [], [], const=True, cov="robust")
    assert res.first_stage is None
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-8)
    np.testing.assert_allclose(res.std_errors, ref.std_errors, rtol=1e-8)
    frame = res.to_frame()
    assert list(frame.index) == ["const", "educ", "exper"] and "std_error" in frame
    assert "OLS" in res.summary() and "lwage" in res.summary()


@pytest.mark.slow
def test_fit_arrays_vmaps_over_draws():
    d = _synthetic(n=200)
    x = jnp.asarray(d[["const", "w", "d1", "d2"]].to_numpy())
    z = jnp.asarray(d[["const", "w", "z1", "z2", "z3"]].to_numpy())
    codes = jnp.asarray(d.g.to_numpy())
    ys = jnp.asarray(d.y.to_numpy())[None] + jax.random.normal(jax.random.PRNGKey(0), (5, 200))

    def fit(y):
        return fit_arrays(y, x, z, codes, cov="clustered", num_clusters=40)[:2]

    b, v = jax.vmap(fit)(ys)
    for i in range(5):
        ref = IV2SLS(np.asarray(ys[i]), np.asarray(x[:, :2]), np.asarray(x[:, 2:]), np.asarray(z[:, 2:]))
        ref = ref.fit(cov_type="clustered", clusters=d.g.to_numpy())
        np.testing.assert_allclose(b[i], ref.params, rtol=1e-8)
        np.testing.assert_allclose(jnp.sqrt(jnp.diag(v[i])), ref.std_errors, rtol=1e-8)


def test_summary_mentions_first_stage():
    d = _mroz()
    res = iv2sls(d, "lwage", ["exper", "expersq"], ["educ"], ["motheduc", "fatheduc"], const=True)
    text = res.summary()
    assert "IV-2SLS" in text and "First stage" in text and "educ" in text


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(exog=["const", "exper", "expersq", "exper2"]), ValueError, r"collinear regressors: \['exper2'\]"),
    (dict(instruments=["motheduc", "mother2"]), ValueError, r"collinear instruments: \['mother2'\]"),
    (dict(endog=["educ", "huseduc"], instruments=["motheduc"]), ValueError, "not identified"),
    (dict(exog=["const", "nope"]), KeyError, "'nope'"),
    (dict(exog=["const", "withnan"]), ValueError, r"'withnan' has 1 NaN.*rows \[7\]"),
    (dict(cov="clustered", cluster="one"), ValueError, "'one' has 1 distinct"),
    (dict(cov="clustered"), ValueError, "needs cluster"),
    (dict(cov="sandwich"), ValueError, "cov must be one of"),
])
def test_bad_input_is_rejected_clearly(kwargs, err, match):
    d = _mroz().assign(exper2=lambda f: 2 * f.exper + f.expersq, mother2=lambda f: 3 * f.motheduc, one=1)
    d["withnan"] = d.age.astype(float)
    d.loc[7, "withnan"] = np.nan
    args = dict(dependent="lwage", exog=["const", "exper", "expersq"], endog=["educ"],
                instruments=["motheduc", "fatheduc"]) | kwargs
    with pytest.raises(err, match=match):
        iv2sls(d, **args)
