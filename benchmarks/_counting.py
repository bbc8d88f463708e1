"""Count residual evaluations of any solver in the same process (benchmarks only).

``counted(fn)`` wraps a residual F(y, args) so that every evaluation of F and every
Jacobian-vector product through it calls back to the host once: ``COUNT["f"]`` full evaluations,
``COUNT["jvp"]`` tangent (JVP) evaluations — what GMRES and the preconditioner's JVPs cost. The
callbacks slow a solve, so time it separately, without the wrapper.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.tree_util as jtu

COUNT = {"f": 0, "jvp": 0}


def reset() -> None:
    COUNT.update(f=0, jvp=0)


def _inc(kind, n):
    COUNT[kind] += int(n)


@jax.custom_jvp
def _tick(x):
    jax.debug.callback(_inc, "f", 1)
    return x


@_tick.defjvp
def _tick_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    jax.debug.callback(_inc, "jvp", jnp.ones((), dtype=jnp.int32) + 0 * dx.astype(jnp.int32).sum())
    return _tick(x), dx


def counted(fn):
    """fn(y, args) -> F with evaluations and JVPs counted (vmapped calls count once per batch)."""
    def wrapped(y, args):
        out = fn(y, args)
        leaves, tree = jtu.tree_flatten(out)
        return jtu.tree_unflatten(tree, [_tick(leaves[0])] + leaves[1:])
    return wrapped
