"""Benchmark: sectoral-hubs equilibrium, the preconditioned Newton-GMRES vs the OLD solver (issue 11).

For N in {50, 100, 200, 382, 764} (764 = the 382 metros plus 382 SYNTHETIC copies displaced by up to
0.5 degrees), J = 22, K = 2, default economy (synthetic fundamentals, seed 0), cold start, in ONE
process: compile time, solve time after JIT (best of --repeats), Newton steps, Krylov matvecs,
residual, and **residual evaluations counted** by host callbacks (``_counting.py``: full
evaluations + JVPs through the residual; the city-block preconditioner's local JVPs are listed
apart), the solve time in units of one residual evaluation, and the gradient of national welfare
U^1 with respect to a productivity scale (implicit adjoint) in units of the solve. The OLD solver
(``_old_newton.py``: main 9c3f2c4's Newton with jax.scipy's incremental GMRES, 25 cold-start sweeps,
no preconditioner) runs on the same economy. Compile time is split into jax's AOT stages (trace,
lower, compile). ``--cache``: the solve call of a fresh process (N = 382) with a cold and a warm
cache folder, with the serialized-export cache (the default once the cache is on) and with the
persistent compilation cache alone; with ``--cli`` also ``econhubs hubs`` wall time cold vs warm.

    PYTHONPATH=. python benchmarks/bench_hubs.py [--sizes 50 100] [--repeats 3] [--cache [--cli]] [--no-old] [--no-grad]

(``PYTHONPATH=.`` from a git worktree: a script's folder, not the working directory, heads ``sys.path``, so
without it an installed econhubs elsewhere would be the one measured.)
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
from econhubs.core import compiler_options, root_find
from econhubs.spatial import HUBS_SOLVER, hubs_residual, initial_guess, solve_equilibrium

from _report import append_results, best_time, machine

OLD = OldNewton(atol=1e-11, linear="gmres", gmres_restart=60, gmres_max_steps=10, gmres_rtol=0.1,
                gmres_rtol_min=1e-3, forcing=0.1)


def _compiled(f, *a, options: dict | None = None):
    """(compiled f, {trace, lower, compile: wall s; compile_cpu: process CPU s}) via jax's AOT stages;
    ``options``: XLA compiler options (the new solver: ``econhubs.core.compiler_options()``, as
    ``solve_equilibrium`` compiles it; with them, also the compile at XLA's defaults, ``compile_default``)."""
    t0 = time.perf_counter()
    traced = jax.jit(f).trace(*a)
    t1 = time.perf_counter()
    lowered = traced.lower()
    t2, c2 = time.perf_counter(), time.process_time()
    comp = lowered.compile(compiler_options=options or None)
    t3, c3 = time.perf_counter(), time.process_time()
    out = dict(trace=t1 - t0, lower=t2 - t1, compile=t3 - t2, compile_cpu=c3 - c2)
    if options:
        lowered.compile()
        out.update(compile_default=time.perf_counter() - t3, compile_default_cpu=time.process_time() - c3)
    return comp, out


def run_size(n: int, repeats: int, old: bool, count_new: bool = False, grad: bool = True) -> dict:
    p, f, tc = economy(n)
    m = (p, f, tc)
    res = jax.jit(hubs_residual)
    z0 = jax.jit(initial_guess)(p, f, tc)
    _, t_res = best_time(res, z0, m, repeat=20, warmup=True)
    new, ct = _compiled(lambda m: root_find(hubs_residual, initial_guess(*m), m, solver=HUBS_SOLVER, max_steps=60,
                                            throw=False), m, options=compiler_options())
    sol, t_new = best_time(new, m, repeat=repeats, warmup=True)
    if count_new:  # host-callback count (one more compile); else the loop's own counters, which equal it
        reset()
        cnt = jax.jit(lambda m: root_find(counted(hubs_residual), initial_guess(*m), m, solver=HUBS_SOLVER,
                                          max_steps=60, throw=False))
        jax.block_until_ready(cnt(m).value)
        f_ev, jvp_ev = COUNT["f"], COUNT["jvp"]
    else:  # each trial point is one F fused with its linearisation (fevals) + GMRES JVPs (matvecs)
        f_ev = int(sol.stats["fevals"])
        jvp_ev = int(sol.stats["matvecs"])
    r = dict(N=n, res_ms=t_res * 1e3, **ct, t=t_new, steps=int(sol.num_steps),
             f=f_ev, jvp=jvp_ev, builds=-(-int(sol.num_steps) // HUBS_SOLVER.linear.precond_every),
             res=float(sol.residual), ok=bool(sol.converged))

    def welfare(s):
        q = (p, type(f)(f.lam_hat * s, f.A, f.H), tc)
        return solve_equilibrium(*q, throw=False).U[0]

    r["grad_ratio"] = float("nan")
    if grad:
        g = jax.jit(jax.grad(welfare))
        _, t_grad = best_time(g, 1.0, repeat=repeats, warmup=True)
        _, t_val = best_time(jax.jit(welfare), 1.0, repeat=repeats, warmup=True)
        r["grad_ratio"] = t_grad / t_val
    if old:
        o, cto = _compiled(lambda m: old_root_find(hubs_residual, initial_guess(*m, sweeps=25), m, OLD), m)
        out, t_old = best_time(o, m, repeat=repeats, warmup=True)
        reset()
        oc = jax.jit(lambda m: old_root_find(counted(hubs_residual), initial_guess(*m, sweeps=25), m, OLD))
        jax.block_until_ready(oc(m)[0])
        r.update(old_t=t_old, **{f"old_{k}": v for k, v in cto.items()}, old_steps=int(out[1]), old_res=float(out[2]),
                 old_ok=bool(out[3]), old_evals=COUNT["f"] + COUNT["jvp"],
                 dz=max(float(jnp.max(jnp.abs(a - b))) for a, b in zip(jax.tree.leaves(out[0]),
                                                                          jax.tree.leaves(sol.value))))
    return r


_FIRST = """
import os, sys, time; t0 = time.perf_counter()
import jax
from econhubs.core import enable_compilation_cache, enable_export_cache
enable_compilation_cache(sys.argv[1])
if sys.argv[2] == "noexport":
    enable_export_cache(None)
from econhubs.spatial import default_economy, solve_equilibrium
ec = default_economy(); t1, c1 = time.perf_counter(), time.process_time()
eq = solve_equilibrium(ec.params, ec.fundamentals, ec.trade); jax.block_until_ready(eq.w)
print(time.perf_counter() - t1, time.process_time() - c1, time.perf_counter() - t0, os.getloadavg()[0])
"""


def cache_rows(cli: bool) -> dict:
    """Fresh processes, N = 382 (default economy): the solve call (wall s, CPU s) and the whole process
    (wall s, imports and data included), cold then warm cache, with the export cache (default) and
    without it (persistent compilation cache only); `econhubs hubs` cold and warm."""
    out = {}
    for mode in ("export", "noexport"):
        with tempfile.TemporaryDirectory() as d:
            for k in ("cold", "warm"):
                r = subprocess.run([sys.executable, "-c", _FIRST, d, mode], capture_output=True, text=True,
                                   check=True)
                out[f"{mode}_{k}"] = [float(v) for v in r.stdout.strip().splitlines()[-1].split()]
    if not cli:
        return out
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as o:
        env = dict(__import__("os").environ, ECONHUBS_CACHE_DIR=d)
        for k in ("cold", "warm"):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "econhubs.cli", "hubs", "--out", o], env=env, check=True,
                           capture_output=True)
            out[f"cli_{k}"] = time.perf_counter() - t
    return out


def report(rows: list[dict], cache: dict | None, old: bool) -> str:
    head = ("| N | residual (ms) | trace / lower / compile (s) [compile CPU s] | solve (s) | Newton steps "
            "| residual evals counted: F + JVP (= total) "
            "| precond builds (49 local JVPs each) | solve / residual | max abs F | gradient / solve |"
            + (" OLD solve (s) | OLD steps | OLD evals counted | OLD trace / lower / compile (s) [CPU s] "
               "| OLD max abs F | speed-up | "
               "max abs dz new vs old |" if old else "")
            + "\n|" + "---|" * (10 + (7 if old else 0)) + "\n")
    body = ""
    for r in rows:
        dflt = (f" (XLA defaults: {r['compile_default']:.1f} [{r['compile_default_cpu']:.1f}])"
                if "compile_default" in r else "")
        body += (f"| {r['N']} | {r['res_ms']:.2f} | {r['trace']:.1f} / {r['lower']:.1f} / {r['compile']:.1f} "
                 f"[{r['compile_cpu']:.1f}]{dflt} | {r['t']:.3f} | {r['steps']} | "
                 f"{r['f']} + {r['jvp']} (= {r['f'] + r['jvp']}) | {r['builds']} | {r['t'] / r['res_ms'] * 1e3:.0f} | "
                 f"{r['res']:.1e}{'' if r['ok'] else ' NOT CONVERGED'} | {r['grad_ratio']:.2f} |")
        if old:
            body += (f" {r['old_t']:.3f} | {r['old_steps']} | {r['old_evals']} | {r['old_trace']:.1f} / "
                     f"{r['old_lower']:.1f} / {r['old_compile']:.1f} [{r['old_compile_cpu']:.1f}] | "
                     f"{r['old_res']:.1e}{'' if r['old_ok'] else ' NOT CONVERGED'} | {r['old_t'] / r['t']:.1f}x | "
                     f"{r['dz']:.1e} |")
        body += "\n"
    text = (f"\n## bench_hubs.py — {dt.datetime.now():%Y-%m-%d %H:%M} — {machine()}\n\n"
            "Sectoral-hubs equilibrium, default economy (synthetic fundamentals, seed 0; N = 764 adds 382 SYNTHETIC "
            "displaced copies), cold start, atol 1e-11, one process. New: `HUBS_SOLVER` (Newton + restarted GMRES, "
            "city-block preconditioner rebuilt every 3 steps, 5 cold-start sweeps; one loop of trial points, each F "
            "fused with its linearisation). OLD: main 9c3f2c4 Newton "
            "(jax.scipy incremental GMRES, 25 sweeps). Evaluations: full F evaluations + JVPs through F, "
            "counted by "
            "host callbacks for OLD (and for new with --count-new; otherwise from the Newton loop's counters: "
            "trial points + GMRES JVPs); compile split by jax's AOT stages (trace / lower / compile, wall; "
            "compile CPU time in brackets, less sensitive to the load; new solver compiled with "
            "`econhubs.core.compiler_options()` as `solve_equilibrium` does, XLA's defaults in parentheses); "
            "times best of repeats after JIT; "
            "the machine is shared, so read the ratios.\n\n"
            + head + body)
    if cache:
        def row(k):
            call, cpu, proc, load = cache[k]
            return f"{call:.2f} s ({cpu:.2f} s CPU; process {proc:.1f} s; load {load:.1f})"
        text += ("\nFresh process, N = 382 (default economy), `solve_equilibrium` call (process incl. imports, data):"
                 f" cold cache {row('export_cold')}; **warm cache {row('export_warm')}**; persistent compilation "
                 f"cache only (no export): cold {row('noexport_cold')}, warm {row('noexport_warm')}.\n")
        if "cli_cold" in cache:
            text += f"`python -m econhubs.cli hubs`: cold {cache['cli_cold']:.1f} s, warm {cache['cli_warm']:.1f} s.\n"
    return text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[50, 100, 200, 382, 764])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache", action="store_true", help="also time fresh processes with a warm persistent cache")
    ap.add_argument("--cli", action="store_true", help="with --cache: also time `econhubs hubs` cold and warm")
    ap.add_argument("--no-old", action="store_true", help="skip the old solver")
    ap.add_argument("--count-new", action="store_true", help="count the new solver's evaluations by callbacks too")
    ap.add_argument("--no-grad", action="store_true", help="skip the gradient timing (two more compiles per size)")
    a = ap.parse_args()
    rows = []
    for n in a.sizes:
        rows.append(run_size(n, a.repeats, not a.no_old, a.count_new, not a.no_grad))
        print(rows[-1], flush=True)
    append_results(report(rows, cache_rows(a.cli) if a.cache else None, not a.no_old))


if __name__ == "__main__":
    main()
