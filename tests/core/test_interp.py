import jax
import jax.numpy as jnp
import numpy as np
from scipy.interpolate import RegularGridInterpolator

from econhubs.core import interp


def test_matches_scipy_and_is_exact_on_multilinear():
    rng = np.random.default_rng(0)
    gx, gy, gz = np.sort(rng.uniform(0, 1, 5)), np.linspace(-1, 2, 4), np.array([0.0, 0.3, 1.0])
    V = rng.normal(size=(5, 4, 3))
    ref = RegularGridInterpolator((gx, gy, gz), V)
    pts = np.column_stack([rng.uniform(gx[0], gx[-1], 50), rng.uniform(-1, 2, 50), rng.uniform(0, 1, 50)])
    out = jax.vmap(lambda x: interp((jnp.array(gx), jnp.array(gy), jnp.array(gz)), jnp.array(V), x))(jnp.array(pts))
    np.testing.assert_allclose(np.asarray(out), ref(pts), atol=1e-12)
    X, Y = np.meshgrid(gx, gy, indexing="ij")
    f = 1 + 2 * X - 3 * Y + 0.5 * X * Y
    x = jnp.array([1.7, 3.0])  # outside the grid: linear extrapolation stays exact for bilinear f
    np.testing.assert_allclose(float(interp((jnp.array(gx), jnp.array(gy)), jnp.array(f), x)), 1 + 3.4 - 9 + 2.55, atol=1e-12)


def test_gradient_trailing_axes_and_clamping():
    g = jnp.linspace(0.0, 1.0, 6)
    V = jnp.stack([3 * g, g**2], axis=-1)
    grad = jax.grad(lambda x: interp((g,), V, x)[0])(jnp.array([0.33]))
    np.testing.assert_allclose(np.asarray(grad), [3.0], atol=1e-12)
    clamped = interp((g,), V, jnp.array([2.0]), extrapolate=False)
    np.testing.assert_allclose(np.asarray(clamped), [3.0, 1.0], atol=1e-12)
