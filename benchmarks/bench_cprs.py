"""Benchmark: CPRS 2007 counterfactuals (50 states x 26 sectors), Newton-GMRES vs the kit's algorithm.

Targets on a 2-core CPU after JIT: <= 0.2 s per counterfactual, <= 10 s for all 76 regional and
sectoral 10% shocks. Baseline, run in the same process with ``benchmarks/_fixed_point.py``: the
damped fixed point of the CPRS MATLAB codes -- outer wage tatonnement (omega <- omega + 0.1
(omega_GMC - omega)), inner price fixed point, inner employment fixed point, expenditure by
fixed-point iteration (the kit solves it directly; the iteration is cheaper, so the comparison
favours the baseline) -- with inner blocks warm-started as in the kit. Both stop at
max |omega_GMC - omega| (baseline) or max |F| (Newton) <= 1e-12; the table reports the residual
of the Newton system at each answer and the largest welfare-elasticity difference.
``--quick``: baseline on 4 shocks only (sweep time extrapolated, marked "est.").
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from _fixed_point import DampedFixedPoint, fixed_point
from _report import append_results, machine
from econhubs.spatial._cprs import CPRSShock, _blocks, _prepare, cprs_residual, solve_hat_jit
from econhubs.spatial._cprs_results import CPRS, outcomes, unit_shares
from econhubs.spatial._cprs_sweep import solve_batch, unit_lambdas

TOL = 1e-12


def _kit_solve(econ, shock):
    """The kit's nested damped fixed point on y = (log omega, log L, log P, log X-hat)."""
    econ, shock = _prepare(econ, shock)
    delta = 0.1
    inner_fp = DampedFixedPoint(1.0, 1e-14, 100_000)

    def inner(y):
        def price(lp, _):  # P = price(c(P, omega)): the kit's P_h_om
            return _blocks(dict(y, logp=lp), econ, shock)["logp_new"]

        y = dict(y, logp=fixed_point(price, y["logp"], None, solver=inner_fp, throw=False).value)

        def labour(lL, _):  # the kit's Lchange: L <- L (VA' / (I P V L + B'))^(1/beta), normalised
            b = _blocks(dict(y, logL=lL), econ, shock)
            L = b["L"] * (b["VA"] / (econ.income * b["P"] * b["V"] * b["L"] + b["B"])) ** (1.0 / econ.beta)
            return jnp.log(L / jnp.sum(econ.Ln * L))

        y = dict(y, logL=fixed_point(labour, y["logL"], None, solver=inner_fp, throw=False).value)

        def spend(lx, _):  # expenditure X = G Y(X) + alpha (VA' - B')
            return jnp.log(_blocks(dict(y, logx=lx), econ, shock)["X_new"] / econ.X0)

        return dict(y, logx=fixed_point(spend, y["logx"], None, solver=inner_fp, throw=False).value)

    def g(y, _):
        s = inner(y)
        b = _blocks(s, econ, shock)
        om = jnp.exp(b["logom"])
        om_gmc = jnp.sum(econ.gamma * b["Y"], axis=0) / (econ.VA * b["fac"])
        target = dict(s, logom=jnp.log(om + delta * (om_gmc - om)))  # wage tatonnement, step 0.1
        # fixed_point damps every leaf by delta; undo it so inner blocks land on their solution
        return {k: (target[k] - (1.0 - delta) * y[k]) / delta for k in y}

    y0 = dict(logp=jnp.zeros_like(econ.X0), logx=jnp.zeros_like(econ.X0),
              logom=jnp.zeros_like(econ.VA), logL=jnp.zeros_like(econ.VA))
    return fixed_point(g, y0, None, solver=DampedFixedPoint(delta, TOL, 200_000), throw=False)


@eqx.filter_jit
def _kit_outcomes(econ, lam):
    shock = CPRSShock(lam=lam)
    sol = _kit_solve(econ, shock)
    e2, s2 = _prepare(econ, shock)
    F, aux = cprs_residual(sol.value, (e2, s2))
    res = jnp.max(jnp.stack([jnp.max(jnp.abs(v)) for v in jax.tree_util.tree_leaves(F)]))
    return outcomes(econ, s2, aux), sol.num_steps, res


def _timed(f, *a, repeat: int = 1):
    """Result and the best wall time of ``repeat`` runs (the machine is shared; best is least noisy)."""
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = f(*a)
        jax.block_until_ready(out)
        best = min(best, time.perf_counter() - t)
    return out, best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--results", default=str(Path(__file__).with_name("RESULTS.md")))
    a = ap.parse_args(argv)
    m = CPRS.from_calibration()
    econ = m.econ
    lams = jnp.concatenate([unit_lambdas(m, "region"), unit_lambdas(m, "sector")])
    sizes = f"{m.cal.N} states x {m.cal.J} sectors"
    ca = m.unit_lambda("region", "California")
    rows = []

    one = eqx.filter_jit(lambda lam: solve_hat_jit(econ, CPRSShock(lam=lam), m.solver))
    _timed(one, ca)
    sol, t_new = _timed(one, ca, repeat=5)
    (kit_out, kit_steps, kit_res), _ = _timed(_kit_outcomes, econ, ca)
    (kit_out, kit_steps, kit_res), t_kit = _timed(_kit_outcomes, econ, ca)
    dV = abs(float(sol.aux["V"]) - float(kit_out["V"]))
    rows.append(("one counterfactual (California +10%): Newton-GMRES", sizes, t_new, int(sol.num_steps),
                 float(sol.residual), f"{t_kit / t_new:.1f}x faster; target <= 0.2 s: {'met' if t_new <= 0.2 else 'not met'}"))
    rows.append(("one counterfactual: damped fixed point (kit)", sizes, t_kit, int(kit_steps), float(kit_res),
                 f"1.0x (|dV| = {dV:.1e})"))

    _timed(solve_batch, m, lams)  # compile (the batch shape is part of the trace)
    out, t_sweep = _timed(solve_batch, m, lams, repeat=1 if a.quick else 2)
    steps = np.asarray(out["num_steps"])
    rows.append(("76-shock sweep (50 regional + 26 sectoral), lax.map, GMRES rtol 1e-4", sizes, t_sweep,
                 f"{steps.min()}-{steps.max()}", float(np.max(np.asarray(out["residual"]))),
                 f"target <= 10 s: {'met' if t_sweep <= 10 else 'not met'}"))
    n_kit = 4 if a.quick else len(lams)
    t0 = time.perf_counter()
    kit_V, kit_steps_all, kit_res_all = [], [], []
    for b in range(n_kit):
        o, k, r = _kit_outcomes(econ, lams[b])
        kit_V.append(float(o["V"]))
        kit_steps_all.append(int(k))
        kit_res_all.append(float(r))
    t_kit_sweep = (time.perf_counter() - t0) * len(lams) / n_kit
    sh = unit_shares(econ)
    nr = min(n_kit, m.cal.N)  # regional shocks come first: compare their welfare elasticities
    el_new = (np.asarray(out["V"][:nr]) - 1.0) / (0.1 * np.asarray(sh["region"]["welfare"][:nr]))
    el_kit = (np.array(kit_V[:nr]) - 1.0) / (0.1 * np.asarray(sh["region"]["welfare"][:nr]))
    d_el = float(np.max(np.abs(el_new - el_kit)))
    d_V = float(np.max(np.abs(np.asarray(out["V"][:n_kit]) - np.array(kit_V))))
    est = " (est. from 4)" if a.quick else ""
    rows.append(("76-shock sweep: damped fixed point (kit), sequential" + est, sizes, t_kit_sweep,
                 f"{min(kit_steps_all)}-{max(kit_steps_all)}", max(kit_res_all),
                 f"{t_kit_sweep / t_sweep:.1f}x slower; max |dV| = {d_V:.1e}, max |d welfare elasticity| = {d_el:.1e}"))

    head = "| step | size | time (s) | iterations | residual (max abs F) | ratio / note |\n|---|---|---|---|---|---|"
    lines = [f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]} | {r[4]:.1e} | {r[5]} |" for r in rows]
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    mach = machine()
    text = (f"\n## bench_cprs{' (quick)' if a.quick else ''} {stamp}\n\nMachine: {mach}. CPRS 2007 real data, "
            f"{sizes}; times after JIT; tolerance 1e-12.\n\n" + head + "\n" + "\n".join(lines) + "\n")
    append_results(text, a.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
