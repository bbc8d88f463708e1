"""Benchmark of Table 1 work: estimation, the instrument counterfactual, calibration, bootstrap.

Each timing is after compilation (a warm-up call first) and is reported with its ratio to ONE
equilibrium solve of the same economy, timed in the same process (the baseline).
Usage: ``python benchmarks/bench_table1.py [N] [bootstrap draws] [real]`` (defaults 382, 200).
With ``real`` it also times the instrument counterfactual of the REAL inverted economy (its N
largest metros) against one equilibrium solve of that economy (its own baseline, same process).
Runs unchanged on a GPU (JAX picks the device). Data: SYNTHETIC Table 1 economy (and REAL with ``real``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from econhubs.estimation import (  # noqa: E402  # noqa: E402
    SEED,
    SEED_SE,
    calibrate,
    calibration_model as default_model,  # noqa: E402
    calibration_moments as default_moments,  # noqa: E402
    delta_method,
    estimate_externalities,
    instrument_equilibrium,
    synthetic_table1_economy,
)
from econhubs.spatial import (
    GROUPS,  # noqa: E402
    solve_equilibrium,  # noqa: E402
)

from _report import append_results, machine  # noqa: E402


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    fn(*args, **kw)  # warm-up / compile
    t = time.perf_counter()
    out = fn(*args, **kw)
    jax.block_until_ready(jax.tree_util.tree_leaves(out) if not isinstance(out, (int, float)) else out)
    dt = time.perf_counter() - t
    print(f"  {getattr(fn, '__name__', 'task')}: first call {t - t0:.1f} s, timed call {dt:.3f} s", flush=True)
    return out, dt


def _inst_note(inst) -> str:
    return (f"{inst.method}, {inst.solves} solve(s), {inst.newton_steps} Newton its, "
            f"residual {float(inst.equilibrium.residual):.1e}" + (f", path s = {list(inst.path)}" if inst.path else ""))


def real_rows(N: int) -> list[tuple[str, float, str, float]]:
    """The REAL inverted economy: one equilibrium solve (baseline) and the instrument counterfactual."""
    from econhubs.spatial import real_economy

    inv = real_economy(N).inversion
    eq, t0 = timed(lambda: solve_equilibrium(inv.params, inv.fundamentals, inv.trade))
    inst, t1 = timed(lambda: instrument_equilibrium(inv.lam, inv.params, inv.fundamentals, inv.trade, z0=eq.z))
    return [(f"REAL economy (N={N}): one equilibrium solve (its baseline)", t0,
             f"{int(eq.iterations)} Newton its, residual {float(eq.residual):.1e}", t0),
            (f"REAL economy (N={N}): instrument counterfactual", t1, _inst_note(inst), t0)]


def main() -> None:
    N = int(sys.argv[1]) if len(sys.argv) > 1 else 382
    B = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    ec = synthetic_table1_economy(N)
    p, f, tc = ec.params, ec.fundamentals, ec.trade
    eq, t_solve = timed(lambda: solve_equilibrium(p, f, tc))
    note = f"{int(eq.iterations)} Newton its, residual {float(eq.residual):.1e}"
    rows = [("one equilibrium solve (baseline)", t_solve, note)]
    inst, t_cf = timed(lambda: instrument_equilibrium(eq.lam, p, f, tc, z0=eq.z))
    Lz = inst.equilibrium.L
    rows.append(("instrument counterfactual (geometric-mean lambda)", t_cf, _inst_note(inst)))
    est, t_est = timed(lambda: estimate_externalities(eq.lam, eq.L, p, f, tc, ec.data.metros, ec.groups,
                                                      L_instrument=Lz))
    rows.append(("estimation: 4 groups x (2SLS + OLS), clustered", t_est, f"{est.iv['M'].nobs} obs in M"))
    dist = ec.data.distance_km
    build, mom = default_model(p, f, tc, dist), default_moments(dist)
    truth = {"nu": float(p.nu), "theta": 4.55, "delta_HE": 4.55 * ec.data.metadata["phi"]["HE"]}
    target = mom(solve_equilibrium(*build(truth)))
    start = {k: 1.3 * v for k, v in truth.items()}
    cal, t_cal = timed(lambda: calibrate(build, mom, target, start, z0=eq.z))
    err = max(abs(cal.estimates[k] / truth[k] - 1) for k in truth)
    rows.append(("calibration (LM, 3 params, start 30% off)", t_cal, f"{cal.solves} solves, max rel err {err:.1e}"))
    # delta method / bootstrap at the truth (the seed's Table 1 tau, V = diag(seed SE^2)): on small N the
    # estimated tau can be far off and its equilibrium unsolvable (then delta_method raises)
    tau = np.concatenate([SEED[g] for g in GROUPS])
    cov = np.diag(np.concatenate([SEED_SE[g] for g in GROUPS]) ** 2)

    def outcome(e):
        return jnp.log(e.w[0, 0] * jnp.sum(e.L[:, 0]) / jnp.sum(e.w[:, 0] * e.L[:, 0]))

    unc, t_boot = timed(lambda: delta_method(outcome, tau, cov, p, f, tc, ec.groups, z0=eq.z, bootstrap=B,
                                             chunk=min(B, 50)))
    rows.append((f"delta method + bootstrap at the seed's tau ({B} draws, vmapped in chunks of {min(B, 50)})", t_boot,
                 f"se delta {unc.se_delta:.4g}, bootstrap {unc.se_bootstrap:.4g}"))
    text = [f"\n### bench_table1 ({time.strftime('%Y-%m-%d %H:%M')} UTC) - {machine()}\n",
            f"SYNTHETIC Table 1 economy, N={N} metros, J=22, K=2. Times after compilation; ratio = time / one solve.\n",
            "| task | seconds | ratio to one solve (same economy) | notes |", "|---|---|---|---|"]
    rows = [(name, t, note, t_solve) for name, t, note in rows]
    if len(sys.argv) > 3 and sys.argv[3] == "real":
        rows += real_rows(N)
    text += [f"| {name} | {t:.3f} | {t / base:.1f} | {note} |" for name, t, note, base in rows]
    append_results("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
