"""`econhubs table1`: outputs written atomically on success, non-zero exit and nothing written on failure."""

import json

import pytest
from conftest import long

from econhubs.estimation._cli_table1 import main


def test_failure_exits_nonzero_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "t1"
    assert main(["--data", "synthetic", "--cities", "1", "--out", str(out)]) == 1
    assert "failed" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
@long
def test_synthetic_run_writes_table_and_delta_example(tmp_path, capsys):
    out = tmp_path / "t1"
    assert main(["--data", "synthetic", "--cities", "30", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Table 1" in text and "Delta method" in text and "| HE |" in text
    assert {p.name for p in out.iterdir()} == {"table1.csv", "table1.md", "table1.tex", "summary.json"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["data"] == "synthetic" and summary["delta_example"]["se_delta"] > 0
