"""Regression tables: tidy frames, and markdown / LaTeX text without tabulate or jinja2.

Layout follows the slides' tables: one column per model, coefficient with stars and the
standard error in parentheses below, then N and adjusted R^2. Stars: * p<0.05, ** p<0.01,
*** p<0.001 (normal p-values; change with ``stars=``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..core import format_cell, sig_digits, tex_escape, to_latex, to_markdown
from ._ols import OLSResult

STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))


def _star(p: float, stars=STARS) -> str:
    for cut, s in stars:
        if p < cut:
            return s
    return ""


def _fmt(x, digits: int) -> str:
    return format_cell(x, sig_digits(digits))


def frame_to_markdown(df: pd.DataFrame, digits: int = 3, index: bool = False) -> str:
    """GitHub-style pipe table of a DataFrame (``econhubs.core.to_markdown`` with ``sig_digits``)."""
    return to_markdown(df, floatfmt=sig_digits(digits), index=index)


def frame_to_latex(df: pd.DataFrame, digits: int = 3, caption: str = "", index: bool = False) -> str:
    """A booktabs tabular of a DataFrame (``econhubs.core.to_latex`` with ``sig_digits``)."""
    return to_latex(df, floatfmt=sig_digits(digits), caption=caption, index=index)


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

    def _notes(self) -> str:
        cov = self.models[0].cov_type
        return f"Standard errors ({cov}) in parentheses; * p<0.05, ** p<0.01, *** p<0.001. {self.notes}".strip()

    def to_markdown(self, digits: int = 3) -> str:
        return to_markdown(self.to_frame(digits), title=self.title, notes=self._notes())

    def to_latex(self, digits: int = 3) -> str:
        frame = self.to_frame(digits)
        notes = tex_escape(self._notes()).replace("p<", "p$<$")
        return to_latex(frame, colspec="l" + "c" * len(self.columns), caption=self.title, notes=notes,
                        midrule_before=[len(frame) - 2])
