"""Lint (ruff) and type (mypy) checks, configured in pyproject.toml, run with the suite (issue 13).

Both tests skip when the tool is not installed (the ``test`` extra installs them, so CI runs them).
``PENDING`` lists files that failed ruff when the check was introduced, with the helper whose branch
fixes them; the lead removes entries as those branches merge (the list must only shrink).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCOPE = ["econhubs", "tests", "tools", "benchmarks", "examples"]

PENDING: dict[str, str] = {
    "benchmarks/_numpy_dynamic.py": "dyn", "benchmarks/bench_dynamic.py": "dyn", "examples/tradeoff.py": "dyn",
    "econhubs/dynamic/__init__.py": "dyn", "econhubs/dynamic/_bounds.py": "dyn", "econhubs/dynamic/_cli.py": "dyn",
    "econhubs/dynamic/_competitive.py": "dyn", "econhubs/dynamic/_irf.py": "dyn",
    "econhubs/dynamic/_simulate.py": "dyn", "econhubs/dynamic/_time_iteration.py": "dyn",
    "tests/core/test_interp.py": "dyn", "tests/dynamic/test_pricing.py": "dyn",
    "benchmarks/bench_cprs.py": "solver", "benchmarks/bench_hubs.py": "solver", "econhubs/core/_newton.py": "solver",
    "econhubs/core/_root_find.py": "solver", "econhubs/spatial/_baseline.py": "solver",
    "econhubs/spatial/_equilibrium.py": "solver", "econhubs/spatial/_trade.py": "solver",
    "tests/spatial/_hubs_economies.py": "solver", "tests/spatial/test_cprs.py": "solver",
    "tests/spatial/test_hubs.py": "solver",
    "econhubs/spatial/_cli_hubs.py": "metros", "tools/build_hubs_default.py": "metros", "tools/qge_oracle.py": "metros",
    "econhubs/spatial/__init__.py": "lead (shared re-exports)",
}


def _tool(name: str) -> list[str]:
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return [sys.executable, "-m", name] if name == "mypy" else [name]


def test_ruff_clean():
    cmd = [*_tool("ruff"), "check", "--output-format", "concise", *SCOPE]
    cmd += [f"--extend-exclude={p}" for p in PENDING if (ROOT / p).exists()]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]


def test_mypy_clean():
    r = subprocess.run(_tool("mypy"), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
