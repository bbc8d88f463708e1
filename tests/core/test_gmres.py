"""The core restarted GMRES against numpy.linalg.solve: accuracy, restarts, the true residual test,
right preconditioning, float32, and its lineax wrapper."""

import jax.numpy as jnp
import lineax as lx
import numpy as np

from econhubs.core import LineaxGMRES, gmres

_rng = np.random.default_rng(1)
n = 40
M = _rng.normal(size=(n, n)) / np.sqrt(n) + 2.0 * np.eye(n)
b = _rng.normal(size=n)
b[::3] = 0.0  # entries ~0 in the right-hand side (lineax's per-element rtol never stops here)


def test_gmres_matches_dense_solve_with_restarts():
    x, ok, nmv, rnorm = gmres(lambda v: jnp.asarray(M) @ v, jnp.asarray(b), rtol=1e-11, restart=10, max_restarts=50)
    assert bool(ok)
    true = np.linalg.norm(b - M @ np.asarray(x))
    assert true <= 1e-11 * np.linalg.norm(b) and abs(true - float(rnorm)) < 1e-12  # reported = true residual
    np.testing.assert_allclose(np.asarray(x), np.linalg.solve(M, b), atol=1e-10)
    assert 10 < int(nmv) < 200  # restarted (more than one cycle) and far below n * cycles


def test_right_preconditioner_and_float32():
    d = jnp.logspace(-4, 4, n)
    A = jnp.asarray(M) * d[None, :]  # badly scaled columns; M = diag(1/d) undoes them exactly
    plain = gmres(lambda v: A @ v, jnp.asarray(b), rtol=1e-8, restart=n, max_restarts=3)
    pre = gmres(lambda v: A @ v, jnp.asarray(b), precond=lambda v: v / d, rtol=1e-8, restart=n, max_restarts=3)
    assert bool(pre[1]) and int(pre[2]) < int(plain[2])
    np.testing.assert_allclose(np.asarray(pre[0]), np.linalg.solve(np.asarray(A), b), rtol=1e-6, atol=1e-8)
    x32, ok32, _, _ = gmres(lambda v: jnp.asarray(M, jnp.float32) @ v, jnp.asarray(b, jnp.float32), rtol=1e-5,
                            restart=20, max_restarts=5)
    assert x32.dtype == jnp.float32 and bool(ok32)
    np.testing.assert_allclose(np.asarray(x32), np.linalg.solve(M, b), atol=1e-4)


def test_lineax_wrapper_and_its_transpose():
    op = lx.MatrixLinearOperator(jnp.asarray(M))
    sol = lx.linear_solve(op, jnp.asarray(b), LineaxGMRES(rtol=1e-12))
    np.testing.assert_allclose(np.asarray(sol.value), np.linalg.solve(M, b), atol=1e-10)
    solver = LineaxGMRES(rtol=1e-12)
    state_t, _ = solver.transpose(solver.init(op, {}), {})
    xt, res, _ = solver.compute(state_t, jnp.asarray(b), {})
    np.testing.assert_allclose(np.asarray(xt), np.linalg.solve(M.T, b), atol=1e-10)
