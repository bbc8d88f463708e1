"""Simulating the 1950 regions to 2020 and the model's panel in the ``econhubs facts`` schema.

Shocks (**choice**; the seed uses realised industry TFP, which is not shipped): one SYNTHETIC path of
standard-normal innovations per industry (17) and for ln R, common to all regions and seeded. Region r's
model industry 1 (its dominant industry d_r) gets eps_{d_r,t}; model industry 2 (the rest, weights w_rj)
gets sum_j w_rj eps_jt / ||w_r||_2, which has unit variance, so that the solved policies (which assume
u_2 with the rest's sigma) apply; ln R is common. 1950 is the state u = 0, ln R = ln R_bar, b = b_1950,
k_1 = s_dom (ln R stays at ln R_bar when the grid has one rate node: the policies assume a constant R
then); the regions are simulated 1950..2020 (71 annual states) in ONE vmapped call per economy
(``simulate_ar1``: lax.scan over years, vmap over regions; the arrays are (R, 71, .), so no chunking is
needed below ~10^6 regions), with the regions sharded over the devices where several are visible
(``region_sharding``).

Model panel: region r's output y_rt = sum_i zbar_i k_i^{xi_i + alpha}; its 17 industries' incomes are the
data's in 1950 and, in 2020, Y_r,1950 (y_r,2020 / y_r,1950) times the model's 2020 output share of the
industry's group (dominant: itself; the rest: split by the 1950 weights w_rj). So regional income growth
is the model's output growth, the 1950 Gini and controls are the data's, and ``econhubs.empirics.fact1``
runs on it unchanged (population held at its 1950 level: growth per capita = output growth).
"""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from ..empirics import Panel, validate_panel
from ._experiment_regions import Regions1950
from ._simulate import simulate_ar1
from ._solution import CESolution


def common_innovations(key, n_industries: int, n_years: int = 70) -> np.ndarray:
    """(n_years + 1, n_industries + 1) standard-normal innovations (industries, then ln R); row 0 (the base
    year) is zero so that the base state is u = 0, ln R = ln R_bar."""
    eps = np.array(jax.random.normal(key, (n_years + 1, n_industries + 1)))
    eps[0] = 0.0
    return eps


def region_innovations(regions: Regions1950, eps: np.ndarray) -> np.ndarray:
    """(R, T, 3) innovations of the model's (industry 1, industry 2, ln R) for every region (module doc)."""
    n = len(regions)
    ind = eps[:, :-1]  # (T, 17)
    e1 = ind[:, regions.dominant].T  # (R, T)
    w = regions.rest_weights
    e2 = (w @ ind.T) / np.linalg.norm(w, axis=1, keepdims=True)  # (R, T)
    eR = np.broadcast_to(eps[:, -1], (n, eps.shape[0]))
    return np.stack([e1, e2, eR], axis=-1)


@eqx.filter_jit
def _simulate(sol: CESolution, b0, k0, u0, logR0, eps):
    """``simulate_ar1`` compiled once per economy type and grid (its own jit is rebuilt on every call)."""
    return simulate_ar1(sol, b0, k0, u0, logR0, eps)


def as_ce(sol: CESolution) -> CESolution:
    """The CE view of a solution (a PlannerSolution without its extra fields): economies of one grid then
    share compiled simulations."""
    if type(sol) is CESolution:
        return sol
    return CESolution(**{f.name: getattr(sol, f.name) for f in dataclasses.fields(CESolution)})


def check_inside(sol: CESolution, b0, k1, what: str) -> None:
    """ValueError when a region's base state lies outside the solution's grid (no extrapolated results)."""
    g = sol.grid
    lo_b, hi_b, lo_k, hi_k = (float(x) for x in (g.b[0], g.b[-1], g.k[0, 0], g.k[0, -1]))
    b0, k1 = np.broadcast_to(b0, np.shape(k1)), np.asarray(k1)
    bad = (b0 < lo_b) | (b0 > hi_b) | (k1 < lo_k) | (k1 > hi_k)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{what}: base state of region {i} (b = {b0[i]:.4g}, k_1 = {k1[i]:.4g}) outside the grid "
                         f"b in [{lo_b:.4g}, {hi_b:.4g}], k_1 in [{lo_k:.4g}, {hi_k:.4g}]: widen the grid")


def region_sharding(n: int):
    """(sharding, padded n): the region axis split over all visible devices (``jax.sharding``, one mesh axis
    "regions"; n padded up to a multiple of the device count), or (None, n) on one device."""
    devs = jax.devices()
    if len(devs) < 2:
        return None, n
    mesh = jax.sharding.Mesh(np.array(devs), ("regions",))
    return jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("regions")), n + (-n) % len(devs)


def _by_region(arrays, shard: bool):
    """Per-region inputs (leading axis R) placed for the vmapped simulation: padded (edge rows repeated) and
    sharded over the devices when several are visible and ``shard``; returns (arrays, R)."""
    n = arrays[0].shape[0]
    sharding, m = region_sharding(n) if shard else (None, n)
    if sharding is None:
        return [jnp.asarray(a) for a in arrays], n
    padded = [np.concatenate([a, np.repeat(a[-1:], m - n, axis=0)]) for a in map(np.asarray, arrays)]
    return [jax.device_put(a, sharding) for a in padded], n


def simulate_regions(sol: CESolution, regions: Regions1950, eps: np.ndarray, b0: float, what: str = "model",
                     shard: bool = True) -> dict:
    """All regions 1950..2020 in one vmapped call: dict of (R, T[, I]) arrays b, k, u, R, c, q, mu, eta, y (I),
    and ``edge_share``: the share of region-years (after the base year) on an edge of the endogenous grid
    (the simulation clips states there: mass at an edge means the policy wanted to leave the grid).
    shard: split the regions over the devices when several are visible (``region_sharding``; the solution is
    replicated); the results are the same numbers as on one device."""
    if sol.n_industries != 2:
        raise ValueError(f"{what}: the experiment maps the 17 industries to I = 2; got I = {sol.n_industries}")
    n = len(regions)
    check_inside(sol, b0, regions.k1, what)
    p, g = sol.params, sol.grid
    x = region_innovations(regions, eps)
    if g.logR.shape[0] == 1:  # a grid with one rate node solves the model with R = R_bar: no rate shocks
        x[..., 2] = 0.0
    inputs = (np.full((n,), b0), np.asarray(regions.k1)[:, None], np.zeros((n, 2)),
              np.full((n,), float(np.log(p.R_bar))), x)
    args, n = _by_region(inputs, shard)
    out = _simulate(as_ce(sol), *args)
    out = {k: np.asarray(v)[:n] for k, v in out.items()}
    zbar = np.exp(np.asarray(p.z_tilde) + out["u"])
    out["y"] = zbar * out["k"] ** (np.asarray(p.xi) + float(p.alpha))
    gb, gk = np.asarray(g.b), np.asarray(g.k[0])
    tb, tk = 1e-9 * (gb[-1] - gb[0]), 1e-9 * (gk[-1] - gk[0])
    b, k1 = out["b"][:, 1:], out["k"][:, 1:, 0]
    edge = (b <= gb[0] + tb) | (b >= gb[-1] - tb) | (k1 <= gk[0] + tk) | (k1 >= gk[-1] - tk)
    out["edge_share"] = float(edge.mean())
    return out


def model_panel(regions: Regions1950, sim: dict, end: int = 2020) -> Panel:
    """The model's panel (years base and end) in the ``econhubs facts`` schema (module docstring)."""
    src = regions.panel
    w = regions.industries
    lv = src.industry[src.industry["year"] == regions.base].pivot(index="region", columns="industry", values="income")
    Y0 = lv.reindex(index=list(regions.names), columns=list(w)).to_numpy(float)
    y = sim["y"]  # (R, T, 2)
    y0, y1 = y[:, 0].sum(-1), y[:, -1].sum(-1)
    share1 = y[:, -1, 0] / y1
    grp = regions.rest_weights * (1.0 - share1)[:, None]
    grp[np.arange(len(regions)), regions.dominant] = share1
    Y1 = (Y0.sum(1) * y1 / y0)[:, None] * grp
    rows = [pd.DataFrame({"region": np.repeat(regions.names, len(w)), "year": yr, "industry": np.tile(w, len(regions)),
                          "income": Yv.reshape(-1)}) for yr, Yv in ((regions.base, Y0), (end, Y1))]
    reg = None
    if src.regions is not None:
        r0 = src.regions[src.regions["year"] == regions.base].set_index("region").reindex(list(regions.names))
        reg = pd.concat([r0.assign(year=regions.base), r0.assign(year=end)]).reset_index()
    meta = {"synthetic": regions.synthetic, "source": f"model simulation of the {regions.label} regions"}
    return validate_panel(pd.concat(rows, ignore_index=True), reg, meta=meta)
