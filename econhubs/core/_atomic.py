"""Atomic file output: write to a temporary file in the target folder, then ``os.replace``.

A reader never sees a half-written result, even if a long run is interrupted while saving.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable


def atomic_write(path, write: Callable[[str], None]) -> str:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then move it into place."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, suffix=os.path.splitext(path)[1] or ".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def atomic_write_text(path, text: str) -> str:
    def write(tmp):
        with open(tmp, "w") as fh:
            fh.write(text)

    return atomic_write(path, write)
