"""Hub analysis: group trade shares, decompositions, hub statistics (small random economy)."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from econhubs.spatial import (
    group_trade_shares,
    hub_statistics,
    price_decomposition,
    seed_findings,
    solve_equilibrium,
    unit_cost_decomposition,
)

from _hubs_economies import small_economy

GROUPS = ["HE", "PS", "M", "NT"]  # small_economy(J=4): kernels 0, 1, 2 and one nontradable


@pytest.fixture(scope="module")
def pair():
    p, f, tc, _ = small_economy(N=10, J=4, seed=5)
    eq0 = solve_equilibrium(p, f, tc)
    f1 = eqx.tree_at(lambda q: q.lam_hat, f, f.lam_hat * jnp.exp(0.01 * jnp.arange(10.0))[:, None, None])
    return eq0, solve_equilibrium(p, f1, tc)


def test_group_trade_shares_match_industry_sum(pair):
    eq0, _ = pair
    pi = group_trade_shares(eq0, GROUPS, "PS")
    j = GROUPS.index("PS")
    assert np.allclose(pi, np.asarray(eq0.trade_shares(j)), atol=1e-13)  # one industry in the group
    assert np.allclose(pi.sum(1), 1.0, atol=1e-12)


def test_price_decomposition_is_exact(pair):
    eq0, eq1 = pair
    df = price_decomposition(eq0, eq1, GROUPS, "HE", range(10))
    assert np.allclose(df["dlnP"], df["unit_cost"] + df["variety_trade"], atol=1e-12)
    # the variety term from the diagonal of π computed independently
    j = GROUPS.index("HE")
    th = float(eq0.params.theta[j])
    pnn = [np.diag(np.asarray(e.trade_shares(j))) for e in pair]
    assert np.allclose(df["variety_trade"], np.log(pnn[1] / pnn[0]) / th, atol=1e-12)


def test_unit_cost_decomposition_residual_is_second_order(pair):
    eq0, eq1 = pair
    df = unit_cost_decomposition(eq0, eq1, GROUPS, "M", range(10))
    parts = df[["wages", "tfp", "materials", "structures", "residual"]].sum(1)
    assert np.allclose(parts, df["dlnx"], atol=1e-14)
    assert np.max(np.abs(df["residual"])) < 0.05 * np.max(np.abs(df["dlnx"]))


def test_hub_statistics_and_findings_are_labelled_frames(pair):
    eq0, eq1 = pair
    rng = np.random.default_rng(0)
    metros = pd.DataFrame({"name": [f"metro {i}" for i in range(10)], "state": ["CA", "TX"] * 5,
                           "lat": rng.uniform(30, 45, 10), "lon": rng.uniform(-122, -75, 10)})
    st = hub_statistics(eq0, eq1, GROUPS, metros, group_names=("HE", "PS", "M"))
    conc = st["concentration"]
    assert set(conc["state"]) == {"equilibrium", "optimum"} and (conc["hhi"] <= 1).all()
    sizes = st["size_classes"]
    assert np.allclose(sizes.groupby("group")["output_share_eq"].sum(), 1.0)
    ex = st["top_exporters"]
    assert (ex["exports"] > 0).all() and not ex.isna().any().any()
    fin = seed_findings(eq0, eq1, GROUPS, metros)
    assert len(fin) == 5 and fin["holds"].dtype == bool
