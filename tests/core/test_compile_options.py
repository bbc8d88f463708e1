"""Per-program XLA compiler options (``econhubs.core.compiler_options``, ``fast_compile_jit``)."""

import jax
import jax.numpy as jnp
import numpy as np

from econhubs.core import compiler_options, fast_compile_jit


def test_options_by_backend_and_flags(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "")
    monkeypatch.delenv("ECONHUBS_XLA_DEFAULT_OPTIONS", raising=False)
    assert compiler_options("cpu") == {"xla_cpu_use_fusion_emitters": False, "xla_backend_optimization_level": 1}
    assert compiler_options("gpu") == {}
    assert compiler_options("cpu", ynn_fusions=False) == {
        "xla_cpu_use_fusion_emitters": False,
        "xla_backend_optimization_level": 1,
        "xla_cpu_experimental_ynn_fusion_type": "",
    }
    assert compiler_options("gpu", ynn_fusions=False) == {}
    # an optimisation level set in XLA_FLAGS (the test suite's -O0) is kept, not overridden
    monkeypatch.setenv("XLA_FLAGS", "--xla_backend_optimization_level=0")
    assert compiler_options("cpu") == {"xla_cpu_use_fusion_emitters": False}
    monkeypatch.setenv("ECONHUBS_XLA_DEFAULT_OPTIONS", "1")
    assert compiler_options("cpu") == {}


def test_fast_compile_jit_same_values():
    def f(x, n):  # a static non-array argument goes through filter_jit
        return jnp.log1p(jnp.exp(x)) * n

    x = jnp.linspace(-3.0, 3.0, 7)
    g = fast_compile_jit(f)
    np.testing.assert_allclose(g(x, 2), np.log1p(np.exp(np.asarray(x))) * 2, rtol=1e-14)
    np.testing.assert_allclose(fast_compile_jit(f, ynn_fusions=False)(x, 2), np.asarray(g(x, 2)), rtol=1e-14)
    np.testing.assert_allclose(jax.vmap(lambda v: g(v, 3))(x), 3 * np.log1p(np.exp(np.asarray(x))), rtol=1e-14)
    # under grad / jit (traced arguments) the plain filter_jit runs: JAX takes options only at the top level
    np.testing.assert_allclose(jax.grad(lambda v: g(v, 1).sum())(x), jax.nn.sigmoid(x), rtol=1e-14)
    np.testing.assert_allclose(jax.jit(lambda v: g(v, 1))(x), np.log1p(np.exp(np.asarray(x))), rtol=1e-14)
