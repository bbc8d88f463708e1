import numpy as np
import pandas as pd
import pytest

from econhubs.empirics import gini, hhi, max_share, rca, shift_share, specialization, us_industries, validate_panel


def brute_gini(s):
    s = np.asarray(s, float)
    n = len(s)
    return np.abs(s[:, None] - s[None, :]).sum() / (2 * n * s.sum()) * n / (n - 1)


def test_gini_hand_cases():
    assert gini(np.full(17, 1 / 17)) == pytest.approx(0.0, abs=1e-15)
    one = np.zeros(17)
    one[4] = 1.0
    assert gini(one) == pytest.approx(1.0, abs=1e-15)
    assert gini([0.75, 0.25]) == pytest.approx(0.5)  # |0.75-0.25| * 2 / (2 * 1 * 1)
    assert gini([1.0, 1.0, 4.0]) == pytest.approx(0.5)  # sum|d| = 12, / (2 * 2 * 6)
    assert gini([5.0, 5.0, 5.0]) == pytest.approx(0.0)  # levels, not shares: scale-free
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=(20, 11))
    np.testing.assert_allclose(gini(x), [brute_gini(r) for r in x], rtol=1e-13)


def test_hhi_and_max_share_hand_cases():
    u = np.full(17, 2.0)
    assert hhi(u) == pytest.approx(1 / 17)
    assert hhi(u, normalised=True) == pytest.approx(0.0, abs=1e-15)
    one = np.eye(17)[3] * 7.0
    assert hhi(one) == pytest.approx(1.0) and hhi(one, normalised=True) == pytest.approx(1.0)
    assert hhi([3.0, 1.0]) == pytest.approx(0.75**2 + 0.25**2)
    assert max_share([3.0, 1.0]) == pytest.approx(0.75) and max_share(one) == pytest.approx(1.0)


def _two_by_two():
    # Y_irt: region A: (x=6, y=2), region B: (x=2, y=10); nation: x=8, y=12, total 20
    df = pd.DataFrame({"region": ["A", "A", "B", "B"], "year": 2000, "industry": ["x", "y", "x", "y"],
                       "income": [6.0, 2.0, 2.0, 10.0]})
    return validate_panel(df)


def test_rca_and_rank_hand_case():
    r = rca(_two_by_two()).set_index(["region", "industry"])
    expect = {("A", "x"): (6 / 8) / (8 / 20), ("A", "y"): (2 / 8) / (12 / 20),
              ("B", "x"): (2 / 12) / (8 / 20), ("B", "y"): (10 / 12) / (12 / 20)}
    for k, v in expect.items():
        assert r.loc[k, "rca"] == pytest.approx(v)
    # ranks within year, 1 = highest RCA: A-x 1.875, B-y 1.389, A-y 0.417, B-x 0.417 (tie -> 3.5)
    assert r.loc[("A", "x"), "rank_rca"] == 1 and r.loc[("B", "y"), "rank_rca"] == 2
    assert r.loc[("A", "y"), "rank_rca"] == pytest.approx(3.5) and r.loc[("B", "x"), "rank_rca"] == pytest.approx(3.5)
    np.testing.assert_allclose(r["log_rank_rca"], np.log(r["rank_rca"]))
    ri = rca(_two_by_two(), rank_within="industry-year").set_index(["region", "industry"])
    assert ri.loc[("A", "x"), "rank_rca"] == 1 and ri.loc[("B", "x"), "rank_rca"] == 2


def test_shift_share_hand_case():
    df = pd.DataFrame({"region": ["A", "A", "B", "B"] * 2, "year": [1950] * 4 + [2020] * 4,
                       "industry": ["x", "y"] * 4, "income": [3.0, 1.0, 1.0, 1.0, 6.0, 1.0, 2.0, 4.0]})
    g = shift_share(validate_panel(df), 1950, 2020)
    gx, gy = np.log(8 / 4), np.log(5 / 2)
    assert g["A"] == pytest.approx(0.75 * gx + 0.25 * gy)
    assert g["B"] == pytest.approx(0.5 * gx + 0.5 * gy)


def test_specialization_tradable_split_and_missing_cells_count_as_zero():
    tab = us_industries()
    assert len(tab) == 17 and tab["tradable"].sum() == 8
    np.testing.assert_allclose(tab[["share_1950", "share_1990", "share_2020"]].sum(), 1.0)
    names = tab["industry"].tolist()
    df = pd.DataFrame({"region": "A", "year": 1950, "industry": names, "income": np.arange(1.0, 18.0)})
    sp = specialization(validate_panel(df)).iloc[0]
    x = np.arange(1.0, 18.0)
    assert sp["gini"] == pytest.approx(brute_gini(x))
    t = tab["tradable"].to_numpy()
    assert sp["gini_tradable"] == pytest.approx(brute_gini(x[t]))
    assert sp["gini_nontradable"] == pytest.approx(brute_gini(x[~t]))
    # an absent cell of a present region-year counts as zero: dropping a zero row changes nothing
    z = pd.concat([df, df.assign(region="B")], ignore_index=True)
    z.loc[0, "income"] = 0.0
    a = specialization(validate_panel(z)).iloc[0]
    p = validate_panel(z.drop(index=0))
    b = specialization(p).iloc[0]
    assert p.report.zero_filled_cells == 1 and not p.report.balanced
    assert a["gini"] == pytest.approx(b["gini"]) and a["hhi"] == pytest.approx(b["hhi"])


def test_shift_share_zero_industries_one_behaviour():
    """Issue 13: _measures raised on zero industries while _fact1's copy mapped inf to 0. One rule now:
    an industry absent nationally in the base year contributes 0 (all its base shares are 0); one that
    vanishes by the end year (g = -inf) is an error. Fact 1's g_hat is the same function."""
    from econhubs.empirics import cross_section, shift_share_pairs

    new = pd.DataFrame({"region": ["A", "A", "A", "B", "B", "B"] * 2, "year": [1950] * 6 + [2020] * 6,
                        "industry": ["x", "y", "z"] * 4,
                        "income": [3.0, 1.0, 0.0, 1.0, 1.0, 0.0, 6.0, 1.0, 2.0, 2.0, 4.0, 1.0]})
    p = validate_panel(new)
    g = shift_share(p, 1950, 2020)
    gx, gy = np.log(8 / 4), np.log(5 / 2)  # z is absent in 1950 and contributes 0
    assert g["A"] == pytest.approx(0.75 * gx + 0.25 * gy) and g["B"] == pytest.approx(0.5 * gx + 0.5 * gy)
    pairs = shift_share_pairs(p, [(1950, 2020)]).set_index("region")["g_hat"]
    np.testing.assert_array_equal(pairs.to_numpy(), g.to_numpy())
    np.testing.assert_allclose(cross_section(p, 1950, 2020).set_index("region")["g_hat"], g, rtol=0, atol=0)
    gone = validate_panel(new.assign(year=2020 + 1950 - new["year"]))  # z present in 1950, zero in 2020
    with pytest.raises(ValueError, match=r"positive national income in 1950 but zero in 2020: \['z'\]"):
        shift_share(gone, 1950, 2020)
    with pytest.raises(ValueError, match=r"zero in 2020: \['z'\]"):
        cross_section(gone, 1950, 2020)
