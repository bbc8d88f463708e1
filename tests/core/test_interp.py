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
    np.testing.assert_allclose(
        float(interp((jnp.array(gx), jnp.array(gy)), jnp.array(f), x)), 1 + 3.4 - 9 + 2.55, atol=1e-12
    )


def test_gradient_trailing_axes_and_clamping():
    g = jnp.linspace(0.0, 1.0, 6)
    V = jnp.stack([3 * g, g**2], axis=-1)
    grad = jax.grad(lambda x: interp((g,), V, x)[0])(jnp.array([0.33]))
    np.testing.assert_allclose(np.asarray(grad), [3.0], atol=1e-12)
    clamped = interp((g,), V, jnp.array([2.0]), extrapolate=False)
    np.testing.assert_allclose(np.asarray(clamped), [3.0, 1.0], atol=1e-12)


def test_cubic_matches_scipy_hermite_and_is_exact_on_quadratics():
    """Order 3: the cubic Hermite spline with centred-difference slopes (scipy's CubicHermiteSpline with
    the same slopes, ghost nodes extrapolated linearly at the edges); exact for quadratics in interior cells
    of a uniform grid; the table form (one gather per point) equals the per-call form."""
    from scipy.interpolate import CubicHermiteSpline

    from econhubs.core import cell_table

    rng = np.random.default_rng(1)
    g = np.sort(rng.uniform(0, 1, 7))
    v = rng.normal(size=7)
    gp = np.concatenate([[2 * g[0] - g[1]], g, [2 * g[-1] - g[-2]]])
    vp = np.concatenate([[2 * v[0] - v[1]], v, [2 * v[-1] - v[-2]]])
    slopes = (vp[2:] - vp[:-2]) / (gp[2:] - gp[:-2])
    ref = CubicHermiteSpline(g, v, slopes)
    x = rng.uniform(g[0], g[-1], 40)
    out = jax.vmap(lambda xx: interp((jnp.array(g),), jnp.array(v), xx[None], order=3))(jnp.array(x))
    np.testing.assert_allclose(np.asarray(out), ref(x), atol=1e-12)
    gu = np.linspace(0.0, 2.0, 6)
    gk = np.linspace(-1.0, 1.0, 5)
    B, K = np.meshgrid(gu, gk, indexing="ij")
    F = np.stack([1 + B - 2 * K + 3 * K**2 + B * K, np.exp(B) * K], axis=-1)  # quadratic in k, linear in b
    tab = cell_table((jnp.array(gu), jnp.array(gk)), jnp.array(F), order=(1, 3))
    pts = np.column_stack([rng.uniform(0, 2, 30), rng.uniform(-0.5, 0.5, 30)])  # interior k cells
    vals = jax.vmap(tab)(jnp.array(pts))
    b, k = pts[:, 0], pts[:, 1]
    np.testing.assert_allclose(np.asarray(vals[:, 0]), 1 + b - 2 * k + 3 * k**2 + b * k, atol=1e-12)
    direct = jax.vmap(lambda p: interp((jnp.array(gu), jnp.array(gk)), jnp.array(F), p, order=(1, 3)))(jnp.array(pts))
    np.testing.assert_allclose(np.asarray(vals), np.asarray(direct), atol=1e-14)
    lin = cell_table((jnp.array(gu), jnp.array(gk)), jnp.array(F), order=1)
    ref_lin = RegularGridInterpolator((gu, gk), F)
    np.testing.assert_allclose(np.asarray(jax.vmap(lin)(jnp.array(pts))), ref_lin(pts), atol=1e-12)
    outside = jnp.array([1.0, 1.5])  # order-3 dimension extrapolates linearly from the edge cell
    kk = np.array([gk[-2], gk[-1]])
    fk = 1 + 1.0 - 2 * kk + 3 * kk**2 + 1.0 * kk
    np.testing.assert_allclose(
        float(tab(outside)[0]), fk[1] + (fk[1] - fk[0]) * (1.5 - gk[-1]) / (gk[-1] - gk[-2]), atol=1e-12
    )


def _kinked(b, k, a):
    """s changes sign at b = a, slopes 2 / 0.5 on either side; q kinked there (both linear in k)."""
    d = b - a
    s = np.where(d > 0, 2.0 * d, 0.5 * d) * (1 + 0.5 * k)
    q = np.where(d > 0, 1 + d + d**2, 1 + 3 * d - 2 * d**2) + k
    return np.stack([s, q], axis=-1)


def test_kinked_interpolation_second_order_across_the_kink():
    """kink=0: in the b cell where the sign of component 0 changes, each smooth piece is extrapolated from its
    own side (closed-form piecewise function, kink at 0.4 of a cell): the max error near the kink falls as h^2
    (x 4 per halving) where linear interpolation's falls as h (x 2); equal to linear interpolation in cells
    without a sign change; finite gradient. Both grids have 33 nodes (one compile): [0, 1] and [0, 1/2]."""
    from econhubs.core import cell_table

    rng = np.random.default_rng(2)
    gk = jnp.linspace(0.0, 1.0, 4)

    @jax.jit
    def both(gb, V, pts):
        lin, kink = cell_table((gb, gk), V, order=(1, 3)), cell_table((gb, gk), V, order=(1, 3), kink=0)
        grad = jax.vmap(jax.jacfwd(kink))(pts)
        return jax.vmap(lin)(pts), jax.vmap(kink)(pts), jnp.all(jnp.isfinite(grad))

    errs = {}
    for top in (1.0, 0.5):
        gb = np.linspace(0.0, top, 33)
        h = gb[1]
        a = (round(0.37 * top / h) + 0.4) * h  # the kink at the same place in its cell on both grids
        B, K = np.meshgrid(gb, np.asarray(gk), indexing="ij")
        near = a + np.linspace(-1.4, 1.4, 201) * h  # the kink's cell and its neighbours
        far = np.concatenate([rng.uniform(0.0, a - 2.5 * h, 50), rng.uniform(a + 2.5 * h, top, 50)])
        b, k = np.concatenate([near, far]), rng.uniform(0.0, 1.0, 301)
        out_l, out_k, finite = both(jnp.array(gb), jnp.array(_kinked(B, K, a)), jnp.array(np.column_stack([b, k])))
        out_l, out_k, ref = np.asarray(out_l), np.asarray(out_k), _kinked(b, k, a)
        errs[top] = (np.max(np.abs(out_l - ref)[:201]), np.max(np.abs(out_k - ref)[:201]))
        np.testing.assert_allclose(out_k[201:], out_l[201:], atol=1e-13)
        assert bool(finite)
    (l1, k1), (l2, k2) = errs[1.0], errs[0.5]
    # second order: the max error near the kink is ~h^2 / 2 on both grids and falls 4x per halving of h
    # (measured 4.9e-4 and 1.2e-4, ratio 4.00); linear interpolation's is 1.6e-2 and 7.8e-3 (first order)
    assert k1 <= (1.0 / 32) ** 2 and k2 <= (0.5 / 32) ** 2, errs
    np.testing.assert_allclose(k1 / k2, 4.0, rtol=0.05, err_msg=str(errs))
    assert k1 < l1 / 10 and k2 < l2 / 10, errs


def _kinked_k(b, k, a, c=0.0):
    """Piecewise quadratic in d = k - a - c (b - 0.5), linear in b: s changes sign at d = 0 (slopes 2 / 0.5), q has
    a kink there."""
    d = k - a - c * (b - 0.5)
    s = np.where(d > 0, 2.0 * d, 0.5 * d) * (1 + 0.5 * b)
    q = np.where(d > 0, 1 + d + d**2, 1 + 3 * d - 2 * d**2) + b
    return np.stack([s, q], axis=-1)


def test_one_sided_cubic_exact_off_the_kink_cell():
    """kink=0, kink_dims=(1,), order 3 in k: slopes never use a node across the sign change of component 0, so a
    function that is quadratic on each side of the kink is interpolated exactly in every cell but the kink's (the
    centred cubic errs in the cells next to it), and to O(h^2) in the kink's cell. kink_dims=(0, 1) with the kink
    on a slanted line: finite gradient, and a max error near the kink well below the centred cubic's."""
    from econhubs.core import cell_table

    rng = np.random.default_rng(3)
    gb, gk = np.linspace(0.0, 1.0, 9), np.linspace(0.0, 1.0, 17)
    h = gk[1]
    a = 7.4 * h
    B, K = np.meshgrid(gb, gk, indexing="ij")

    @jax.jit
    def evaluate(V, pts):
        plain = cell_table((jnp.array(gb), jnp.array(gk)), V, order=(1, 3))
        k_only = cell_table((jnp.array(gb), jnp.array(gk)), V, order=(1, 3), kink=0, kink_dims=(1,))
        both = cell_table((jnp.array(gb), jnp.array(gk)), V, order=(3, 3), kink=0, kink_dims=(0, 1))
        grad = jax.vmap(jax.jacfwd(both))(pts)
        return jax.vmap(plain)(pts), jax.vmap(k_only)(pts), jax.vmap(both)(pts), jnp.all(jnp.isfinite(grad))

    k = np.concatenate([rng.uniform(0, 1, 200), a + rng.uniform(-2, 2, 200) * h])
    pts = np.column_stack([rng.uniform(0, 1, 400), k])
    out_p, out_k, _, _ = (np.asarray(o) for o in evaluate(jnp.array(_kinked_k(B, K, a)), jnp.array(pts)))
    ref = _kinked_k(pts[:, 0], pts[:, 1], a)
    cell = np.floor(pts[:, 1] / h)
    off = (cell != 7) & (cell > 0) & (cell < 15)  # the edge cells' slopes use a linearly extrapolated ghost node
    np.testing.assert_allclose(out_k[off], ref[off], atol=1e-12)
    assert np.max(np.abs(out_k - ref)[cell == 7]) <= h**2, np.max(np.abs(out_k - ref)[cell == 7])
    next_to = (cell == 6) | (cell == 8)
    assert np.max(np.abs(out_p - ref)[next_to]) > 1e-3  # the centred cubic's stencil spans the kink there

    slanted = _kinked_k(B, K, a, c=0.3)
    out_p, _, out_b, finite = evaluate(jnp.array(slanted), jnp.array(pts))
    ref = _kinked_k(pts[:, 0], pts[:, 1], a, c=0.3)
    err_p, err_b = np.max(np.abs(np.asarray(out_p) - ref)), np.max(np.abs(np.asarray(out_b) - ref))
    assert bool(finite)
    assert err_b < err_p / 3, (err_p, err_b)
