r"""Newton's linear step as a field: the protocol, and the dense LU solve.

Each Newton step solves $J(y_t)\,d = -F(y_t)$. How is the business of an
:class:`AbstractLinearSolve`, a field of :class:`econhubs.core.Newton`:

- :class:`DenseLU` materialises J by forward-mode autodiff **fused with the residual** (one
  ``jax.jacfwd(..., has_aux=True)`` pass returns F, the auxiliary output and J together, at the
  line-search trial point, so an accepted step costs one pass) and LU-solves it. Small systems:
  one grid point of a time-iteration sweep, vmapped over 10^5 states.
- :class:`econhubs.core.GMRES` (``_gmres.py``) is matrix-free: JVPs fed to a restarted GMRES
  with an optional right preconditioner. Large systems: the 382-city equilibrium.

``dtype`` (e.g. ``jnp.float32``) runs the linear algebra in lower precision: the Jacobian (or
JVPs), factorisation and Krylov basis in ``dtype``; the residual, line search and stopping test
stay in the precision of ``y``. Newton then converges linearly with rate ~ cond(J) eps(dtype)
near the root instead of quadratically, which for well-conditioned systems costs at most a step
or two and halves the memory traffic of the linear solve.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import lineax as lx
import optimistix as optx
from jax.flatten_util import ravel_pytree
from jaxtyping import Array, PyTree, Scalar

RESULTS = optx.RESULTS


def cast(tree: PyTree, dtype) -> PyTree:
    """Cast every floating-point array leaf of ``tree`` to ``dtype`` (``None``: unchanged)."""
    if dtype is None:
        return tree
    return jtu.tree_map(lambda x: x.astype(dtype) if eqx.is_inexact_array(x) else x, tree)


class AbstractLinearSolve(eqx.Module):
    """How Newton evaluates the residual (with whatever linearisation it needs) and solves for a step.

    ``evaluate(fn, y, args) -> (f, aux, lin)``: the one full-precision residual call site of the
    Newton loop (the line-search trial); ``lin`` is what ``solve`` needs from that point (a
    Jacobian for the dense solve, ``None`` for matrix-free solves).
    ``init(fn, y, args) -> state``: arrays carried across Newton steps (e.g. a preconditioner).
    ``solve(fn, y, args, f, lin, state, step, fnorm) -> (d, state, result, stats)``:
    the Newton direction d (shaped like y), the carried state, a lineax ``RESULTS`` code and a
    dict of integer counters (``matvecs``: Jacobian-vector products; ``jac``: dense Jacobians).
    ``adjoint_solver()``: the lineax solver of the implicit adjoint (gradients through the root).
    """

    @abc.abstractmethod
    def evaluate(self, fn: Callable, y: PyTree[Array], args: Any) -> tuple[PyTree[Array], Any, Any]: ...

    def init(self, fn: Callable, y: PyTree[Array], args: Any) -> Any:
        del fn, y, args
        return None

    @abc.abstractmethod
    def solve(self, fn, y, args, f, lin, state, step, fnorm: Scalar): ...

    @abc.abstractmethod
    def adjoint_solver(self) -> lx.AbstractLinearSolver: ...


def lowp_fn(linear, fn: Callable) -> Callable:
    """The function to linearise in ``linear.dtype``: optimistix hands solvers a closure-converted
    ``fn`` that only accepts its original dtypes, so :func:`econhubs.core.root_find` stores the
    user's function in ``linear.fn_lowp`` (it must then take every traced array through ``args``)."""
    return fn if linear.fn_lowp is None else linear.fn_lowp


def _flat_fn(fn: Callable, y: PyTree[Array], args: Any, dtype):
    """(flat y, v -> (flat F(v), (F, aux))) in ``dtype`` (None: y's own)."""
    yc, argsc = cast(y, dtype), cast(args, dtype)
    flat, unravel = ravel_pytree(yc)

    def g(v):
        f, aux = fn(unravel(v), argsc)
        return ravel_pytree(f)[0].astype(flat.dtype), (f, aux)

    return flat, g


class DenseLU(AbstractLinearSolve):
    """Dense Newton step: J by ``jax.jacfwd`` (fused with F), then an LU solve.

    dtype: precision of J and the LU factorisation (``None``: that of y; ``jnp.float32``: the
    residual and line search stay float64, J is evaluated and factorised in float32).
    """

    dtype: Any = None
    fn_lowp: Callable | None = eqx.field(default=None, static=True)

    def evaluate(self, fn, y, args):
        if self.dtype is None:
            flat, g = _flat_fn(fn, y, args, None)
            jac, (f, aux) = jax.jacfwd(g, has_aux=True)(flat)
            return f, aux, jac
        f, aux = fn(y, args)
        flat, g = _flat_fn(lowp_fn(self, fn), y, args, self.dtype)
        jac, _ = jax.jacfwd(g, has_aux=True)(flat)
        return f, aux, jac

    def solve(self, fn, y, args, f, lin, state, step, fnorm):
        del fn, args, step, fnorm
        fflat = ravel_pytree(f)[0]
        _, unravel = ravel_pytree(y)
        d = jnp.linalg.solve(lin, -fflat.astype(lin.dtype)).astype(fflat.dtype)
        ok = jnp.all(jnp.isfinite(d))
        result = lx.RESULTS.where(ok, lx.RESULTS.successful, lx.RESULTS.singular)
        d = jnp.where(ok, d, 0.0)
        return unravel(d), state, result, {"matvecs": jnp.array(0), "jac": jnp.array(1)}

    def adjoint_solver(self) -> lx.AbstractLinearSolver:
        return lx.AutoLinearSolver(well_posed=None)
