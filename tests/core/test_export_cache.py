"""The export cache: a stored jax.export program is reused across (simulated) processes, keyed on
shapes; a corrupt file is ignored and rewritten; traced inputs and a switched-off cache fall back."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from econhubs.core import _export_cache as ec, enable_export_cache, export_cache_dir, exported_call

pytest.importorskip("flatbuffers")  # jax.export serialization needs it; without it the cache is off


@pytest.fixture
def cache(tmp_path):
    enable_export_cache(tmp_path)
    ec._CALLS.clear()
    yield tmp_path / "export"
    enable_export_cache(None)
    ec._CALLS.clear()


def _f(x, d):
    return {"y": jnp.sin(x) * d["a"], "n": (jnp.sum(x),)}


def test_stored_program_is_reused_and_keyed_on_shapes(cache):
    x, d = jnp.linspace(0.0, 1.0, 5), {"a": jnp.array(2.0)}
    out = exported_call("t", _f, x, d)
    np.testing.assert_allclose(np.asarray(out["y"]), 2.0 * np.sin(np.linspace(0.0, 1.0, 5)), rtol=1e-15)
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].name.startswith("t-")
    ec._CALLS.clear()  # a fresh process: only the file remains
    other = exported_call("t", lambda x, d: {"y": x * 0.0, "n": (x[0],)}, x, d)  # same name and key: the FILE runs
    np.testing.assert_allclose(np.asarray(other["y"]), np.asarray(out["y"]), rtol=0)
    exported_call("t", _f, jnp.ones(7), d)  # another shape, another file
    assert len(list(cache.iterdir())) == 2


def test_corrupt_file_is_ignored_and_rewritten(cache):
    x, d = jnp.arange(3.0), {"a": jnp.array(-1.0)}
    exported_call("t", _f, x, d)
    (path,) = cache.iterdir()
    path.write_bytes(b"not a program")
    ec._CALLS.clear()
    out = exported_call("t", _f, x, d)
    np.testing.assert_allclose(np.asarray(out["y"]), -np.sin(np.arange(3.0)), rtol=1e-15)
    assert path.read_bytes() != b"not a program"


def test_off_or_traced_returns_none(cache):
    x, d = jnp.arange(3.0), {"a": jnp.array(1.0)}
    assert jax.jit(lambda x: exported_call("t", _f, x, d) is None)(x)  # a tracer: the caller's own path
    enable_export_cache(None)
    assert export_cache_dir() is None and exported_call("t", _f, x, d) is None
