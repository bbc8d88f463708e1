"""The CLI front end (econhubs/cli.py): one-line errors with exit codes, --debug tracebacks, and
the input checks of the cprs and facts commands that run before any solve (issue 12, items 2 and 4)."""

import sys
import types

import pytest

from econhubs.cli import main
from econhubs.core import ConvergenceError


def _err_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err  # one clear line, no traceback
    return err[0]


@pytest.mark.parametrize("size", ["0", "0.0", "-1", "nan", "inf", "1e-9"])
def test_cprs_refuses_sizes_that_give_nan_tables(size, tmp_path, capsys):
    """`econhubs cprs --quick --size 0` wrote all-NaN tables and an empty figure with rc 0."""
    assert main(["cprs", "--quick", f"--size={size}", "--out", str(tmp_path / "o")]) == 2
    line = _err_line(capsys)
    assert line.startswith("econhubs cprs: error: --size") and "Traceback" not in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("extra,pattern", [
    (["--base", "2020", "--end", "1950"], "base year 2020 must be before end year 1950"),
    (["--base", "1950", "--end", "1950"], "base year 1950 must be before end year 1950"),
    (["--base", "1945"], "base year 1945 is not in the panel"),
])
def test_facts_refuses_nonsense_years(extra, pattern, tmp_path, capsys):
    """`econhubs facts --base 2020 --end 1950` printed a regression with stars (rc 0)."""
    assert main(["facts", "--quick", "--regions-n", "20", *extra, "--out", str(tmp_path / "o")]) == 2
    assert pattern in _err_line(capsys)
    assert not (tmp_path / "o").exists()


def test_facts_refuses_one_year_panel(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("region,year,industry,income\nA,1950,x,1\nA,1950,y,2\nB,1950,x,3\nB,1950,y,1\n")
    assert main(["facts", "--panel", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "need at least two years" in _err_line(capsys)


@pytest.mark.parametrize("content,pattern", [
    (b"", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)),
     "not a CSV text file: it is a PNG image"),
    (b"region,year,industry,income\n", "header only, no data rows"),
    (b"region;year;industry;income\nA;1950;x;1\n", "missing required column(s)"),
])
def test_unreadable_panel_files_name_the_file(content, pattern, tmp_path, capsys):
    """An empty file / a PNG renamed .csv / a header-only CSV gave EmptyDataError, UnicodeDecodeError
    or IndexError tracebacks without the file name."""
    f = tmp_path / "panel.csv"
    f.write_bytes(content)
    assert main(["facts", "--panel", str(f), "--out", str(tmp_path / "o")]) == 2
    line = _err_line(capsys)
    assert f"econhubs facts: error: {f}: " in line and pattern in line


def test_missing_file_and_debug_traceback(tmp_path, capsys):
    f = tmp_path / "nope.csv"
    assert main(["facts", "--panel", str(f)]) == 2
    assert f"{f}: panel file not found" in _err_line(capsys)
    assert main(["--debug", "facts", "--panel", str(f)]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "FileNotFoundError" in err


@pytest.fixture
def fake_command(monkeypatch):
    """A command whose main raises what the test says (registered like the real ones)."""
    mod = types.ModuleType("econhubs_fake_cmd")
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setitem(__import__("econhubs.cli").cli.COMMANDS, "fake", (mod.__name__, "test"))
    return mod


@pytest.mark.parametrize("exc,rc,pattern", [
    (ConvergenceError("toy Newton", 1.5e-3, 50, 1e-10), 3,
     "econhubs fake: solve failed: toy Newton did not converge: max residual 1.500e-03"),
    (ValueError("x.csv: data row 3: column 'v': negative (rule: v >= 0)"), 2,
     "econhubs fake: error: x.csv: data row 3: column 'v': negative (rule: v >= 0)"),
    (KeyboardInterrupt(), 130, "econhubs fake: interrupted"),
])
def test_error_kinds_map_to_exit_codes(fake_command, exc, rc, pattern, capsys):
    def boom(argv):
        raise exc

    fake_command.main = boom
    assert main(["fake"]) == rc
    assert _err_line(capsys).startswith(pattern)


def test_bugs_still_show_their_traceback(fake_command):
    def bug(argv):
        raise TypeError("a bug")

    fake_command.main = bug
    with pytest.raises(TypeError):
        main(["fake"])
