"""Batched CPRS sweeps: agreement with single solves and the oracle, sharding across 4 host
devices (subprocess), and the ``econhubs cprs`` CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import long

from econhubs.spatial._cli_cprs import main as cli_main
from econhubs.spatial._cprs_results import CPRS
from econhubs.spatial._cprs_sweep import elasticity_table

REF = Path(__file__).parent / "reference"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model():
    return CPRS.from_calibration()


def test_full_sweeps_match_single_solves_and_oracle(model):
    agg = pd.read_csv(REF / "cprs_aggregates.csv").set_index("case")
    for axis, n in (("region", 50), ("sector", 26)):
        tab = elasticity_table(model, axis)
        assert len(tab) == n and np.all(tab["residual"] < 1e-11)
        for case in agg.index:
            if case.startswith(axis + "_"):
                row = tab.loc[case.split("_", 1)[1]]
                for k in ("TFP_elasticity", "GDP_elasticity", "welfare_elasticity"):
                    assert abs(row[k] - agg.loc[case, k]) / abs(agg.loc[case, k]) < 1e-8, (case, k)
        label = tab.index[3]
        _, el = model.unit_shock(axis, label)
        np.testing.assert_allclose(tab.loc[label, el.index].to_numpy(float), el.to_numpy(float), rtol=1e-10)


_SHARD = r"""
import json, sys, jax, numpy as np
from econhubs.spatial._cprs_results import CPRS
from econhubs.spatial._cprs_sweep import elasticity_table
m = CPRS.from_calibration()
units = list(m.cal.sectors[:6])
a = elasticity_table(m, "sector", units=units)                        # 4 devices: shard_map
b = elasticity_table(m, "sector", units=units, devices=jax.devices()[:1])  # unsharded
cols = ["TFP_elasticity", "GDP_elasticity", "welfare_elasticity"]
print(json.dumps({"n": jax.device_count(), "diff": float(np.max(np.abs(a[cols].to_numpy() - b[cols].to_numpy()))),
                  "dV": float(np.max(np.abs(a["V_hat"].to_numpy() - b["V_hat"].to_numpy()))),
                  "welfare": a["welfare_elasticity"].tolist()}))
"""


# Hung (no CPU use for 10+ minutes) in its 4-device subprocess on the loaded CI-size machine on 2026-11-25;
# cause not yet found, so it runs only on request.
@long
def test_sharded_sweep_equals_unsharded():
    four = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"  # plus the suite's
    env = dict(os.environ, XLA_FLAGS=four, JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, "-c", _SHARD], env=env, capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["n"] == 4
    assert out["dV"] < 1e-13  # same solves (rounding differs only in XLA's per-device reductions)
    assert out["diff"] < 1e-10  # elasticities divide V-hat - 1 by 0.1 x share (~1e-3): ~1e3 amplification
    assert len(out["welfare"]) == 6 and all(0.5 < w < 1.5 for w in out["welfare"])


def test_cli_quick(tmp_path, capsys):
    assert cli_main(["--quick", "--bar-chart", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "region shocks (6 solves" in text and "welfare_elasticity" in text
    for f in ("cprs_region_elasticities.csv", "cprs_sector_elasticities.csv", "cprs_region_elasticities.md",
              "cprs_sector_elasticities.md", "cprs_region_welfare_elasticities.png", "cprs_region_welfare_map.png",
              "cprs_region_welfare_map.pdf"):
        assert (tmp_path / f).stat().st_size > 100, f
    tab = pd.read_csv(tmp_path / "cprs_region_elasticities.csv", index_col=0)
    agg = pd.read_csv(REF / "cprs_aggregates.csv").set_index("case")
    assert abs(tab.loc["California", "welfare_elasticity"] - agg.loc["region_California", "welfare_elasticity"]) < 1e-8


def test_every_cprs_region_has_a_place_on_the_state_map():
    """The default figure colours states by region: every shipped region must map to states (or be off the map)."""
    from econhubs.data import load_cprs2007
    from econhubs.plots._maps import OFF_MAP, load_state_outlines
    from econhubs.spatial._cli_cprs import state_values

    regions = load_cprs2007().regions
    names = {st["name"] for st in load_state_outlines().values()}
    vals = state_values(pd.Series(range(len(regions)), index=regions, dtype=float))
    assert set(vals) <= names | OFF_MAP
    assert vals["District of Columbia"] == vals["Virginia"] == float(regions.index("Virginia and DC"))
    assert len(set(vals) - OFF_MAP) == 49  # 48 states and DC
