"""The one markdown / LaTeX table writer (econhubs.core._tables; issue 13)."""

import io

import numpy as np
import pandas as pd

from econhubs.core import format_cell, sig_digits, tex_escape, to_latex, to_markdown


def _frame():
    return pd.DataFrame({"coef": [1.23456, -2e-14, np.nan], "n": [3, 40, 500], "name": ["a_b", "x&y", "50%"]},
                        index=pd.Index(["r1", "r2", "r3"], name="region"))


def test_markdown_round_trips_through_pandas():
    md = to_markdown(_frame(), floatfmt=".3f", index=True, align=["l", "r", "r", "l"])
    lines = md.strip().splitlines()
    assert lines[0] == "| region | coef | n | name |" and lines[1] == "|:---|---:|---:|:---|"
    body = "\n".join(line.strip("|") for line in [lines[0], *lines[2:]])
    back = pd.read_csv(io.StringIO(body), sep="|", skipinitialspace=True)
    back.columns = [c.strip() for c in back.columns]
    np.testing.assert_allclose(back["coef"].astype(float)[:2], [1.235, -0.0])
    assert back["n"].tolist() == [3, 40, 500] and back["name"].str.strip().tolist() == ["a_b", "x&y", "50%"]
    assert lines[-1] == "| r3 |  | 500 | 50% |"  # NaN -> na_rep ""


def test_sig_digits_never_prints_tiny_as_zero():
    f = sig_digits(3)
    assert f(1.23456) == "1.235" and f(-2e-14) == "-2.00e-14" and f(123456789.0) == "1.23e+08"
    assert format_cell(np.int64(7), f) == "7" and format_cell(float("inf"), f, na_rep="-") == "-"


def test_latex_escapes_and_structure():
    tex = to_latex(_frame(), floatfmt=sig_digits(2), caption="g_hat & 10%", midrule_before=[2], notes="p$<$0.05")
    assert tex_escape(r"a_b & 5% #1 $x$ {y} \z") == r"a\_b \& 5\% \#1 \$x\$ \{y\} \textbackslash{}z"
    lines = tex.splitlines()
    assert lines[:3] == [r"\begin{table}[ht]\centering", r"\caption{g\_hat \& 10\%}", r"\begin{tabular}{lrr}"]
    assert r"1.23 & 3 & a\_b \\" in lines and r"-2.0e-14 & 40 & x\&y \\" in lines
    assert lines[lines.index(r" & 500 & 50\% \\") - 1] == r"\midrule"
    assert lines[-2] == r"\par\footnotesize p$<$0.05" and lines[-1] == r"\end{table}"
    bare = to_latex(_frame(), float_env=False)
    assert bare.startswith(r"\begin{tabular}") and bare.rstrip().endswith(r"\end{tabular}")
