"""Delta method vs parametric bootstrap, and gradient calibration vs Nelder-Mead (small N)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize
from conftest import long

from econhubs.estimation import SEED, SEED_SE, synthetic_table1_economy
from econhubs.estimation._calibrate import calibrate, default_model, default_moments
from econhubs.estimation._delta import delta_method, params_with_tau
from econhubs.spatial import default_economy, solve_equilibrium

GROUPS = ["HE", "PS", "M", "ATT"]


def test_params_with_tau_places_group_values():
    ec = default_economy(5)
    tau = np.arange(12.0)
    p = params_with_tau(ec.params, ec.groups, tau)
    for j, g in enumerate(ec.groups):
        want = tau[3 * GROUPS.index(g):3 * GROUPS.index(g) + 3] if g in GROUPS else np.zeros(3)
        np.testing.assert_array_equal([p.tau_R[0, j], p.tau_R[1, j], p.tau_L[j]], want)


@pytest.mark.slow
@long
def test_delta_method_matches_bootstrap():
    """SE of ln(CNR wage of metro 0 / national mean) from the seed's Table 1 covariance:
    delta method (implicit gradient) vs 200 bootstrap equilibria solved as one vmapped call."""
    ec = synthetic_table1_economy(12, seed=0)
    eq = solve_equilibrium(ec.params, ec.fundamentals, ec.trade)
    tau = np.concatenate([SEED[g] for g in GROUPS])
    cov = np.diag(np.concatenate([SEED_SE[g] for g in GROUPS]) ** 2)

    def outcome(e):
        return jnp.log(e.w[0, 0] * jnp.sum(e.L[:, 0]) / jnp.sum(e.w[:, 0] * e.L[:, 0]))

    unc = delta_method(outcome, tau, cov, ec.params, ec.fundamentals, ec.trade, ec.groups, z0=eq.z,
                       bootstrap=200, chunk=50)
    assert unc.converged_draws == 200
    np.testing.assert_allclose(unc.value, outcome(eq), rtol=1e-8)
    assert abs(unc.se_bootstrap / unc.se_delta - 1) < 0.10, (unc.se_delta, unc.se_bootstrap)
    # the gradient itself against a central finite difference in one direction
    h = 1e-4
    e = np.zeros(12)
    e[3] = h  # tau^R CNR of PS
    plus, minus = (params_with_tau(ec.params, ec.groups, tau + s * e) for s in (1, -1))
    fd = (outcome(solve_equilibrium(plus, ec.fundamentals, ec.trade, z0=eq.z))
          - outcome(solve_equilibrium(minus, ec.fundamentals, ec.trade, z0=eq.z))) / (2 * h)
    np.testing.assert_allclose(unc.gradient[3], fd, rtol=1e-4)


@pytest.mark.slow
@long
def test_calibration_recovers_parameters_in_fewer_solves_than_nelder_mead():
    ec = default_economy(12)
    dist = ec.data.distance_km
    build, mom = default_model(ec.params, ec.fundamentals, ec.trade, dist), default_moments(dist)
    truth = {"nu": 3.0, "theta": 4.55, "delta_HE": 4.55 * ec.data.metadata["phi"]["HE"]}
    eq = solve_equilibrium(*build(truth))
    target = mom(eq)
    start = {k: 1.3 * v for k, v in truth.items()}
    cal = calibrate(build, mom, target, start, z0=eq.z)
    for k in truth:
        assert abs(cal.estimates[k] / truth[k] - 1) <= 1e-6, (k, cal.estimates[k], truth[k])
    assert cal.jacobian.shape == (5, 3) and np.linalg.matrix_rank(cal.jacobian) == 3
    np.testing.assert_allclose(cal.moments, target, atol=1e-9)

    f = jax.jit(lambda x: jnp.sum((mom(solve_equilibrium(*build(dict(zip(truth, x))), z0=eq.z, throw=False))
                                   - target) ** 2))
    nm = scipy.optimize.minimize(lambda x: float(f(jnp.asarray(x))), np.array(list(start.values())),
                                 method="Nelder-Mead", options=dict(xatol=1e-9, fatol=1e-30, maxfev=2000))
    print(f"calibration solves: LM {cal.solves}, Nelder-Mead {nm.nfev} (max rel err "
          f"{np.max(np.abs(nm.x / np.array(list(truth.values())) - 1)):.1e})")
    assert cal.solves < nm.nfev
