r"""Damped Newton root finding; the linear step is a field.

Solves $F(y; \text{args}) = 0$ by Newton's method,

$$ J(y_t)\,d_t = -F(y_t), \qquad y_{t+1} = y_t + \alpha_t d_t, $$

with $\alpha_t$ from a backtracking (Armijo) line search on the merit $\tfrac12\lVert F\rVert_2^2$.
How $J d = -F$ is solved is the ``linear`` field, an
:class:`~econhubs.core.AbstractLinearSolve`: :class:`~econhubs.core.DenseLU` (J materialised by
``jax.jacfwd`` fused with the residual, LU; small systems) or :class:`~econhubs.core.GMRES`
(matrix-free JVPs, restarted GMRES, optional preconditioner; large systems), either optionally in
float32 while the residual, line search and stopping test stay float64.

One full-precision residual call site per loop: the line search is a ``while_loop`` whose body is
the only place F is evaluated, and an accepted trial's F (and, for the dense solve, its fused
Jacobian) is carried into the next step, so a full step costs one evaluation.

`Newton` is an :class:`optimistix.AbstractRootFinder`; :func:`econhubs.core.root_find` runs it
with :class:`optimistix.ImplicitAdjoint`: $\partial y^*/\partial p = -J^{-1}\,\partial F/\partial p$
by the linear solve's ``adjoint_solver()``, never by unrolling. Convergence: $\max_i|F_i| \le$
``atol``. A failed step reports its cause: a failed linear solve is promoted into the result
(``RESULTS.promote``), otherwise ``nonlinear_divergence``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import lineax as lx
import optimistix as optx
from jaxtyping import Array, Bool, Int, PyTree, Scalar

from ._linear_solve import AbstractLinearSolve, DenseLU

RESULTS = optx.RESULTS


def _max_abs(tree: PyTree[Array]) -> Scalar:
    leaves = [jnp.max(jnp.abs(x)) for x in jtu.tree_leaves(tree)]
    return jnp.max(jnp.stack(leaves)) if leaves else jnp.array(0.0)


def _sq_norm(tree: PyTree[Array]) -> Scalar:
    return jnp.asarray(sum((jnp.sum(x * x) for x in jtu.tree_leaves(tree)), jnp.array(0.0)))


def _select(pred, a, b):
    return jtu.tree_map(lambda x, z: jnp.where(pred, x, z), a, b)


class _NewtonState(eqx.Module):
    f: PyTree[Array]
    aux: Any
    lin: Any
    linear_state: Any
    fnorm: Scalar
    failed: Bool[Array, ""]
    linear_result: lx.RESULTS
    step: Int[Array, ""]
    fevals: Int[Array, ""]
    matvecs: Int[Array, ""]


class Newton(optx.AbstractRootFinder):
    """Damped Newton.

    Fields (settings):
      atol: stop when max |F| <= atol.  rtol: kept for the optimistix interface.
      linear: the linear solve, ``DenseLU()`` (default) or ``GMRES(...)``.
      line_search: backtracking on 1/2 ||F||^2 (Armijo constant ``armijo``); off = full steps.
      max_backtracks: halvings of the step before the solver reports failure.
    """

    atol: float = 1e-10
    rtol: float = 1e-10
    linear: AbstractLinearSolve = DenseLU()
    line_search: bool = True
    armijo: float = 1e-4
    max_backtracks: int = 30
    norm: Callable = optx.max_norm

    def __check_init__(self):
        if not isinstance(self.linear, AbstractLinearSolve):
            raise TypeError(
                f"Newton.linear must be a linear solve such as DenseLU() or GMRES(...), got {self.linear!r} "
                "(Newton(linear='gmres', gmres_*=...) became Newton(linear=GMRES(restart=..., max_restarts=..., "
                "rtol=..., rtol_min=..., forcing=..., preconditioner=FunctionPreconditioner(build, apply))))"
            )
        if not self.atol > 0:
            raise ValueError(f"Newton.atol must be positive, got {self.atol}")

    def init(self, fn, y, args, options, f_struct, aux_struct, tags) -> _NewtonState:
        del options, f_struct, aux_struct, tags
        f, aux, lin = self.linear.evaluate(fn, y, args)
        zero = jnp.array(0)
        return _NewtonState(f=f, aux=aux, lin=lin, linear_state=self.linear.init(fn, y, args), fnorm=_max_abs(f),
                            failed=jnp.array(False), linear_result=lx.RESULTS.successful, step=zero,
                            fevals=jnp.array(1), matvecs=zero)

    def _line_search(self, fn, y, args, d, state: _NewtonState):
        """Armijo backtracking; the loop body is the one residual call site."""
        phi0 = 0.5 * _sq_norm(state.f)
        max_k = self.max_backtracks if self.line_search else 0

        def cond(c):
            return ~c[-1] & (c[1] <= max_k)

        def body(c):
            alpha, k = c[0], c[1]
            y_new = jtu.tree_map(lambda a, b: a + alpha * b, y, d)
            f_new, aux_new, lin_new = self.linear.evaluate(fn, y_new, args)
            phi = 0.5 * _sq_norm(f_new)
            ok = jnp.isfinite(phi) & (phi <= (1.0 - 2.0 * self.armijo * alpha) * phi0)
            ok = ok | (not self.line_search)
            return 0.5 * alpha, k + 1, y_new, f_new, aux_new, lin_new, ok

        init = (jnp.array(1.0, phi0.dtype), jnp.array(0), y, state.f, state.aux, state.lin, jnp.array(False))
        _, k, y_new, f_new, aux_new, lin_new, ok = jax.lax.while_loop(cond, body, init)
        return y_new, f_new, aux_new, lin_new, ok & jnp.isfinite(phi0), k

    def step(self, fn, y, args, options, state: _NewtonState, tags):
        del options, tags
        d, lstate, lres, stats = self.linear.solve(
            fn, y, args, state.f, state.lin, state.linear_state, state.step, state.fnorm
        )
        y_new, f_new, aux_new, lin_new, ok, k = self._line_search(fn, y, args, d, state)
        failed = ~ok | (lres == lx.RESULTS.breakdown) | (lres == lx.RESULTS.singular)
        # On failure keep the last good iterate, so the caller sees its residual.
        new = _NewtonState(
            f=_select(failed, state.f, f_new), aux=_select(failed, state.aux, aux_new),
            lin=_select(failed, state.lin, lin_new), linear_state=lstate,
            fnorm=jnp.where(failed, state.fnorm, _max_abs(f_new)), failed=failed, linear_result=lres,
            step=state.step + 1, fevals=state.fevals + k, matvecs=state.matvecs + stats["matvecs"],
        )
        return _select(failed, y, y_new), new, new.aux

    def terminate(self, fn, y, args, options, state: _NewtonState, tags):
        del fn, y, args, options, tags
        converged = state.fnorm <= self.atol
        linear_failed = state.linear_result != lx.RESULTS.successful
        cause = RESULTS.where(linear_failed, RESULTS.promote(state.linear_result), RESULTS.nonlinear_divergence)
        cause = RESULTS.where(jnp.isfinite(state.fnorm), cause, RESULTS.nonfinite)
        result = RESULTS.where(state.failed & ~converged, cause, RESULTS.successful)
        return converged | state.failed, result

    def postprocess(self, fn, y, aux, args, options, state: _NewtonState, tags, result):
        del fn, args, options, tags, result
        stats = {"residual": state.fnorm, "fevals": state.fevals, "matvecs": state.matvecs}
        return y, state.aux, stats


Newton.__init__.__doc__ = Newton.__doc__
