r"""State outlines from the shipped TopoJSON (us-atlas 3.0.1, ISC licence), decoded without a
dependency, and the Albers equal-area conic projection of the lower 48.

TopoJSON (https://github.com/topojson/topojson-specification): a shared list of arcs, each
quantised and delta-encoded, $x_i = \sum_{t \le i} Δx_t$; positions are
$(x\,s_x + t_x,\ y\,s_y + t_y)$ with the topology's ``transform`` (scale s, translate t). A
ring lists arc indices; index i < 0 means arc ~i (= -i - 1) reversed. Consecutive arcs share
their end point, so the first point of every arc after the first is dropped.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

#: FIPS codes outside the lower 48: Alaska, Hawaii and the territories
NOT_LOWER48 = {"02", "15", "60", "66", "69", "72", "78"}


def _map_file():
    return resources.files("econhubs.data") / "maps" / "us_states_10m.topojson.json"


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Absolute lon/lat (M, 2) for every arc (delta decoding + transform)."""
    tr = topology.get("transform")
    out = []
    for arc in topology["arcs"]:
        a = np.asarray(arc, float)
        if tr is not None:
            a = np.cumsum(a, axis=0) * np.asarray(tr["scale"]) + np.asarray(tr["translate"])
        out.append(a)
    return out


def _ring(indices, arcs) -> np.ndarray:
    parts = []
    for k, i in enumerate(indices):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts)


def load_state_outlines(path=None, lower48: bool = True) -> dict[str, dict]:
    """{FIPS: {"name": str, "rings": [array (M, 2) lon/lat]}} from the shipped (or given) TopoJSON."""
    src = _map_file() if path is None else path
    with open(src) as fh:
        topo = json.load(fh)
    arcs = decode_arcs(topo)
    states = {}
    for geom in topo["objects"]["states"]["geometries"]:
        fips = str(geom["id"]).zfill(2)
        if lower48 and fips in NOT_LOWER48:
            continue
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings = [_ring(r, arcs) for poly in polys for r in poly]
        states[fips] = {"name": geom.get("properties", {}).get("name", fips), "rings": rings}
    return states


def albers(lon, lat, lon0: float = -96.0, lat0: float = 37.5, lat1: float = 29.5, lat2: float = 45.5):
    """Albers equal-area conic (spherical, unit radius), the usual projection of the lower 48."""
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    l0, p0, p1, p2 = np.radians([lon0, lat0, lat1, lat2])
    n = (np.sin(p1) + np.sin(p2)) / 2
    c = np.cos(p1) ** 2 + 2 * n * np.sin(p1)
    rho0 = np.sqrt(c - 2 * n * np.sin(p0)) / n
    rho = np.sqrt(c - 2 * n * np.sin(lat)) / n
    th = n * (lon - l0)
    return rho * np.sin(th), rho0 - rho * np.cos(th)
