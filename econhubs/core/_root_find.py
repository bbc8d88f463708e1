"""`root_find`: the one entry point every model in the toolkit uses to solve F(y; args) = 0.

It runs :class:`~econhubs.core.Newton` through :func:`optimistix.root_find` with
:class:`optimistix.ImplicitAdjoint`, so ``jax.grad``/``jax.jvp`` of any function of the
solution with respect to ``args`` uses the implicit function theorem (one linear solve with
the Jacobian at the root, by the same lineax solver as the Newton step), never the iterations.

The auxiliary output of ``fn`` is re-evaluated at the root outside the solve, so
derivatives of aux quantities include both their direct dependence on ``args`` and the
dependence through the root.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
from jaxtyping import Array, PyTree, Scalar

from ._checks import is_concrete
from ._errors import ConvergenceError
from ._newton import RESULTS, Newton


class Solution(eqx.Module):
    """Result of a root find.

    value: the root y*; aux: fn's auxiliary output at y*; residual: max |F(y*)|;
    num_steps: Newton iterations; result: an optimistix ``RESULTS`` code; converged:
    ``result == successful``; stats: counters of the work done (``fevals``: full-precision
    residual evaluations, each fused with its Jacobian for ``DenseLU``; ``matvecs``: Krylov
    Jacobian-vector products), empty for solvers that do not count.
    """

    value: PyTree[Array]
    aux: Any
    residual: Scalar
    num_steps: Array
    result: RESULTS
    stats: dict = eqx.field(default_factory=dict)

    @property
    def converged(self) -> Array:
        return jnp.asarray(self.result == RESULTS.successful)


def check_solution(sol: Solution, what: str, atol: float) -> Solution:
    """Raise :class:`ConvergenceError` (with residual and iterations) if ``sol`` failed.

    Outside ``jit``/``vmap`` the error is a Python exception with the numbers; under a
    transformation it becomes an ``equinox.error_if`` runtime error.
    """
    failed = ~sol.converged
    if is_concrete(failed):
        if bool(np.any(np.asarray(failed))):
            res = np.asarray(sol.residual)
            steps = np.asarray(sol.num_steps)
            idx = int(np.argmax(np.where(np.asarray(failed), res, -np.inf))) if res.ndim else 0
            reason: str
            if res.ndim == 0:
                reason = str(RESULTS[sol.result])  # type: ignore[misc]
            else:
                reason = f"{int(np.sum(failed))} of {failed.size} batched solves failed"
            raise ConvergenceError(what, res.reshape(-1)[idx], steps.reshape(-1)[idx], atol, reason)
        return sol
    return eqx.error_if(sol, failed, f"{what} did not converge (see Solution.residual / num_steps)")


def root_find(
    fn: Callable[[PyTree[Array], Any], tuple[PyTree[Array], Any]],
    y0: PyTree[Array],
    args: Any = None,
    *,
    solver: Newton = Newton(),
    max_steps: int = 100,
    has_aux: bool = False,
    throw: bool = True,
    what: str = "Newton solve",
) -> Solution:
    """Solve ``fn(y, args) = 0`` from ``y0``.

    fn: returns F (a pytree shaped like y) or, with ``has_aux=True``, ``(F, aux)``.
    solver: a :class:`Newton` (its ``linear`` field: ``DenseLU()`` or ``GMRES(...)``); its ``atol``
      is the tolerance on max |F|.
    throw: raise :class:`ConvergenceError` naming residual and iterations on failure;
      with ``throw=False`` inspect ``Solution.result``/``converged`` instead (use this inside
      ``vmap`` to let some batch members fail without stopping the others).
    """
    f2 = fn if has_aux else (lambda y, a: (fn(y, a), None))
    if getattr(solver.linear, "dtype", None) is not None:  # lower-precision linearisation: see lowp_fn
        solver = eqx.tree_at(lambda s: s.linear, solver, dataclasses.replace(solver.linear, fn_lowp=f2))  # type: ignore[call-arg]
    sol: Any = optx.root_find(
        f2,
        solver,
        y0,
        args,
        has_aux=True,
        options={"max_newton_steps": max_steps},
        # each loop pass is one trial point: at most max_backtracks + 1 per Newton step, plus y0
        max_steps=max_steps * (solver.max_backtracks + 1) + 1,
        adjoint=optx.ImplicitAdjoint(linear_solver=solver.linear.adjoint_solver()),
        throw=False,
    )
    # aux again at the root, outside the solve: its derivatives then include its direct
    # dependence on args as well as that through the root (the solver's aux has only the latter).
    aux = f2(sol.value, args)[1] if has_aux else None
    stats = {k: sol.stats[k] for k in ("fevals", "matvecs") if k in sol.stats}
    out = Solution(
        value=sol.value,
        aux=aux,
        residual=jax.lax.stop_gradient(sol.stats["residual"]),
        num_steps=sol.stats.get("newton_steps", sol.stats["num_steps"]),
        result=sol.result,
        stats=stats,
    )
    if throw:
        out = check_solution(out, what, solver.atol)
    return out
