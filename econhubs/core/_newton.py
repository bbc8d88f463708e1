r"""Damped Newton root finding; the linear step is a field.

Solves $F(y; \text{args}) = 0$ by Newton's method,

$$ J(y_t)\,d_t = -F(y_t), \qquad y_{t+1} = y_t + \alpha_t d_t, $$

with $\alpha_t$ from a backtracking (Armijo) line search on the merit $\tfrac12\lVert F\rVert_2^2$.
How $J d = -F$ is solved is the ``linear`` field, an
:class:`~econhubs.core.AbstractLinearSolve`: :class:`~econhubs.core.DenseLU` (J materialised by
``jax.jacfwd`` fused with the residual, LU; small systems) or :class:`~econhubs.core.GMRES`
(matrix-free JVPs, restarted GMRES, optional preconditioner; large systems), either optionally in
float32 while the residual, line search and stopping test stay float64.

One residual call site per loop (issue 11: each inlined copy of a residual costs compile time):
every pass of the solver's one ``while_loop`` evaluates F (fused with what the linear solve needs:
the Jacobian for ``DenseLU``, the ``jax.linearize`` point for ``GMRES``) at one trial point,

- the first pass at $y_0$ (no evaluation before the loop);
- accepted (Armijo, or the first pass) and not converged: the linear solve for the next
  direction $d$ runs in the same pass, on that linearisation, and the next trial is $y + d$;
- rejected: the next trial is $y + \alpha d/2$ (no linear solve).

So a full Newton step costs one evaluation, and the residual at the solution is the last accepted
one (no evaluation after the loop).

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
    f: PyTree[Array]  # F at the accepted iterate (zeros before the first pass)
    aux: Any
    d: PyTree[Array]  # the direction; the next trial is y + alpha d
    alpha: Scalar
    backtracks: Int[Array, ""]
    phi: Scalar  # 1/2 ||F||^2 at the accepted iterate
    fnorm: Scalar
    fresh: Bool[Array, ""]  # no pass yet: the first trial is y0 itself, accepted unconditionally
    linear_state: Any
    failed: Bool[Array, ""]
    linear_result: lx.RESULTS
    step: Int[Array, ""]  # Newton steps taken (accepted trials after y0)
    fevals: Int[Array, ""]
    matvecs: Int[Array, ""]


def _zeros(struct):
    return jtu.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), struct)


class Newton(optx.AbstractRootFinder):
    """Damped Newton.

    Fields (settings):
      atol: stop when max |F| <= atol.  rtol: kept for the optimistix interface.
      linear: the linear solve, ``DenseLU()`` (default) or ``GMRES(...)``.
      line_search: backtracking on 1/2 ||F||^2 (Armijo constant ``armijo``); off = full steps.
      max_backtracks: halvings of the step before the solver reports failure.

    Each optimistix iteration is one trial point (see module docstring); :func:`econhubs.core.root_find`
    passes ``options={"max_newton_steps": n}`` and reports Newton steps (``stats["newton_steps"]``).
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
        del options, tags
        zero, f0 = jnp.array(0), _zeros(f_struct)
        inf = jnp.array(jnp.inf, jnp.result_type(*jtu.tree_leaves(f0), float))
        return _NewtonState(
            f=f0, aux=_zeros(aux_struct), d=jtu.tree_map(jnp.zeros_like, y), alpha=jnp.ones_like(inf),
            backtracks=zero, phi=inf, fnorm=inf, fresh=jnp.array(True), linear_state=self.linear.init(fn, y, args),
            failed=jnp.array(False), linear_result=lx.RESULTS.successful, step=zero, fevals=zero, matvecs=zero)

    def step(self, fn, y, args, options, state: _NewtonState, tags):
        """One pass: F at the trial point (the loop's one call site); accepted -> the next direction."""
        del options, tags
        y_t = jtu.tree_map(lambda a, b: a + state.alpha * b, y, state.d)
        f_t, aux_t, lin_t = self.linear.evaluate(fn, y_t, args)
        phi_t = 0.5 * _sq_norm(f_t)
        finite = jnp.isfinite(phi_t)
        armijo = finite & (phi_t <= (1.0 - 2.0 * self.armijo * state.alpha) * state.phi)
        accept = state.fresh | armijo | (not self.line_search)
        fnorm_t = _max_abs(f_t)
        step = state.step + (accept & ~state.fresh)
        do_solve = accept & finite & (fnorm_t > self.atol)

        def solve():
            d, lstate, lres, stats = self.linear.solve(fn, y_t, args, f_t, lin_t, state.linear_state, step, fnorm_t)
            return d, lstate, lres, jnp.asarray(stats["matvecs"]).astype(state.matvecs.dtype)

        def skip():
            return jtu.tree_map(jnp.zeros_like, y), state.linear_state, lx.RESULTS.successful, 0 * state.matvecs

        d, lstate, lres, nmv = jax.lax.cond(do_solve, solve, skip)
        exhausted = ~accept & (state.backtracks >= self.max_backtracks)
        failed = (accept & ~finite) | exhausted | (lres == lx.RESULTS.breakdown) | (lres == lx.RESULTS.singular)
        new = _NewtonState(
            f=_select(accept, f_t, state.f), aux=_select(accept, aux_t, state.aux), d=_select(accept, d, state.d),
            alpha=jnp.where(accept, 1.0, 0.5 * state.alpha), backtracks=jnp.where(accept, 0, state.backtracks + 1),
            phi=jnp.where(accept, phi_t, state.phi), fnorm=jnp.where(accept, fnorm_t, state.fnorm),
            fresh=jnp.array(False), linear_state=lstate, failed=failed, linear_result=lres, step=step,
            fevals=state.fevals + 1, matvecs=state.matvecs + nmv,
        )
        return _select(accept, y_t, y), new, new.aux

    def terminate(self, fn, y, args, options, state: _NewtonState, tags):
        del fn, y, args, tags
        converged = state.fnorm <= self.atol
        max_steps = (options or {}).get("max_newton_steps")
        out_of_steps = jnp.array(False) if max_steps is None else (state.step >= max_steps) & ~converged
        linear_failed = state.linear_result != lx.RESULTS.successful
        cause = RESULTS.where(linear_failed, RESULTS.promote(state.linear_result), RESULTS.nonlinear_divergence)
        cause = RESULTS.where(jnp.isfinite(state.fnorm), cause, RESULTS.nonfinite)
        result = RESULTS.where(state.failed & ~converged, cause, RESULTS.successful)
        result = RESULTS.where(out_of_steps & ~state.failed, RESULTS.nonlinear_max_steps_reached, result)
        return converged | state.failed | out_of_steps, result

    def postprocess(self, fn, y, aux, args, options, state: _NewtonState, tags, result):
        del fn, args, options, tags, result
        stats = {"residual": state.fnorm, "fevals": state.fevals, "matvecs": state.matvecs, "newton_steps": state.step}
        return y, state.aux, stats


Newton.__init__.__doc__ = Newton.__doc__
