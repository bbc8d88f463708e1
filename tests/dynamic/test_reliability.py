"""Issue 12 (dynamic parts): failed solves are loud, sweeps with failed states never report a sup change of 0,
the CLI exits non-zero without writing result files, every option has help, the IRF figure is a readable grid."""

import os

import numpy as np
import pytest

from econhubs.core import ConvergenceError
from econhubs.dynamic import (
    GridSpec,
    TimeIteration,
    ce_residual,
    default_params,
    make_grid,
    plot_irf,
    solve_competitive,
)
from econhubs.dynamic._cli import _parser, main
from econhubs.dynamic._competitive import initial_policy

SMALL = GridSpec(n_b=8, n_z=3, n_R=3)  # the CLI grid for --industries 1 --nb 8 (one compile)


def test_sweeps_with_failed_states_report_infinite_change():
    """One Newton step per state cannot reach atol from the initial policy: every sweep has failed states,
    and its sup change must be +inf (undefined), not the 0 of states that kept their policy."""
    p = default_params(1)
    grid = make_grid(p, SMALL)
    r = TimeIteration(max_iter=3, newton_steps=1, polish_below=None, accelerate=0)(
        ce_residual, initial_policy(p, grid), p, grid
    )
    assert int(r.n_failed) > 0 and np.isinf(float(r.max_change))
    hist = np.asarray(r.failed_per_sweep)
    assert np.all(hist[:3] > 0) and hist.shape == (3,)


def test_unconverged_solve_raises_or_warns_and_cli_exits_1_without_files(tmp_path, capsys):
    """verbose=True (the CLI without --quiet: one compiled solve for all three calls) prints the first sweep
    even for a short solve (issue 12). The smooth solve only (guess_verify=False, the CLI's --guess-verify off):
    the branches and the rescue are not compiled for a solve that stops after two sweeps."""
    p = default_params(1)
    with pytest.raises(ConvergenceError, match="did not converge"):
        solve_competitive(p, SMALL, max_iter=2, verbose=True, guess_verify=False)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        sol = solve_competitive(p, SMALL, max_iter=2, throw=False, verbose=True, guess_verify=False)
    assert not bool(sol.converged)
    assert "time iteration sweep      1" in capsys.readouterr().out
    out = tmp_path / "run"
    rc = main(["--industries", "1", "--nb", "8", "--max-iter", "2", "--guess-verify", "off", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 1 and "FAILED" in text and "no output files written" in text
    assert not out.exists()


def test_every_tradeoff_option_has_help_and_out_states_its_default():
    ap = _parser()
    for act in ap._actions:
        if act.dest != "help":
            assert act.help, f"--{act.dest} has no help text"
    out = next(a for a in ap._actions if a.dest == "out")
    assert out.default in out.help


def _fake_irf(I, eta_zero):
    t = np.arange(10.0)
    z = np.zeros(10)
    irf = {
        "c": -0.01 * np.exp(-t / 3),
        "q": -0.02 * np.exp(-t / 3),
        "b": -0.001 * t,
        "k1": z if I == 1 else 0.01 + z,
        "eta": z if eta_zero else 0.1 * np.exp(-t),
    }
    base = {"c": 1.0 + z, "q": 6.0 + z, "b": -0.1 + z, "k1": 1.0 + z, "eta": z if eta_zero else 0.2 + z}
    return {"irf": irf, "baseline": base, "industry": 0, "size": -2.0, "n_industries": I}


def test_irf_figure_is_a_grid_without_flat_zero_panels(tmp_path):
    fig = plot_irf(_fake_irf(1, eta_zero=False), os.path.join(tmp_path, "irf.png"))
    shown = [ax for ax in fig.axes if ax.get_visible()]
    titles = " ".join(ax.get_title() for ax in shown)
    assert len(shown) == 4 and "industry 1 (level" not in titles
    rows = {round(ax.get_position().y0, 3) for ax in shown}
    assert len(rows) == 2  # a grid, not one long row
    assert os.path.getsize(os.path.join(tmp_path, "irf.png")) > 0
    fig2 = plot_irf(_fake_irf(2, eta_zero=True))
    titles2 = [ax.get_title() for ax in fig2.axes if ax.get_visible()]
    assert len(titles2) == 4 and not any("eta" in t for t in titles2)
    assert "constraint never binds" in fig2._suptitle.get_text()
