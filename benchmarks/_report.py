"""Shared by the benchmark scripts: the machine line and the append to benchmarks/RESULTS.md."""

from __future__ import annotations

import platform
from pathlib import Path

import jax

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """OS / CPU architecture / JAX backend x device count."""
    return f"{platform.platform()} / {platform.machine()} / {jax.devices()[0].platform.upper()} x {jax.device_count()}"


def append_results(text: str, path: Path | str = RESULTS) -> None:
    """Print ``text`` and append it to RESULTS.md."""
    print(text)
    with open(path, "a") as fh:
        fh.write(text)
