"""``econhubs cprs``: CPRS (2018) elasticity tables for the 2007 US calibration.

Solves CPRS's baseline, then every regional (50) and sectoral (26) 10% productivity shock as
batched solves, prints the TFP / GDP / welfare elasticity tables, writes them as CSV and
markdown under ``--out`` and draws a ranked bar chart of the states' welfare elasticities.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd


def _markdown(df: pd.DataFrame) -> str:
    """A GitHub markdown table (pandas' to_markdown needs the optional tabulate package)."""
    head = [df.index.name or ""] + [str(c) for c in df.columns]
    rows = [[str(i)] + [f"{v:.4f}" for v in r] for i, r in zip(df.index, df.to_numpy())]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * len(df.columns)) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def _figure(table: pd.DataFrame, path: Path, title: str) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    s = table["welfare_elasticity"].sort_values()
    fig, ax = plt.subplots(figsize=(7, max(3.0, 0.18 * len(s) + 1)))
    ax.barh(s.index, s.to_numpy(), color="tab:blue")
    ax.axvline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xlabel("welfare elasticity: (V-hat - 1) / (0.1 x employment share)")
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="econhubs cprs", description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="./econhubs_output/cprs", help="output folder (default ./econhubs_output/cprs)")
    ap.add_argument("--quick", action="store_true", help="only 6 regions and 6 sectors")
    ap.add_argument("--size", type=float, default=0.1, help="productivity shock size (default 0.1 = 10%%)")
    ap.add_argument("--data", default=None, help="folder with a CPRS-schema calibration (default: the shipped 2007 data)")
    ap.add_argument("--no-figure", action="store_true")
    a = ap.parse_args(argv)

    from econhubs.data._cprs2007 import load_cprs2007  # noqa: PLC0415

    from ._cprs_results import CPRS  # noqa: PLC0415
    from ._cprs_sweep import elasticity_table  # noqa: PLC0415

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    model = CPRS.from_calibration(load_cprs2007(a.data))
    print(f"CPRS baseline: {model.cal.N} regions x {model.cal.J} sectors ({time.perf_counter() - t0:.1f} s)")
    pick = (lambda labels: list(labels[:6])) if a.quick else (lambda labels: None)
    cols = ["TFP_elasticity", "GDP_elasticity", "welfare_elasticity", "employment_share"]
    for axis, labels in (("region", model.cal.regions), ("sector", model.cal.sectors)):
        t = time.perf_counter()
        tab = elasticity_table(model, axis, a.size, units=pick(labels))
        print(f"\n{axis} shocks ({len(tab)} solves, {time.perf_counter() - t:.1f} s)")
        print(tab[cols].round(4).to_string())
        tab.to_csv(out / f"cprs_{axis}_elasticities.csv", float_format="%.10g")
        (out / f"cprs_{axis}_elasticities.md").write_text(_markdown(tab[cols]))
        if axis == "region" and not a.no_figure:
            _figure(tab, out / "cprs_region_welfare_elasticities.png",
                    f"CPRS: welfare elasticity of a {a.size:.0%} regional productivity shock")
    print(f"\nwrote {out}/cprs_*_elasticities.(csv|md) and the figure")
    return 0
