"""Batched counterfactuals: vmapped, chunked, and sharded over 4 forced CPU devices."""

import json
import os
import subprocess
import sys

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from econhubs.spatial import TradeCosts, solve_batch_equilibrium, solve_equilibrium, stack_scenarios

from _hubs_economies import small_economy

B = 5


def scenarios():
    p, f, tc, d = small_economy(N=6, J=3, seed=2)
    ps = [eqx.tree_at(lambda q: q.nu, p, jnp.asarray(2.5 + 0.25 * i)) for i in range(B)]
    ts = [TradeCosts.from_distance(d, np.array([1.5, 0.6, 1.0]) * (0.8 + 0.1 * i), tc.group) for i in range(B)]
    return ps, f, ts


@pytest.mark.slow
def test_batch_matches_one_by_one():
    ps, f, ts = scenarios()
    eqb = solve_batch_equilibrium(stack_scenarios(ps), f, stack_scenarios(ts), chunk_size=2)
    assert eqb.L.shape[0] == B and bool(np.all(eqb.converged))
    for i in (0, B - 1):
        e = solve_equilibrium(ps[i], f, ts[i])
        assert np.allclose(np.asarray(eqb.L[i]), np.asarray(e.L), rtol=1e-10)
        assert np.allclose(np.asarray(eqb.P[i]), np.asarray(e.P), rtol=1e-10)


SCRIPT = r"""
import json, sys
import jax
sys.path.insert(0, {tests!r})
from test_planner_batch import scenarios
from econhubs.spatial import solve_batch_equilibrium, stack_scenarios
ps, f, ts = scenarios()
eqb = solve_batch_equilibrium(stack_scenarios(ps), f, stack_scenarios(ts), chunk_size=4)
print(json.dumps({{"devices": jax.device_count(), "L": eqb.L.tolist(), "ok": bool(eqb.converged.all())}}))
"""


@pytest.mark.slow
def test_sharded_over_four_cpu_devices():
    ps, f, ts = scenarios()
    here = os.path.dirname(__file__)
    four = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"  # plus the suite's
    env = {**os.environ, "XLA_FLAGS": four, "JAX_ENABLE_X64": "1",
           "PYTHONPATH": os.path.dirname(os.path.dirname(here)) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(tests=here)], env=env, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["devices"] == 4 and res["ok"]
    for i in (0, B - 1):
        e = solve_equilibrium(ps[i], f, ts[i])
        assert np.allclose(np.asarray(res["L"][i]), np.asarray(e.L), rtol=1e-10)
