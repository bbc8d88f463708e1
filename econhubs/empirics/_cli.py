"""``econhubs facts``: the tables and figures of Facts 1-3, on a user panel or the SYNTHETIC default."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="econhubs facts", description=__doc__)
    ap.add_argument("--panel", help="industry CSV (region, year, industry, income[, employment]); default: SYNTHETIC panel")
    ap.add_argument("--regions", help="regions CSV (region, year, population[, high_skill_share, old_age_dependency, female_share])")
    ap.add_argument("--out", default=str(Path("econhubs_output") / "facts"), help="output folder")
    ap.add_argument("--value", default="income", choices=["income", "employment"], help="measure shares of")
    ap.add_argument("--base", type=int, help="base year (default: first year)")
    ap.add_argument("--end", type=int, help="end year (default: last year)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the synthetic panel")
    ap.add_argument("--regions-n", type=int, default=722, help="regions in the synthetic panel")
    ap.add_argument("--quick", action="store_true", help="synthetic panel with 120 regions")
    a = ap.parse_args(argv)
    from . import load_panel, run_facts, synthetic_panel

    t0 = time.perf_counter()
    if a.panel:
        try:
            panel = load_panel(a.panel, a.regions)
        except ValueError as e:
            print(f"econhubs facts: invalid panel: {e}")
            return 2
    else:
        panel = synthetic_panel(120 if a.quick else a.regions_n, seed=a.seed)
        print("NOTE: no --panel given; using the SYNTHETIC panel (generated, not data).")
    print(panel.report)
    run_facts(panel, a.out, base=a.base, end=a.end, value=a.value)
    print(f"wrote tables and figures to {a.out} ({time.perf_counter() - t0:.1f} s)")
    return 0
