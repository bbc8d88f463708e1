"""The planner's lean per-state Newton: the jnp Gauss-Jordan solve against NumPy, and Newton on a small
system with a known root (fast: no model solve)."""

import jax
import jax.numpy as jnp
import numpy as np

from econhubs.dynamic._planner_sweep import StateNewton, small_solve


def test_small_solve_matches_numpy_with_pivoting():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(40, 5, 5))
    A[:, 0, 0] = 0.0  # a zero leading pivot needs a row swap
    b = rng.normal(size=(40, 5))
    x = jax.jit(jax.vmap(small_solve))(jnp.asarray(A), jnp.asarray(b))
    np.testing.assert_allclose(np.asarray(x), np.linalg.solve(A, b[..., None])[..., 0], rtol=1e-10, atol=1e-12)


def test_state_newton_finds_a_known_root_and_reports_failure():
    # x^3 + y = 9, x - y^2 = 1 (a root at (2, 1)); from (6, 3) the full step overshoots
    def f(v):
        return jnp.array([v[0] ** 3 + v[1] - 9.0, v[0] - v[1] ** 2 - 1.0])

    newton = StateNewton()
    y, ok = jax.jit(lambda y0: newton(f, y0))(jnp.array([6.0, 3.0]))
    assert bool(ok) and np.max(np.abs(np.asarray(f(y)))) <= 1e-11
    y, ok = jax.jit(lambda y0: newton(f, y0))(jnp.array([2.3, 1.2]))
    assert bool(ok) and np.allclose(np.asarray(y), [2.0, 1.0], atol=1e-12)
    # x^2 + 1 = 0 has no real root: not converged, nothing non-finite
    y, ok = jax.jit(lambda y0: newton(lambda v: v**2 + 1.0, y0))(jnp.array([0.5]))
    assert not bool(ok) and np.all(np.isfinite(np.asarray(y)))
