"""CPRS (2018) hat algebra: zero shock, accounting identities, agreement with the qge oracle
(reference numbers written by tools/qge_oracle.py), implicit gradients vs finite differences."""

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from econhubs.spatial._cprs import CPRSShock, cprs_blocks, prepare_shock, solve_hat, solve_hat_jit
from econhubs.spatial._cprs_results import CPRS

REF = Path(__file__).parent / "reference"
RTOL = 1e-8


@pytest.fixture(scope="module")
def model():
    return CPRS.from_calibration()


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def test_zero_shock_returns_baseline(model):
    shock = model.shock()
    sol = solve_hat_jit(model.econ, shock, model.solver)
    for name in ("L", "P", "p", "c", "om"):
        assert np.max(np.abs(np.asarray(getattr(sol.aux, name)) - 1.0)) < 1e-12, name
    assert abs(float(sol.aux.V) - 1.0) < 1e-12
    np.testing.assert_allclose(np.asarray(sol.aux.Y), np.asarray(model.econ.Y0), rtol=1e-12)
    res = model.counterfactual()
    assert np.max(np.abs(res.employment()["L_hat"].to_numpy() - 1.0)) < 1e-12
    assert abs(res.aggregates()["GDP_hat"] - 1.0) < 1e-12 and abs(res.aggregates()["TFP_hat"] - 1.0) < 1e-12


@pytest.mark.parametrize("kind", ["region", "katrina"])
def test_aggregate_identities(model, kind):
    e = model.econ
    H = None if kind == "region" else jnp.ones(e.VA.shape).at[e.regions.index("Louisiana")].set(0.7475)
    shock = model.shock(lam=model.unit_lambda("region", "California") if kind == "region" else None, H=H)
    sol = solve_hat_jit(e, shock, model.solver)
    a = sol.aux
    scale = float(jnp.sum(e.VA))
    L, Y, X, VA, B = (np.asarray(getattr(a, k)) for k in ("L", "Y", "X", "VA", "B"))
    assert abs(np.sum(np.asarray(e.Ln) * L) - 1.0) < 1e-10  # employment shares sum to one
    Ljn_new = np.asarray(e.Ljn) * (Y / np.asarray(e.Y0)) / np.asarray(a.om * shock.H ** e.beta * L ** -e.beta)
    assert abs(Ljn_new.sum() - 1.0) < 1e-10
    g = np.asarray(e.gamma)
    assert np.max(np.abs((g * Y).sum(0) - VA)) / scale < 1e-10  # value added = factor income
    final = VA - B  # income = expenditure: total spending = intermediates + final demand
    assert np.max(np.abs(X.sum(0) - ((1 - g) * Y).sum(0) - final)) / scale < 1e-10
    # trade balances follow the portfolio rule (S' = 0) and sum to zero
    assert np.max(np.abs((Y - X).sum(0) - B)) / scale < 1e-10
    iota, beta, Ln = (np.asarray(v) for v in (e.iota, e.beta, e.Ln))
    rule = iota * beta * VA - Ln * L * np.sum(iota * beta * VA)
    assert np.max(np.abs(B - rule)) / scale < 1e-10 and abs(B.sum()) / scale < 1e-10
    assert abs(VA.sum() / scale - 1.0) < 1e-12  # numeraire: national nominal value added
    econ_k, sh = prepare_shock(e, shock)
    real = np.asarray(cprs_blocks(sol.value, econ_k, sh).real)
    assert np.max(np.abs(real - float(a.V))) < 1e-10  # free mobility equalises real income


def test_baseline_matches_oracle(model):
    base = pd.read_csv(REF / "cprs_baseline.csv").set_index("region")
    assert list(base.index) == list(model.econ.regions)
    assert _rel(model.econ.Ln, base["Ln"]) < RTOL
    sec = pd.read_csv(REF / "cprs_sector_shares.csv").set_index("sector")
    assert _rel(np.asarray(model.econ.Ljn).sum(1), sec["share"]) < RTOL


def _run_case(model, case):
    if case.startswith("region_") or case.startswith("sector_"):
        axis, label = case.split("_", 1)
        return model.unit_shock(axis, label)
    if case == "north_dakota":
        return model.north_dakota(), None
    if case == "katrina":
        return model.katrina(), None
    if case == "california_computers":
        return model.measured_tfp_2002_2007(cell=("Computer and Electronics", "California")), None
    raise KeyError(case)


CASES = list(pd.read_csv(REF / "cprs_aggregates.csv")["case"])


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith(("region_", "sector_"))][:2]
                         + [pytest.param(c, marks=pytest.mark.slow) for c in CASES
                            if c not in [d for d in CASES if d.startswith(("region_", "sector_"))][:2]])
def test_counterfactual_matches_oracle(model, case):
    agg = pd.read_csv(REF / "cprs_aggregates.csv").set_index("case").loc[case]
    regs = pd.read_csv(REF / "cprs_regions.csv").query("case == @case").set_index("region")
    res, el = _run_case(model, case)
    assert _rel(res.welfare, agg["V_hat"]) < 1e-12 or abs(res.welfare - agg["V_hat"]) / abs(agg["V_hat"] - 1) < RTOL
    for k in ("TFP_hat", "GDP_hat", "V_hat"):
        assert abs(res.aggregates()[k] - agg[k]) / abs(agg[k] - 1.0) < RTOL, k  # relative to the change
    if el is not None:
        for k in ("TFP_elasticity", "GDP_elasticity", "welfare_elasticity"):
            assert _rel(el[k], agg[k]) < RTOL, k
    by = res.by_region()
    assert _rel(by["L_hat"], regs["L_hat"]) < RTOL
    dl, dl_ref = by["L_hat"].to_numpy() - 1, regs["L_hat"].to_numpy() - 1
    assert np.max(np.abs(dl - dl_ref)) / np.max(np.abs(dl_ref)) < RTOL  # the changes themselves
    if case != "katrina":  # qge's wage change omits H-hat^beta (irrelevant outside Katrina)
        rw = by["real_wage_hat"].to_numpy()
        assert _rel(rw / rw[0], regs["real_wage_ratio"]) < RTOL
    ljn = pd.read_csv(REF / "cprs_ljn.csv").query("case == @case")
    if len(ljn):
        mine = res.employment()["L_hat"]
        ref = ljn.set_index(["sector", "region"])["Ljn_hat"].reindex(mine.index)
        assert _rel(mine, ref) < RTOL


def test_welfare_gradient_matches_finite_differences(model):
    lam0 = model.unit_lambda("region", "California")

    def V(lam):
        return solve_hat(model.econ, CPRSShock(lam=lam), model.solver).aux.V

    g = np.asarray(eqx.filter_jit(jax.grad(V))(lam0))
    Vj = eqx.filter_jit(V)
    h = 1e-5
    for j, n in [(10, 4), (20, 31), (0, 0), (4, 33)]:
        fd = float((Vj(lam0.at[j, n].add(h)) - Vj(lam0.at[j, n].add(-h))) / (2 * h))
        assert abs(g[j, n] - fd) <= 1e-6 * max(abs(fd), 1e-3), (j, n, g[j, n], fd)
    assert g[10, 4] > 1e-3  # the gradient is not trivially small where the FD check bites
