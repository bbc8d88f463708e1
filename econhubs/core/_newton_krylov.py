r"""Matrix-free Newton step: JVPs, an optional right preconditioner, restarted GMRES.

The inexact Newton step (Dembo, Eisenstat & Steihaug 1982) solves
$\lVert J d + F\rVert_2 \le η_t \lVert F\rVert_2$ with the forcing term
$η_t = \min(\text{rtol}, \max(\text{rtol\_min}, \text{forcing}\cdot\max|F_t|))$ (loose far from
the root, tight near it, so convergence stays superlinear), by :func:`econhubs.core.gmres` on
$v \mapsto J v$ from the ``jax.linearize`` of F at the accepted trial point (the same primal pass
that evaluated F there: one residual call site). In ``dtype=jnp.float32`` the linearisation,
preconditioner and Krylov basis are float32 while the residual, line search and stopping test
stay float64 (issue 11: ~1.7x cheaper per Krylov iteration on the hubs model).

A preconditioner is the model's knowledge of its structure (e.g. one small block per city): an
:class:`AbstractPreconditioner` builds arrays from (y, args) — rebuilt every ``precond_every``
Newton steps and carried in the Newton state — and applies $M \approx J^{-1}$ to a pytree
shaped like y.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
from jax.flatten_util import ravel_pytree
from jaxtyping import Array, PyTree

from ._gmres import LineaxGMRES, gmres
from ._linear_solve import AbstractLinearSolve, cast, lowp_fn


class AbstractPreconditioner(eqx.Module):
    """``build(y, args) -> state`` (arrays); ``apply(state, v) -> M v`` with v shaped like y."""

    @abc.abstractmethod
    def build(self, y: PyTree[Array], args: Any) -> PyTree[Array]: ...

    @abc.abstractmethod
    def apply(self, state: PyTree[Array], v: PyTree[Array]) -> PyTree[Array]: ...

    def placeholder(self, y: PyTree[Array], args: Any) -> PyTree[Array]:
        """Zeros shaped like ``build(y, args)`` (the state before the first build). The default traces
        ``build`` abstractly; a subclass that knows its shapes overrides it, saving that trace."""
        shape = jax.eval_shape(self.build, y, args)
        return jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), shape)


class FunctionPreconditioner(AbstractPreconditioner):
    """A preconditioner from two functions: ``build(y, args) -> state``, ``apply(state, v) -> M v``.

    E.g. block Jacobi over S independent n-vectors (y of shape (S, n)):
    ``FunctionPreconditioner(lambda y, a: jax.scipy.linalg.lu_factor(blocks(y, a)),
    lambda lu, v: jax.vmap(lambda l, p, b: jax.scipy.linalg.lu_solve((l, p), b))(*lu, v))``.
    """

    build_fn: Callable
    apply_fn: Callable

    def build(self, y, args):
        return self.build_fn(y, args)

    def apply(self, state, v):
        return self.apply_fn(state, v)


class FixedPreconditioner(AbstractPreconditioner):
    """A preconditioner built once, outside the solve, and reused: ``build`` returns ``state``.

    For a batch of nearby problems (e.g. small shocks around one baseline) the blocks built at the
    baseline serve every member: ``FixedPreconditioner(pc, pc.build(y_base, args_base))``.
    ``state`` is a pytree of arrays (traced, shared by every member of a ``vmap``/``lax.map``).
    """

    inner: AbstractPreconditioner
    state: PyTree[Array]

    def build(self, y, args):
        del y, args
        return self.state

    def apply(self, state, v):
        return self.inner.apply(state, v)


def _flat_out(out, dtype):
    """(flat F, (F, aux)) from ``fn``'s output (F, aux)."""
    f, aux = out
    return ravel_pytree(f)[0].astype(dtype), (f, aux)


class GMRES(AbstractLinearSolve):
    """Matrix-free Newton step by restarted, right-preconditioned GMRES (see module docstring).

    rtol, rtol_min, forcing: the forcing term η_t = min(rtol, max(rtol_min, forcing max|F_t|)).
    restart, max_restarts: Krylov dimension per cycle and the number of cycles.
    preconditioner: optional :class:`AbstractPreconditioner`; rebuilt every ``precond_every`` steps
    (``None``: built once, before the first step, with no ``cond`` in the loop; under ``vmap`` a
    ``cond`` on the members' step counters becomes a ``select`` that builds at every step).
    dtype: precision of JVPs, preconditioner and Krylov basis (``None``: that of y).
    adjoint_rtol, adjoint_restart: the (unpreconditioned) GMRES of the implicit adjoint.
    """

    rtol: float = 0.1
    rtol_min: float = 1e-8
    forcing: float = 0.1
    restart: int = 40
    max_restarts: int = 20
    preconditioner: AbstractPreconditioner | None = None
    precond_every: int | None = 1
    dtype: Any = None
    adjoint_rtol: float = 1e-10
    adjoint_restart: int = 60
    fn_lowp: Callable | None = eqx.field(default=None, static=True)

    def __check_init__(self):
        if not 0 < self.rtol_min <= self.rtol < 1:
            raise ValueError(f"GMRES: need 0 < rtol_min <= rtol < 1, got {self.rtol_min}, {self.rtol}")
        if self.restart < 1 or self.max_restarts < 1 or (self.precond_every is not None and self.precond_every < 1):
            raise ValueError("GMRES: restart, max_restarts and precond_every must be >= 1 (precond_every: or None)")

    def evaluate(self, fn, y, args):
        """F and aux at y; without ``dtype``, also the ``jax.linearize`` point of F there (one primal
        pass serves the line search and the Krylov JVPs). With ``dtype``, ``solve`` linearises a
        cast copy of F itself (a second, lower-precision call site)."""
        if self.dtype is not None:
            f, aux = fn(y, args)
            return f, aux, None
        flat, unravel = ravel_pytree(y)
        fflat, jvp, (f, aux) = jax.linearize(lambda v: _flat_out(fn(unravel(v), args), flat.dtype), flat,
                                             has_aux=True)
        return f, aux, jvp

    def init(self, fn, y, args):
        """``precond_every=None``: the preconditioner, built once here. Otherwise a placeholder of its
        shape: the first step builds it (one compiled copy of ``build``, inside the step's ``cond``;
        building here too doubled the solve's compile time)."""
        if self.preconditioner is None:
            return None
        if self.precond_every is None:
            return self.preconditioner.build(cast(y, self.dtype), cast(args, self.dtype))
        return self.preconditioner.placeholder(cast(y, self.dtype), cast(args, self.dtype))

    def solve(self, fn, y, args, f, lin, state, step, fnorm):
        yc, argsc = cast(y, self.dtype), cast(args, self.dtype)
        flat, unravel = ravel_pytree(yc)
        dt = flat.dtype  # outputs cast back: fn or the preconditioner may close over wider arrays
        if lin is None:
            fn_l = lowp_fn(self, fn)
            _, jvp = jax.linearize(lambda v: ravel_pytree(fn_l(unravel(v), argsc)[0])[0].astype(dt), flat)
        else:
            jvp = lin
        pc = self.preconditioner
        if pc is None:
            precond = None
        else:
            if self.precond_every is not None:
                state = jax.lax.cond(step % self.precond_every == 0, lambda: pc.build(yc, argsc), lambda: state)
            precond = lambda v: ravel_pytree(pc.apply(state, unravel(v)))[0].astype(dt)  # noqa: E731
        fflat = ravel_pytree(f)[0]
        floor = max(self.rtol_min, 10 * float(jnp.finfo(flat.dtype).eps))  # float32: >= 1.2e-6
        eta = jnp.clip(self.forcing * fnorm, min(floor, self.rtol), self.rtol)
        d, ok, nmv, _ = gmres(jvp, -fflat.astype(flat.dtype), precond=precond, rtol=eta.astype(flat.dtype),
                              restart=self.restart, max_restarts=self.max_restarts)
        finite = jnp.all(jnp.isfinite(d))
        result = lx.RESULTS.where(
            finite, lx.RESULTS.where(ok, lx.RESULTS.successful, lx.RESULTS.max_steps_reached), lx.RESULTS.breakdown
        )
        d = jnp.where(finite, d, 0.0).astype(fflat.dtype)
        _, unravel64 = ravel_pytree(y)
        return unravel64(d), state, result, {"matvecs": nmv}

    def adjoint_solver(self) -> lx.AbstractLinearSolver:
        return LineaxGMRES(rtol=self.adjoint_rtol, restart=self.adjoint_restart)
