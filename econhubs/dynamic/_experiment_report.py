"""Tables and figures of the trade-off experiment, written as one atomic output set.

Files: ``README.md`` (index, settings, headline numbers; SYNTHETIC when the regions are), ``coefficients.md``
(model vs data trade-off coefficient, friction share), ``fact1_<economy>.md`` (the full Fact 1 table on each
simulated panel, and the data's), ``welfare.md`` and ``welfare_gains.png`` (distribution over regions of the
1950 welfare gain), ``policies.png`` (planner vs CE policy functions), ``irf.png`` (IRFs of CE and planner to
a 2 s.d. adverse shock to industry 1), ``regions.csv`` (one row per region), ``timing.md``. Everything goes
through ``econhubs.core.atomic_output_dir``: a failed run leaves no partial set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core import atomic_output_dir, to_markdown
from ._experiment import SLIDES, ExperimentResult, grid_label
from ._irf import IRF_VARS

FILES = ("README.md", "coefficients.md", "welfare.md", "timing.md", "regions.csv", "policies.png", "irf.png")
PLANNER_FILES = ("welfare_gains.png",)  # only with the planner


def grids(res: ExperimentResult) -> dict:
    """Which grid each number comes from: 'CE' (regression, friction share, CE IRF), 'free' (the economy without the
    constraint), 'planner' (welfare, planner policies and IRF)."""
    sp = res.spec
    out = {"CE": grid_label(sp.grid, sp.b_bounds), "free": grid_label(sp.free_grid, sp.free_b_bounds)}
    if res.planner is not None:
        out["planner"] = grid_label(*sp.planner_spec)
    return out


def coefficient_frame(res: ExperimentResult) -> pd.DataFrame:
    """Rows: slides, the panel's data regression (if any), each economy; coefficient, robust SE, N."""
    rows = [("data: slides (722 CZs, Fact 1 column 1)", SLIDES["coefficient"], np.nan, 722)]
    for name, tab in res.tables.items():
        m = tab.models[0]
        i = list(m.names).index("gini")
        who = f"data: {res.regions.label} panel" if name == "data" else f"model: {name} ({res.regions.label} regions)"
        rows.append((who, float(m.params[i]), float(m.bse[i]), int(m.nobs)))
    return pd.DataFrame(rows, columns=["regression", "coefficient on 1950 Gini", "robust SE (HC1)", "N"])


def welfare_frame(res: ExperimentResult) -> pd.DataFrame:
    w = 100 * res.welfare
    q = np.percentile(w, [10, 50, 90])
    return pd.DataFrame({"statistic": ["mean", "min", "p10", "median", "p90", "max", "slides (range)"],
                         "welfare gain (% of consumption)": [w.mean(), w.min(), *q, w.max(), np.nan],
                         "note": [""] * 6 + [f"{100 * SLIDES['welfare_lo']:.1f}-{100 * SLIDES['welfare_hi']:.1f}%"]})


def _subplots(nrows: int, ncols: int, figsize):
    """A figure from matplotlib's object-oriented API: no backend is selected or changed (no pyplot)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols)


def plot_welfare(res: ExperimentResult, path) -> None:
    fig, ax = _subplots(1, 2, figsize=(9, 3.4))
    ax[0].hist(100 * res.welfare, bins=30, color="C0")
    ax[0].set_xlabel("welfare gain of the planner at the 1950 state (% of consumption)")
    ax[1].scatter(res.regions.gini, 100 * res.welfare, s=5)
    ax[1].set_xlabel("1950 Gini")
    ax[1].set_ylabel("welfare gain (%)")
    fig.suptitle(f"Constrained-efficient welfare gains in 1950 ({res.regions.label} regions)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _policy_slices(sol, ib: int):
    e0 = sol.grid.R.shape[0] // 2
    return np.asarray(sol.k_next)[ib, :, ..., 0].reshape(sol.grid.k.shape[1], -1)[:, e0], \
        np.asarray(sol.b_next)[ib].reshape(sol.grid.k.shape[1], -1)[:, e0]


def plot_policies(res: ExperimentResult, path) -> None:
    """k_1' - k_1 and b' against k_1 at the bond node nearest b_1950 and the base exogenous state; the planner
    against the CE solved on the planner's grid (``planner.ce``: the same grid, also when it is the planner's own)."""
    ce = getattr(res.planner, "ce", None) or res.ce
    g = ce.grid
    ib = int(np.argmin(np.abs(np.asarray(g.b) - res.b0)))
    k = np.asarray(g.k[0])
    fig, ax = _subplots(1, 2, figsize=(9, 3.4))
    for name, sol in (("CE", ce), ("planner", res.planner)):
        if sol is None:
            continue
        kp, bp = _policy_slices(sol, ib)
        ax[0].plot(k, kp - k, "o-", label=name, ms=3)
        ax[1].plot(k, bp, "o-", label=name, ms=3)
    ax[0].axhline(0, color="grey", lw=0.5)
    ax[0].set_title("k_1' - k_1 (specialization change)", fontsize=10)
    ax[1].set_title("b' (bond choice)", fontsize=10)
    for a in ax:
        a.set_xlabel("k_1 (capital in the dominant industry)")
        a.legend(fontsize=8)
    n = g.b.shape[0] * g.k.shape[1] * g.P.shape[0]
    fig.suptitle(f"Policy functions at b = {float(g.b[ib]):.3f}, u = 0, R = R_bar (grid of {n} states)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_irfs(res: ExperimentResult, path) -> None:
    fig, axes = _subplots(2, 3, figsize=(11, 5.6))
    for ax, v in zip(axes.ravel(), IRF_VARS):
        for name, irf in res.irf.items():
            y = irf["irf"][v]
            y = 100 * y / irf["baseline"][v] if v in ("c", "q") else y
            ax.plot(np.arange(len(y)), y, lw=2, label=name)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(v + (" (% dev.)" if v in ("c", "q") else " (level dev.)"), fontsize=10)
        ax.legend(fontsize=8)
    axes.ravel()[-1].set_visible(False)
    fig.suptitle("Generalised IRFs to a 2 s.d. adverse TFP shock to industry 1 (dominant)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def region_frame(res: ExperimentResult) -> pd.DataFrame:
    r = res.regions
    d = pd.DataFrame({"region": list(r.names), "gini_1950": r.gini,
                      "dominant_industry": [r.industries[i] for i in r.dominant], "k1_1950": r.k1})
    for name, s in res.sims.items():
        y = s["y"].sum(-1)
        d[f"growth_{name.replace(' ', '_')}"] = np.log(y[:, -1] / y[:, 0])
    if res.welfare is not None:
        d["welfare_gain"] = res.welfare
    d.attrs["synthetic"] = r.synthetic
    return d


def readme(res: ExperimentResult, files=()) -> str:
    r, c = res.regions, res.coef
    tag = "SYNTHETIC regions (not data)" if r.synthetic else f"regions from {r.panel.meta.get('source', 'a panel')}"
    g, planner_grid = grids(res), ""
    if res.planner is not None:
        own = " (its own grid: the planner is not simulated; docs/tradeoff_experiment.md)"
        planner_grid = (f"; planner (welfare gains, planner vs CE policies and IRFs, each against the CE solved on the "
                        f"same grid) {g['planner']}" + (own if res.spec.own_planner_grid else ""))
    lines = [f"# Specialization trade-off experiment: {len(r)} {tag}", "",
             f"- model: I = 2 (industry 1 = the region's dominant 1950 industry, 2 = the rest), default calibration "
             f"(theta = {float(res.ce.params.theta):g}); grid {res.spec.grid.n_points(2)} states; "
             f"b_1950 = {res.b0:.4f}; {res.spec.n_years} years of SYNTHETIC common industry shocks "
             f"(seed {res.spec.seed})",
             f"- grids: CE (trade-off coefficient, friction share, CE IRF) {g['CE']}; CE without the "
             f"constraint {g['free']}" + planner_grid,
             f"- trade-off coefficient (growth on 1950 Gini, Fact 1 controls): model {c['CE']:.4f} vs data "
             f"{SLIDES['coefficient']} (slides)" + (f", {c['data']:.4f} ({r.label} panel)" if "data" in c else ""),
             f"- friction share 1 - beta(no constraint)/beta(CE) = {100 * res.friction_share:.1f}% (slides: 56%)"]
    if res.welfare is not None:
        lines.append(f"- welfare gain of the planner at the 1950 states: mean {100 * res.welfare.mean():.4f}% "
                     f"(range {100 * res.welfare.min():.4f}% to {100 * res.welfare.max():.4f}%; slides 1.2-2.2%)")
    else:
        lines.append("- planner not solved (run with --planner): no welfare gains, planner policies or planner IRF")
    lines += ["", "Why the numbers differ from the seed's: docs/tradeoff_experiment.md.", "",
              "Files: " + ", ".join(sorted(set(files) | {"README.md"}))]
    return "\n".join(lines) + "\n"


def _names(res: ExperimentResult):
    return {name: name.replace(" ", "_") for name in res.tables}


def write_outputs(res: ExperimentResult, out_dir, *, command: str = "econhubs tradeoff --experiment") -> list[str]:
    """Write the output set (module docstring) atomically; returns the file names."""
    label = res.regions.label
    with atomic_output_dir(out_dir, command=command) as d:
        d = Path(d)
        fr, g = coefficient_frame(res), grids(res)
        extra = pd.DataFrame([("friction share 1 - beta_free / beta_CE (slides: 56%)", res.friction_share, np.nan,
                               len(res.regions))], columns=fr.columns)
        (d / "coefficients.md").write_text(to_markdown(
            pd.concat([fr, extra], ignore_index=True), floatfmt=".4f",
            title=f"Specialization trade-off: model vs data ({label} regions)",
            notes="Fact 1 column (1) on each panel (econhubs.empirics.fact1); the model's panels are simulated. "
                  f"Grids: CE {g['CE']}; CE without the constraint {g['free']}"
                  + (f"; planner {g['planner']}" if "planner" in g and not res.spec.own_planner_grid else "")
                  + "."))
        for name, stem in _names(res).items():
            (d / f"fact1_{stem}.md").write_text(res.tables[name].to_markdown())
        if res.welfare is not None:
            (d / "welfare.md").write_text(to_markdown(
                welfare_frame(res), floatfmt=".4f", title=f"Welfare gains in 1950 ({label} regions)",
                notes=f"Planner and CE both on the planner's grid: {g['planner']}; 1950 states b = {res.b0:.4f}, "
                      "k_1 = the dominant industry's 1950 income share. Lambda = (V_SP / V_CE)^(1/(1-gamma)) - 1, "
                      + ("each V by the grid's own policy evaluation." if res.spec.welfare_refine == 1 else
                         f"each V the value of the allocation by policy evaluation on a grid {res.spec.welfare_refine} "
                         "times finer (docs/tradeoff_experiment.md).")))
            plot_welfare(res, d / "welfare_gains.png")
        else:
            (d / "welfare.md").write_text("Planner not solved: no welfare gains.\n")
        plot_policies(res, d / "policies.png")
        if res.irf:
            plot_irfs(res, d / "irf.png")
        region_frame(res).to_csv(d / "regions.csv", index=False)
        tm = pd.DataFrame({"step": list(res.seconds), "seconds": list(res.seconds.values())})
        (d / "timing.md").write_text(to_markdown(tm, floatfmt=".1f", title="Wall time by step"))
        (d / "README.md").write_text(readme(res, [p.name for p in d.iterdir()]))
        files = sorted(p.name for p in d.iterdir())
    return files
