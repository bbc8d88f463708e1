r"""XLA compiler options for the toolkit's large programs: CPU code generation at about half the cost.

On a CPU most of the compile time of a big solve is LLVM: every distinct fused kernel is emitted
and optimised on its own (issue 11: ~400 kernels in the 382-city hubs solve). Two XLA options, set
per program (``jax.jit(..., compiler_options=...)``, never globally):

- ``xla_cpu_use_fusion_emitters=False``: XLA's classic elemental kernel emitter instead of the
  MLIR fusion emitters (same fused computations, much cheaper to emit);
- ``xla_backend_optimization_level=1``: LLVM -O1 instead of the default level.

Measured on the 382 x 22 x 2 hubs solve (2-core CPU, same process, so the load cancels): compile
CPU time 15.6 s -> 8.9 s, the same solve time (0.76 s CPU at load 8) and the same iterates (same
Newton steps and GMRES products, max |Δz| 1.4e-14). -O1 alone, with the fusion emitters, saves
nothing; -O0 compiles faster still but slows the solve by 40 %.

An optimisation level already set in ``XLA_FLAGS`` (the test suite's ``-O0``) is kept: options given
per program would override it. Off the CPU, or with ``ECONHUBS_XLA_DEFAULT_OPTIONS=1``, no option
is set. An option this jaxlib does not know is dropped (checked once on a tiny program).

``ynn_fusions=False`` also turns off XLA:CPU's YNN library fusions
(``xla_cpu_experimental_ynn_fusion_type=""``), which slowed the dynamic model's gather-and-reduce
time-iteration graph (issue 17): ``solve_competitive`` at I = 2 on the default grid, same process
kind, load 5: first call 98.9 -> 60.5 s CPU, a warm call 24.5 -> 13.8 s CPU, same policies to 1e-14
(the emitter and -O1 options alone: 64.8 and 22.9 s). The hubs and CPRS solves keep jax's default.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

_CPU_OPTIONS = (("xla_cpu_use_fusion_emitters", False), ("xla_backend_optimization_level", 1))
_NO_YNN = (("xla_cpu_experimental_ynn_fusion_type", ""),)


@functools.cache
def _supported(options: tuple[tuple[str, Any], ...]) -> bool:
    try:
        jax.jit(jnp.negative, compiler_options=dict(options)).lower(jnp.zeros(())).compile()
        return True
    except Exception:  # noqa: BLE001  (an option this jaxlib does not know: leave it out)
        return False


def compiler_options(backend: str | None = None, *, ynn_fusions: bool = True) -> dict[str, Any]:
    """The options for a large program on ``backend`` (default: JAX's default backend); ``ynn_fusions=False``
    also turns XLA:CPU's YNN fusions off; see module docstring."""
    backend = jax.default_backend() if backend is None else backend
    if backend != "cpu" or os.environ.get("ECONHUBS_XLA_DEFAULT_OPTIONS", "") not in ("", "0"):
        return {}
    flags = os.environ.get("XLA_FLAGS", "")
    wanted = tuple((k, v) for k, v in _CPU_OPTIONS + (() if ynn_fusions else _NO_YNN) if k not in flags)
    if _supported(wanted):  # one tiny compile checks them all; else one by one
        return dict(wanted)
    return {k: v for k, v in wanted if _supported(((k, v),))}


def fast_compile_jit(fn: Callable, *, ynn_fusions: bool = True) -> Callable:
    """``eqx.filter_jit(fn)`` compiled with :func:`compiler_options` of the default backend, chosen at the
    first call (not at import: choosing needs the backend). Called on traced arguments (inside ``jit``,
    ``grad``, ``vmap``) it is the plain ``eqx.filter_jit(fn)``: JAX takes compiler options only on the
    outermost program, whose options then apply."""
    plain = eqx.filter_jit(fn)

    @functools.cache
    def jitted() -> Callable:
        options = compiler_options(ynn_fusions=ynn_fusions)
        # equinox passes jit keywords through to jax.jit (its type stubs do not list them)
        return eqx.filter_jit(fn, compiler_options=options) if options else plain  # type: ignore[call-overload]

    @functools.wraps(fn)
    def call(*args, **kwargs):
        traced = any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves((args, kwargs)))
        return (plain if traced else jitted())(*args, **kwargs)

    return call
