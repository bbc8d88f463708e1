"""``econhubs cprs``: CPRS (2018) elasticity tables for the 2007 US calibration.

Solves CPRS's baseline, then every regional (50) and sectoral (26) 10% productivity shock as
batched solves, prints the TFP / GDP / welfare elasticity tables, writes them as CSV and
markdown under ``--out`` and draws a ranked bar chart of the states' welfare elasticities.
The output folder is written whole or not at all (``econhubs.core.atomic_output_dir``); the
sweeps run in chunks of ``--chunk`` shocks, so Ctrl-C stops a run within one chunk's solve time.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from econhubs.core import atomic_output_dir, atomic_write, atomic_write_text, to_markdown

COLUMNS = ["TFP_elasticity", "GDP_elasticity", "welfare_elasticity", "employment_share"]


def check_size(size: float) -> float:
    """The shock size s (productivity 1 + s): finite, s > -1, |s| >= 1e-6 (elasticities divide by s)."""
    if not math.isfinite(size) or size <= -1.0:
        raise ValueError(f"--size {size!r}: must be a finite number > -1 (productivity 1 + size must be positive)")
    if abs(size) < 1e-6:
        raise ValueError(f"--size {size!r}: must be nonzero, |size| >= 1e-6 (an elasticity divides by the size; "
                         "at 0 every table would be NaN)")
    return float(size)


def sweep(model, axis: str, size: float, units, chunk: int = 8) -> pd.DataFrame:
    """``elasticity_table`` over ``units`` in chunks of equal length (the last one padded, so one
    compilation serves all): between chunks Python regains control and Ctrl-C takes effect."""
    from ._cprs_sweep import elasticity_table  # noqa: PLC0415

    units = list(units)
    if not units:
        raise ValueError(f"CPRS {axis} sweep: no {axis}s to shock")
    width = min(chunk, len(units))
    parts = []
    for i in range(0, len(units), width):
        part = units[i:i + width]
        padded = part + [part[-1]] * (width - len(part))
        parts.append(elasticity_table(model, axis, size, units=padded).iloc[:len(part)])
    tab = pd.concat(parts)
    vals = tab[COLUMNS].to_numpy(dtype=float)
    if not np.all(np.isfinite(vals)):
        bad = list(tab.index[~np.isfinite(vals).all(axis=1)])
        raise RuntimeError(f"CPRS {axis} sweep: non-finite elasticities for {bad[:5]} (size {size:g}); nothing written")
    return tab


#: CPRS regions that cover several map states (the data merge Virginia and the District of Columbia)
COMBINED_REGIONS = {"Virginia and DC": ("Virginia", "District of Columbia")}


def state_values(values: pd.Series) -> dict[str, float]:
    """{state name: value} for the map: a combined CPRS region colours each of its states."""
    out = {}
    for region, v in values.items():
        for state in COMBINED_REGIONS.get(str(region), (str(region),)):
            out[state] = float(v)
    return out


def figure(table: pd.DataFrame, path: Path | None, title: str, size: float):
    """Ranked bar chart of the welfare elasticities (matplotlib OO API: no global backend change)."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    s = table["welfare_elasticity"].sort_values()
    fig = Figure(figsize=(7, max(3.0, 0.18 * len(s) + 1)))
    ax = fig.subplots()
    ax.barh(list(s.index), s.to_numpy(), color="tab:blue")
    ax.axvline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xlabel(f"welfare elasticity: (V-hat - 1) / ({size:g} x employment share)")
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    if path is not None:
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="econhubs cprs", description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="./econhubs_output/cprs",
                    help="output folder, replaced whole by a complete run (default ./econhubs_output/cprs)")
    ap.add_argument("--quick", action="store_true", help="only 6 regions and 6 sectors")
    ap.add_argument("--size", type=float, default=0.1,
                    help="productivity shock size s, productivity 1 + s (default 0.1 = 10%%; nonzero, > -1)")
    ap.add_argument("--data", default=None,
                    help="folder with a CPRS-schema calibration (default: the shipped 2007 data)")
    ap.add_argument("--chunk", type=int, default=8,
                    help="shocks per compiled batch (Ctrl-C acts between batches; default 8)")
    ap.add_argument("--no-figure", action="store_true", help="skip the figures")
    ap.add_argument("--bar-chart", action="store_true", help="also the ranked bar chart of the region elasticities")
    a = ap.parse_args(argv)
    size = check_size(a.size)
    if a.chunk < 1:
        raise ValueError(f"--chunk {a.chunk}: must be >= 1")

    from econhubs.data import load_cprs2007  # noqa: PLC0415

    from ._cprs_results import CPRS  # noqa: PLC0415

    t0 = time.perf_counter()
    cal = load_cprs2007(a.data)
    print(f"calibration: {cal.source} (read {', '.join(Path(f).name for f in cal.files)})")
    model = CPRS.from_calibration(cal)
    print(f"CPRS baseline: {model.cal.N} regions x {model.cal.J} sectors ({time.perf_counter() - t0:.1f} s)")
    tables = {}
    for axis, labels in (("region", model.cal.regions), ("sector", model.cal.sectors)):
        t = time.perf_counter()
        tab = sweep(model, axis, size, labels[:6] if a.quick else labels, a.chunk)
        print(f"\n{axis} shocks ({len(tab)} solves, {time.perf_counter() - t:.1f} s)")
        print(tab[COLUMNS].round(4).to_string())
        tables[axis] = tab
    with atomic_output_dir(a.out, command="econhubs cprs") as d:
        for axis, tab in tables.items():
            atomic_write(d / f"cprs_{axis}_elasticities.csv", lambda tmp: tab.to_csv(tmp, float_format="%.10g"))
            md = to_markdown(tab[COLUMNS], floatfmt=".4f", index=True, align=["l"] + ["r"] * len(COLUMNS))
            atomic_write_text(d / f"cprs_{axis}_elasticities.md", md)
        title = f"CPRS: welfare elasticity of a {100 * size:g}% regional productivity shock"
        if not a.no_figure:
            from econhubs.plots import plot_state_map  # noqa: PLC0415

            plot_state_map(state_values(tables["region"]["welfare_elasticity"]), centre=1.0, title=title,
                           label=f"(V-hat - 1) / ({size:g} x employment share)", path=d / "cprs_region_welfare_map")
        if a.bar_chart and not a.no_figure:
            figure(tables["region"], d / "cprs_region_welfare_elasticities.png", title, size)
    print(f"\nwrote {a.out}/cprs_*_elasticities.(csv|md)" + ("" if a.no_figure else " and the state map (png, pdf)"))
    return 0
