"""Regression tables: tidy frames, and markdown / LaTeX text without tabulate or jinja2.

Layout follows the slides' tables: one column per model, coefficient with stars and the
standard error in parentheses below, then N and adjusted R^2. Stars: * p<0.05, ** p<0.01,
*** p<0.001 (normal p-values; change with ``stars=``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._ols import OLSResult

STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))


def _star(p: float, stars=STARS) -> str:
    for cut, s in stars:
        if p < cut:
            return s
    return ""


def _fmt(x, digits: int) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        a = abs(float(x))
        if a != 0 and (a >= 10 ** (digits + 2) or a < 10 ** (-digits)):
            return f"{x:.{digits}g}" if a >= 1 else f"{x:.{digits - 1}e}"
        return f"{x:.{digits}f}"
    return str(x)


def frame_to_markdown(df: pd.DataFrame, digits: int = 3, index: bool = False) -> str:
    """GitHub-style pipe table of a DataFrame."""
    d = df.reset_index() if index else df
    head = [str(c) for c in d.columns]
    rows = [[_fmt(v, digits) for v in r] for r in d.itertuples(index=False)]
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def _tex(s: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
        s = s.replace(a, b)
    return s


def frame_to_latex(df: pd.DataFrame, digits: int = 3, caption: str = "", index: bool = False) -> str:
    """A booktabs tabular of a DataFrame."""
    d = df.reset_index() if index else df
    cols = "l" + "r" * (len(d.columns) - 1)
    out = [r"\begin{table}[ht]\centering"] + ([rf"\caption{{{_tex(caption)}}}"] if caption else [])
    out += [rf"\begin{{tabular}}{{{cols}}}", r"\toprule", " & ".join(_tex(str(c)) for c in d.columns) + r" \\", r"\midrule"]
    out += [" & ".join(_tex(_fmt(v, digits)) for v in r) + r" \\" for r in d.itertuples(index=False)]
    out += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(out) + "\n"


@dataclass
class RegressionTable:
    """Several regressions side by side (columns), as in the slides' tables."""

    title: str
    models: list[OLSResult]
    columns: list[str]
    labels: dict = field(default_factory=dict)
    notes: str = ""
    drop: tuple = ("const",)

    def tidy(self) -> pd.DataFrame:
        """Long frame: table, column, term, coef, se, t, p, nobs, r2, adj_r2, cov_type."""
        parts = []
        for col, m in zip(self.columns, self.models):
            t = m.tidy()
            t.insert(0, "column", col)
            parts.append(t)
        out = pd.concat(parts, ignore_index=True)
        out.insert(0, "table", self.title)
        return out

    def _grid(self, digits: int, paren=("(", ")")) -> list[list[str]]:
        terms: list[str] = []
        for m in self.models:
            terms += [t for t in m.names if t not in terms and t not in self.drop]
        rows = []
        for term in terms:
            c, s = [self.labels.get(term, term)], [""]
            for m in self.models:
                if term in m.names:
                    j = m.names.index(term)
                    c.append(_fmt(m.params[j], digits) + _star(m.pvalues[j]))
                    s.append(paren[0] + _fmt(m.bse[j], digits) + paren[1])
                else:
                    c.append("")
                    s.append("")
            rows += [c, s]
        rows.append(["N", *[str(m.nobs) for m in self.models]])
        rows.append(["adj. R-sq", *[_fmt(m.rsquared_adj, digits) for m in self.models]])
        return rows

    def to_frame(self, digits: int = 3) -> pd.DataFrame:
        return pd.DataFrame(self._grid(digits), columns=["", *self.columns])

    def to_markdown(self, digits: int = 3) -> str:
        rows = self._grid(digits)
        head = ["", *self.columns]
        out = [f"**{self.title}**", "", "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        cov = self.models[0].cov_type
        out += ["", f"Standard errors ({cov}) in parentheses; * p<0.05, ** p<0.01, *** p<0.001. {self.notes}".strip()]
        return "\n".join(out) + "\n"

    def to_latex(self, digits: int = 3) -> str:
        rows = self._grid(digits)
        n = len(self.columns)
        out = [r"\begin{table}[ht]\centering", rf"\caption{{{_tex(self.title)}}}",
               rf"\begin{{tabular}}{{l{'c' * n}}}", r"\toprule",
               " & " + " & ".join(_tex(c) for c in self.columns) + r" \\", r"\midrule"]
        for r in rows:
            if r[0] == "N":
                out.append(r"\midrule")
            out.append(" & ".join(_tex(v) for v in r) + r" \\")
        cov = self.models[0].cov_type
        out += [r"\bottomrule", r"\end{tabular}",
                rf"\par\footnotesize Standard errors ({_tex(cov)}) in parentheses; * p$<$0.05, ** p$<$0.01, *** p$<$0.001. {_tex(self.notes)}",
                r"\end{table}"]
        return "\n".join(out) + "\n"
