r"""Batched CPRS counterfactuals: every region's and every sector's productivity shock at once.

CPRS (2018), Section 5 / Tables 1-2: a 10% productivity increase in all sectors of one state
(N = 50 shocks) or in one sector in all states (J = 26 shocks), each summarised by the
elasticities of aggregate TFP, GDP and welfare (see :mod:`._cprs_results`). The solves are one
``vmap`` of the Newton solve (each batch member stops on its own criterion, ``throw=False``),
optionally chunked with ``lax.map``; when several devices are visible the batch is split across
them with ``jax.shard_map`` over a one-axis mesh (each device runs its own Newton loops, no
cross-device synchronisation), and the results equal the unsharded ones.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from jax.sharding import Mesh, PartitionSpec

from econhubs.core import FixedPreconditioner, Newton

from ._cprs import CPRS_SWEEP_SOLVER, CPRSEconomy, fill_shock, prepare_shock, solve_hat, zero_guess
from ._cprs_results import CPRS, elasticities, outcomes, unit_lambda_array, unit_shares


def _one(econ: CPRSEconomy, lam, solver: Newton) -> dict:
    shock = fill_shock(econ, lam)
    sol = solve_hat(econ, shock, solver, throw=False)
    out = outcomes(econ, shock, sol.aux)
    return dict(out, converged=sol.converged, residual=sol.residual, num_steps=sol.num_steps)


@eqx.filter_jit  # jax's default options: with core.compiler_options the 76-shock sweep ran 2.14 s vs 1.48 s
def _batched(econ: CPRSEconomy, lams, solver: Newton, batch_size: int | None) -> dict:
    if batch_size is None:
        return jax.vmap(lambda lam: _one(econ, lam, solver))(lams)
    return jax.lax.map(lambda lam: _one(econ, lam, solver), lams, batch_size=batch_size)


@eqx.filter_jit
def _baseline_blocks(econ: CPRSEconomy, pc):
    return pc.build(zero_guess(econ), prepare_shock(econ, fill_shock(econ)))


def baseline_preconditioned(econ: CPRSEconomy, solver: Newton = CPRS_SWEEP_SOLVER) -> Newton:
    """``solver`` with its region blocks built once at the baseline (hats = 1, no shock) and shared by
    every counterfactual of a batch (:class:`econhubs.core.FixedPreconditioner`): the shocks of a sweep
    move the blocks little, and each member no longer builds its own."""
    pc = solver.linear.preconditioner
    fixed = FixedPreconditioner(pc, _baseline_blocks(econ, pc))
    return eqx.tree_at(lambda s: s.linear.preconditioner, solver, fixed)


def solve_batch(model: CPRS, lams, *, devices=None, batch_size: int | None = 1,
                solver: Newton | None = None) -> dict:
    """Solve one counterfactual per ``lams[b]`` (B x J x N); outcome arrays with a leading B axis.

    ``devices``: the devices to shard the batch over (default: all visible; one device = no
    sharding). ``batch_size``: solve in chunks of this many under ``lax.map`` (``None``: one
    ``vmap`` over the whole batch). On CPU one at a time (1) is fastest: a vmapped Newton-GMRES
    loop runs every member to the slowest one's iteration count. ``solver``: default
    ``CPRS_SWEEP_SOLVER`` with its region blocks built once at the baseline
    (:func:`baseline_preconditioned`); the final tolerance is that of a single solve.
    """
    solver = baseline_preconditioned(model.econ) if solver is None else solver
    lams = jnp.asarray(lams, dtype=float)
    devices = jax.devices() if devices is None else list(devices)
    B = lams.shape[0]
    if len(devices) <= 1:
        return _batched(model.econ, lams, solver, batch_size)
    nd = len(devices)
    pad = (-B) % nd
    lams_p = jnp.concatenate([lams, jnp.ones((pad, *lams.shape[1:]))]) if pad else lams
    mesh = Mesh(np.array(devices), ("shock",))
    arrays, static = eqx.partition(model.econ, eqx.is_array)

    def local(econ_arrays, lam_chunk):
        econ = eqx.combine(econ_arrays, static)
        return _batched(econ, lam_chunk, solver, batch_size)

    f = jax.jit(jax.shard_map(local, mesh=mesh, in_specs=(PartitionSpec(), PartitionSpec("shock")),
                              out_specs=PartitionSpec("shock"), check_vma=False))
    out = f(arrays, lams_p)
    return jax.tree_util.tree_map(lambda x: x[:B], out)


def _units(model: CPRS, axis: str, units) -> np.ndarray:
    if axis not in ("region", "sector"):
        raise ValueError(f"axis must be 'region' or 'sector', got {axis!r}")
    labels = model.cal.regions if axis == "region" else model.cal.sectors
    if units is None:
        return np.arange(len(labels))
    return np.array([labels.index(u) if isinstance(u, str) else int(u) for u in units])


def unit_lambdas(model: CPRS, axis: str, size: float = 0.1, units=None) -> jnp.ndarray:
    """One-region (``axis="region"``: every sector of region k) or one-sector (sector k in every
    region) shocks of ``size``, for all units or the listed ``units``: B x J x N."""
    return unit_lambda_array(model.cal.J, model.cal.N, axis, _units(model, axis, units), size)


def elasticity_table(model: CPRS, axis: str, size: float = 0.1, *, units=None, devices=None,
                     batch_size: int | None = 1) -> pd.DataFrame:
    """CPRS's elasticity table for every region or sector (or the listed ``units``), one batched solve."""
    k = _units(model, axis, units)
    out = solve_batch(model, unit_lambdas(model, axis, size, units), devices=devices, batch_size=batch_size)
    if not bool(np.all(np.asarray(out["converged"]))):
        bad = np.flatnonzero(~np.asarray(out["converged"]))
        raise RuntimeError(f"CPRS {axis} sweep: {len(bad)} solves did not converge (first: index {bad[0]})")
    sh = {m: v[k] for m, v in unit_shares(model.econ)[axis].items()}
    el = elasticities(out, sh, size)
    labels = [(model.cal.regions if axis == "region" else model.cal.sectors)[i] for i in k]
    return pd.DataFrame({
        "TFP_elasticity": np.asarray(el["TFP"]), "GDP_elasticity": np.asarray(el["GDP"]),
        "welfare_elasticity": np.asarray(el["welfare"]),
        "TFP_share": np.asarray(sh["TFP"]), "GDP_share": np.asarray(sh["GDP"]),
        "employment_share": np.asarray(sh["welfare"]), "V_hat": np.asarray(out["V"]),
        "newton_steps": np.asarray(out["num_steps"]), "residual": np.asarray(out["residual"]),
    }, index=pd.Index(labels, name=axis))
