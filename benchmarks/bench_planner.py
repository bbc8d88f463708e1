"""Planner and batched-counterfactual benchmark (issue 16); appends to benchmarks/RESULTS.md.

1. Planner (L-BFGS on -g, implicit gradients) on the default economy at ``--n`` metros: wall time,
   iterations, equilibrium solves, g, certificate.
2. Baseline optimiser without implicit gradients (same L-BFGS and line search, central-difference
   gradients: 2 N K extra solves per gradient) at ``--n-small`` metros, against the implicit
   version at the same size, in the same process: ratios of wall time and solve counts.
3. ``--batch`` scenarios (trade-cost and ν scenarios) at ``--n-batch`` metros by
   ``solve_batch_equilibrium``: time per scenario vs one ``solve_equilibrium`` (both after JIT).

    python benchmarks/bench_planner.py                      # full size (382), CPU or GPU
    python benchmarks/bench_planner.py --n 50 --n-small 12 --n-batch 30 --batch 16   # quick
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from econhubs.spatial import (
    TradeCosts,
    default_economy,
    solve_batch_equilibrium,
    solve_equilibrium,
    solve_planner,
    stack_scenarios,
)

from _report import append_results, machine


def timed(fn):
    t = time.perf_counter()
    out = fn()
    jax.block_until_ready(jax.tree_util.tree_leaves(eqx.filter(out, eqx.is_array)))
    return out, time.perf_counter() - t


def planner_row(n, gradient, gtol, max_iter):
    ec = default_economy(n)
    eq = solve_equilibrium(ec.params, ec.fundamentals, ec.trade)
    res, t = timed(lambda: solve_planner(ec.params, ec.fundamentals, ec.trade, baseline=eq, gradient=gradient,
                                         gtol=gtol, max_iter=max_iter, print_every=10, throw=False))
    return res, t


def batch_rows(n, B, chunk):
    ec = default_economy(n)
    p, f, tc = ec.params, ec.fundamentals, ec.trade
    rng = np.random.default_rng(0)
    scale = rng.uniform(0.8, 1.2, B)
    ps = [eqx.tree_at(lambda q: q.nu, p, jnp.asarray(float(p.nu) * rng.uniform(0.9, 1.1))) for _ in range(B)]
    ts = [TradeCosts(kernels=tc.kernels ** s, group=tc.group) for s in scale]  # distance elasticities x s
    pb, tb = stack_scenarios(ps), stack_scenarios(ts)
    solve_equilibrium(ps[0], f, ts[0])  # compile
    one, t_one = timed(lambda: solve_equilibrium(ps[1], f, ts[1]))
    solve_batch_equilibrium(pb, f, tb, chunk_size=chunk, throw=False)  # compile
    eqb, t_b = timed(lambda: solve_batch_equilibrium(pb, f, tb, chunk_size=chunk, throw=False))
    return t_one, int(one.iterations), t_b, int(np.sum(eqb.converged)), float(np.max(eqb.residual))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=382)
    ap.add_argument("--n-small", type=int, default=15)
    ap.add_argument("--n-batch", type=int, default=50)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--chunk", type=int, default=16)
    ap.add_argument("--gtol", type=float, default=1e-6)
    ap.add_argument("--max-iter", type=int, default=300)
    ap.add_argument("--skip-full", action="store_true")
    a = ap.parse_args(argv)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    rows = []
    # small size: implicit vs central differences (same process, same optimiser)
    for grad in ("implicit", "central-difference"):
        planner_row(a.n_small, grad, a.gtol, 2)  # compile both paths
    imp, t_imp = planner_row(a.n_small, "implicit", a.gtol, a.max_iter)
    fd, t_fd = planner_row(a.n_small, "central-difference", a.gtol, a.max_iter)
    for name, r, t in (("implicit gradients", imp, t_imp), ("central differences (baseline)", fd, t_fd)):
        rows.append(f"| {a.n_small} | {name} | {t:.1f} | {r.iterations} | {r.evaluations} | {r.g:.6e} | "
                    f"{r.grad_norm:.1e} | {r.budget_error:.1e} | {r.converged} |")
    ratio = f"baseline/implicit at N={a.n_small}: time {t_fd / t_imp:.1f}x, equilibrium solves " \
            f"{fd.evaluations / max(imp.evaluations, 1):.1f}x; |g_fd - g_implicit| = {abs(fd.g - imp.g):.1e}"
    if not a.skip_full:
        planner_row(a.n, "implicit", a.gtol, 1)  # compile at full size
        full, t_full = planner_row(a.n, "implicit", a.gtol, a.max_iter)
        rows.append(f"| {a.n} | implicit gradients | {t_full:.1f} | {full.iterations} | {full.evaluations} | "
                    f"{full.g:.6e} | {full.grad_norm:.1e} | {full.budget_error:.1e} | {full.converged} |")
    t_one, it_one, t_b, n_ok, res_b = batch_rows(a.n_batch, a.batch, a.chunk)
    text = (
        f"\n## bench_planner.py — {stamp} — {machine()}\n\n"
        "Constrained planner (L-BFGS on -g, Armijo backtracking, gtol on |grad_u g|_inf), default economy "
        "(SYNTHETIC fundamentals, seed 0). Times include the equilibrium baseline solve inside the planner call "
        "only for the planner's own work (baseline solved before timing), after JIT of every path.\n\n"
        "| N | gradient | wall (s) | L-BFGS it | equilibrium solves | g | grad norm | budget err | converged |\n"
        "|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + f"\n\n{ratio}.\n\n"
        f"Batch: {a.batch} scenarios (trade-cost scale U(0.8, 1.2), nu x U(0.9, 1.1)) at N={a.n_batch}, chunks of "
        f"{a.chunk} over {jax.device_count()} device(s): {t_b:.2f} s = {t_b / a.batch:.3f} s per scenario vs one "
        f"solve_equilibrium {t_one:.3f} s ({it_one} Newton it): ratio {t_one / (t_b / a.batch):.2f}x; "
        f"{n_ok}/{a.batch} converged, max residual {res_b:.1e}.\n"
    )
    append_results(text)


if __name__ == "__main__":
    main()
