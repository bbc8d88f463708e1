"""BatchedNewton (the sweep's per-state solver) runs core.Newton's iteration: on a batch of small systems with
closed-form roots, some without a root and many needing step halvings, it returns the roots, fails exactly
where core.root_find fails, and its iterates equal root_find's (failures included: the last accepted iterate),
trial point for trial point (the fevals counters of core.Newton's state)."""

import jax
import jax.numpy as jnp
import numpy as np

from econhubs.core import RESULTS, BatchedNewton, Newton, root_find


def _fn(y, pt):
    """F(y) = (atan(y0 - a) + y1^2 - b^2 - s, y1^3 - b^3). With s = 0 the root is (a, b); with s = 3 the second
    equation fixes y1 = b and the first needs atan = 3 > pi/2: no root."""
    a, b, s = pt
    return jnp.stack([jnp.arctan(y[0] - a) + y[1] ** 2 - b**2 - s, y[1] ** 3 - b**3])


def test_batched_newton_matches_root_find_and_closed_form():
    n = 300
    key = jax.random.PRNGKey(0)
    a = jax.random.uniform(key, (n,), minval=-2.0, maxval=2.0)
    b = jax.random.uniform(jax.random.fold_in(key, 1), (n,), minval=0.5, maxval=2.0)
    no_root = np.arange(n) % 7 == 0
    pts = (a, b, jnp.where(jnp.asarray(no_root), 3.0, 0.0))
    # far starts in y0 (atan flattens: full Newton steps overshoot, the line search halves them)
    y0 = jnp.stack([a + 3.0 * jax.random.normal(jax.random.fold_in(key, 2), (n,)), jnp.full((n,), 3.0)], axis=1)

    bn = BatchedNewton(atol=1e-11, max_steps=20, max_backtracks=10, batch=64)  # 64 per round: several rounds
    lanes = jax.jit(lambda y: bn.lanes(_fn, y, pts))(y0)
    y_b, ok_b = lanes.y, lanes.done & (lanes.result == RESULTS.successful)  # what bn(_fn, y0, pts) returns

    @jax.jit
    def reference(y0):
        def one(y, *pt):
            sol = root_find(lambda v, _: _fn(v, pt), y, None, solver=Newton(atol=1e-11, max_backtracks=10),
                            max_steps=20, throw=False)
            return sol.value, sol.converged, sol.stats["fevals"]

        return jax.vmap(one)(y0, *pts)

    y_r, ok_r, fevals_r = (np.asarray(x) for x in reference(y0))
    y_b, ok_b = np.asarray(y_b), np.asarray(ok_b)
    assert not ok_b[no_root].any()
    assert ok_b[~no_root].mean() > 0.3, ok_b[~no_root].mean()  # 46%: far starts (atan flattens) stall often
    np.testing.assert_array_equal(ok_b, ok_r)  # fails exactly where core Newton fails
    roots = np.stack([np.asarray(a), np.asarray(b)], axis=1)
    np.testing.assert_allclose(y_b[ok_b], roots[ok_b], rtol=0, atol=1e-10)
    np.testing.assert_allclose(y_b, y_r, rtol=1e-12, atol=1e-12)  # the same iterates, failed states included
    np.testing.assert_array_equal(np.asarray(lanes.state.fevals), fevals_r)  # the same trial points, one by one
    assert fevals_r.max() > 20  # some states backtrack a lot: rounds of 4 passes are resumed many times
