"""Write a matplotlib figure as PNG and PDF, each atomically (temporary file, then rename)."""

from __future__ import annotations

from pathlib import Path

from ..core import atomic_write


def save_figure(fig, stem, formats=("png", "pdf"), dpi: int = 150) -> list[str]:
    """Save ``fig`` to ``stem.png`` and ``stem.pdf`` (no half-written file is ever visible); close it."""
    import matplotlib.pyplot as plt

    stem = Path(stem)
    paths = []
    for fmt in formats:
        path = stem.with_suffix("." + fmt)
        write = lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")  # noqa: E731
        paths.append(atomic_write(path, write))
    plt.close(fig)
    return paths
