import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.nonparametric.smoothers_lowess import lowess as sm_lowess

from econhubs.empirics import absorb, fe_ols, lowess, ols

from empirics_helpers import full_rank_dummies, small_panel


def _data(n=300, k=4, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    y = X @ rng.normal(size=k) + rng.normal(size=n) * np.exp(0.5 * X[:, 1])
    return y, X, rng.integers(0, 23, n)


@pytest.mark.parametrize("cov", ["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"])
def test_ols_matches_statsmodels(cov):
    y, X, g = _data()
    mine = ols(y, X, cov_type=cov, groups=g if cov == "cluster" else None)
    kw = {"groups": g} if cov == "cluster" else {}
    ref = sm.OLS(y, X).fit(cov_type=cov, cov_kwds=kw or None)
    np.testing.assert_allclose(mine.params, ref.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(mine.bse, ref.bse, rtol=0, atol=1e-10)
    assert mine.rsquared == pytest.approx(ref.rsquared, abs=1e-12)
    assert mine.rsquared_adj == pytest.approx(ref.rsquared_adj, abs=1e-12)
    if cov != "nonrobust":  # statsmodels' robust p-values are normal-based
        np.testing.assert_allclose(mine.pvalues, ref.pvalues, atol=1e-10)


def test_ols_rejects_bad_input():
    y, X, _ = _data(20)
    y[3] = np.nan
    with pytest.raises(ValueError, match=r"rows \[3\]"):
        ols(y, X)
    with pytest.raises(ValueError, match="cov_type"):
        ols(np.ones(5), np.ones((5, 1)), cov_type="HC9")


@pytest.mark.parametrize("cov", ["cluster", "HC1", "nonrobust"])
@pytest.mark.parametrize("drop", [0, 17])
def test_two_way_fe_equals_explicit_dummy_ols(cov, drop):
    df = small_panel(drop=drop, seed=3)
    rng = np.random.default_rng(4)
    df["x"] = rng.normal(size=len(df))
    df["z"] = rng.normal(size=len(df))
    df["y"] = 0.7 * df["x"] - 0.2 * df["z"] + rng.normal(size=len(df))
    fe = [["region", "year"], ["industry", "year"]]
    mine = fe_ols(df, "y", ["x", "z"], fe, cov_type=cov, cluster="region")
    D = full_rank_dummies(df, [tuple(f) for f in fe])
    X = np.column_stack([df[["x", "z"]].to_numpy(), D])
    kw = {"groups": df["region"].astype("category").cat.codes.to_numpy()} if cov == "cluster" else None
    ref = sm.OLS(df["y"].to_numpy(), X).fit(cov_type=cov, cov_kwds=kw)
    np.testing.assert_allclose(mine.params, ref.params[:2], rtol=0, atol=1e-10)
    np.testing.assert_allclose(mine.bse, ref.bse[:2], rtol=0, atol=1e-10)
    assert mine.info["df_absorbed"] == D.shape[1]
    # alternating projections give the same answer
    ap = fe_ols(df, "y", ["x", "z"], fe, cov_type=cov, cluster="region", method="ap")
    np.testing.assert_allclose(ap.params, mine.params, atol=1e-9)
    np.testing.assert_allclose(ap.bse, mine.bse, atol=1e-9)


def test_absorb_three_way_matches_dummy_projection():
    df = small_panel(n_regions=6, n_industries=3, years=(1, 2, 3), drop=5, seed=7)
    y = np.random.default_rng(0).normal(size=(len(df), 2))
    fac = [df["region"], df["industry"], df["year"]]
    yt, k, _ = absorb(y, fac)
    D = full_rank_dummies(df, [("region",), ("industry",), ("year",)])
    resid = y - D @ np.linalg.lstsq(D, y, rcond=None)[0]
    np.testing.assert_allclose(yt, resid, atol=1e-10)
    assert k == D.shape[1]


@pytest.mark.parametrize("n,frac,it", [(40, 0.3, 0), (300, 2 / 3, 3), (1500, 0.25, 2)])
def test_lowess_matches_statsmodels(n, frac, it):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    y = np.sin(2 * x) + rng.standard_t(3, size=n) * 0.3
    np.testing.assert_allclose(lowess(y, x, frac, it), sm_lowess(y, x, frac, it, return_sorted=False),
                               rtol=0, atol=1e-10)


def test_lowess_recovers_a_line_exactly():
    x = np.linspace(0, 1, 50)
    np.testing.assert_allclose(lowess(2 * x + 1, x, 0.3), 2 * x + 1, atol=1e-12)
