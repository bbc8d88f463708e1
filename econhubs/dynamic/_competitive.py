"""``solve_competitive``: the recursive competitive equilibrium on the grid, one region or a batch.

Returns a :class:`CESolution` with policies on the grid (c, b', k', q, eta and mu = eta/u'(c))
and diagnostics: sweeps, last sup change, max unit-free Euler error on the grid (consumption
units for the bond Euler, price units for the portfolio Eulers), share of grid states where the
collateral constraint binds, failed Newton solves, share of states on the consumption floor.
"""

from __future__ import annotations

import dataclasses
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ..core import ConvergenceError, Newton, fast_compile_jit
from ._bounds import fit_bond_grid
from ._bracket import CEBracket
from ._grid import GridSpec, TradeoffGrid, make_grid
from ._params import TradeoffParams, state_feedback, steady_state_price
from ._residual import (
    CE_REGIMES,
    SELECTIONS,
    CESelect,
    ce_euler_errors,
    ce_residual,
    decode,
    encode,
    full_capital,
)
from ._solution import CESolution
from ._time_iteration import TimeIteration, evaluate_on_grid, grid_points

BIND_TOL = 1e-8


def initial_policy(p: TradeoffParams, grid: TradeoffGrid) -> jax.Array:
    """b' = b, k' = k, q = q_ss, mu = 0 at every state (a 'stay put' guess)."""
    b, k, e = grid_points(grid)
    q = jnp.full_like(b, steady_state_price(p))
    R = grid.R[e]
    bp = jnp.maximum(b, -0.999 * R * p.theta * q * p.K_bar) if p.constrained else b
    return encode(bp, k, q, jnp.zeros_like(b), p, R)


def _settings(p: TradeoffParams, opts: dict, prefer_bind) -> TimeIteration:
    gv, sel = opts["guess_verify"], opts["selection"]
    branches = (
        "off"
        if not p.constrained
        else ("all" if (gv is True or sel is not None) else "fallback" if gv == "fallback" else "off")
    )
    return TimeIteration(
        tol=opts["tol"],
        max_iter=opts["max_iter"],
        damping=opts["damping"],
        newton=Newton(atol=1e-11, max_backtracks=10),
        newton_steps=20,
        chunk=opts["chunk"],
        branches=branches,
        regimes=CE_REGIMES,
        select=CESelect(prefer_bind=prefer_bind),
        rescue=CEBracket(),
        polish_below=1e-3 if opts["polish"] else None,
        verbose=opts["verbose"],
        report_seconds=opts["report_seconds"],
    )


def _solve_one(p: TradeoffParams, spec: GridSpec, opts: dict, pol0=None, b_bounds=None, prefer_bind=False):
    grid = make_grid(p, spec, b_bounds)
    pol0 = initial_policy(p, grid) if pol0 is None else pol0
    ti = _settings(p, opts, prefer_bind)
    res = ti(ce_residual, pol0, p, grid)
    pol = res.policy
    bond, port, c, c_raw = evaluate_on_grid(ce_euler_errors, pol, p, grid)
    bp, kp_free, q, mu, _ = decode(pol, p, grid.R[grid_points(grid)[2]])
    binding = mu > BIND_TOL if p.constrained else jnp.zeros_like(mu, bool)
    full = grid.endog_shape + grid.exog_shape
    mb, mp = jnp.max(jnp.abs(bond)), jnp.max(jnp.abs(port))
    return CESolution(
        params=p,
        grid=grid,
        spec=spec,
        policy=pol.reshape(full + (pol.shape[-1],)),
        b_next=bp.reshape(full),
        k_next=full_capital(kp_free, p.K_bar).reshape(full + (-1,)),
        q=q.reshape(full),
        mu=mu.reshape(full),
        c=c.reshape(full),
        iterations=res.iterations,
        max_change=res.max_change,
        max_euler_error=jnp.maximum(mb, mp),
        max_bond_error=mb,
        max_portfolio_error=mp,
        share_binding=jnp.mean(binding),
        share_floor=jnp.mean(c_raw < p.c_floor),
        n_failed=res.n_failed,
        binding=binding.reshape(full),
        b_bounds=jnp.stack([grid.b[0], grid.b[-1]]),
        feedback=state_feedback(p, q, c).reshape(full),
        n_multiple=res.n_multiple,
        failed_per_sweep=res.failed_per_sweep,
        tol=opts["tol"],
    )


def _call(params, spec, opts, pol0, b_bounds, batched, prefer_bind=None):
    """The whole time iteration as one program; on the CPU compiled with XLA's YNN fusions off and the
    toolkit's compile options (``core.fast_compile_jit``): at I = 2 about 40 % less CPU time, same policies."""
    opts = dict(opts)
    bind = jnp.asarray(False) if prefer_bind is None else prefer_bind  # traced: one compile for both selections

    def fn(p, y0, bb):
        return _solve_one(p, spec, opts, y0, bb, bind)

    if batched:
        fn = jax.vmap(fn, in_axes=(0, None if pol0 is None else 0, None if b_bounds is None else 0))
    return fn(params, pol0, b_bounds)


_call = fast_compile_jit(_call, ynn_fusions=False)


def solve_competitive(
    params: TradeoffParams,
    spec: GridSpec = GridSpec(),
    *,
    tol: float = 1e-8,
    max_iter: int = 5000,
    damping: float = 1.0,
    verbose: bool = False,
    report_every: int | None = None,
    throw: bool = True,
    initial: CESolution | None = None,
    b_bounds=None,
    guess_verify: bool | str = "fallback",
    selection: str | float | None = None,
    report_seconds: float = 2.0,
    chunk: int = 512,
    polish: bool = True,
) -> CESolution:
    """Solve the competitive equilibrium by vmapped time iteration (see module docstring).

    params: one region, or a batch with a leading axis on every leaf (``stack_params``); a batch
    is solved in one vmapped call (the while loop runs until every region has converged).
    tol: sup-norm policy change at which to stop. throw: raise :class:`ConvergenceError` if a region does not
    converge (sup change > tol or a grid state without a solution in the last sweep) or any
    policy is not finite (NaN never leaves this function).
    initial: a previous solution on a grid of the same size to start from (continuation).
    b_bounds: (b_min, b_max) of the bond grid (per region for a batch: shape (n, 2)); overrides
    the spec without recompiling. ``"auto"``: fit the bounds to the ergodic set by continuation
    (``_bounds.fit_bond_grid``: lower end = lowest b' chosen, upper end = ergodic maximum + 10%).
    guess_verify: ``"fallback"`` (default): one smooth Newton solve per state on the positive-part
    encoding, and both branches only at the states where it failed (gathered, so a sweep costs
    about as much as a smooth one); True: every state on the slack and the binding branch, keeping
    the valid one (robust near the constraint's kink, about 2-5x the work per sweep); False: the
    smooth solve only.
    selection: equilibrium selection where, given next period's policies, both the slack and the
    binding branch solve a state's system (possible when the collateral-price feedback F >= 1):
    ``"slack_first"`` (the high-price equilibrium), ``"bind_first"`` (the self-fulfilling sudden
    stop), or a probability pi: a sunspot state (i.i.d., appended to the exogenous chain) on which
    agents coordinate on the constrained equilibrium with probability pi. Any selection solves both
    branches at every state (guess and verify); the solution reports F state by state
    (``feedback``) and the states with two valid branches in the last sweep (``n_multiple``).
    verbose: progress lines, the first sweep and then every ``report_seconds``; ``report_every`` is
    accepted for compatibility and ignored. chunk: states per ``lax.map`` chunk of a sweep.
    polish: once the sweep change is below 1e-3, solve the stacked collocation system by Newton-GMRES
    (``_sweep.polish``; fewer sweeps on large grids); False skips it (plain sweeps, and no compile of the
    Newton-GMRES solve: small grids, where sweeps are cheap and the compile dominates).

    Over 60 lines because the sweep loop is host-side on purpose (progress, the rescue, polish and
    the failure report share its state), and it reads top to bottom in one place.
    """
    if not isinstance(params, TradeoffParams):
        raise TypeError("params: expected a TradeoffParams")
    batched = jnp.ndim(params.phi) == 2
    pol0 = None if initial is None else initial.flat_policy()
    if guess_verify not in (True, False, "fallback"):
        raise ValueError(f"guess_verify: True, False or 'fallback', got {guess_verify!r}")
    if selection is not None and not (
        selection in SELECTIONS
        or (isinstance(selection, (int, float)) and not isinstance(selection, bool) and 0.0 <= selection <= 1.0)
    ):
        raise ValueError(f"selection: one of {SELECTIONS} or a sunspot probability in [0, 1], got {selection!r}")
    sel_name = (
        "slack_first"
        if selection is None
        else (selection if isinstance(selection, str) else f"sunspot (pi = {float(selection):g})")
    )
    bind = jnp.asarray(selection == "bind_first")
    if selection is not None and not isinstance(selection, str):
        spec = dataclasses.replace(spec, sunspot=float(selection))
        selection = "sunspot"
    elif selection is not None:
        selection = "explicit"  # slack_first / bind_first share one compiled solve (bind is traced)
    both = params.constrained and (guess_verify is True or selection is not None)
    opts = (
        ("tol", tol),
        ("max_iter", max_iter),
        ("damping", damping),
        ("verbose", verbose),
        ("report_seconds", report_seconds),
        ("guess_verify", guess_verify),
        ("selection", selection),
        ("chunk", chunk),
        ("polish", bool(polish)),
    )
    auto = isinstance(b_bounds, str)
    if auto and (b_bounds != "auto" or batched):
        raise ValueError("b_bounds: 'auto' (one region only), None or (b_min, b_max)")
    bb = None if (b_bounds is None or auto) else jnp.asarray(b_bounds, float)
    if bb is not None and not (bb.shape[-1:] == (2,) and bool(jnp.all(bb[..., 0] < bb[..., 1]))):
        raise ValueError(f"b_bounds: need (b_min, b_max) with b_min < b_max, got {b_bounds}")
    sol = _call(params, spec, opts, pol0, bb, batched, bind)
    if auto:
        round_opts = tuple((k, min(max_iter, 800) if k == "max_iter" else v) for k, v in opts)  # more: failed
        sol, _ = fit_bond_grid(
            lambda b, y0: _call(params, spec, round_opts, y0, b, False, bind), sol, verbose=verbose
        )
    sol = dataclasses.replace(sol, selection=sel_name if both else "none")
    finite = bool(np.all(np.isfinite(np.asarray(sol.policy)))) and bool(np.all(np.isfinite(np.asarray(sol.c))))
    change = np.asarray(sol.max_change)
    if not finite:
        raise ConvergenceError(
            "competitive equilibrium (time iteration)",
            float("nan"),
            int(np.max(sol.iterations)),
            tol,
            "non-finite policies: check parameters and grid bounds",
        )
    nfail = np.asarray(sol.n_failed)
    if np.any(change > tol) or np.any(nfail > 0):
        msg = (
            f"time iteration did not converge: stopped after {int(np.max(sol.iterations))} sweeps with "
            f"{int(np.max(nfail))} grid states without a solution in the last sweep and sup change "
            f"{np.max(change):.3e} (tol {tol:.1e}; +inf means failed states)"
        )
        if throw:
            raise ConvergenceError(
                "competitive equilibrium (time iteration)", float(np.max(change)), int(np.max(sol.iterations)), tol, msg
            )
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    if float(np.max(np.asarray(sol.share_floor))) > 0:
        warnings.warn(
            f"consumption floor active at {100 * float(np.max(sol.share_floor)):.2f}% of grid states "
            "(infeasible corners of the grid: raise b_min or check that the grid covers the ergodic set)",
            RuntimeWarning,
            stacklevel=2,
        )
    return sol
