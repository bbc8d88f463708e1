"""Benchmark: sectoral-hubs equilibrium, the preconditioned Newton-GMRES vs the OLD solver (issue 11).

For N in {50, 100, 200, 382, 764} (764 = the 382 metros plus 382 SYNTHETIC copies displaced by up to
0.5 degrees), J = 22, K = 2, default economy (synthetic fundamentals, seed 0), cold start, in ONE
process: compile time, solve time after JIT (best of --repeats), Newton steps, Krylov matvecs,
residual, and **residual evaluations counted** by host callbacks (``_counting.py``: full
evaluations + JVPs through the residual; the city-block preconditioner's local JVPs are listed
apart), the solve time in units of one residual evaluation, and the gradient of national welfare
U^1 with respect to a productivity scale (implicit adjoint) in units of the solve. The OLD solver
(``_old_newton.py``: main 9c3f2c4's Newton with jax.scipy's incremental GMRES, 25 cold-start sweeps,
no preconditioner) runs on the same economy. ``--cache``: first call of a fresh process with a warm
persistent compilation cache (N = 382), and ``econhubs hubs`` wall time cold vs warm cache.

    python benchmarks/bench_hubs.py [--sizes 50 100] [--repeats 3] [--cache] [--no-old]
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
from _counting import COUNT, counted, reset
from _hubs_economy import economy
from _old_newton import OldNewton, old_root_find

import econhubs  # noqa: F401  (float64)
from econhubs.core import root_find
from econhubs.spatial import HUBS_SOLVER, hubs_residual, initial_guess, solve_equilibrium

from _report import append_results, best_time, machine

OLD = OldNewton(atol=1e-11, linear="gmres", gmres_restart=60, gmres_max_steps=10, gmres_rtol=0.1,
                gmres_rtol_min=1e-3, forcing=0.1)


def _first(f, *a):
    t = time.perf_counter()
    out = f(*a)
    jax.block_until_ready(out)
    return out, time.perf_counter() - t


def run_size(n: int, repeats: int, old: bool, count_new: bool = False) -> dict:
    p, f, tc = economy(n)
    m = (p, f, tc)
    res = jax.jit(hubs_residual)
    z0 = jax.jit(initial_guess)(p, f, tc)
    _, t_res = best_time(res, z0, m, repeat=20, warmup=True)
    new = jax.jit(lambda m: root_find(hubs_residual, initial_guess(*m), m, solver=HUBS_SOLVER, max_steps=60,
                                      throw=False))
    sol, t_first = _first(new, m)
    sol, t_new = best_time(new, m, repeat=repeats, warmup=True)
    if count_new:  # host-callback count (one more compile); else the loop's own counters, which equal it
        reset()
        cnt = jax.jit(lambda m: root_find(counted(hubs_residual), initial_guess(*m), m, solver=HUBS_SOLVER,
                                          max_steps=60, throw=False))
        jax.block_until_ready(cnt(m).value)
        f_ev, jvp_ev = COUNT["f"], COUNT["jvp"]
    else:  # each step: line-search trials (fevals) + one linearisation (a full F) + GMRES JVPs (matvecs)
        f_ev = int(sol.stats["fevals"]) + int(sol.num_steps)
        jvp_ev = int(sol.stats["matvecs"])
    r = dict(N=n, res_ms=t_res * 1e3, compile=t_first - t_new, t=t_new, steps=int(sol.num_steps),
             f=f_ev, jvp=jvp_ev, builds=-(-int(sol.num_steps) // HUBS_SOLVER.linear.precond_every),
             res=float(sol.residual), ok=bool(sol.converged))

    def welfare(s):
        q = (p, type(f)(f.lam_hat * s, f.A, f.H), tc)
        return solve_equilibrium(*q, throw=False).U[0]

    g = jax.jit(jax.grad(welfare))
    _, t_grad = best_time(g, 1.0, repeat=repeats, warmup=True)
    _, t_val = best_time(jax.jit(welfare), 1.0, repeat=repeats, warmup=True)
    r["grad_ratio"] = t_grad / t_val
    if old:
        o = jax.jit(lambda m: old_root_find(hubs_residual, initial_guess(*m, sweeps=25), m, OLD))
        out, t_of = _first(o, m)
        out, t_old = best_time(o, m, repeat=repeats, warmup=True)
        reset()
        oc = jax.jit(lambda m: old_root_find(counted(hubs_residual), initial_guess(*m, sweeps=25), m, OLD))
        jax.block_until_ready(oc(m)[0])
        r.update(old_t=t_old, old_compile=t_of - t_old, old_steps=int(out[1]), old_res=float(out[2]),
                 old_ok=bool(out[3]), old_evals=COUNT["f"] + COUNT["jvp"],
                 dz=max(float(jnp.max(jnp.abs(a - b))) for a, b in zip(jax.tree.leaves(out[0]),
                                                                          jax.tree.leaves(sol.value))))
    return r


_FIRST = """
import time, jax; t = time.perf_counter()
from econhubs.core import enable_compilation_cache; enable_compilation_cache(sys.argv[1])
from econhubs.spatial import default_economy, solve_equilibrium
ec = default_economy(); eq = solve_equilibrium(ec.params, ec.fundamentals, ec.trade)
jax.block_until_ready(eq.w); print(time.perf_counter() - t)
"""


def cache_rows() -> dict:
    """Fresh processes: N = 382 solve incl. import, cold then warm cache; `econhubs hubs` likewise."""
    out = {}
    with tempfile.TemporaryDirectory() as d:
        code = "import sys\n" + _FIRST
        for k in ("cold", "warm"):
            r = subprocess.run([sys.executable, "-c", code, d], capture_output=True, text=True, check=True)
            out[f"solve_{k}"] = float(r.stdout.strip().splitlines()[-1])
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as o:
        env = dict(__import__("os").environ, ECONHUBS_CACHE_DIR=d)
        for k in ("cold", "warm"):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "econhubs.cli", "hubs", "--out", o], env=env, check=True,
                           capture_output=True)
            out[f"cli_{k}"] = time.perf_counter() - t
    return out


def report(rows: list[dict], cache: dict | None, old: bool) -> str:
    head = ("| N | residual (ms) | compile (s) | solve (s) | Newton steps | residual evals counted: F + JVP (= total) "
            "| precond builds (49 local JVPs each) | solve / residual | max abs F | gradient / solve |"
            + (" OLD solve (s) | OLD steps | OLD evals counted | OLD compile (s) | OLD max abs F | speed-up | "
               "max abs dz new vs old |" if old else "")
            + "\n|" + "---|" * (10 + (7 if old else 0)) + "\n")
    body = ""
    for r in rows:
        body += (f"| {r['N']} | {r['res_ms']:.2f} | {r['compile']:.1f} | {r['t']:.3f} | {r['steps']} | "
                 f"{r['f']} + {r['jvp']} (= {r['f'] + r['jvp']}) | {r['builds']} | {r['t'] / r['res_ms'] * 1e3:.0f} | "
                 f"{r['res']:.1e}{'' if r['ok'] else ' NOT CONVERGED'} | {r['grad_ratio']:.2f} |")
        if old:
            body += (f" {r['old_t']:.3f} | {r['old_steps']} | {r['old_evals']} | {r['old_compile']:.1f} | "
                     f"{r['old_res']:.1e}{'' if r['old_ok'] else ' NOT CONVERGED'} | {r['old_t'] / r['t']:.1f}x | "
                     f"{r['dz']:.1e} |")
        body += "\n"
    text = (f"\n## bench_hubs.py — {dt.datetime.now():%Y-%m-%d %H:%M} — {machine()}\n\n"
            "Sectoral-hubs equilibrium, default economy (synthetic fundamentals, seed 0; N = 764 adds 382 SYNTHETIC "
            "displaced copies), cold start, atol 1e-11, one process. New: `HUBS_SOLVER` (Newton + restarted GMRES, "
            "city-block preconditioner rebuilt every 3 steps, 5 cold-start sweeps). OLD: main 9c3f2c4 Newton "
            "(jax.scipy incremental GMRES, 25 sweeps). Evaluations: full F evaluations + JVPs through F, "
            "counted by "
            "host callbacks for OLD (and for new with --count-new; otherwise from the Newton loop's counters: "
            "line-search trials + one linearisation per step + GMRES JVPs); times best of repeats after JIT; "
            "the machine is shared, so read the ratios.\n\n"
            + head + body)
    if cache:
        text += (f"\nFresh process, N = 382 incl. imports: cold cache {cache['solve_cold']:.1f} s, warm persistent "
                 f"cache {cache['solve_warm']:.1f} s. `python -m econhubs.cli hubs`: cold {cache['cli_cold']:.1f} s, "
                 f"warm {cache['cli_warm']:.1f} s.\n")
    return text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[50, 100, 200, 382, 764])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache", action="store_true", help="also time fresh processes with a warm persistent cache")
    ap.add_argument("--no-old", action="store_true", help="skip the old solver")
    ap.add_argument("--count-new", action="store_true", help="count the new solver's evaluations by callbacks too")
    a = ap.parse_args()
    rows = []
    for n in a.sizes:
        rows.append(run_size(n, a.repeats, not a.no_old, a.count_new))
        print(rows[-1], flush=True)
    append_results(report(rows, cache_rows() if a.cache else None, not a.no_old))


if __name__ == "__main__":
    main()
