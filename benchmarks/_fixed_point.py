r"""Damped fixed-point iteration: the baseline every benchmark compares against.

Iterates $y_{t+1} = (1-\delta)\,y_t + \delta\,G(y_t)$ until $\max|G(y_t) - y_t| \le$ ``tol``,
inside ``lax.while_loop``. This is the algorithm of the CPRS-style Matlab codes (wage
tâtonnement, price fixed points); it is here so benchmarks can run it in the same process,
not as a recommended solver. Benchmark-only (moved out of the package, issue 13).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
from jaxtyping import Array, PyTree

from econhubs.core import RESULTS, Solution, check_solution


class DampedFixedPoint(eqx.Module):
    """Settings: ``damping`` δ in (0, 1], ``tol`` on max |G(y) - y|, ``max_steps``."""

    damping: float = 0.5
    tol: float = 1e-10
    max_steps: int = 100_000

    def __check_init__(self):
        if not 0.0 < self.damping <= 1.0:
            raise ValueError(f"DampedFixedPoint.damping must be in (0, 1], got {self.damping}")


def fixed_point(
    g: Callable[[PyTree[Array], Any], PyTree[Array]],
    y0: PyTree[Array],
    args: Any = None,
    *,
    solver: DampedFixedPoint = DampedFixedPoint(),
    throw: bool = True,
    what: str = "damped fixed point",
) -> Solution:
    """Iterate ``y <- (1-δ) y + δ g(y, args)`` to ``max|g(y) - y| <= tol``."""

    def cond(carry):
        _, err, k = carry
        return (k == 0) | ((err > solver.tol) & (k < solver.max_steps) & jnp.isfinite(err))

    def body(carry):
        y, _, k = carry
        gy = g(y, args)
        err = jnp.max(jnp.stack([jnp.max(jnp.abs(d)) for d in jtu.tree_leaves(jtu.tree_map(jnp.subtract, gy, y))]))
        y_new = jtu.tree_map(lambda a, b: (1.0 - solver.damping) * a + solver.damping * b, y, gy)
        return y_new, err, k + 1

    init = (y0, jnp.array(jnp.inf, dtype=jnp.result_type(float)), jnp.array(0))
    y, err, k = jax.lax.while_loop(cond, body, init)
    result = RESULTS.where(
        err <= solver.tol,
        RESULTS.successful,
        RESULTS.where(jnp.isfinite(err), RESULTS.nonlinear_max_steps_reached, RESULTS.nonfinite),
    )
    out = Solution(value=y, aux=None, residual=err, num_steps=k, result=result)
    return check_solution(out, what, solver.tol) if throw else out
