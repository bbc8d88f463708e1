"""Atomic output: single files and whole output folders.

``atomic_write`` writes to a temporary file beside the target, then ``os.replace``-s it into place,
so a reader never sees a half-written file. ``atomic_output_dir`` does the same for the set of
files one run writes: the run fills a hidden temporary folder beside the target, and only when the
``with`` block ends without an exception is that folder swapped in whole. An interrupted or failed
run (Ctrl-C, an error, an unconverged solve) leaves the previous output set untouched and removes
its partial folder. Files and folders get the modes that ``open``/``mkdir`` would give them (0644 /
0755 under umask 022), not ``mkstemp``'s private 0600.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

MARKER = ".econhubs_run.json"
_umask_lock = threading.Lock()


def _umask() -> int:
    with _umask_lock:
        m = os.umask(0o022)
        os.umask(m)
    return m


def atomic_write(path, write: Callable[[str], None]) -> str:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then move it into place.

    The file ends with mode ``0o666 & ~umask`` (0644 under the usual umask 022).
    """
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.splitext(path)[1] or ".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def atomic_write_text(path, text: str) -> str:
    """``atomic_write`` of a text file (UTF-8)."""

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)

    return atomic_write(path, write)


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C for the few milliseconds of a folder swap, then deliver it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if got:
        raise KeyboardInterrupt


def _is_previous_run(d: Path) -> bool:
    """An earlier econhubs run (or an empty folder) that may be replaced whole; never the working
    directory or one of its parents."""
    cwd = Path.cwd().resolve()
    if d.resolve() == cwd or d.resolve() in cwd.parents:
        return False
    return d.is_dir() and ((d / MARKER).is_file() or not any(d.iterdir()))


def _merge_into(src: Path, dst: Path) -> None:
    """Move every file of ``src`` into ``dst`` (files of ``dst`` that the run did not write stay)."""
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        t = dst / f.relative_to(src)
        t.parent.mkdir(parents=True, exist_ok=True)
        os.replace(f, t)
    shutil.rmtree(src, ignore_errors=True)


@contextlib.contextmanager
def atomic_output_dir(path, *, command: str = "") -> Iterator[Path]:
    """Write one run's output set into a temporary folder; swap it in whole on success.

    ``with atomic_output_dir(out) as d:`` -- write every file under ``d`` (plain writes are fine:
    nothing under ``d`` is visible at ``out`` until the block ends). On normal exit a marker file
    ``.econhubs_run.json`` (command, time, file list, ``complete: true``) is added and the folder
    replaces ``out``: by two renames when ``out`` is absent, empty or an earlier econhubs run (a
    folder holding the marker); when ``out`` is a folder that econhubs did not write, the run's files
    are moved into it one by one and other files there are left alone. Ctrl-C during the swap is
    held until the swap is done. On an exception (KeyboardInterrupt included) the temporary folder is
    removed, ``out`` is unchanged, and the exception propagates.
    """
    target = Path(path).absolute()
    if target.exists() and not target.is_dir():
        raise ValueError(f"output folder {target}: exists and is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
        manifest = {"command": command, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files,
                    "complete": True}
        atomic_write_text(tmp / MARKER, json.dumps(manifest, indent=1) + "\n")
        with _sigint_deferred():
            if not target.exists():
                os.replace(tmp, target)
            elif _is_previous_run(target):
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
                os.replace(target, old / target.name)
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:  # a folder econhubs did not write (or the cwd): never delete its files, never mark it ours
                (tmp / MARKER).unlink()
                _merge_into(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
