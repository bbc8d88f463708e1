"""The 722-region trade-off experiment (issue 18, items 3-4), checked piece by piece at small sizes.

The fast tests run the experiment's own code (regions, shocks, vmapped simulation, model panel, Fact 1
regression, welfare at the 1950 states, output set) on CONSTRUCTED allocations whose paths and values
are re-derived here in NumPy: b' = b and partial adjustment k_1' = k_1 + lam (k* - k_1) with linear
interpolation in k, so the simulated paths are exact recursions, the regression can be recomputed with
statsmodels and the value functions by a NumPy policy evaluation. The end-to-end CLI with real solves
(CE, CE without the constraint, planner) is behind ``long``; the forced-failure CLI run is ``slow``.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import long

from econhubs.dynamic import GridSpec, default_params, make_grid
from econhubs.dynamic._experiment import ExperimentSpec, run_experiment, welfare_gains
from econhubs.dynamic._experiment_regions import (
    GINI_TARGETS,
    gini_moments,
    load_regions,
    regions_from_panel,
    synthetic_regions,
)
from econhubs.dynamic._experiment_report import FILES, PLANNER_FILES, write_outputs
from econhubs.dynamic._experiment_simulate import common_innovations, region_innovations
from econhubs.dynamic._grid import grid_points
from econhubs.dynamic._params import steady_state_price
from econhubs.dynamic._residual import consumption, encode, full_capital
from econhubs.dynamic._solution import CESolution
from econhubs.empirics import write_panel

SPEC = GridSpec(n_b=4, n_k=5, n_z=3, n_R=1, b_min=-0.1, b_max=0.02, k_lo=0.08, k_hi=0.62, order_k=1)
KSTAR = 0.45


@pytest.fixture(scope="module")
def regions():
    return synthetic_regions(40, seed=3, end=1970)  # end = base + n_years of the result fixture: data regression


@jax.jit
def _constructed_arrays(p, lam):
    g = make_grid(p, SPEC)
    b, kf, e = grid_points(g)
    R = g.R[e]
    kpf = kf + lam * (KSTAR - kf)
    q = jnp.full_like(b, steady_state_price(p))
    pol = encode(b, kpf, q, jnp.zeros_like(b), p, R)
    k, kp = full_capital(kf, p.K_bar), full_capital(kpf, p.K_bar)
    return g, b, pol, kp, q, consumption(p, b, k, b, kp, g.zbar[e], R)


def constructed(p, lam: float) -> CESolution:
    """b' = b, k_1' = k_1 + lam (k* - k_1), q = q_ss on SPEC's grid (not an equilibrium: a known allocation)."""
    g, b, pol, kp, q, c = _constructed_arrays(p, lam)  # jitted: op-by-op it compiled each op (20 s for three)
    full = g.endog_shape + g.exog_shape
    z, s = jnp.zeros(full), jnp.asarray(0.0)
    return CESolution(params=p, grid=g, spec=SPEC, policy=pol.reshape(full + (3,)), b_next=b.reshape(full),
                      k_next=kp.reshape(full + (2,)), q=q.reshape(full), mu=z, c=c.reshape(full),
                      iterations=jnp.asarray(0), max_change=s, max_euler_error=s, max_bond_error=s,
                      max_portfolio_error=s, share_binding=s, share_floor=s, n_failed=jnp.asarray(0),
                      binding=z.astype(bool), b_bounds=jnp.stack([g.b[0], g.b[-1]]), feedback=z,
                      n_multiple=jnp.asarray(0), failed_per_sweep=jnp.full((1,), -1))


@pytest.fixture(scope="module")
def result(regions):
    p, pf = default_params(2), default_params(2, constrained=False)
    econ = (constructed(p, 0.3), constructed(pf, 0.6), constructed(p, 0.15))  # the third plays the planner
    # IRFs: the CLI test; welfare_refine=1: the grid's own policy evaluation, which the NumPy re-derivation below
    # checks (the refined evaluation is checked against an exact series in tests/dynamic/test_welfare_value.py)
    spec = ExperimentSpec(grid=SPEC, n_years=20, irf_draws=0, b0=-0.037, planner=True, welfare_refine=1)
    return run_experiment(regions, spec, say=None, economies=econ)


def test_synthetic_regions_hit_the_slides_moments(regions):
    m = gini_moments(regions.gini)
    assert abs(m["mean"] - GINI_TARGETS["mean"]) < 1e-9 and abs(m["cv"] - GINI_TARGETS["cv"]) < 1e-9
    assert abs(m["p90_p10"] - GINI_TARGETS["p90_p10"]) < 1e-6
    s = regions.shares
    pair = np.abs(s[:, :, None] - s[:, None, :]).sum((1, 2)) / (2 * (s.shape[1] - 1))  # Gini by its definition
    np.testing.assert_allclose(regions.gini, pair, atol=1e-12)
    np.testing.assert_allclose(regions.k1, s.max(1))
    w = regions.rest_weights
    assert np.allclose(w.sum(1), 1) and np.all(w[np.arange(len(s)), regions.dominant] == 0)
    assert regions.synthetic and regions.label == "SYNTHETIC"


def test_region_innovations_map_industries_to_the_two_model_industries(regions):
    eps = common_innovations(__import__("jax").random.PRNGKey(0), 17, n_years=5)
    x = region_innovations(regions, eps)
    assert x.shape == (len(regions), 6, 3) and np.all(eps[0] == 0)
    for r in (0, 7, 31):
        d, w = regions.dominant[r], regions.rest_weights[r]
        np.testing.assert_allclose(x[r, :, 0], eps[:, d])
        np.testing.assert_allclose(x[r, :, 1], sum(w[j] * eps[:, j] for j in range(17)) / np.sqrt(np.sum(w**2)))
        np.testing.assert_allclose(x[r, :, 2], eps[:, 17])


def test_csv_regions_round_trip_and_missing_base_year(regions, tmp_path):
    write_panel(regions.panel, tmp_path / "ind.csv", tmp_path / "reg.csv")
    back = load_regions(tmp_path / "ind.csv", tmp_path / "reg.csv")
    np.testing.assert_allclose(back.gini, regions.gini, rtol=1e-12)
    assert not back.synthetic and back.label == "data"
    ind = pd.read_csv(tmp_path / "ind.csv")
    ind[ind["year"] != 1950].to_csv(tmp_path / "no1950.csv", index=False)
    with pytest.raises(ValueError, match="base year 1950"):
        load_regions(tmp_path / "no1950.csv")


def _numpy_paths(res, sol, lam):
    """k_1 and output paths by the exact recursions (NumPy), for every region."""
    p, r = sol.params, res.regions
    eps = region_innovations(r, common_innovations(__import__("jax").random.PRNGKey(res.spec.seed), 17,
                                                   res.spec.n_years))
    T = eps.shape[1]
    k1 = np.empty((len(r), T))
    u = np.zeros((len(r), T, 2))
    k1[:, 0] = r.k1
    rho, sig = np.asarray(p.rho), np.asarray(p.sigma)
    for t in range(1, T):
        k1[:, t] = k1[:, t - 1] + lam * (KSTAR - k1[:, t - 1])
        u[:, t] = rho * u[:, t - 1] + sig * eps[:, t, :2]
    k = np.stack([k1, 1 - k1], -1)
    return k1, np.exp(u) * k ** (np.asarray(p.xi) + float(p.alpha))


def _statsmodels_coef(res, y):
    """Fact 1 column (1) rebuilt from the paths: HC1 OLS of growth on Gini, g_hat, log income p.c., controls."""
    r = res.regions
    lv = r.panel.industry.query("year == 1950").pivot(index="region", columns="industry", values="income")
    Y0 = lv.loc[list(r.names), list(r.industries)].to_numpy()
    g = np.log(y[:, -1].sum(1) / y[:, 0].sum(1))
    s1 = y[:, -1, 0] / y[:, -1].sum(1)
    split = r.rest_weights * (1 - s1)[:, None]
    split[np.arange(len(r)), r.dominant] = s1
    Y1 = (Y0.sum(1) * np.exp(g))[:, None] * split
    g_us = np.log(Y1.sum(0) / Y0.sum(0))
    reg = r.panel.regions.query("year == 1950").set_index("region").loc[list(r.names)]
    X = pd.DataFrame({"gini": r.gini, "g_hat": (Y0 / Y0.sum(1, keepdims=True)) @ g_us,
                      "log_income_pc": np.log(Y0.sum(1) / reg["population"].to_numpy()),
                      "high_skill_share": reg["high_skill_share"].to_numpy(),
                      "old_age_dependency": reg["old_age_dependency"].to_numpy(),
                      "female_share": reg["female_share"].to_numpy(),
                      "population": (reg["population"] / reg["population"].sum()).to_numpy()})
    fit = sm.OLS(g, sm.add_constant(X)).fit(cov_type="HC1")
    return fit.params["gini"], fit.bse["gini"], g


@pytest.mark.slow  # the module fixture: ~15-60 s of compiles (simulation, policy evaluation)
def test_simulation_and_regression_equal_numpy_and_statsmodels(result):
    res = result
    for name, sol, lam in (("CE", res.ce, 0.3), ("CE without constraint", res.free, 0.6)):
        sim = res.sims[name]
        k1, y = _numpy_paths(res, sol, lam)
        np.testing.assert_allclose(sim["k"][..., 0], k1, atol=1e-12)
        np.testing.assert_allclose(sim["y"], y, rtol=1e-12)
        np.testing.assert_allclose(sim["b"], res.b0, atol=1e-12)
        coef, se, _ = _statsmodels_coef(res, y)
        m = res.tables[name].models[0]
        i = list(m.names).index("gini")
        assert abs(m.params[i] - coef) < 1e-9 * max(1, abs(coef)) and abs(m.bse[i] - se) < 1e-9 * max(1, se)
        assert res.coef[name] == pytest.approx(coef, abs=1e-9)
    assert np.all(res.sims["CE without constraint"]["mu"] == 0)
    assert res.friction_share == pytest.approx(1 - res.coef["CE without constraint"] / res.coef["CE"], abs=1e-12)
    assert "data" in res.coef and np.isfinite(res.coef["data"])  # the SYNTHETIC panel's own regression


@pytest.mark.slow  # the module fixture: ~15-60 s of compiles (simulation, policy evaluation)
def test_welfare_gains_equal_numpy_policy_evaluation(result):
    res = result
    p = res.ce.params
    gam, beta = float(p.gamma), float(p.beta)
    kg, bg, P = np.asarray(res.ce.grid.k[0]), np.asarray(res.ce.grid.b), np.asarray(res.ce.grid.P)

    def V_numpy(sol, lam):
        c = np.asarray(sol.c)[:, :, :].reshape(len(bg), len(kg), -1)
        u = c ** (1 - gam) / (1 - gam)
        kp = kg + lam * (KSTAR - kg)
        V = u / (1 - beta)
        for _ in range(3000):
            EV = np.stack([[np.interp(kp, kg, V[ib, :, f]) for f in range(P.shape[0])] for ib in range(len(bg))])
            V_new = u + beta * np.einsum("ef,bfk->bke", P, EV)
            if np.max(np.abs(V_new - V)) < 1e-13 * np.max(np.abs(V)):
                break
            V = V_new
        e0 = P.shape[0] // 2
        at_b = np.array([[np.interp(res.b0, bg, V_new[:, ik, e0]) for ik in range(len(kg))]])[0]
        return np.interp(res.regions.k1, kg, at_b)

    lam_np = (V_numpy(res.planner, 0.15) / V_numpy(res.ce, 0.3)) ** (1 / (1 - gam)) - 1
    np.testing.assert_allclose(res.welfare, lam_np, rtol=1e-8, atol=1e-11)
    assert np.ptp(res.welfare) > 0  # regions differ by their 1950 state
    for refine in (1, 4):
        same = welfare_gains(res.ce, res.ce, res.b0, res.regions.k1, refine=refine)
        assert np.max(np.abs(same)) < 1e-14  # planner = CE: no gain


@pytest.mark.slow  # the module fixture: ~15-60 s of compiles (simulation, policy evaluation)
def test_output_set_is_complete_and_labelled(result, tmp_path):
    out = tmp_path / "exp"
    files = write_outputs(result, out)
    assert "irf.png" not in files  # irf_draws = 0
    expected = tuple(f for f in FILES + PLANNER_FILES if f != "irf.png") + ("fact1_CE.md", "fact1_data.md",
                                                                          "fact1_planner.md")
    for f in expected + ("fact1_CE_without_constraint.md",):
        assert f in files and (out / f).stat().st_size > 0, f
    man = json.loads((out / ".econhubs_run.json").read_text())
    assert man["complete"] and "README.md" in man["files"]
    assert "SYNTHETIC" in (out / "README.md").read_text() and "SYNTHETIC" in (out / "coefficients.md").read_text()
    g = f"{SPEC.n_b} x {SPEC.n_k} x {SPEC.n_z}^2 x {SPEC.n_R} = {SPEC.n_points(2)} states"  # numbers name their grid
    assert f"grids: CE (trade-off coefficient, friction share, CE IRF) {g}" in (out / "README.md").read_text()
    assert f"Grids: CE {g}" in (out / "coefficients.md").read_text() and g in (out / "welfare.md").read_text()
    csv = pd.read_csv(out / "regions.csv")
    assert len(csv) == len(result.regions) and csv["welfare_gain"].notna().all()


def test_regions_reject_a_dominant_share_without_interior_split(regions):
    ind = regions.panel.industry.copy()
    first = ind["region"] == regions.names[0]
    ind.loc[first & (ind["industry"] != "Agriculture"), "income"] = 1e-9
    from econhubs.empirics import validate_panel

    with pytest.raises(ValueError, match=f"region '{regions.names[0]}'.*dominant 1950 income share"):
        regions_from_panel(validate_panel(ind, regions.panel.regions))


def test_cli_bad_input_exits_2_without_files(tmp_path):
    from econhubs.cli import main

    out = tmp_path / "exp"
    for bad in (["--nz", "2"], ["--planner", "--planner-damping", "0"],  # even n_z; damping outside (0, 1]
                ["--planner", "--b-min", "-0.25", "--planner-b-path=-0.2,-0.3"]):  # a step below the final grid
        assert main(["tradeoff", "--experiment", "--n-regions", "20", *bad, "--out", str(out), "--quiet"]) == 2, bad
        assert not out.exists()


def test_cli_planner_defaults_to_its_own_converging_grid():
    """--planner alone puts the planner on the 108-state grid where it converges (docs); --planner-shared-grid
    keeps it on the CE's grid; own-grid options override single entries; without --planner: no planner grid."""
    from econhubs.dynamic._cli_experiment import _parser, planner_grid

    ce = GridSpec(n_b=10, n_k=6, n_z=3, n_R=1, k_lo=0.08, k_hi=0.62)
    g, bb = planner_grid(_parser().parse_args(["--planner"]), ce)
    assert (g.n_b, g.n_k, g.order_b, g.n_z, g.n_R, g.k_lo, g.k_hi) == (4, 3, 3, 3, 1, 0.08, 0.62)
    assert bb == (-0.2, 0.02) and g.n_points(2) == 108
    g, bb = planner_grid(_parser().parse_args(["--planner", "--planner-nk", "4"]), ce)
    assert (g.n_b, g.n_k, g.order_b) == (4, 4, 3)
    assert planner_grid(_parser().parse_args(["--planner", "--planner-shared-grid"]), ce) == (None, None)
    assert planner_grid(_parser().parse_args([]), ce) == (None, None)
    with pytest.raises(ValueError, match="--planner-shared-grid"):
        planner_grid(_parser().parse_args(["--planner", "--planner-shared-grid", "--planner-nb", "5"]), ce)


def test_cli_unconverged_solve_exits_3_without_files(tmp_path, monkeypatch):
    """A solve that raises ConvergenceError (injected: the real solves compile for minutes; the real failure is
    the ``long`` test below): econhubs exits 3 and writes nothing."""
    from econhubs.cli import main
    from econhubs.core import ConvergenceError
    from econhubs.dynamic import _experiment

    def unconverged(*a, **k):
        raise ConvergenceError("competitive equilibrium (time iteration)", 0.1, 2, 1e-8, "forced")

    monkeypatch.setattr(_experiment, "solve_competitive", unconverged)
    out = tmp_path / "exp"
    assert main(["tradeoff", "--experiment", "--n-regions", "20", "--out", str(out), "--quiet"]) == 3
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.slow
def test_failure_while_writing_leaves_no_partial_set(result, tmp_path, monkeypatch):
    from econhubs.dynamic import _experiment_report

    def broken(*a, **k):
        raise RuntimeError("disk full (forced)")

    out = tmp_path / "exp"
    write_outputs(result, out)
    before = sorted(p.name for p in out.iterdir())
    monkeypatch.setattr(_experiment_report, "plot_policies", broken)
    with pytest.raises(RuntimeError, match="forced"):
        write_outputs(result, out)
    assert sorted(p.name for p in out.iterdir()) == before  # the previous set is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["exp"]  # no partial folder left


@pytest.mark.slow
@long
def test_cli_forced_failure_exits_nonzero_without_files(tmp_path):
    """--max-iter 2: the first real solve does not converge; econhubs exits 3 and writes nothing."""
    from econhubs.cli import main

    out = tmp_path / "exp"
    rc = main(["tradeoff", "--experiment", "--n-regions", "20", "--nb", "4", "--nk", "3", "--max-iter", "2",
               "--out", str(out), "--quiet"])
    assert rc == 3 and not out.exists()
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".exp")]


@pytest.mark.slow
@long
def test_cli_end_to_end_writes_every_file(tmp_path):
    from econhubs.cli import main

    out = tmp_path / "exp"
    rc = main(["tradeoff", "--experiment", "--n-regions", "60", "--nb", "8", "--nk", "5", "--irf-draws", "100",
               "--out", str(out)])  # without --planner (hours at I = 2 on a 2-core CPU)
    assert rc == 0
    for f in FILES:
        assert (out / f).is_file(), f


def test_experiment_cli_help_documents_every_option(capsys):
    from econhubs.dynamic._cli_experiment import _parser

    for act in _parser()._actions:
        assert act.help, f"--{act.dest} has no help text"
    from econhubs.dynamic._cli import main

    with pytest.raises(SystemExit):
        main(["--experiment", "-h"])
    assert "--regions-csv" in capsys.readouterr().out
