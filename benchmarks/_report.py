"""Shared by the benchmark scripts: the machine line, the best-of-n timer and the append to benchmarks/RESULTS.md."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """OS / CPU architecture / JAX backend x device count / CPU cores and the load average when the run
    started (wall times on a shared machine are inflated by roughly load / cores; counts are not)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.platform()} / {platform.machine()} / {jax.devices()[0].platform.upper()} x {jax.device_count()}"
            f" / {os.cpu_count()} CPU cores, load average {load:.1f}")


def append_results(text: str, path: Path | str = RESULTS) -> None:
    """Print ``text`` and append it to RESULTS.md."""
    print(text)
    with open(path, "a") as fh:
        fh.write(text)


def best_time(f, *a, repeat: int = 1, warmup: bool = False):
    """(result, best wall time of ``repeat`` calls of ``f(*a)``), each call blocked until ready; ``warmup``:
    one untimed call first (compilation). The best run is the least disturbed on a shared machine."""
    if warmup:
        jax.block_until_ready(f(*a))
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = jax.block_until_ready(f(*a))
        best = min(best, time.perf_counter() - t)
    return out, best
