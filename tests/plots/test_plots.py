"""Maps and figures: TopoJSON decoding, state map, Figures 1-2 files (non-trivial, atomic)."""

import os

import equinox as eqx
import jax.numpy as jnp
import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from econhubs.plots import decode_arcs, figure1, figure2, load_state_outlines, plot_state_map  # noqa: E402


def test_decode_arcs_delta_and_transform():
    topo = {"transform": {"scale": [0.5, 2.0], "translate": [10.0, -1.0]}, "arcs": [[[2, 3], [1, -1], [-2, 4]]]}
    want = np.array([[2, 3], [3, 2], [1, 6]]) * np.array([0.5, 2.0]) + np.array([10.0, -1.0])
    assert np.allclose(decode_arcs(topo)[0], want)


def test_lower48_outlines():
    st = load_state_outlines()
    assert len(st) == 49 and "06" in st and "02" not in st and "15" not in st  # 48 states + DC
    assert st["06"]["name"] == "California"
    pts = np.concatenate([r for s in st.values() for r in s["rings"]])
    assert -125 < pts[:, 0].min() < -124 and -67.5 < pts[:, 0].max() < -66.5
    assert 24 < pts[:, 1].min() < 25.5 and 49 <= pts[:, 1].max() < 49.5
    # rings close on themselves (arcs joined in order, reversed where the index is negative)
    ring = st["08"]["rings"][0]  # Colorado
    assert np.allclose(ring[0], ring[-1])


def test_state_map_written_atomically(tmp_path, monkeypatch):
    vals = {fips: i / 10 for i, fips in enumerate(load_state_outlines())}
    paths = plot_state_map(vals, label="elasticity", title="test", path=tmp_path / "map")
    assert [os.path.basename(p) for p in paths] == ["map.png", "map.pdf"]
    assert all(os.path.getsize(p) > 10_000 for p in paths)
    # a failing write leaves neither a partial file nor a temporary behind
    import matplotlib.figure

    def boom(self, fname, *a, **k):
        open(fname, "wb").write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", boom)
    with pytest.raises(OSError):
        plot_state_map(vals, path=tmp_path / "broken")
    assert sorted(os.listdir(tmp_path)) == ["map.pdf", "map.png"]  # nothing partial left behind
    with pytest.raises(ValueError, match="FIPS"):
        plot_state_map({"99": 1.0})
    monkeypatch.undo()
    # state names work too (the CPRS regions); Alaska and Hawaii are off the lower-48 map
    plot_state_map({"California": 1.0, "Alaska": 2.0, "Texas": -1.0}, path=tmp_path / "names")
    assert (tmp_path / "names.png").exists()


@pytest.mark.slow
def test_hub_figures(tmp_path):
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "spatial"))
    from econhubs.spatial import solve_equilibrium

    from _hubs_economies import small_economy

    p, f, tc, _ = small_economy(N=10, J=4, seed=5)
    eq0 = solve_equilibrium(p, f, tc)
    shock = 1.05 ** jnp.arange(10.0)[:, None, None]
    eq1 = solve_equilibrium(p, eqx.tree_at(lambda q: q.lam_hat, f, f.lam_hat * shock), tc)
    rng = np.random.default_rng(0)
    metros = pd.DataFrame({"name": [f"Metro{i}, ST" for i in range(10)], "state": ["CA"] * 10,
                           "lat": rng.uniform(30, 45, 10), "lon": rng.uniform(-120, -75, 10)})
    groups = ["HE", "PS", "M", "NT"]
    paths = figure1(eq0, eq1, groups, metros, tmp_path / "fig1", change_threshold={"HE": 1e-4, "PS": 1e-4})
    paths += figure2(eq0, eq1, groups, metros, tmp_path / "fig2", n_metros=6)
    assert len(paths) == 4 and all(os.path.getsize(p) > 20_000 for p in paths)
    assert sorted(os.listdir(tmp_path)) == ["fig1.pdf", "fig1.png", "fig2.pdf", "fig2.png"]
