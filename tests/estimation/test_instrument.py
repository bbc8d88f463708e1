"""The instrument counterfactual (λ at its cross-city geometric mean, τ = 0): direct solve and the
continuation from the observed equilibrium reach the same converged allocation; failures raise.

The solve tests compile two equilibrium solves (6 min on the loaded 2-core machine): ``long``."""

import jax.numpy as jnp
import numpy as np
import pytest
from conftest import long

from econhubs.core import ConvergenceError
from econhubs.estimation import geometric_mean_fundamentals, instrument_equilibrium
from econhubs.spatial import default_economy, solve_equilibrium


@pytest.fixture(scope="module")
def solved():
    ec = default_economy(8, seed=3)
    eq = solve_equilibrium(ec.params, ec.fundamentals, ec.trade)  # the cold-start solve, as the direct one
    direct = instrument_equilibrium(eq.lam, ec.params, ec.fundamentals, ec.trade, method="direct")
    cont = instrument_equilibrium(eq.lam, ec.params, ec.fundamentals, ec.trade, z0=eq.z, method="continuation")
    return ec, eq, direct, cont


@pytest.mark.slow
@long
def test_s0_is_the_observed_equilibrium(solved):
    """λ̂ = λ (observed, externalities included) and τ = 0: the observed allocation already solves it."""
    ec, eq, _, _ = solved
    p0, f0 = geometric_mean_fundamentals(eq.lam, ec.params, ec.fundamentals, 0.0)
    eq0 = solve_equilibrium(p0, f0, ec.trade, z0=eq.z)
    assert int(eq0.iterations) <= 1
    np.testing.assert_allclose(np.asarray(eq0.L), np.asarray(eq.L), rtol=1e-10)


@pytest.mark.slow
@long
def test_continuation_matches_direct_solve(solved):
    _, eq, direct, cont = solved
    assert direct.method == "direct" and direct.solves == 1
    assert cont.method == "continuation" and cont.path[0] == 0.0 and cont.path[-1] == 1.0 and cont.solves >= 3
    assert bool(cont.equilibrium.converged) and float(cont.equilibrium.residual) <= 1e-11
    np.testing.assert_allclose(np.asarray(cont.equilibrium.L), np.asarray(direct.equilibrium.L), rtol=1e-9)
    # the counterfactual moves workers: it is not the observed allocation
    assert np.abs(np.log(np.asarray(direct.equilibrium.L) / np.asarray(eq.L))).max() > 1e-2


@pytest.mark.slow
@long
def test_continuation_failure_raises(solved):
    ec, eq, _, _ = solved
    bad = {k: jnp.full_like(v, jnp.nan) for k, v in eq.z.items()}  # every step fails
    with pytest.raises(ConvergenceError, match="continuation"):
        instrument_equilibrium(eq.lam, ec.params, ec.fundamentals, ec.trade, z0=bad, method="continuation",
                               first_step=0.5, min_step=0.3)


@pytest.mark.slow
@long
def test_auto_falls_back_to_continuation(solved, monkeypatch):
    """A direct solve that fails (here: started at NaN) hands over to the continuation from z0."""
    import econhubs.spatial

    ec, eq, direct, _ = solved
    def failing_direct_solve(p, f, trade, *, z0=None, **kw):
        nan = {k: jnp.full_like(v, jnp.nan) for k, v in eq.z.items()}
        return solve_equilibrium(p, f, trade, z0=nan if z0 is None else z0, **kw)

    monkeypatch.setattr(econhubs.spatial, "solve_equilibrium", failing_direct_solve)
    auto = instrument_equilibrium(eq.lam, ec.params, ec.fundamentals, ec.trade, z0=eq.z)
    assert auto.method == "continuation" and auto.path[-1] == 1.0
    np.testing.assert_allclose(np.asarray(auto.equilibrium.L), np.asarray(direct.equilibrium.L), rtol=1e-9)


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="method"):
        instrument_equilibrium(None, None, None, None, method="homotopy")
