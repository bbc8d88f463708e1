import pandas as pd

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
    assert main(["--panel", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o2")]) == 2
    assert "negative income in rows [7]" in capsys.readouterr().out
