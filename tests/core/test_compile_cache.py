"""The CLI's persistent compilation cache: folder choice and the opt-out variable.

Turning the cache on is global and sticky inside a JAX process (JAX decides once whether the cache
is used), so the part that turns it on runs in a subprocess: the rest of the suite compiles without
writing serialized executables to disk.
"""

import os
import subprocess
import sys
import textwrap

from econhubs.core import compilation_cache_dir, enable_compilation_cache


def test_cache_folder_and_opt_out(tmp_path, monkeypatch):
    monkeypatch.setenv("ECONHUBS_CACHE_DIR", str(tmp_path / "c"))
    assert compilation_cache_dir() == tmp_path / "c"
    monkeypatch.setenv("ECONHUBS_NO_COMPILE_CACHE", "1")
    assert enable_compilation_cache() is None
    assert not (tmp_path / "c").exists()


def test_cache_is_written_and_used(tmp_path):
    code = textwrap.dedent("""
        import jax, jax.numpy as jnp
        from econhubs.core import enable_compilation_cache
        folder = enable_compilation_cache(min_compile_secs=0.0)
        assert jax.config.jax_compilation_cache_dir == str(folder), folder
        print(float(jax.jit(lambda x: jnp.sin(x) * 2.0)(1.0)))
    """)
    env = {**os.environ, "ECONHUBS_CACHE_DIR": str(tmp_path / "c")}
    env.pop("ECONHUBS_NO_COMPILE_CACHE", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert abs(float(out.stdout.split()[-1]) - 2 * 0.8414709848078965) < 1e-12
    assert any((tmp_path / "c").iterdir()), "no compiled program was written to the cache folder"
