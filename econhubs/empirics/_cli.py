"""``econhubs facts``: the tables and figures of Facts 1-3, on a user panel or the SYNTHETIC default.

Errors (bad panel file, row, column; impossible --base/--end) end the run with one line and exit
status 2 (see ``econhubs.cli``); the output folder is written whole or not at all.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="econhubs facts", description=__doc__.splitlines()[0])
    ap.add_argument("--panel",
                    help="industry CSV (region, year, industry, income[, employment]); default: SYNTHETIC panel")
    ap.add_argument("--regions",
                    help="regions CSV (region, year, population[, high_skill_share, old_age_dependency, female_share])")
    ap.add_argument("--out", default=str(Path("econhubs_output") / "facts"),
                    help="output folder, replaced whole by a complete run (default econhubs_output/facts)")
    ap.add_argument("--value", default="income", choices=["income", "employment"], help="measure shares of")
    ap.add_argument("--base", type=int, help="base year of Fact 1 (default: first year; must be before --end)")
    ap.add_argument("--end", type=int, help="end year of Fact 1 (default: last year)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the synthetic panel")
    ap.add_argument("--regions-n", type=int, default=722, help="regions in the synthetic panel")
    ap.add_argument("--quick", action="store_true", help="synthetic panel with 120 regions")
    a = ap.parse_args(argv)
    from . import check_years, load_panel, run_facts, synthetic_panel

    t0 = time.perf_counter()
    if a.panel:
        panel = load_panel(a.panel, a.regions)
        print(f"read {a.panel}" + (f" and {a.regions}" if a.regions else ""))
    else:
        panel = synthetic_panel(120 if a.quick else a.regions_n, seed=a.seed)
        print("NOTE: no --panel given; using the SYNTHETIC panel (generated, not data).")
    print(panel.report)
    check_years(panel.report.years, a.base, a.end)
    run_facts(panel, a.out, base=a.base, end=a.end, value=a.value)
    print(f"wrote tables and figures to {a.out} ({time.perf_counter() - t0:.1f} s)")
    return 0
