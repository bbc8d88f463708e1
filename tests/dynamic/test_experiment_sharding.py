"""The region batch sharded over several devices (``jax.sharding``): on a CPU made to show 4 devices
(XLA_FLAGS=--xla_force_host_platform_device_count=4, in a subprocess: the flag must be set before JAX starts),
the sharded simulation of 10 SYNTHETIC regions (padded to 12) gives the constructed allocation's closed-form
paths, region by region (the padding rows dropped)."""

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    import jax
    import jax.numpy as jnp
    import numpy as np
    import econhubs  # noqa: F401  (float64)
    from econhubs.dynamic import GridSpec, Regions1950, default_params, make_grid
    from econhubs.dynamic._experiment_simulate import common_innovations, region_sharding, simulate_regions
    from econhubs.dynamic._grid import grid_points
    from econhubs.dynamic._params import steady_state_price
    from econhubs.dynamic._residual import consumption, encode, full_capital
    from econhubs.dynamic._solution import CESolution

    assert jax.device_count() == 4, jax.devices()
    spec = GridSpec(n_b=3, n_k=4, n_z=3, n_R=1, b_min=-0.1, b_max=0.02, k_lo=0.08, k_hi=0.62, order_k=1)
    p = default_params(2)


    @jax.jit  # one compile (op by op, each eager op compiled on its own: most of this script's time)
    def allocation(p):
        g = make_grid(p, spec)
        b, kf, e = grid_points(g)
        kpf = kf + 0.3 * (0.45 - kf)  # a constructed allocation: b' = b, partial adjustment of k_1
        q = jnp.full_like(b, steady_state_price(p))
        pol = encode(b, kpf, q, jnp.zeros_like(b), p, g.R[e])
        kp = full_capital(kpf, p.K_bar)
        return g, b, pol, kp, q, consumption(p, b, full_capital(kf, p.K_bar), b, kp, g.zbar[e], g.R[e])

    g, b, pol, kp, q, c = allocation(p)
    full = g.endog_shape + g.exog_shape
    z, s = jnp.zeros(full), jnp.asarray(0.0)
    sol = CESolution(params=p, grid=g, spec=spec, policy=pol.reshape(full + (3,)), b_next=b.reshape(full),
                     k_next=kp.reshape(full + (2,)), q=q.reshape(full), mu=z, c=c.reshape(full),
                     iterations=jnp.asarray(0), max_change=s, max_euler_error=s, max_bond_error=s,
                     max_portfolio_error=s, share_binding=s, share_floor=s, n_failed=jnp.asarray(0),
                     binding=z.astype(bool), b_bounds=jnp.stack([g.b[0], g.b[-1]]), feedback=z,
                     n_multiple=jnp.asarray(0), failed_per_sweep=jnp.full((1,), -1))
    rng = np.random.default_rng(0)  # 10 SYNTHETIC regions over 4 industries (only what the simulation reads)
    shares = rng.dirichlet(np.ones(4), size=10)
    dom = shares.argmax(1)
    rest = shares.copy()
    rest[np.arange(10), dom] = 0.0
    regions = Regions1950(names=tuple(map(str, range(10))), industries=("a", "b", "c", "d"), shares=shares,
                          gini=np.zeros(10), dominant=dom, k1=np.clip(shares.max(1), 0.1, 0.6),
                          rest_weights=rest / rest.sum(1, keepdims=True), panel=None)
    eps = common_innovations(jax.random.PRNGKey(0), 4, 10)
    sharding, m = region_sharding(10)
    assert m == 12 and len(sharding.device_set) == 4
    a = simulate_regions(sol, regions, eps, -0.03)
    # the constructed allocation's paths in closed form: b stays at b_1950, k_1 - k* shrinks by 0.7 a year
    t = np.arange(a["k"].shape[1])
    k1 = 0.45 + (regions.k1[:, None] - 0.45) * 0.7 ** t[None, :]
    assert a["k"].shape[0] == 10 and a["b"].shape == (10, 11)
    np.testing.assert_allclose(a["k"][..., 0], k1, rtol=0, atol=1e-13)
    np.testing.assert_allclose(a["b"], -0.03, rtol=0, atol=1e-13)
    print("OK sharded")
''')


# a subprocess (JAX start-up, imports, one simulation compile): 13 s measured at machine load ~2-4, 39 s at load ~8
@pytest.mark.slow
def test_region_batch_sharded_over_four_cpu_devices_equals_one_device():
    env = dict(os.environ)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4").strip()
    env["ECONHUBS_NO_COMPILE_CACHE"] = "1"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "OK sharded" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
