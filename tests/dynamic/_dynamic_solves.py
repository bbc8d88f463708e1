"""Solves shared by several tests in tests/dynamic, computed once per session (each distinct grid and
option set is one XLA compile of the whole time iteration, which dominates these tests' time)."""

import functools

from econhubs.dynamic import GridSpec, default_params, solve_competitive

I1_SPEC = GridSpec(n_b=30, n_z=3, n_R=3)  # the documented I = 1 grid (docs/tradeoff.md, 'Accuracy')


@functools.cache
def i1_default(guess_verify="fallback"):
    """I = 1 at the default calibration (theta = 0.02) on the documented grid, bond bounds from the spec.
    Plain sweeps to tol 1e-10 (polish=False: the same fixed point without compiling the Newton-GMRES polish)."""
    return solve_competitive(default_params(1), I1_SPEC, guess_verify=guess_verify, polish=False, tol=1e-10)
