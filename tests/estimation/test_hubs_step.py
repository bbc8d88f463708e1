"""The Table 1 step of `econhubs hubs`: skipped (with the reason) on small subsets or on request."""

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import long

from econhubs.estimation import hubs_table1_step
from econhubs.estimation._hubs_step import MIN_METROS
from econhubs.spatial._cli_hubs import STEPS


def _run(n, **args):
    return SimpleNamespace(args=SimpleNamespace(synthetic=False, **args), economy=None,
                           equilibrium=SimpleNamespace(L=np.ones((n, 2))), summary={})


def test_step_is_in_the_hubs_pipeline():
    assert "step_table1" in [s.__name__ for s in STEPS]


def test_small_subset_is_skipped_with_reason():
    run = _run(MIN_METROS - 1)
    assert hubs_table1_step(run) == {}
    assert "too few metro clusters" in run.summary["table1_skipped"]


def test_no_table1_flag_skips():
    run = _run(382, no_table1=True)
    assert hubs_table1_step(run) == {} and run.summary == {}


@pytest.mark.slow
@long
def test_hubs_run_with_table1(tmp_path, capsys):
    """`econhubs hubs --cities 60` (REAL data): Table 1 written next to the cities, from a converged
    instrument counterfactual, with the seed's published values side by side."""
    import json

    import pandas as pd

    from econhubs.spatial import _cli_hubs

    out = tmp_path / "o"
    assert _cli_hubs.main(["--cities", "60", "--out", str(out)]) == 0
    assert "Table 1" in capsys.readouterr().out
    t = pd.read_csv(out / "table1.csv").set_index("group")
    assert list(t.index) == ["HE", "PS", "M", "ATT"] and np.isfinite(t.to_numpy(float)).all()
    assert t.loc["HE", "tauR_CNR_seed"] == 0.63 and (t["metros"] == 60).all()
    s = json.loads((out / "summary.json").read_text())["table1"]["instrument_counterfactual"]
    assert s["residual"] <= 1e-11
    assert "0.63 (0.05)" in (out / "table1.md").read_text() and r"\toprule" in (out / "table1.tex").read_text()
