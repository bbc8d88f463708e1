"""Serialized programs (``jax.export``) beside the persistent compilation cache: a warm process skips
tracing and lowering.

JAX's persistent cache stores compiled executables, but a fresh process still traces and lowers the
program to find its cache key (issue 11: 1.8 s + 0.9 s of a 7.3 s first call of the 382-city hubs
solve). :func:`exported_call` stores the lowered program itself, serialized by ``jax.export``, in
``<cache folder>/export/``; a later process deserializes it, and its compilation then hits the
persistent cache.

Safety: the file name hashes everything the program depends on — the caller's ``name`` (which must
name every static setting baked into ``fn``), the source of the whole econhubs package, the JAX and
jaxlib versions, the backend, float64 mode, and the arguments' pytree structure, shapes and dtypes.
A file that cannot be read or deserialized, or whose signature does not match, is ignored and
rewritten (atomically); a changed econhubs or JAX gets a new file. Only concrete inputs use it (no
``jit``/``grad``/``vmap`` tracers: the stored program has no derivative rules), and ``fn`` must
return plain containers (dict, tuple, list) of arrays.

Off unless :func:`econhubs.core.enable_compilation_cache` turned it on (the CLI does; opt out with
``ECONHUBS_NO_COMPILE_CACHE=1``), and off where ``jax.export`` cannot serialize (it needs the
``flatbuffers`` package). The program compiles with :func:`econhubs.core.compiler_options`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jax

from ._atomic import atomic_write
from ._checks import is_concrete
from ._compile_options import compiler_options

_STATE: dict[str, Any] = {"folder": None}
_CALLS: dict[str, Callable] = {}


def enable_export_cache(folder: str | Path | None) -> None:
    """Store and load exported programs under ``folder/export`` (``None``: off)."""
    _STATE["folder"] = None if folder is None else Path(folder).expanduser() / "export"


def export_cache_dir() -> Path | None:
    """The folder of exported programs, or ``None`` when off."""
    return _STATE["folder"]


@lru_cache(maxsize=1)
def _source_hash() -> str:
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _key(name: str, treedef, leaves) -> str:
    parts = (name, _source_hash(), jax.__version__, importlib.metadata.version("jaxlib"),
             jax.default_backend(), jax.devices()[0].device_kind, bool(jax.config.read("jax_enable_x64")), str(treedef),
             [(tuple(x.shape), str(x.dtype)) for x in leaves])
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _load(path: Path, leaves):
    """The stored export, or ``None`` if absent, unreadable or not for these arguments."""
    try:
        exp = jax.export.deserialize(bytearray(path.read_bytes()))
        sig = [(tuple(a.shape), str(a.dtype)) for a in exp.in_avals]
        if sig != [(tuple(x.shape), str(x.dtype)) for x in leaves] or jax.default_backend() not in exp.platforms:
            return None
        return exp
    except Exception:  # noqa: BLE001  (a corrupt or foreign file: ignore it, export afresh)
        return None


def exported_call(name: str, fn: Callable, *args) -> Any | None:
    """``fn(*args)`` through a stored ``jax.export`` program (see module docstring), or ``None`` when
    the export cache is off, an argument is traced, or serialization is unavailable; the caller then
    runs its ordinary jitted path."""
    folder = export_cache_dir()
    leaves, treedef = jax.tree_util.tree_flatten(args)
    if folder is None or importlib.util.find_spec("flatbuffers") is None:
        return None
    if not all(is_concrete(x) for x in leaves):
        return None
    leaves = [jax.numpy.asarray(x) for x in leaves]
    key = _key(name, treedef, leaves)
    call = _CALLS.get(key)
    if call is None:
        path = folder / f"{name}-{key}.jaxexport"
        exp = _load(path, leaves)
        if exp is None:
            exp = jax.export.export(jax.jit(lambda *lv: fn(*jax.tree_util.tree_unflatten(treedef, lv))))(*leaves)
            blob = bytes(exp.serialize())

            def write(tmp: str) -> None:
                Path(tmp).write_bytes(blob)

            try:
                atomic_write(path, write)
            except OSError:
                pass  # a read-only cache: still run the program
        call = _CALLS[key] = jax.jit(exp.call, compiler_options=compiler_options() or None)
    return call(*leaves)
