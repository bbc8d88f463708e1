"""The one markdown / LaTeX table writer (no tabulate or jinja2 needed).

``to_markdown(df)`` gives a GitHub pipe table, ``to_latex(df)`` a booktabs ``tabular`` (optionally
inside a ``table`` float with a caption and notes). Cells are formatted by ``floatfmt``: a format
spec for floats (``".4f"``), or a callable ``value -> str`` such as ``sig_digits(3)``; integers
print as integers, strings unchanged, non-finite numbers as ``na_rep``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

FloatFmt = str | Callable[[float], str]


def sig_digits(digits: int = 3) -> Callable[[float], str]:
    """Fixed-point with ``digits`` decimals, switching to scientific notation for very large or
    very small magnitudes (so that 1e-14 never prints as 0.000)."""

    def fmt(x: float) -> str:
        a = abs(x)
        if a != 0 and (a >= 10 ** (digits + 2) or a < 10 ** (-digits)):
            return f"{x:.{digits}g}" if a >= 1 else f"{x:.{digits - 1}e}"
        return f"{x:.{digits}f}"

    return fmt


def format_cell(x, floatfmt: FloatFmt = ".4f", na_rep: str = "") -> str:
    """One cell as text (see the module docstring)."""
    if x is None:
        return na_rep
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if not np.isfinite(x):
            return na_rep
        return floatfmt(float(x)) if callable(floatfmt) else format(float(x), floatfmt)
    return str(x)


def _cells(df: pd.DataFrame, floatfmt: FloatFmt, index: bool, na_rep: str) -> tuple[list[str], list[list[str]]]:
    d = df.reset_index() if index else df
    head = [str(c) for c in d.columns]
    if index and df.index.name is None and not isinstance(df.index, pd.MultiIndex):
        head[0] = ""
    rows = [[format_cell(v, floatfmt, na_rep) for v in r] for r in d.itertuples(index=False)]
    return head, rows


def to_markdown(df: pd.DataFrame, *, floatfmt: FloatFmt = ".4f", index: bool = False, na_rep: str = "",
                align: Sequence[str] | None = None, title: str = "", notes: str = "") -> str:
    """GitHub pipe table of ``df`` (``index=True`` adds the index as the first column).

    ``align``: one of ``"l"``, ``"r"``, ``"c"`` per column (default: no alignment marks);
    ``title`` goes above in bold, ``notes`` below.
    """
    head, rows = _cells(df, floatfmt, index, na_rep)
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    rule = [marks[a] for a in align] if align is not None else ["---"] * len(head)
    out = [f"**{title}**", ""] if title else []
    out += ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    if notes:
        out += ["", notes]
    return "\n".join(out) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "_": r"\_", "#": r"\#", "$": r"\$",
        "{": r"\{", "}": r"\}"}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX))


def tex_escape(s: str) -> str:
    """Escape LaTeX's special characters (backslash, & % _ # $ { }) in plain text."""
    return _TEX_RE.sub(lambda m: _TEX[m.group(0)], s)


def to_latex(df: pd.DataFrame, *, floatfmt: FloatFmt = ".4f", index: bool = False, na_rep: str = "",
             colspec: str | None = None, caption: str = "", notes: str = "", float_env: bool = True,
             midrule_before: Sequence[int] = (), escape: bool = True) -> str:
    """A booktabs ``tabular`` of ``df``; with ``float_env`` wrapped in ``table`` with ``caption``.

    ``colspec`` defaults to ``l`` then ``r`` for every other column; ``midrule_before`` lists row
    positions that get a ``\\midrule`` above them; ``notes`` (raw LaTeX when ``escape=False``) go
    below the tabular as a footnote-size paragraph.
    """
    head, rows = _cells(df, floatfmt, index, na_rep)
    esc = tex_escape if escape else (lambda s: s)
    spec = colspec or ("l" + "r" * (len(head) - 1))
    out = [r"\begin{table}[ht]\centering"] if float_env else []
    out += [rf"\caption{{{esc(caption)}}}"] if caption and float_env else []
    out += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", " & ".join(esc(h) for h in head) + r" \\", r"\midrule"]
    for i, r in enumerate(rows):
        if i in midrule_before:
            out.append(r"\midrule")
        out.append(" & ".join(esc(c) for c in r) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}"]
    if notes:
        out.append(rf"\par\footnotesize {notes}")
    out += [r"\end{table}"] if float_env else []
    return "\n".join(out) + "\n"
