"""`econhubs hubs`: real economy by default, exit status and atomic outputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from econhubs.core import ConvergenceError
from econhubs.spatial import _cli_hubs


def test_bad_size_exits_nonzero_and_writes_nothing(tmp_path, capsys):
    assert _cli_hubs.main(["--cities", "1", "--out", str(tmp_path / "o")]) == 1
    assert "n_cities must lie in" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_failed_equilibrium_exits_nonzero(tmp_path, monkeypatch, capsys):
    def fail(run):
        raise ConvergenceError("sectoral-hubs equilibrium", 1.0, 60, 1e-11, "forced")

    monkeypatch.setattr(_cli_hubs, "STEPS", [fail])
    assert _cli_hubs.main(["--out", str(tmp_path / "o")]) == 1
    assert "failed" in capsys.readouterr().err and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_real_economy_run(tmp_path, capsys):
    out = tmp_path / "o"
    assert _cli_hubs.main(["--cities", "5", "--top", "3", "--planner", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "real economy" in text and "CONSTRUCTED" in text and "New York-Newark-Jersey City" in text
    t = pd.read_csv(out / "cities.csv")
    assert len(t) == 5 and (t["max rel. error w, L"] < 1e-8).all()
    assert (abs(t["CNR share"] - t["CNR share (data)"]) < 1e-8).all()
    s = json.loads((out / "summary.json").read_text())
    assert s["economy"] == "real" and max(s["fit_max_relative_error"].values()) < 1e-8
    # --planner: the optimum's certificate, and the whole set of planner outputs
    assert s["planner_converged"] and s["planner_grad_norm"] <= 1e-6 and s["planner_g"] > 0
    assert s["taxes_max_rel_diff_L"] < 1e-4
    for name in ("planner_summary.json", "allocation.csv", "seed_findings.csv", "figure1_trade_flows.png",
                 "figure2_decompositions.pdf"):
        assert (out / "planner" / name).stat().st_size > 200, name
    # one output set, swapped in whole: no temporary folder or planner checkpoint left beside it
    assert json.loads((out / ".econhubs_run.json").read_text())["complete"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]
