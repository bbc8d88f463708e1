"""The CLI's persistent compilation cache: folder choice and the opt-out variable."""

import jax

from econhubs.core import compilation_cache_dir, enable_compilation_cache


def test_cache_folder_and_opt_out(tmp_path, monkeypatch):
    old = jax.config.jax_compilation_cache_dir
    try:
        monkeypatch.setenv("ECONHUBS_CACHE_DIR", str(tmp_path / "c"))
        assert compilation_cache_dir() == tmp_path / "c"
        monkeypatch.setenv("ECONHUBS_NO_COMPILE_CACHE", "1")
        assert enable_compilation_cache() is None
        monkeypatch.delenv("ECONHUBS_NO_COMPILE_CACHE")
        assert enable_compilation_cache() == tmp_path / "c" and (tmp_path / "c").is_dir()
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "c")
    finally:
        jax.config.update("jax_compilation_cache_dir", old)
