"""Benchmark: time iteration of the dynamic model (econhubs.dynamic) vs a NumPy baseline of the same algorithm.

Model: ``default_params(2)`` (I = 2 industries), grids ``GridSpec(n_b, n_k, n_z, n_R)`` with
n_b x n_k x n_z^2 x n_R states. One sweep = every state's (I+1)-equation Newton solve of
``ce_residual`` against the previous iterate (damped Newton, atol 1e-11 on max |F|, at most 20
steps, Armijo backtracking with at most 10 halvings: the settings ``solve_competitive`` uses).
Sweep variants (the JAX side is ``TimeIteration``: one interpolation table per sweep, states in
``lax.map`` chunks of 512; grids multilinear, ``order_k=1``, as the NumPy baseline):
  * "smooth": ``time_iteration(..., regimes=None)``, one solve on the positive-part decoding of s;
  * "guess-and-verify": ``regimes=CE_REGIMES, select=ce_select`` (one solve on the slack branch,
    one on the binding branch, keep the valid one);
  * "smooth, root_find per state": the smooth sweep with ``TimeIteration(batched=False)``: ``core.root_find``
    vmapped over the states (nested Newton and line-search loops: every state of a chunk pays for the slowest;
    the sweep before 2026-11-26); the other variants use ``econhubs.core.BatchedNewton`` (the same iterates);
  * "smooth, float32 LU": the smooth sweep with ``Newton(linear=DenseLU(dtype=float32))`` (Jacobian and LU
    in float32, residual, line search and stopping test in float64).

  * JAX: ``time_iteration(ce_residual, ..., max_iter=1, tol=0, polish_below=None, accelerate=0)``
    (per-state Newton with autodiff Jacobians, ``core.BatchedNewton``: rounds of 512 states on a CPU, 16,384 on
    an accelerator), AOT-compiled once per grid and variant (compile time reported separately); the same compiled
    function runs the plain time iteration (max_iter and tol are traced arguments). JAX picks the device. On the
    CPU it is compiled with XLA's YNN library fusions off (``compiler_options``; ``--xla-ynn``: jax's default),
    which halves the time of a residual-and-Jacobian evaluation of this graph (6 vs 12 us per state, 2-core CPU).
  * NumPy (benchmarks/_numpy_dynamic.py): the same residual, Newton and selection for all states at
    once (vectorised over states in chunks of 2048, stacked ``np.linalg.solve``; only states still iterating
    are evaluated), in the same process, with forward-difference Jacobians (the timed baseline of the NumPy/JAX
    ratio: the cheaper of the two) and with complex-step Jacobians (``--jac both``, the default).
    Agreement: from the same policy, the complex-step NumPy sweep (exact Jacobians like JAX's autodiff, so the
    same Newton iterates up to rounding) must give the JAX sweep's new policy to max |difference| <= 1e-10 over
    the states both solved (printed and tabulated; the script exits non-zero otherwise). Against the
    forward-difference sweep the difference is larger (1.4e-10 at 10,800 states, 1.6e-10 at 108,000 on the CPU,
    5.0e-9 at 108,000 on the H200 on 2026-11-26): not rounding, but the stopping rule. Both Newtons stop at the
    first iterate with max |F| <= 1e-11, which is up to ‖J^-1‖ 1e-11 from the exact root (‖J^-1‖ reaches
    ~300 on these grids); with a different Jacobian the iterates differ and one sweep stops a step earlier than
    the other at some states (e.g. |F| 9.8e-12 vs 8.9e-16). So the table also shows, scale-free, that
    difference in units of max ‖J^-1‖ atol (<= ~2: explained by where the two stopped), and the Newton step
    |J^-1 F| at each solution (to first order its distance to the exact root: the accuracy both sweeps have).
    A state whose Newton fails keeps its old policy in both (and is counted): until 2026-11-25 both wrote their
    last, unconverged Newton iterate there, which depends on the Jacobian (autodiff vs forward differences), and
    that, not the converged states, was the 5.5e-4 "disagreement" of the H100 run at theta = 0.02 (208 states
    without a root in both sweeps from the initial policy).

Per-sweep times are the best of ``--repeats`` runs (one run above 50,000 states or for the
guess-and-verify sweep above 5,000 states), from the initial policy ("cold": about 5 Newton steps
per state) and, on the convergence grids, from the iterate after 100 plain sweeps ("mid-run").

Time to convergence (sup policy change <= 1e-8) on the convergence grids:
  * JAX ``solve_competitive`` (guess-and-verify sweeps, extrapolation, Newton-GMRES polish):
    measured on the small grid (all convergence grids with --full; on 10,800 states it takes
    many minutes on 2 cores); compile = JAX trace + lowering + XLA compile durations
    (jax.monitoring) during the call, time = wall time minus compile.
  * JAX plain time iteration (smooth sweeps, no extrapolation, no polish, the NumPy algorithm):
    100 sweeps, 50 more, then (up to --plain-full-max-points states) on to convergence (cap
    --plain-cap): measured. On larger grids the sweep count is extrapolated from the contraction
    rate between sweeps 100 and 150 (rate = (d_150/d_100)^(1/50)) and the time is that count x
    the mean time per sweep of the first 150: estimated. The measured grid also shows the
    extrapolated count, as a check of the extrapolation.
  * NumPy plain time iteration and the guess-and-verify plain time iterations: estimated as
    (sweep count of the JAX plain time iteration) x (measured time of one mid-run sweep). Not run.

    python benchmarks/bench_dynamic.py [--quick | --full] [--repeats 3] [--jac fd|complex|both]
        [--states 1350 10800 108000] [--variants smooth f32 gv rf] [--no-conv] [--no-mid] [--time-budget S]
        [--xla-ynn]

Rows are appended to RESULTS.md as they are measured (one table per grid and kind), so a run stopped by a
time limit keeps what it measured; ``--time-budget S`` starts no new measurement after S seconds. The GPU
check of issue 17 (>= 10x NumPy at 108,000 states, agreement <= 1e-10):
    python benchmarks/bench_dynamic.py --states 10800 108000 --variants smooth --repeats 1 --no-conv
(the float32-LU variant reaches other roots than float64 Newton at a few states from the initial policy, so
its agreement column fails by construction; it is a speed reference only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import monitoring

import econhubs  # noqa: F401  (float64)
from econhubs.core import DenseLU, Newton
from econhubs.dynamic import (
    CE_REGIMES,
    GridSpec,
    TimeIteration,
    ce_euler_errors,
    ce_residual,
    ce_select,
    default_params,
    evaluate_on_grid,
    grid_points,
    initial_policy,
    make_grid,
    solve_competitive,
)

import _numpy_dynamic as nd
from _report import append_results, machine

HAVE_REGIMES = True

TOL = 1e-8  # convergence: sup |policy change|
AGREE_TOL = 1e-10  # one NumPy sweep vs one JAX sweep, max abs difference of the new policy
NEWTON_ATOL, NEWTON_STEPS, BACKTRACKS = 1e-11, 20, 10
SWEEP_SPECS = [(10, 5, 3, 3), (40, 10, 3, 3), (200, 20, 3, 3)]
CONV_SPECS = [(10, 5, 3, 3), (40, 10, 3, 3)]
GV_MAX_POINTS = 20_000  # guess-and-verify sweeps on grids up to this size (all with --full)
SC_MAX_POINTS = 2_000  # solve_competitive on convergence grids up to this size (all with --full)
N_FIRST, N_SECOND = 100, 50  # plain time iteration: sweeps before the rate estimate, sweeps it uses
SMOOTH, GV, F32 = "smooth", "guess-and-verify", "smooth, float32 LU"
RF = "smooth, root_find per state"  # the sweep before BatchedNewton (core.root_find vmapped over states)
VARIANTS = {"smooth": SMOOTH, "rf": RF, "f32": F32, "gv": GV}  # --variants keys
VARIANT_KEYS = tuple(VARIANTS)
STATE_SPECS = {1350: (10, 5, 3, 3), 10800: (40, 10, 3, 3), 108000: (200, 20, 3, 3)}  # --states
CHUNK_CPU, CHUNK_GPU = 512, 16384  # states per round of the batched Newton (per lax.map chunk of the rf variant)
# XLA:CPU in jax 0.10 routes elementwise/reduce fusions to the YNNPACK library by default; on this gather-and-reduce
# graph that doubles the time of a residual-and-Jacobian evaluation (6 vs 12 us per state, 10,800 states, 2-core CPU,
# 2026-11-26): the JAX sweep is compiled with it off on the CPU unless --xla-ynn (jax's default) is given.
YNN_OFF = {"xla_cpu_experimental_ynn_fusion_type": ""}


def chunk_size() -> int:
    """CPU: rounds of 512 states (cache-sized; idle lanes cost full compute there). Accelerators: 16,384 (a pass
    over few states costs as much as over many there: fewer, larger rounds)."""
    return CHUNK_CPU if jax.default_backend() == "cpu" else CHUNK_GPU


def compiler_options(ynn: bool):
    return YNN_OFF if (jax.default_backend() == "cpu" and not ynn) else None

_compile_s = [0.0]
_cpu_s = [0.0]
_COMPILE_EVENTS = (
    "/jax/core/compile/jaxpr_trace_duration",
    "/jax/core/compile/jaxpr_to_mlir_module_duration",
    "/jax/core/compile/backend_compile_duration",
)


def _on_event(name, secs, **kw):
    if name in _COMPILE_EVENTS:
        _compile_s[0] += secs


monitoring.register_event_duration_secs_listener(_on_event)


def best_of(fn, repeats):
    """(result, best wall time); the process CPU time of that best run goes to ``_cpu_s[0]`` (on the shared
    machine CPU seconds are the less load-sensitive figure: JAX's XLA:CPU runtime uses both cores, NumPy one)."""
    best, out = math.inf, None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        t, c = time.perf_counter() - t0, time.process_time() - c0
        if t < best:
            best, _cpu_s[0] = t, c
    return out, best


def jax_time_iteration(p, grid, variant, ynn=False):
    """AOT-compiled plain time iteration (no extrapolation, no polish); returns (run, compile s)."""
    linear = DenseLU(dtype=jnp.float32) if variant == F32 else DenseLU()
    newton = Newton(atol=NEWTON_ATOL, max_backtracks=BACKTRACKS, linear=linear)
    extra = dict(regimes=CE_REGIMES, select=ce_select, branches="all") if variant == GV else {}
    if variant == RF:
        extra = dict(batched=False)

    def fn(pol, max_iter, tol):
        ti = TimeIteration(
            tol=tol,
            max_iter=max_iter,
            damping=1.0,
            newton=newton,
            newton_steps=NEWTON_STEPS,
            accelerate=0,
            polish_below=None,
            chunk=chunk_size(),
            **extra,
        )
        r = ti(ce_residual, pol, p, grid)
        return r.policy, r.iterations, r.max_change, r.n_failed

    pol0 = initial_policy(p, grid)
    t0 = time.perf_counter()
    comp = jax.jit(fn).lower(pol0, jnp.asarray(1), jnp.asarray(0.0)).compile(compiler_options=compiler_options(ynn))
    t_compile = time.perf_counter() - t0

    def run(pol, max_iter, tol):
        return jax.block_until_ready(comp(pol, jnp.asarray(max_iter), jnp.asarray(tol)))

    return run, t_compile


def _np_sweep(m, pts, pol, variant, jac, repeats):
    return best_of(
        lambda: nd.sweep(m, pol, pts, regimes=variant == GV, atol=NEWTON_ATOL, max_steps=NEWTON_STEPS,
                         max_backtracks=BACKTRACKS, jac=jac),
        repeats,
    )


def _agreement(m, pts, pol, new_jax, new_np):
    """max |new_JAX - new_NumPy| over the states both solved (a failed state keeps its policy), and the number
    of states solved by one only."""
    old = np.asarray(pol)
    solved_np, solved_jax = np.any(new_np != old, axis=1), np.any(new_jax != old, axis=1)
    both = solved_np & solved_jax
    diff = np.max(np.abs(new_jax - new_np), axis=1)
    return (float(np.max(diff[both])) if both.any() else 0.0), int(np.sum(solved_np != solved_jax)), both, diff


def compare_sweep(label, variant, spec, n, run, t_compile, m, pts, pol, repeats, jac):
    """One JAX sweep and one NumPy sweep per NumPy Jacobian (``jac``: fd, complex or both) from ``pol``: times
    (best of repeats) and agreement. The speed ratio is to the forward-difference NumPy sweep where it ran (the
    faster NumPy); the agreement gate is against the complex-step NumPy sweep where it ran (exact Jacobians, as
    JAX's autodiff: the same iterates), with the scale-free figures of ``_scale_free``."""
    run(pol, 1, 0.0)  # warm-up (first-call allocations), untimed
    out, t_jax = best_of(lambda: run(pol, 1, 0.0), repeats)
    c_jax = _cpu_s[0]
    new_jax = np.asarray(out[0])
    jacs = ("fd", "complex") if jac == "both" else (jac,)
    np_out, np_cpu = {}, {}
    for j in jacs:
        np_out[j] = _np_sweep(m, pts, pol, variant, j, repeats)
        np_cpu[j] = _cpu_s[0]
    ref = "complex" if "complex" in np_out else "fd"
    (new_ref, steps, nfail), _ = np_out[ref]
    t_np = np_out["fd" if "fd" in np_out else ref][1]
    c_np = np_cpu["fd" if "fd" in np_out else ref]
    diff, one_only, both, _ = _agreement(m, pts, pol, new_jax, new_ref)
    row = dict(spec=spec, n=n, variant=variant, state=label, compile=t_compile, t_jax=t_jax, t_np=t_np, c_jax=c_jax,
               c_np=c_np,
               t_cx=np_out["complex"][1] if "complex" in np_out else None, ref=ref, diff=diff, steps=steps,
               nfail=f"{nfail}/{int(out[3])}" + (f" ({one_only} solved by one only)" if one_only else ""),
               agree=diff <= AGREE_TOL, reps=repeats)
    row.update(_scale_free(m, pts, pol, new_jax, np_out, variant))
    print(
        f"  {variant} sweep from {label}: JAX {t_jax:.3f}s (CPU {c_jax:.3f}s)  NumPy {t_np:.3f}s (CPU {c_np:.3f}s)  "
        f"(NumPy/JAX {t_np / t_jax:.2f}, in CPU seconds {c_np / c_jax:.2f})  "
        f"max|new_NumPy({ref}) - new_JAX| = {diff:.2e} ({'<=' if row['agree'] else 'EXCEEDS'} {AGREE_TOL:.0e}); "
        f"{row['sf_text']}; Newton steps {steps}, states without a solution NumPy/JAX {row['nfail']}",
        flush=True,
    )
    return row


def _scale_free(m, pts, pol, new_jax, np_out, variant):
    """Scale-free agreement (smooth sweeps): at each state both solved, the Newton step |J^-1 F| at the JAX and
    at the NumPy solution (complex-step J: to first order each one's distance to the exact root, the error the
    stopping rule max|F| <= atol leaves) and |new_JAX - new_NumPy(fd)| / (‖J^-1‖ atol): at most ~2 when the
    two stopped at different points of the same Newton convergence (the bound of the stopping rule)."""
    if variant == GV:
        return dict(sf=None, sf_text="scale-free figures: smooth sweeps only")
    new_fd = np_out["fd"][0][0] if "fd" in np_out else np_out["complex"][0][0]
    d_fd, _, both, diff = _agreement(m, pts, pol, new_jax, new_fd)
    e_jax, jinv, root_jax = nd.newton_steps(m, new_jax, pol, pts)
    e_np, _, root_np = nd.newton_steps(m, new_fd, pol, pts)
    rel = diff / (jinv * NEWTON_ATOL)
    mx = lambda a: float(np.nanmax(a[both])) if both.any() else 0.0  # noqa: E731
    sf = dict(d_fd=d_fd, e_jax=mx(e_jax), e_np=mx(e_np), rel=mx(rel), jinv=mx(jinv),
              d_root=mx(np.max(np.abs(root_jax - root_np), axis=1)))
    text = (f"vs NumPy fd: max|diff| {d_fd:.2e} = {sf['rel']:.2f} x ‖J^-1‖ atol (max ‖J^-1‖ {sf['jinv']:.0f}), "
            f"{sf['d_root']:.1e} after one more Newton step at each (the same roots); max Newton step at the "
            f"solution (distance to the root) JAX {sf['e_jax']:.1e}, NumPy fd {sf['e_np']:.1e}")
    return dict(sf=sf, sf_text=text)


def euler_error(p, grid, pol):
    bond, port, _, _ = jax.jit(lambda y: evaluate_on_grid(ce_euler_errors, y, p, grid))(pol)
    return float(jnp.maximum(jnp.max(jnp.abs(bond)), jnp.max(jnp.abs(port))))


def _conv_row(log, title, r):
    log.row(CONV_HEAD, title + ": time to convergence", _conv_line(r), r)


def convergence(p, spec, gs, grid, runs, m, pts, reps, jac, opts, log, title, mid_rows=True):
    """Time to convergence on one grid (see module docstring); rows go to ``log`` as they are measured.
    Over 60 lines: measured and estimated rows share the sweep counts computed here, in run order."""
    n = gs.n_points(2)
    if n <= opts["sc_max"]:  # JAX solve_competitive (guess-and-verify, extrapolation, Newton-GMRES polish)
        _compile_s[0] = 0.0
        t0 = time.perf_counter()
        sol = solve_competitive(p, gs, throw=False)
        jax.block_until_ready(sol.policy)
        wall = time.perf_counter() - t0
        comp = _compile_s[0]
        r = dict(
            spec=spec,
            n=n,
            method="JAX solve_competitive (fallback guess-and-verify sweeps + extrapolation + Newton-GMRES polish)",
            sweeps=str(int(sol.iterations)),
            change=float(sol.max_change),
            euler=float(sol.max_euler_error),
            compile=comp,
            wall=wall - comp,
            kind="measured",
        )
        _conv_row(log, title, r)
    if log.over():
        return
    run, _ = runs[SMOOTH]
    pol0 = initial_policy(p, grid)
    t0 = time.perf_counter()
    pa, ia, da, _ = run(pol0, N_FIRST, TOL)
    t_a = time.perf_counter() - t0
    mid = {}
    for v, (rv, tc) in runs.items():
        if not mid_rows or log.over():
            break
        r = compare_sweep(
            f"after {int(ia)} plain sweeps", v, spec, n, rv, tc, m, pts, pa, 1 if (v == GV and n > 5_000) else reps, jac
        )
        log.row(SWEEP_HEAD, title + ": sweeps", _sweep_line(r), r)
        mid[v] = r
    if log.over():
        return
    t0 = time.perf_counter()
    pb, ib, db, _ = run(pa, N_SECOND, TOL)
    t_b = time.perf_counter() - t0
    done = int(ia) + int(ib)
    rate = (float(db) / float(da)) ** (1.0 / int(ib)) if int(ib) > 0 and float(da) > 0 else float("nan")
    if float(db) <= TOL:
        n_est = done
    elif 0 < rate < 1:
        n_est = done + math.ceil(math.log(TOL / float(db)) / math.log(rate))
    else:
        n_est = None
    per_sweep = (t_a + t_b) / done
    print(
        f"  plain TI: {done} sweeps in {t_a + t_b:.1f}s, sup change {float(db):.2e}, contraction rate {rate:.5f}, "
        f"extrapolated sweeps to {TOL:.0e}: {n_est}",
        flush=True,
    )
    method = "JAX plain time iteration, smooth sweeps (no extrapolation, no polish)"
    t_comp = runs[SMOOTH][1]
    if n <= opts["plain_full_max"] and not log.over():
        t0 = time.perf_counter()
        pc, ic, dc, _ = run(pb, opts["cap"] - done, TOL)
        t_c = time.perf_counter() - t0
        total = done + int(ic)
        ok = float(dc) <= TOL
        ee = euler_error(p, grid, pc)
        _conv_row(log, title, dict(
            spec=spec, n=n, method=method, sweeps=f"{total}" + ("" if ok else " (cap, not converged)"),
            change=float(dc), euler=ee, compile=t_comp, wall=t_a + t_b + t_c,
            kind=f"measured (count extrapolated from sweeps {N_FIRST}-{done} would be {n_est})",
        ))
        n_sweeps, how = (
            (total, "measured") if ok else (n_est, f"extrapolated (plain run stopped at the cap {opts['cap']})")
        )
    else:
        _conv_row(log, title, dict(
            spec=spec, n=n, method=method, sweeps=f"~{n_est}" if n_est else "n/a", change=None, euler=None,
            compile=t_comp, wall=n_est * per_sweep if n_est else float("nan"),
            kind=f"estimated: {done} sweeps run ({t_a + t_b:.1f}s, change {float(db):.1e}); count "
            f"extrapolated at rate {rate:.5f} x mean {per_sweep:.3f} s/sweep",
        ))
        n_sweeps, how = n_est, "extrapolated"
    for v, r in mid.items():
        for lib, t in (("JAX", r["t_jax"]), ("NumPy", r["t_np"])):
            if lib == "JAX" and v == SMOOTH:
                continue
            _conv_row(log, title, dict(
                spec=spec, n=n, method=f"{lib} plain time iteration, {v} sweeps", compile=None,
                sweeps=f"~{n_sweeps}" if n_sweeps else "n/a", change=None, euler=None,
                wall=n_sweeps * t if n_sweeps else float("nan"),
                kind=f"estimated: {how} sweep count x {lib} mid-run {v} sweep {t:.3f}s (not run)",
            ))


def _spec_str(s):
    return f"{s[0]}/{s[1]}/{s[2]}/{s[3]}"


def _f(x, fmt):
    return "-" if x is None else format(x, fmt)


SWEEP_HEAD = (
    "| states | n_b/n_k/n_z/n_R | sweep | from | JAX compile (s) | JAX s/sweep [CPU s] | JAX states/s | "
    "NumPy s/sweep [CPU s] | NumPy states/s | NumPy/JAX [in CPU s] | NumPy complex-step s/sweep | "
    "max abs diff of new policy, NumPy vs JAX, states both solved (gate) | "
    "vs NumPy fd: max abs diff, in units of ‖J^-1‖ atol; after one more Newton step | "
    "max Newton step at the solution, JAX / NumPy fd | max Newton steps | runs (best of) | "
    "states without a solution NumPy/JAX |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
)
CONV_HEAD = (
    "| states | n_b/n_k/n_z/n_R | method | sweeps | final sup change | max Euler error | compile (s) | "
    "time to convergence (s) | measured / estimated |\n|---|---|---|---|---|---|---|---|---|\n"
)


def _sweep_line(r) -> str:
    sf = r.get("sf")
    fd = "-" if sf is None else (f"{sf['d_fd']:.1e} = {sf['rel']:.2f} x (max ‖J^-1‖ {sf['jinv']:.0f}) x atol; "
                                 f"{sf['d_root']:.1e} after one more Newton step at each")
    steps = "-" if sf is None else f"{sf['e_jax']:.1e} / {sf['e_np']:.1e}"
    return (
        f"| {r['n']} | {_spec_str(r['spec'])} | {r['variant']} | {r['state']} | {r['compile']:.1f} | "
        f"{r['t_jax']:.3f} [{r['c_jax']:.2f}] | {r['n'] / r['t_jax']:.3g} | {r['t_np']:.3f} [{r['c_np']:.2f}] | "
        f"{r['n'] / r['t_np']:.3g} | {r['t_np'] / r['t_jax']:.2f}x [{r['c_np'] / r['c_jax']:.2f}x] | "
        f"{_f(r['t_cx'], '.3f')} | {r['diff']:.1e} vs NumPy {r['ref']} ({'ok' if r['agree'] else 'FAILS'}, tol "
        f"{AGREE_TOL:.0e}) | {fd} | {steps} | {r['steps']} | {r['reps']} | {r['nfail']} |\n"
    )


def _conv_line(r) -> str:
    return (
        f"| {r['n']} | {_spec_str(r['spec'])} | {r['method']} | {r['sweeps']} | {_f(r['change'], '.1e')} | "
        f"{_f(r['euler'], '.1e')} | {_f(r['compile'], '.1f')} | {r['wall']:.1f} | {r['kind']} |\n"
    )


class _Log:
    """Appends to RESULTS.md as results arrive (a run killed by a time limit still leaves its rows), and
    keeps the wall-time budget: ``over()`` is True once ``budget`` seconds have passed since the start."""

    def __init__(self, budget: float | None):
        self.t0, self.budget, self.rows, self.head = time.perf_counter(), budget, [], None

    def over(self) -> bool:
        return self.budget is not None and time.perf_counter() - self.t0 > self.budget

    def table(self, head: str, title: str):
        if self.head != head:
            append_results(f"\n{title}\n\n" + head)
            self.head = head

    def row(self, head: str, title: str, line: str, r) -> None:
        self.table(head, title)
        append_results(line)
        self.rows.append(r)


JAC_TEXT = {
    "fd": "forward-difference",
    "complex": "complex-step",
    "both": "forward-difference (timed: the NumPy/JAX ratio) and complex-step (exact, as JAX's autodiff: the "
    "agreement gate)",
}


def _intro(args, mode: str) -> str:
    return (
        f"\n## bench_dynamic.py{mode} — {dt.datetime.now():%Y-%m-%d %H:%M} — {machine()}\n\n"
        f"Dynamic model, `default_params(2)` (I = 2), `GridSpec(n_b, n_k, n_z, n_R)`: n_b x n_k x n_z^2 x n_R states. "
        f"One sweep = per-state damped Newton (atol {NEWTON_ATOL:.0e}, <= {NEWTON_STEPS} steps, <= {BACKTRACKS} "
        f"halvings); 'smooth' = `TimeIteration(branches='off')` (positive-part decoding), 'guess-and-verify' = "
        f"`regimes=CE_REGIMES, select=ce_select` (slack and binding branch solved, valid one kept; the sweep of "
        f"`solve_competitive` with a selection). JAX: `TimeIteration(..., polish_below=None, accelerate=0)`, "
        f"vmapped, autodiff Jacobians, AOT-compiled (compile separate), device "
        f"{jax.devices()[0].platform.upper()} ({jax.devices()[0].device_kind}), batched-Newton rounds of "
        f"{chunk_size()} states"
        f"{'' if jax.default_backend() != 'cpu' else ', XLA:CPU YNN fusions ' + ('on' if args.xla_ynn else 'off')}. "
        f"NumPy: same residual, Newton and selection, vectorised over states (chunks of 2048), "
        f"{JAC_TEXT[args.jac]} Jacobians, stacked `np.linalg.solve`, "
        f"same process. Per-sweep times: best of the runs shown. Agreement: one NumPy sweep vs one JAX sweep from "
        f"the same policy, max abs difference of the new policy over the states both solved (a state without a "
        f"root keeps its policy; states solved by one only are counted), tolerance {AGREE_TOL:.0e}. Time to "
        f"convergence "
        f"(sup policy change <= {TOL:.0e}): `solve_competitive` measured (compile = JAX trace + lowering + XLA "
        f"compile inside the call); JAX plain time iteration measured where stated, otherwise the sweep count is "
        f"extrapolated from the contraction rate between sweeps {N_FIRST} and {N_FIRST + N_SECOND}; NumPy (and "
        f"guess-and-verify) plain time iteration estimated = sweep count x one measured mid-run sweep. Rows are "
        f"appended as they are measured (command: `{' '.join(sys.argv)}`).\n"
    )


def _parse_args():
    ap = argparse.ArgumentParser(description="time-iteration sweeps: JAX vs the NumPy baseline (see module docstring)")
    ap.add_argument("--quick", action="store_true", help="smallest grid only (per-sweep and convergence)")
    ap.add_argument(
        "--full",
        action="store_true",
        help="also solve_competitive on every convergence grid and guess-and-verify sweeps on every grid (long)",
    )
    ap.add_argument("--repeats", type=int, default=3, help="runs per timed sweep (best of; 1 above 50,000 states)")
    ap.add_argument(
        "--jac", choices=("fd", "complex", "both"), default="both",
        help="NumPy Jacobian: forward differences, complex step, or both (default: speed ratio to fd, agreement "
        "gate against complex step)",
    )
    ap.add_argument(
        "--states",
        type=int,
        nargs="*",
        default=None,
        choices=sorted(STATE_SPECS),
        help="run only these grid sizes (per-sweep rows; convergence too where the size is a convergence grid)",
    )
    ap.add_argument(
        "--variants", nargs="*", default=None, choices=VARIANT_KEYS, help="sweep variants (default: all that fit)"
    )
    ap.add_argument(
        "--xla-ynn", action="store_true",
        help="CPU: compile the JAX sweep with XLA's default YNN library fusions (default: off, ~2x faster here)",
    )
    ap.add_argument("--no-conv", action="store_true", help="per-sweep rows only (no time-to-convergence rows)")
    ap.add_argument("--no-mid", action="store_true", help="per-sweep rows from the initial policy only")
    ap.add_argument(
        "--time-budget",
        type=float,
        default=None,
        metavar="S",
        help="start no new measurement after S seconds of wall time (rows so far are already appended)",
    )
    ap.add_argument("--sweep-specs", nargs="*", default=None, help="grids n_b,n_k,n_z,n_R for per-sweep timing")
    ap.add_argument("--conv-specs", nargs="*", default=None, help="grids n_b,n_k,n_z,n_R for time to convergence")
    ap.add_argument(
        "--plain-full-max-points",
        type=int,
        default=2000,
        help="run plain time iteration to convergence up to this many states (else extrapolate)",
    )
    ap.add_argument("--plain-cap", type=int, default=3000)
    return ap.parse_args()


def _specs(args):
    parse = lambda xs: [tuple(int(v) for v in x.split(",")) for x in xs]  # noqa: E731
    sweep_specs = (
        parse(args.sweep_specs) if args.sweep_specs is not None else SWEEP_SPECS[:1] if args.quick else SWEEP_SPECS
    )
    conv_specs = parse(args.conv_specs) if args.conv_specs is not None else CONV_SPECS[:1] if args.quick else CONV_SPECS
    if args.states is not None:
        sweep_specs = [STATE_SPECS[n] for n in args.states]
        conv_specs = [s for s in conv_specs if s in sweep_specs]
    if args.no_conv:
        conv_specs = []
    return sweep_specs, conv_specs


def main() -> None:
    """Over 60 lines: the run order (grids, variants, per-sweep rows, convergence rows, budget checks) reads in one
    place."""
    args = _parse_args()
    sweep_specs, conv_specs = _specs(args)
    specs = sorted(set(sweep_specs) | set(conv_specs), key=lambda s: GridSpec(*s).n_points(2))
    gv_max = math.inf if args.full else GV_MAX_POINTS
    opts = dict(
        sc_max=math.inf if args.full else SC_MAX_POINTS, plain_full_max=args.plain_full_max_points, cap=args.plain_cap
    )
    p = default_params(2)
    log = _Log(args.time_budget)
    mode = " (quick)" if args.quick else " (full)" if args.full else ""
    append_results(_intro(args, mode))
    for spec in specs:
        if log.over():
            break
        gs = GridSpec(*spec, order_k=1)  # multilinear, as the NumPy baseline
        n = gs.n_points(2)
        grid = make_grid(p, gs)
        m = nd.NumpyModel.from_jax(p, grid)
        pts = nd.grid_points(m)
        bj, kj, ej = grid_points(grid)
        assert all(np.array_equal(np.asarray(a), b_) for a, b_ in zip((bj, kj, ej), pts)), "grid_points order differs"
        title = f"### {n} states (n_b/n_k/n_z/n_R = {_spec_str(spec)}, {m.n_e} exogenous states)"
        print(title, flush=True)
        wanted = [VARIANTS[v] for v in (args.variants or VARIANT_KEYS)]
        variants = [v for v in wanted if v != GV or (HAVE_REGIMES and n <= gv_max)]
        runs = {}
        for v in variants:
            if log.over():
                break
            runs[v] = jax_time_iteration(p, grid, v, args.xla_ynn)
            print(f"  JAX time-iteration compile ({v}): {runs[v][1]:.1f}s", flush=True)
        pol0 = initial_policy(p, grid)
        for v in runs:
            if log.over():
                break
            reps = 1 if n > 50_000 or (v == GV and n > 5_000) else args.repeats
            r = compare_sweep("initial policy", v, spec, n, *runs[v], m, pts, pol0, reps, args.jac)
            log.row(SWEEP_HEAD, title + ": sweeps", _sweep_line(r), r)
        if spec in conv_specs and SMOOTH in runs and not log.over():
            reps = 1 if n > 50_000 else args.repeats
            convergence(p, spec, gs, grid, runs, m, pts, reps, args.jac, opts, log, title, not args.no_mid)
    if log.over():
        append_results(f"\nStopped by --time-budget {args.time_budget:g} s: rows above are all that ran.\n")
    append_results(f"\nWhole run {time.perf_counter() - log.t0:.0f} s.\n")
    if not all(r.get("agree", True) for r in log.rows):
        raise SystemExit(f"NumPy and JAX sweeps differ by more than {AGREE_TOL:.0e} (see table)")


if __name__ == "__main__":
    main()
