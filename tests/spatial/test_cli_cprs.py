"""`econhubs cprs` pieces that need no solve: chunked sweeps, non-finite refusal, the figure's label
(issue 12 items 2, 5 and 6). The end-to-end run is tests/spatial/test_cprs_sweep.py::test_cli_quick."""

import numpy as np
import pandas as pd
import pytest

import econhubs.spatial._cprs_sweep as cprs_sweep
from econhubs.spatial._cli_cprs import COLUMNS, check_size, figure, sweep

LABELS = [f"r{i}" for i in range(11)]


@pytest.fixture
def fake_table(monkeypatch):
    """elasticity_table stand-in: records each batch; welfare elasticity = index of the unit."""
    calls = []

    def table(model, axis, size, *, units=None, **kw):
        calls.append(list(units))
        k = [LABELS.index(u) for u in units]
        return pd.DataFrame({c: np.asarray(k, float) + j for j, c in enumerate(COLUMNS)},
                            index=pd.Index(units, name=axis))

    monkeypatch.setattr(cprs_sweep, "elasticity_table", table)
    return calls


def test_sweep_runs_equal_width_chunks_so_one_compilation_serves_all(fake_table):
    tab = sweep(None, "region", 0.1, LABELS, chunk=4)
    assert [len(c) for c in fake_table] == [4, 4, 4]  # last chunk padded: same shapes, no recompile
    assert fake_table[-1] == ["r8", "r9", "r10", "r10"]
    assert list(tab.index) == LABELS  # padding dropped, order kept
    np.testing.assert_array_equal(tab["TFP_elasticity"], np.arange(11.0))


def test_sweep_refuses_non_finite_elasticities(monkeypatch):
    def nan_table(model, axis, size, *, units=None, **kw):
        return pd.DataFrame({c: np.nan for c in COLUMNS}, index=pd.Index(units, name=axis))

    monkeypatch.setattr(cprs_sweep, "elasticity_table", nan_table)
    with pytest.raises(RuntimeError, match="non-finite elasticities"):
        sweep(None, "region", 0.1, LABELS[:3])
    with pytest.raises(ValueError, match="no regions to shock"):
        sweep(None, "region", 0.1, [])


def test_size_rule_and_figure_label_follows_size():
    assert check_size(0.05) == 0.05 and check_size(-0.1) == -0.1
    for bad in (0.0, -1.0, float("nan"), 1e-9):
        with pytest.raises(ValueError, match="--size"):
            check_size(bad)
    tab = pd.DataFrame({"welfare_elasticity": [1.2, 0.9]}, index=["a", "b"])
    fig = figure(tab, None, "t", 0.05)
    assert fig.axes[0].get_xlabel() == "welfare elasticity: (V-hat - 1) / (0.05 x employment share)"
