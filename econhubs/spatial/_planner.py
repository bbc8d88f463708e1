r"""`solve_planner`: the constrained planner of RSS (2021, section II) by L-BFGS on -g.

The planner maximises the common welfare gain g over the allocation of workers (logits u,
$L^k_n = L^k\,\mathrm{softmax}_n(u^k)$; see :mod:`econhubs.spatial._planner_system`). g(u)
solves the planner's production system by :func:`econhubs.core.root_find`, so ∇_u g comes from
the implicit function theorem (one adjoint linear solve per gradient, never unrolled Newton
steps). The optimiser is L-BFGS: the direction from ``optax.scale_by_lbfgs`` (two-loop
recursion), the step from a backtracking Armijo search, run step by step from Python so that
long runs print progress and save a checkpoint, and so that one jitted value-and-gradient
function is the only compiled program (optax's zoom search would inline the equilibrium solve
at each of its call sites and compile for minutes).

Certificate: the projected gradient $\lVert ∇_u g\rVert_\infty$. Because
$∂g/∂u^k_n = L^k_n(∂g/∂L^k_n - \sum_m s^k_m ∂g/∂L^k_m)$ (s = softmax), it vanishes exactly when
∂g/∂L^k_n is equal across cities for each k: the first-order condition of the planner with
the constraint $\sum_n L^k_n = L^k$. Budget balance is checked separately (relative error).
"""

from __future__ import annotations

import os
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..core import GMRES, ConvergenceError, Newton, atomic_write, root_find
from ._equilibrium import Equilibrium, solve_equilibrium
from ._params import Fundamentals, HubsParams, TradeCosts
from ._planner_precond import PlannerBlockPreconditioner, adjoint_gradient
from ._planner_system import allocation, budget_balance_error, planner_blocks, planner_guess, planner_residual

#: dense Newton below this many unknowns, the matrix-free solver of the equilibrium above
DENSE_MAX_UNKNOWNS = 2500


def default_planner_solver(n_unknowns: int) -> Newton:
    """Dense Newton for small systems; matrix-free Newton-GMRES with the planner's city-block
    preconditioner for large ones (gradients then by the preconditioned adjoint)."""
    if n_unknowns <= DENSE_MAX_UNKNOWNS:
        return Newton(atol=1e-11)
    return Newton(atol=1e-11, linear=GMRES(restart=60, max_restarts=10, rtol=0.1, rtol_min=1e-3, forcing=0.1,
                                           preconditioner=PlannerBlockPreconditioner(), precond_every=3))


class PlannerResult(eqx.Module):
    """The planner's optimum.

    g: common welfare gain; u (N, K) logits; L (N, K) allocation; y: the planner system's
    unknowns (ln w, ln P, ln Y, ln r, ln(1+g)); equilibrium: the planner's allocation packaged
    as an :class:`Equilibrium` (prices, wages, output, C with the planner's consumption);
    baseline: the decentralised equilibrium without policy; grad_norm: ‖∇_u g‖_∞;
    budget_error: relative national budget-balance error; residual: max |F| of the inner
    solve; iterations, evaluations (inner equilibrium solves), history (iteration, g,
    grad norm, seconds), converged.
    """

    g: float
    u: np.ndarray
    L: np.ndarray
    y: dict
    equilibrium: Equilibrium
    baseline: Equilibrium
    grad_norm: float
    budget_error: float
    residual: float
    iterations: int
    evaluations: int
    history: list
    converged: bool


def _g_and_sol(u, y0, U_eq, p, f, trade, solver, max_steps):
    sol = root_find(planner_residual, jax.lax.stop_gradient(y0), (u, U_eq, p, f, trade), solver=solver,
                    max_steps=max_steps, throw=False)
    g = jnp.expm1(sol.value["g"])
    return jnp.where(sol.converged, g, -jnp.inf), sol


@eqx.filter_jit
def _lbfgs_direction(opt, grad, opt_state, u):
    """The L-BFGS ascent direction H ∇g (optax's two-loop recursion on the maximisation)."""
    neg, opt_state = opt.update(-grad, opt_state, u)
    return -neg, opt_state


@eqx.filter_jit
def _value_and_grad(u, y0, U_eq, p, f, trade, solver, max_steps):
    return jax.value_and_grad(_g_and_sol, has_aux=True)(u, y0, U_eq, p, f, trade, solver, max_steps)


@eqx.filter_jit
def _krylov_value_and_grad(u, y0, U_eq, p, f, trade, solver, max_steps):
    """Forward Newton-GMRES solve, then the adjoint by GMRES with the transposed city-block
    preconditioner (:func:`econhubs.spatial._planner_precond.adjoint_gradient`)."""
    args = (u, U_eq, p, f, trade)
    sol = root_find(planner_residual, y0, jax.lax.stop_gradient(args), solver=solver, max_steps=max_steps,
                    throw=False)
    lu = PlannerBlockPreconditioner().build(sol.value, args)
    grad, ok = adjoint_gradient(sol.value, args, lu)
    g = jnp.where(sol.converged & ok, jnp.expm1(sol.value["g"]), -jnp.inf)
    return (g, sol), grad


@eqx.filter_jit
def _fd_value_and_grad(u, y0, U_eq, p, f, trade, solver, max_steps, h=1e-6):
    """Baseline without implicit gradients: central differences, 2 N K extra equilibrium solves."""
    g, sol = _g_and_sol(u, y0, U_eq, p, f, trade, solver, max_steps)
    e = jnp.eye(u.size).reshape((u.size,) + u.shape) * h

    def diff(d):
        gp = _g_and_sol(u + d, sol.value, U_eq, p, f, trade, solver, max_steps)[0]
        gm = _g_and_sol(u - d, sol.value, U_eq, p, f, trade, solver, max_steps)[0]
        return (gp - gm) / (2 * h)

    return (g, sol), jax.lax.map(diff, e).reshape(u.shape)


def _line_search(u, d, g, grad, y, args, max_step, armijo=1e-4, max_halvings=30, vg=None, metric=None):
    """Backtracking on g along the ascent direction d (Armijo); one jitted value-and-gradient per trial.
    ``metric``: the scaled-gradient fallback ``metric * grad`` when d is not an ascent direction."""
    slope = float(jnp.vdot(grad, d))
    if not slope > 0:  # not an ascent direction (memory went stale): fall back to the (scaled) gradient
        d = grad if metric is None else metric * grad
        slope = float(jnp.vdot(grad, d))
    step = min(1.0, max_step / max(float(jnp.max(jnp.abs(d))), 1e-300))
    for k in range(max_halvings + 1):
        u_new = u + step * d
        (g_new, sol), grad_new = vg(u_new, y, *args)
        gn, go = float(g_new), float(g)
        armijo_ok = gn >= go + armijo * step * slope
        # near the optimum the Armijo gain drops below rounding of g: accept a step that keeps g within
        # rounding and shrinks the gradient
        flat_ok = gn >= go - 64 * np.finfo(float).eps * max(abs(go), 1.0) and float(
            jnp.max(jnp.abs(grad_new))) < float(jnp.max(jnp.abs(grad)))
        if np.isfinite(gn) and bool(sol.converged) and (armijo_ok or flat_ok):
            return u_new, g_new, sol, grad_new, k + 1, True
        step *= 0.5
    return u, g, None, grad, max_halvings + 1, False


def _save_checkpoint(path, u, y, opt_state, it, evals, history):
    leaves = jax.tree_util.tree_leaves(opt_state)
    arrays = {f"opt_{i}": np.asarray(x) for i, x in enumerate(leaves)}
    arrays.update({f"y_{k}": np.asarray(v) for k, v in y.items()})
    hist = np.asarray(history, float).reshape(-1, 4)

    def write(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, u=np.asarray(u), it=it, evals=evals, history=hist, **arrays)

    atomic_write(path, write)


def _load_checkpoint(path, u, y, opt_state):
    with np.load(path) as d:
        if d["u"].shape != np.shape(u):
            raise ValueError(f"checkpoint {path}: u has shape {d['u'].shape}, this economy needs {np.shape(u)}")
        leaves, treedef = jax.tree_util.tree_flatten(opt_state)
        opt_state = jax.tree_util.tree_unflatten(treedef, [jnp.asarray(d[f"opt_{i}"]) for i in range(len(leaves))])
        y = {k: jnp.asarray(d[f"y_{k}"]) for k in y}
        return jnp.asarray(d["u"]), y, opt_state, int(d["it"]), int(d["evals"]), d["history"].tolist()


def _package(y, u, U_eq, sol_res, p: HubsParams, f: Fundamentals, trade: TradeCosts, converged) -> Equilibrium:
    lL = allocation(u, p)
    b, lC, E, X, _ = planner_blocks(y, lL, U_eq, p, f, trade)
    w, L, Y = jnp.exp(y["w"]), jnp.exp(lL), jnp.exp(y["Y"])
    Lkj = b.varsigma * (p.beta * p.gamma)[None, None] * Y[:, None, :] / w[:, :, None]
    z = {"w": y["w"], "L": lL, "P": y["P"], "Y": y["Y"], "r": y["r"]}
    return Equilibrium(
        w=w, L=L, Lkj=Lkj, P=jnp.exp(y["P"]), x=jnp.exp(b.lx), Y=Y, X=X, r=jnp.exp(y["r"]), C=jnp.exp(lC),
        U=jnp.exp(y["g"]) * U_eq, lam=b.lam, E=E, chi=b.chi, z=z, params=p, fundamentals=f, trade=trade,
        residual=jnp.asarray(sol_res), iterations=jnp.asarray(0), converged=jnp.asarray(converged),
    )


def solve_planner(
    params: HubsParams,
    fundamentals: Fundamentals,
    trade: TradeCosts,
    *,
    baseline: Equilibrium | None = None,
    u0=None,
    gtol: float = 1e-6,
    max_iter: int = 500,
    solver: Newton | None = None,
    max_steps: int = 50,
    memory_size: int = 10,
    max_step: float = 1.0,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 10,
    print_every: int | None = 10,
    gradient: str = "implicit",
    scaled: bool = True,
    throw: bool = True,
) -> PlannerResult:
    """Maximise the common welfare gain g over the allocation of workers (RSS 2021, section II).

    baseline: the decentralised equilibrium whose utilities Ū^k define g (solved if None).
    u0: starting logits (default ln L of the baseline, where g = 0). gtol: stop when
    ‖∇_u g‖_∞ <= gtol. checkpoint: an ``.npz`` path; if it exists the run resumes from it
    (u, warm start, L-BFGS memory, history), and it is rewritten atomically every
    ``checkpoint_every`` iterations and at the end. max_step: cap on max |Δu| per step
    (log points of employment). print_every: progress lines (None: quiet). gradient:
    ``"implicit"`` (adjoint of the solve) or ``"central-difference"`` (2 N K extra solves per
    gradient; the benchmark's baseline only). scaled: L-BFGS in the variables sqrt(L^k_n / L^k) u
    (default), so that every metro's first-order condition converges at the same rate; False: in u.
    throw: raise :class:`ConvergenceError` if the gradient test is not met in ``max_iter``
    iterations or an inner solve fails; with False inspect ``result.converged``.

    Over 60 lines because the L-BFGS loop is host-side on purpose (progress lines, checkpoints,
    resumption and the failure cause all live in it), and it reads top to bottom in one place.
    """
    p, f, tc = params, fundamentals, trade
    eq = solve_equilibrium(p, f, tc) if baseline is None else baseline
    U_eq = eq.U
    u = jnp.log(eq.L) if u0 is None else jnp.asarray(u0, float)
    y = planner_guess(eq.z)
    solver = default_planner_solver(sum(v.size for v in y.values())) if solver is None else solver
    # L-BFGS in v = D u with D = sqrt(L / L^k) at the baseline: the Hessian of g in u scales with L^k_n
    # (dg/du = L (dg/dL - mean)), so in v it is ~ a multiple of the identity and the small metros'
    # first-order conditions converge as fast as the large ones' (their gradient in u is L^k_n times
    # smaller, which left them loose at a given |grad_u g|).
    D = jnp.sqrt(eq.L / jnp.sum(eq.L, axis=0, keepdims=True)) if scaled else jnp.ones_like(eq.L)
    opt = optax.scale_by_lbfgs(memory_size=memory_size)
    opt_state = opt.init(u * D)
    it, evals, history = 0, 0, []
    if checkpoint is not None and os.path.exists(checkpoint):
        u, y, opt_state, it, evals, history = _load_checkpoint(checkpoint, u, y, opt_state)
        if print_every:
            print(f"  planner: resumed from {checkpoint} at iteration {it}")
    if gradient not in ("implicit", "central-difference"):
        raise ValueError(f"gradient must be 'implicit' or 'central-difference', got {gradient!r}")
    krylov = isinstance(solver.linear, GMRES)
    vg = (_krylov_value_and_grad if krylov else _value_and_grad) if gradient == "implicit" else _fd_value_and_grad
    per_eval = 1 if gradient == "implicit" else 1 + 2 * int(np.size(u))
    args = (U_eq, p, f, tc, solver, max_steps)
    t0 = time.perf_counter() - (history[-1][3] if history else 0.0)
    (g, sol), grad = vg(u, y, *args)
    evals += per_eval
    y = sol.value if bool(sol.converged) else y
    gnorm = float(jnp.max(jnp.abs(grad)))
    ok = bool(sol.converged)
    while ok and gnorm > gtol and it < max_iter:
        dv, opt_state = _lbfgs_direction(opt, grad / D, opt_state, u * D)
        u, g, sol_new, grad, n_eval, ok = _line_search(u, dv / D, g, grad, y, args, max_step, vg=vg,
                                                       metric=1.0 / D ** 2)
        evals += n_eval * per_eval
        if not ok:
            break
        sol, y = sol_new, sol_new.value
        it += 1
        gnorm = float(jnp.max(jnp.abs(grad)))
        history.append([it, float(g), gnorm, time.perf_counter() - t0])
        if print_every and (it % print_every == 0 or gnorm <= gtol):
            print(f"  planner it {it:4d}  g = {float(g):.10f}  |grad_u g|_inf = {gnorm:.2e}  {history[-1][3]:7.1f} s")
        if checkpoint is not None and it % checkpoint_every == 0:
            _save_checkpoint(checkpoint, u, y, opt_state, it, evals, history)
    if checkpoint is not None:
        _save_checkpoint(checkpoint, u, y, opt_state, it, evals, history)
    budget = float(budget_balance_error(y, u, U_eq, p, f, tc))
    converged = bool(bool(sol.converged) and gnorm <= gtol and np.isfinite(float(g)))
    if throw and not converged:
        why = ("inner solve failed" if not bool(sol.converged) else "line search found no ascent" if not ok
               else f"projected gradient above gtol after max_iter={max_iter}")
        raise ConvergenceError("constrained planner (L-BFGS on -g)", gnorm, it, gtol, why)
    return PlannerResult(
        g=float(g), u=np.asarray(u), L=np.asarray(jnp.exp(allocation(u, p))), y=y,
        equilibrium=_package(y, u, U_eq, sol.residual, p, f, tc, sol.converged), baseline=eq,
        grad_norm=gnorm, budget_error=budget, residual=float(sol.residual), iterations=it, evaluations=evals,
        history=history, converged=converged,
    )
