r"""The OLD econhubs Newton (main 9c3f2c4), kept for benchmarks only: the same-process baseline of
issue 11. Not part of the package.

Damped Newton root finding with autodiff Jacobians.

Solves $F(y; \text{args}) = 0$ by Newton's method,

$$ J(y_t)\,d_t = -F(y_t), \qquad y_{t+1} = y_t + \alpha_t d_t, $$

with $J = \partial F/\partial y$ from JAX autodiff and $\alpha_t$ from a backtracking
(Armijo) line search on the merit $\tfrac12\lVert F\rVert_2^2$. The linear step is either dense
(the Jacobian is materialised and LU-factorised: small systems, e.g. one grid point of a
time-iteration sweep) or matrix-free (Jacobian-vector products fed to GMRES: large systems,
e.g. the 382-city equilibrium).

`Newton` is an :class:`optimistix.AbstractRootFinder`, so :func:`econhubs.core.root_find`
hands it to :func:`optimistix.root_find` with :class:`optimistix.ImplicitAdjoint`:
derivatives of the root with respect to ``args`` come from the implicit function theorem,
$\partial y^*/\partial p = -J^{-1}\,\partial F/\partial p$, never from unrolling iterations.

Convergence is declared when $\max_i |F_i(y)| \le$ ``atol`` (the models write residuals as
relative or log errors, so this is a relative tolerance on the economics).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import lineax as lx
import optimistix as optx
from jax.scipy.sparse.linalg import gmres as _jax_gmres
from jaxtyping import Array, Bool, PyTree, Scalar

RESULTS = optx.RESULTS


def _max_abs(tree: PyTree[Array]) -> Scalar:
    leaves = [jnp.max(jnp.abs(x)) for x in jtu.tree_leaves(tree)]
    return jnp.max(jnp.stack(leaves)) if leaves else jnp.array(0.0)


def _sq_norm(tree: PyTree[Array]) -> Scalar:
    return sum(jnp.sum(x * x) for x in jtu.tree_leaves(tree))


def _axpy(a: Scalar, x: PyTree[Array], y: PyTree[Array]) -> PyTree[Array]:
    return jtu.tree_map(lambda xi, yi: yi + a * xi, x, y)


class _NewtonState(eqx.Module):
    f: PyTree[Array]
    fnorm: Scalar
    failed: Bool[Array, ""]


class OldNewton(optx.AbstractRootFinder):
    """Damped Newton with an autodiff Jacobian.

    Fields (settings):
      atol: stop when max |F| <= atol.
      rtol: kept for the optimistix interface (and used by the GMRES inner solve).
      linear: ``"dense"`` (materialise J, LU) or ``"gmres"`` (matrix-free JVPs).
      gmres_rtol: the largest forcing term η of the inexact Newton step,
        ||J d + F||_2 <= η_t ||F||_2 with η_t = min(gmres_rtol, max(gmres_rtol_min,
        forcing * max|F_t|)) (Eisenstat-Walker style: loose far from the root, tight near it,
        so convergence stays quadratic). Matrix-free only; solved by
        ``jax.scipy.sparse.linalg.gmres``, which checks the 2-norm residual at every step.
      gmres_restart, gmres_max_steps: Krylov dimension and the cap on restart cycles.
      adjoint_rtol: tolerance of the lineax GMRES used by the implicit adjoint (gradients).
      preconditioner: optional ``(y, args) -> (v -> M^{-1} v)`` approximating J^{-1}.
      line_search: backtracking on 1/2 ||F||^2 (Armijo constant ``armijo``); off = full steps.
      max_backtracks: halvings of the step before the solver reports failure.
    """

    atol: float = 1e-10
    rtol: float = 1e-10
    linear: Literal["dense", "gmres"] = "dense"
    gmres_rtol: float = 1e-1
    gmres_rtol_min: float = 1e-12
    forcing: float = 0.1
    gmres_restart: int = 40
    gmres_max_steps: int = 20
    adjoint_rtol: float = 1e-10
    preconditioner: Callable | None = None
    line_search: bool = True
    armijo: float = 1e-4
    max_backtracks: int = 30
    norm: Callable = optx.max_norm

    def __check_init__(self):
        if self.linear not in ("dense", "gmres"):
            raise ValueError(f"Newton.linear must be 'dense' or 'gmres', got {self.linear!r}")
        if not self.atol > 0:
            raise ValueError(f"Newton.atol must be positive, got {self.atol}")

    @property
    def linear_solver(self) -> lx.AbstractLinearSolver:
        """The lineax solver of the implicit adjoint (and of the dense Newton step)."""
        if self.linear == "dense":
            return lx.AutoLinearSolver(well_posed=None)
        return lx.GMRES(
            rtol=self.adjoint_rtol,
            atol=self.adjoint_rtol,
            restart=self.gmres_restart,
            max_steps=50 * self.gmres_max_steps,
            stagnation_iters=50,
        )

    def init(self, fn, y, args, options, f_struct, aux_struct, tags) -> _NewtonState:
        del options, aux_struct, tags
        f0, _ = fn(y, args)
        return _NewtonState(
            f=f0,
            fnorm=_max_abs(f0),
            failed=jnp.array(False),
        )

    def step(self, fn, y, args, options, state: _NewtonState, tags):
        del options
        f, lin_fn, aux = jax.linearize(lambda _y: fn(_y, args), y, has_aux=True)
        minus_f = jtu.tree_map(jnp.negative, f)
        if self.linear == "dense":
            jac = lx.FunctionLinearOperator(lin_fn, jax.eval_shape(lambda: y), tags=tags)
            d = lx.linear_solve(jac, minus_f, self.linear_solver, throw=False).value
        else:
            M = None if self.preconditioner is None else self.preconditioner(y, args)
            eta = jnp.clip(self.forcing * state.fnorm, self.gmres_rtol_min, self.gmres_rtol)
            d, _ = _jax_gmres(
                lin_fn, minus_f, tol=eta, atol=0.0, restart=self.gmres_restart,
                maxiter=self.gmres_max_steps, M=M, solve_method="incremental",
            )
        phi0 = 0.5 * _sq_norm(f)

        def trial(alpha):
            y_new = _axpy(alpha, d, y)
            f_new, aux_new = fn(y_new, args)
            phi = 0.5 * _sq_norm(f_new)
            ok = jnp.isfinite(phi) & (phi <= (1.0 - 2.0 * self.armijo * alpha) * phi0)
            return y_new, f_new, aux_new, ok

        if self.line_search:

            def cond(carry):
                alpha, k, ok = carry
                return (~ok) & (k < self.max_backtracks)

            def body(carry):
                alpha, k, _ = carry
                alpha = 0.5 * alpha
                return alpha, k + 1, trial(alpha)[3]

            alpha0 = jnp.array(1.0, dtype=phi0.dtype)
            ok0 = trial(alpha0)[3]
            alpha, _, ok = jax.lax.while_loop(cond, body, (alpha0, jnp.array(0), ok0))
        else:
            alpha, ok = jnp.array(1.0, dtype=phi0.dtype), jnp.array(True)
        y_new, f_new, aux_new, _ = trial(alpha)
        failed = (~ok) | ~jnp.isfinite(phi0)
        # On failure keep the last good iterate, so the caller sees its residual.
        y_out = jtu.tree_map(lambda a, b: jnp.where(failed, a, b), y, y_new)
        f_out = jtu.tree_map(lambda a, b: jnp.where(failed, a, b), f, f_new)
        new_state = _NewtonState(
            f=f_out,
            fnorm=_max_abs(f_out),
            failed=failed,
        )
        del aux
        return y_out, new_state, aux_new

    def terminate(self, fn, y, args, options, state: _NewtonState, tags):
        del fn, y, args, options, tags
        converged = state.fnorm <= self.atol
        terminate = converged | state.failed
        result = RESULTS.where(
            state.failed & ~converged, RESULTS.nonlinear_divergence, RESULTS.successful
        )
        return terminate, result

    def postprocess(self, fn, y, aux, args, options, state, tags, result):
        del fn, args, options, tags, result
        return y, aux, {"residual": state.fnorm}


OldNewton.__init__.__doc__ = OldNewton.__doc__


def old_root_find(fn, y0, args, solver: OldNewton, max_steps: int = 60):
    """The old ``econhubs.core.root_find`` (has_aux=False, throw=False): optx.root_find + ImplicitAdjoint."""
    sol = optx.root_find(lambda y, a: (fn(y, a), None), solver, y0, args, has_aux=True, max_steps=max_steps,
                         adjoint=optx.ImplicitAdjoint(linear_solver=solver.linear_solver), throw=False)
    return sol.value, sol.stats["num_steps"], _max_abs(fn(sol.value, args)), sol.result == RESULTS.successful
