"""Run every table and figure of Facts 1-3 on one panel and write them to a folder.

Files (``out_dir``): ``<name>.md``, ``<name>.tex``, ``<name>.csv`` (tidy) for each table,
``fact2_lowess.png``, ``fact3_persistence.png``, ``panel_report.txt`` and ``README.md`` (index,
with the SYNTHETIC label when the panel is synthetic). The whole set is written atomically
(``econhubs.core.atomic_output_dir``): an interrupted or failed run leaves the previous set intact.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from ..core import atomic_output_dir, atomic_write, atomic_write_text
from ._fact1 import fact1, fact1_horizons, fact1_industries
from ._fact23 import fact2, fact3, specialization_over_time
from ._plots import plot_fact2, plot_fact3
from ._schema import Panel
from ._tables import RegressionTable, frame_to_latex, frame_to_markdown


def _write(path: Path, text: str) -> None:
    atomic_write_text(path, text)


def check_years(years, base: int | None, end: int | None) -> tuple[int, int]:
    """Base and end years of Fact 1 (defaults: first and last year), or a ValueError naming the rule."""
    years = sorted(int(y) for y in years)
    if len(years) < 2:
        raise ValueError(f"panel: years {years}: Facts 1-3 need at least two years (rule: a panel over time)")
    base = years[0] if base is None else int(base)
    end = years[-1] if end is None else int(end)
    for name, y in (("base", base), ("end", end)):
        if y not in years:
            raise ValueError(f"{name} year {y} is not in the panel (years {years})")
    if not base < end:
        raise ValueError(f"base year {base} must be before end year {end} (rule: growth from base to end)")
    return base, end


def run_facts(panel: Panel, out_dir=None, *, base: int | None = None, end: int | None = None,
              value: str = "income", horizons=(10, 20, 30, 40, 50, 60, 70), frac: float = 0.3,
              progress=print) -> dict:
    """All tables (dict name -> RegressionTable or DataFrame) and, with ``out_dir``, the files."""
    base, end = check_years(panel.report.years, base, end)
    say = progress or (lambda *_: None)
    out: dict = {}
    skipped: dict[str, str] = {}
    steps = [
        ("table1_specialization_over_time", lambda: specialization_over_time(panel)),
        ("fact1", lambda: fact1(panel, base, end, value)),
        ("fact1_hhi", lambda: fact1(panel, base, end, value, measure="hhi_norm")),
        ("fact1_industries", lambda: fact1_industries(panel, base, end, value)),
        ("fact1_horizons", lambda: fact1_horizons(panel, horizons, value)),
        ("fact2", lambda: fact2(panel, value, frac=frac)),
        ("fact3", lambda: fact3(panel, horizons, value)),
    ]
    for name, fn in steps:
        t0 = time.perf_counter()
        try:
            out[name] = fn()
        except ValueError as e:  # e.g. no tradable flags or no industry groups for a user panel
            say(f"  {name}: skipped ({e})")
            skipped[name] = str(e)
            continue
        say(f"  {name}: {time.perf_counter() - t0:.2f} s")
    if out_dir is not None:
        with atomic_output_dir(out_dir, command="econhubs facts") as d:
            _write_all(out, panel, d, skipped)
    return out


def _write_all(out: dict, panel: Panel, d: Path, skipped: dict[str, str]) -> None:
    """Every table as .md/.tex/.csv, the figures, the panel report and the README index, into ``d``."""
    tag = "SYNTHETIC panel -- not data. " if panel.synthetic else ""
    index = [f"# econhubs facts\n\n{tag}Source: {panel.meta.get('source', 'user panel')}\n\n{panel.report}\n"]
    for name, obj in out.items():
        if isinstance(obj, RegressionTable):
            md, tex, tidy = obj.to_markdown(), obj.to_latex(), obj.tidy()
        elif isinstance(obj, pd.DataFrame):
            cap = name.replace("_", " ") + (" (SYNTHETIC panel)" if panel.synthetic else "")
            md = f"**{cap}**\n\n" + frame_to_markdown(obj, digits=4)
            tex, tidy = frame_to_latex(obj, digits=4, caption=cap), obj
        else:  # Fact 2
            cap = "fact 2: LOWESS of normalised Gini on normalised log income p.c."
            cap += " (SYNTHETIC panel)" if panel.synthetic else ""
            summ = obj.summary()
            md = f"**{cap}**\n\n" + frame_to_markdown(summ, digits=4)
            tex, tidy = frame_to_latex(summ, digits=4, caption=cap), obj.data
            plot_fact2(obj, d / "fact2_lowess.png")
            index.append("![fact 2](fact2_lowess.png)\n")
        _write(d / f"{name}.md", md)
        _write(d / f"{name}.tex", tex)
        atomic_write(d / f"{name}.csv", lambda tmp: tidy.to_csv(tmp, index=False))
        index.append(md)
    if "fact3" in out:
        plot_fact3(out["fact3"], d / "fact3_persistence.png")
        index.append("![fact 3](fact3_persistence.png)\n")
    if skipped:
        index.append("**Skipped tables**\n\n" + "\n".join(f"- {k}: {v}" for k, v in skipped.items()) + "\n")
    _write(d / "panel_report.txt", str(panel.report) + "\n")
    _write(d / "README.md", "\n".join(index))
