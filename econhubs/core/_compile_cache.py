"""JAX's persistent compilation cache for the command line: compiled solves are reused across runs.

The first ``econhubs hubs`` compiles the Newton-Krylov solve (seconds to tens of seconds on a
laptop CPU); later runs load it from disk, and the lowered programs that ``jax.export`` serializes
(:mod:`._export_cache`) spare them tracing and lowering too. Cache folder, in order: ``$ECONHUBS_CACHE_DIR``,
``$XDG_CACHE_HOME/econhubs/jax``, ``~/.cache/econhubs/jax``. Opt out with
``ECONHUBS_NO_COMPILE_CACHE=1`` (or never call this function: the library itself changes no global
JAX setting except float64; only the CLI calls it).
"""

from __future__ import annotations

import os
from pathlib import Path

import jax

from ._export_cache import enable_export_cache


def compilation_cache_dir() -> Path:
    """The folder :func:`enable_compilation_cache` uses (see module docstring)."""
    if os.environ.get("ECONHUBS_CACHE_DIR"):
        return Path(os.environ["ECONHUBS_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "econhubs" / "jax"


def enable_compilation_cache(path: str | Path | None = None, *, min_compile_secs: float = 0.5) -> Path | None:
    """Turn on JAX's persistent compilation cache in ``path`` (default :func:`compilation_cache_dir`).

    Returns the folder, or ``None`` when ``ECONHUBS_NO_COMPILE_CACHE`` is set (to anything but
    ``0``/empty) or the folder cannot be created (then nothing changes). Only programs that compile
    for longer than ``min_compile_secs`` are stored. Also turns on the export cache in the same
    folder (:func:`econhubs.core.exported_call`).
    """
    if os.environ.get("ECONHUBS_NO_COMPILE_CACHE", "") not in ("", "0"):
        return None
    folder = Path(path).expanduser() if path is not None else compilation_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", float(min_compile_secs))
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    enable_export_cache(folder)
    return folder
