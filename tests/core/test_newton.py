"""Core Newton on known roots: dense and Krylov linear solves, preconditioned or not, float32 linear
algebra, result codes, throw=False under vmap, implicit gradients vs finite differences and unrolling."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from econhubs.core import (
    GMRES,
    RESULTS,
    ConvergenceError,
    DenseLU,
    FixedPreconditioner,
    FunctionPreconditioner,
    Newton,
    root_find,
)

N = 12
_rng = np.random.default_rng(0)
A = jnp.asarray(_rng.normal(size=(N, N)) / np.sqrt(N) + 3.0 * np.eye(N))
ROOT = jnp.asarray(_rng.uniform(-1, 1, N))


def F(y, c):
    """F(y) = A (y - c) + 0.3 ((y - c)^3 + sinh... ) : unique root y* = c (monotone perturbation)."""
    e = y - c
    return A @ e + 0.3 * e ** 3 + 0.1 * jnp.tanh(e)


def _diag_pre():
    # Jacobi preconditioner built at y from the diagonal of J(y) = A + 0.9 diag(e^2) + ...
    build = lambda y, c: 1.0 / (jnp.diag(A) + 0.9 * (y - c) ** 2 + 0.1)  # noqa: E731
    return FunctionPreconditioner(build, lambda d, v: d * v)


SOLVERS = {
    "dense": DenseLU(),
    "dense-f32": DenseLU(dtype=jnp.float32),
    "gmres": GMRES(rtol=0.1, rtol_min=1e-10, restart=8),
    "gmres-pre-f32": GMRES(rtol=0.1, rtol_min=1e-10, restart=8, preconditioner=_diag_pre(), dtype=jnp.float32),
}


@pytest.mark.parametrize("name", list(SOLVERS))
def test_known_root(name):
    sol = root_find(F, jnp.zeros(N), ROOT, solver=Newton(atol=1e-13, linear=SOLVERS[name]))
    assert bool(sol.converged) and float(sol.residual) <= 1e-13
    np.testing.assert_allclose(np.asarray(sol.value), np.asarray(ROOT), atol=1e-12)
    assert int(sol.stats["fevals"]) == int(sol.num_steps) + 1  # full steps: one evaluation each (+ the start)
    if name.startswith("gmres"):
        assert int(sol.stats["matvecs"]) > 0


def test_preconditioner_cuts_krylov_work():
    def G(y, c):  # badly scaled rows: Jacobi preconditioning fixes the scaling
        return F(y, c) * jnp.logspace(-3, 3, N)

    pre = FunctionPreconditioner(lambda y, c: 1.0 / (jnp.logspace(-3, 3, N) * (jnp.diag(A) + 0.9 * (y - c) ** 2 + 0.1)),
                                 lambda d, v: d * v)
    plain = root_find(G, jnp.zeros(N), ROOT, solver=Newton(atol=1e-9, linear=GMRES(rtol=1e-3, rtol_min=1e-3)))
    pc = root_find(G, jnp.zeros(N), ROOT, solver=Newton(atol=1e-9, linear=GMRES(rtol=1e-3, rtol_min=1e-3,
                                                                                     preconditioner=pre)))
    assert bool(pc.converged)
    np.testing.assert_allclose(np.asarray(pc.value), np.asarray(ROOT), atol=1e-10)
    assert int(pc.stats["matvecs"]) < int(plain.stats["matvecs"])


def test_fixed_preconditioner_is_shared_and_never_rebuilt():
    """Blocks built once at a base point serve a batch of nearby roots; build is never called again."""
    def G(y, c):
        return F(y, c) * jnp.logspace(-3, 3, N)

    scale = jnp.logspace(-3, 3, N)
    calls = []

    def build(y, c):
        calls.append(1)  # counted at trace time
        return 1.0 / (scale * (jnp.diag(A) + 0.9 * (y - c) ** 2 + 0.1))

    pre = FunctionPreconditioner(build, lambda d, v: d * v)
    fixed = FixedPreconditioner(pre, pre.build(jnp.zeros(N), ROOT))
    n_built = len(calls)
    solver = Newton(atol=1e-9, linear=GMRES(rtol=1e-3, rtol_min=1e-3, preconditioner=fixed))
    roots = ROOT[None] + 0.05 * jnp.arange(4.0)[:, None]
    sols = jax.vmap(lambda c: root_find(G, jnp.zeros(N), c, solver=solver, throw=False))(roots)
    assert len(calls) == n_built  # the solve never built the preconditioner
    assert bool(jnp.all(sols.converged))
    np.testing.assert_allclose(np.asarray(sols.value), np.asarray(roots), atol=1e-10)
    plain = root_find(G, jnp.zeros(N), ROOT, solver=Newton(atol=1e-9, linear=GMRES(rtol=1e-3, rtol_min=1e-3)))
    assert int(sols.stats["matvecs"][0]) < int(plain.stats["matvecs"])


def test_result_codes_and_throw():
    bad = lambda y, c: y ** 2 + 1.0  # noqa: E731  (no real root: the line search fails)
    sol = root_find(bad, jnp.ones(3), None, solver=Newton(max_backtracks=5), throw=False)
    assert not bool(sol.converged) and sol.result != RESULTS.successful
    with pytest.raises(ConvergenceError, match="max residual"):
        root_find(bad, jnp.ones(3), None, solver=Newton(max_backtracks=5))
    nan = root_find(lambda y, c: y * jnp.nan, jnp.ones(3), None, throw=False)
    assert nan.result == RESULTS.nonfinite
    singular = root_find(lambda y, c: jnp.full(3, jnp.sum(y) - 1.0), jnp.zeros(3), None, throw=False)
    assert singular.result == RESULTS.promote(__import__("lineax").RESULTS.singular)
    with pytest.raises(TypeError, match="GMRES"):
        Newton(linear="gmres")


def test_throw_false_under_vmap_lets_members_fail():
    cs = jnp.stack([ROOT, ROOT * jnp.nan, 2 * ROOT])
    sols = jax.vmap(lambda c: root_find(F, jnp.zeros(N), c, throw=False))(cs)
    np.testing.assert_array_equal(np.asarray(sols.converged), [True, False, True])
    np.testing.assert_allclose(np.asarray(sols.value[2]), 2 * np.asarray(ROOT), atol=1e-12)


@pytest.mark.parametrize("name", ["dense", "gmres"])
def test_implicit_gradient_matches_fd_and_unrolled(name):
    w = jnp.linspace(0.5, 1.5, N)

    def loss(s):
        sol = root_find(lambda y, c: F(y, c) - s * w, jnp.zeros(N), ROOT,
                        solver=Newton(atol=1e-13, linear=SOLVERS[name]))
        return jnp.sum(sol.value ** 2)

    def unrolled(s):  # 30 plain Newton steps, differentiated through every iteration
        def step(y, _):
            J = jax.jacfwd(lambda z: F(z, ROOT) - s * w)(y)
            return y - jnp.linalg.solve(J, F(y, ROOT) - s * w), None
        y, _ = jax.lax.scan(step, jnp.zeros(N), None, length=30)
        return jnp.sum(y ** 2)

    s0, h = 0.7, 1e-6
    g = float(jax.grad(loss)(s0))
    fd = (float(loss(s0 + h)) - float(loss(s0 - h))) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-7)
    np.testing.assert_allclose(g, float(jax.grad(unrolled)(s0)), rtol=1e-10)


def test_backtracking_max_steps_and_counts():
    """arctan from far away: a full Newton step overshoots, so the one-call-site loop must backtrack
    (rejected trials are evaluated and counted in fevals); a budget of 2 steps reports max steps."""
    fn = lambda y, c: jnp.arctan(y - c)  # noqa: E731
    sol = root_find(fn, jnp.full(3, 10.0), ROOT[:3], solver=Newton(atol=1e-13), max_steps=2, throw=False)
    assert sol.result == RESULTS.nonlinear_max_steps_reached and int(sol.num_steps) == 2
    assert int(sol.stats["fevals"]) > int(sol.num_steps) + 1
    assert float(sol.residual) == pytest.approx(float(jnp.max(jnp.abs(fn(sol.value, ROOT[:3])))), rel=1e-12)
    assert float(sol.residual) < float(jnp.arctan(10.0 - jnp.min(ROOT[:3])))  # the accepted steps reduced |F|
