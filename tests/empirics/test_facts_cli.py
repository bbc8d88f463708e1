import os

import pandas as pd

from econhubs.cli import main as cli
from econhubs.empirics import synthetic_panel, write_panel
from econhubs.empirics._cli import main


def test_facts_cli_quick_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "facts"
    assert main(["--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC" in text
    for name in ("fact1", "fact1_hhi", "fact1_industries", "fact1_horizons", "fact2", "fact3",
                 "table1_specialization_over_time"):
        for ext in ("md", "tex", "csv"):
            assert (out / f"{name}.{ext}").stat().st_size > 0
    for png in ("fact2_lowess.png", "fact3_persistence.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "SYNTHETIC" in (out / "README.md").read_text()
    assert "\\begin{tabular}" in (out / "fact1.tex").read_text()
    tidy = pd.read_csv(out / "fact3.csv")
    assert list(tidy["h"]) == [10, 20, 30, 40, 50, 60, 70] and (tidy["beta"] > 0).all()


def test_facts_cli_user_panel_and_bad_panel(tmp_path, capsys):
    p = synthetic_panel(40, seed=1, years=(1950, 1970, 1990))
    write_panel(p, tmp_path / "ind.csv", tmp_path / "reg.csv")
    assert main(["--panel", str(tmp_path / "ind.csv"), "--regions", str(tmp_path / "reg.csv"),
                 "--out", str(tmp_path / "o")]) == 0
    assert "SYNTHETIC" not in (tmp_path / "o" / "README.md").read_text().split("\n")[2]
    bad = pd.read_csv(tmp_path / "ind.csv")
    bad.loc[7, "income"] = -3.0
    bad.to_csv(tmp_path / "bad.csv", index=False)
    assert cli(["facts", "--panel", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert f"{tmp_path / 'bad.csv'}: negative income in data row 8" in err[0]
    assert not (tmp_path / "o2").exists()


def test_facts_interrupted_run_leaves_previous_output_set(tmp_path, monkeypatch):
    """Issue 12 item 5: SIGINT during a run into an existing folder left Fact 1 new, Facts 2/3 old."""
    import econhubs.empirics._report as report

    p = synthetic_panel(30, seed=1, years=(1950, 1970, 1990))
    write_panel(p, tmp_path / "ind.csv", tmp_path / "reg.csv")
    args = ["--panel", str(tmp_path / "ind.csv"), "--regions", str(tmp_path / "reg.csv")]
    out = tmp_path / "facts"
    assert main([*args, "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "plot_fact3", interrupt)  # after fact1..fact2 files are written
    assert cli(["facts", *args, "--base", "1970", "--out", str(out)]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["facts", "ind.csv", "reg.csv"]  # no partial folder
    assert oct((out / "fact1.md").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    m = os.umask(0o022)
    os.umask(m)
    return m
