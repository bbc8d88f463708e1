import os

# Tests are dominated by XLA compilation (hundreds of distinct solves, each compiled once): LLVM at -O0
# halves compile time (the N = 8 hubs solve 42 -> 22 s CPU, N = 382 47 -> 28 s) and slows run time
# ~1.7x, which tests barely feel. Results are the same programs at a lower code-generation
# optimisation level. Subprocesses (docs, CLI) inherit it. ECONHUBS_TEST_XLA_OPT=1 keeps XLA's default.
if not os.environ.get("ECONHUBS_TEST_XLA_OPT"):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import pytest  # noqa: E402

import econhubs  # noqa: E402,F401  (the package also switches float64 on)

# The CLI turns JAX's persistent compilation cache on (econhubs.core.enable_compilation_cache). Inside the
# test process that would make every later compile serialize its executable to disk; tests that call the CLI
# in-process therefore run with the cache off (tests/core/test_compile_cache.py checks it in a subprocess).
os.environ.setdefault("ECONHUBS_NO_COMPILE_CACHE", "1")


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs():
    """Drop JAX's compiled programs after each test module: one process compiles hundreds of solves."""
    yield
    jax.clear_caches()

#: Tests marked ``long`` run only with ECONHUBS_LONG_TESTS=1: end-to-end checks that take minutes on the
#: 2-core CI machine or that were written at the end of a session without a verified run inside CI's budget.
long = pytest.mark.skipif(not os.environ.get("ECONHUBS_LONG_TESTS"),
                          reason="long end-to-end test: set ECONHUBS_LONG_TESTS=1 to run it")
