import os

# Tests are dominated by XLA compilation (hundreds of distinct solves, each compiled once): LLVM at -O0
# halves compile time (the N = 8 hubs solve 42 -> 22 s CPU, N = 382 47 -> 28 s) and slows run time
# ~1.7x, which tests barely feel. Results are the same programs at a lower code-generation
# optimisation level. Subprocesses (docs, CLI) inherit it. ECONHUBS_TEST_XLA_OPT=1 keeps XLA's default.
_BASE_XLA_FLAGS = os.environ.get("XLA_FLAGS", "")
_O0 = not os.environ.get("ECONHUBS_TEST_XLA_OPT")
if _O0:
    os.environ["XLA_FLAGS"] = (_BASE_XLA_FLAGS + " --xla_backend_optimization_level=0").strip()

import subprocess  # noqa: E402
import sys  # noqa: E402

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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "xla_default_opt: run-time-bound test (many time-iteration sweeps): runs at XLA's default "
        "optimisation level, in its own process when the suite compiles at -O0")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """A test marked ``xla_default_opt`` runs in a subprocess without -O0 (its sweeps run ~2x faster there)."""
    if not _O0 or pyfuncitem.get_closest_marker("xla_default_opt") is None:
        return None
    env = {**os.environ, "ECONHUBS_TEST_XLA_OPT": "1", "XLA_FLAGS": _BASE_XLA_FLAGS}
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", pyfuncitem.nodeid]
    r = subprocess.run(cmd, cwd=pyfuncitem.config.rootpath, env=env, capture_output=True, text=True, timeout=1500)
    if r.returncode != 0:
        pytest.fail(f"{pyfuncitem.nodeid} failed at XLA's default optimisation level (subprocess):\n"
                    f"{r.stdout[-6000:]}\n{r.stderr[-3000:]}", pytrace=False)
    return True


# --- Scheduling across the two xdist workers -------------------------------------------------------------
# `--dist loadfile` keeps each test file on one worker (module fixtures are built once) but, left alone, it
# orders files by their number of tests, so a few long end-to-end units could start last and leave one
# worker running alone at the end. Each docs page is its own unit here (tests/test_docs.py has one test per
# page, each a subprocess), and units start longest first (longest-processing-time-first scheduling), using
# the in-suite seconds measured on the 2-core machine below; unlisted units follow, in collection order.
_DOCS = "tests/test_docs.py::test_doc_code_blocks_run["
_UNIT_SECONDS = {  # approximate; only the order matters (suite run of Nov 26, 08:13 UTC, halved for its load)
    _DOCS + "README.md]": 150,
    "tests/dynamic/test_solve.py": 125,
    "tests/spatial/test_cli_hubs.py": 100,
    "tests/spatial/test_hubs.py": 75,
    _DOCS + "docs/planner.md]": 70,
    _DOCS + "docs/tradeoff_experiment.md]": 65,
    _DOCS + "docs/tradeoff.md]": 55,
    "tests/core/test_newton.py": 55,
    "tests/spatial/test_planner.py": 52,
    _DOCS + "docs/hubs.md]": 48,
    "tests/test_lint.py": 46,
    _DOCS + "docs/estimation.md]": 45,
    "tests/estimation/test_inversion.py": 42,
    "tests/dynamic/test_accuracy.py": 33,
    "tests/dynamic/test_experiment.py": 16,
    "tests/spatial/test_cprs.py": 14,
    _DOCS + "docs/cprs.md]": 14,
}


def _unit(nodeid: str) -> str:
    return nodeid if nodeid.startswith(_DOCS) else nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: -_UNIT_SECONDS.get(_unit(item.nodeid), 0.0))  # stable: file order kept


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadFileScheduling

    class _LongestFirst(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

    config.option.loadscopereorder = False  # keep the longest-first order above
    return _LongestFirst(config, log)
