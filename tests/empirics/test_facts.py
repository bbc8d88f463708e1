import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.nonparametric.smoothers_lowess import lowess as sm_lowess

from econhubs.empirics import (
    INDUSTRY_GROUPS,
    PLANTED_GROWTH,
    cross_section,
    fact1,
    fact1_horizons,
    fact1_industries,
    fact2,
    fact3,
    levels_wide,
    rca,
    shift_share,
    specialization,
    specialization_over_time,
    synthetic_panel,
    us_industries,
    validate_panel,
)

from empirics_helpers import full_rank_dummies, small_panel

CONTROLS = ["high_skill_share", "old_age_dependency", "female_share", "population"]


@pytest.fixture(scope="module")
def panel():
    return synthetic_panel(150, seed=5)


@pytest.fixture(scope="module")
def big():
    return synthetic_panel(722, seed=0)


def _sm(d, y, xs, cov="HC1", groups=None):
    X = sm.add_constant(d[xs].to_numpy(float), has_constant="add")
    kw = {"groups": groups} if groups is not None else None
    return sm.OLS(d[y].to_numpy(float), X).fit(cov_type=cov, cov_kwds=kw)


def _check(mine, ref):
    np.testing.assert_allclose(mine.params, ref.params, rtol=0, atol=1e-8)
    np.testing.assert_allclose(mine.bse, ref.bse, rtol=0, atol=1e-8)
    assert mine.nobs == ref.nobs and mine.rsquared_adj == pytest.approx(ref.rsquared_adj, abs=1e-10)


def test_fact1_columns_equal_statsmodels(panel):
    tab = fact1(panel)
    d = cross_section(panel)
    assert len(tab.models) == 4 and d.shape[0] == 150
    for m in tab.models:
        dep = "growth" if "Growth" in m.label else "log_income_pc"
        _check(m, _sm(d, dep, list(m.names[1:])))
    assert tab.models[0].names[1] == "gini" and set(CONTROLS) <= set(tab.models[0].names)
    assert "log_income_pc" in tab.models[0].names and "log_income_pc" not in tab.models[2].names
    hh = fact1(panel, measure="hhi_norm")
    assert len(hh.models) == 2 and hh.models[0].names[1] == "hhi_norm"
    _check(hh.models[1], _sm(d, "log_income_pc", list(hh.models[1].names[1:])))


def test_fact1_cross_section_built_independently(panel):
    d = cross_section(panel).set_index("region")
    sp = specialization(panel).set_index(["region", "year"])
    inc = levels_wide(panel).sum(axis=1)
    pop = panel.regions.set_index(["region", "year"])["population"]
    ly = np.log(inc / pop.reindex(inc.index))
    growth = ly.xs(2020, level="year") - ly.xs(1950, level="year")
    np.testing.assert_allclose(d["growth"], growth.reindex(d.index), atol=1e-12)
    np.testing.assert_allclose(d["gini"], sp.xs(1950, level="year")["gini"].reindex(d.index), atol=1e-14)
    np.testing.assert_allclose(d["g_hat"], shift_share(panel, 1950, 2020).reindex(d.index), atol=1e-12)
    p50 = pop.xs(1950, level="year")
    np.testing.assert_allclose(d["population"], (p50 / p50.sum()).reindex(d.index), atol=1e-15)


def test_fact1_horizons_equal_statsmodels_on_independent_data(panel):
    tab = fact1_horizons(panel, horizons=(20, 70))
    sp = specialization(panel).set_index(["region", "year"])
    reg = panel.regions.set_index(["region", "year"])
    inc = levels_wide(panel).sum(axis=1)
    ly = np.log(inc / reg["population"].reindex(inc.index))
    rows = []
    for t in range(1950, 2001, 10):
        gh = shift_share(panel, t, t + 20)
        for r in gh.index:
            z = reg.loc[(r, t)]
            rows.append({"y": ly[(r, t + 20)] - ly[(r, t)], "gt": sp.loc[(r, t), "gini_tradable"], "g_hat": gh[r],
                         "ly": ly[(r, t)], "hs": z["high_skill_share"], "oad": z["old_age_dependency"],
                         "fem": z["female_share"], "pop": z["population"] / reg.xs(t, level="year")["population"].sum(),
                         **{f"s{s}": float(t == s) for s in range(1960, 2001, 10)}})
    d = pd.DataFrame(rows)
    xs = ["gt", "g_hat", "ly", "hs", "oad", "fem", "pop"] + [f"s{s}" for s in range(1960, 2001, 10)]
    _check(tab.models[0], _sm(d, "y", xs))
    assert tab.models[1].nobs == 150 and tab.columns == ["20-year", "70-year"]


def test_fact1_industries_equal_statsmodels(panel):
    tab = fact1_industries(panel)
    w = levels_wide(panel).xs(1950, level="year")
    s = w.div(w.sum(axis=1), axis=0)
    d = cross_section(panel).set_index("region")
    for g, inds in INDUSTRY_GROUPS.items():
        d[f"spec_{g}"] = s[inds].sum(axis=1).reindex(d.index)
    for m in tab.models:
        dep = "growth" if m.label == "growth" else "log_income_pc"
        _check(m, _sm(d.reset_index(), dep, list(m.names[1:])))


def test_fact3_equals_explicit_dummy_ols_small_panel():
    df = small_panel(n_regions=10, n_industries=4, years=(1950, 1960, 1970, 1980), seed=11, drop=9)
    p = validate_panel(df)
    tab = fact3(p, horizons=(10, 20))
    r = rca(p)
    for h, row in zip((10, 20), tab.itertuples()):
        lag = r[["region", "industry", "year", "log_rank_rca"]].rename(columns={"log_rank_rca": "lag"})
        lag["year"] += h
        d = r.merge(lag, on=["region", "industry", "year"]).reset_index(drop=True)
        D = full_rank_dummies(d, [("region", "year"), ("industry", "year")])
        X = np.column_stack([d["lag"].to_numpy(), D])
        ref = sm.OLS(d["log_rank_rca"].to_numpy(), X).fit(
            cov_type="cluster", cov_kwds={"groups": d["region"].astype("category").cat.codes.to_numpy()})
        assert row.beta == pytest.approx(ref.params[0], abs=1e-10)
        assert row.se == pytest.approx(ref.bse[0], abs=1e-10)
        assert row.nobs == len(d) and row.fe_absorbed == D.shape[1]


def test_fact2_equals_statsmodels_lowess(panel):
    res = fact2(panel, frac=0.4)
    d = res.data
    np.testing.assert_allclose(d["fit"], sm_lowess(d["y"], d["x"], 0.4, 3, return_sorted=False), atol=1e-10)
    for _, g in d.groupby("year"):  # z-scores within year
        assert g["x"].mean() == pytest.approx(0, abs=1e-12) and g["y"].std() == pytest.approx(1)
    assert len(res.summary()) == 5


def test_synthetic_panel_matches_slides_moments_and_table(big):
    assert big.synthetic and big.industry.attrs["synthetic"] and "SYNTHETIC" in str(big.report)
    assert big.report.n_regions == 722 and big.report.n_industries == 17 and len(big.report.years) == 8
    t1 = specialization_over_time(big).set_index("year").loc[1950]
    assert t1["gini_income_mean"] == pytest.approx(0.46, abs=2e-3)
    assert t1["gini_income_cv"] == pytest.approx(0.162, abs=2e-3)
    assert t1["gini_income_p90_p10"] == pytest.approx(1.55, abs=0.01)
    nat = levels_wide(big).groupby(level="year").sum()
    nat = nat.div(nat.sum(axis=1), axis=0)
    tab = us_industries().set_index("industry")
    for y in (1990, 2020):  # later years: national shares follow the shipped table
        np.testing.assert_allclose(nat.loc[y], tab[f"share_{y}"].reindex(nat.columns), atol=1e-3)
    np.testing.assert_allclose(nat.loc[1950], tab["share_1950"].reindex(nat.columns), atol=0.03)


def test_planted_growth_coefficients_recovered(big):
    m = fact1(big).models[0]
    for name in ("gini", "g_hat", "log_income_pc", "high_skill_share", "female_share"):
        j = m.names.index(name)
        assert abs(m.params[j] - PLANTED_GROWTH[name]) < 3 * m.bse[j], name
    strong = synthetic_panel(300, seed=2, beta_growth=-1.0)
    m2 = fact1(strong).models[0]
    j = m2.names.index("gini")
    assert abs(m2.params[j] + 1.0) < 3 * m2.bse[j] and m2.params[j] + 3 * m2.bse[j] < 0


@pytest.mark.parametrize("base,end,years,pattern", [
    (2020, 1950, (1950, 2020), r"base year 2020 must be before end year 1950"),
    (1950, 1950, (1950, 2020), r"base year 1950 must be before end year 1950"),
    (None, None, (1950,), r"need at least two years"),
    (1940, None, (1950, 2020), r"base year 1940 is not in the panel"),
])
def test_run_facts_refuses_nonsense_years(base, end, years, pattern, tmp_path):
    """Issue 12 item 2: --base 2020 --end 1950 printed a regression with stars (g_hat 1e-14 ***)."""
    from econhubs.empirics import fact1, run_facts

    panel = synthetic_panel(30, seed=2, years=(1950, 2020))
    if len(years) == 1:  # a one-year panel
        keep = lambda df: df[df["year"].isin(years)]  # noqa: E731
        panel = validate_panel(keep(panel.industry), keep(panel.regions))
    with pytest.raises(ValueError, match=pattern):
        run_facts(panel, tmp_path / "o", base=base, end=end, progress=None)
    assert not (tmp_path / "o").exists()
    if base is not None and end is not None and base in years and end in years:
        with pytest.raises(ValueError, match=pattern):
            fact1(panel, base, end)


def test_collinear_regressor_is_refused_not_starred():
    """A regressor that is identically zero (g_hat when base == end) has no coefficient."""
    from econhubs.empirics import ols_frame

    rng = np.random.default_rng(0)
    d = pd.DataFrame({"y": rng.normal(size=50), "x": rng.normal(size=50), "g_hat": 0.0})
    with pytest.raises(ValueError, match=r"collinear \(rank 2 < 3\); not identified: \['g_hat'\]"):
        ols_frame(d, "y", ["x", "g_hat"])
    d["x2"] = 2 * d["x"]
    with pytest.raises(ValueError, match=r"not identified: \['x', 'x2'\]"):
        ols_frame(d, "y", ["x", "x2"])
