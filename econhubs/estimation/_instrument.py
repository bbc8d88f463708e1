r"""The instrument counterfactual of Table 1: the equilibrium with λ at its cross-city geometric mean.

RSS (2021, Table 1; spec "Externality estimation"): the model-implied instruments are the
regressors computed from the equilibrium in which every λ^{kj}_n is replaced by
$\bar λ^{kj} = \exp(\frac1N\sum_n \ln λ^{kj}_n)$, externalities off (τ = 0, so λ stays at λ̄),
amenities A, structures H, trade costs and the other parameters unchanged.

Solve: first directly (Newton-GMRES, ``solve_equilibrium``, from the solver's cold start for the
counterfactual economy, :func:`~econhubs.spatial.initial_guess`). Not from the observed allocation:
the counterfactual moves employment by factors 0.3-3, and on the 30 largest real metros Newton
started there stalled at max residual 1.3 (the sales block ``Y`` of St. Louis and Kansas City,
the numéraire row) after 60 steps, while the cold start converged in 10 (all 382: 23 steps,
17 from the observed allocation). If the direct solve fails, by **continuation** in s ∈ [0, 1] along

$$\hat λ_s = λ^{1-s}\,\bar λ^{s}, \qquad τ_s = 0,$$

from s = 0, where the solution is known: with λ̂ = λ (the observed productivity, externalities
included) and τ = 0 the equilibrium conditions are those of the observed economy with λ fixed at
its observed value, so the observed allocation (``z0``, e.g. ``Inversion.z``) solves them. Each step
is warm-started from the last; a failed step is halved (down to ``min_step``), a successful one
doubles the next. Every accepted step, the last included, meets the same tolerance as any solve
(``solve_equilibrium``'s own convergence and Walras checks); otherwise :class:`ConvergenceError`.
"""

from __future__ import annotations

import inspect

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..core import ConvergenceError


def geometric_mean_fundamentals(lam: Float[Array, "N K J"], params, fundamentals, s: float = 1.0):
    """(params, fundamentals) of the instrument counterfactual: λ̂ = λ^{1-s} λ̄^s (s = 1: the
    geometric mean over n for every (k, j)), τ = 0, amenities and structures unchanged, workers mobile."""
    from ..spatial import Fundamentals

    llam = jnp.log(jnp.asarray(lam))
    llam_bar = jnp.mean(llam, axis=0, keepdims=True)
    f_cf = Fundamentals(lam_hat=jnp.exp((1.0 - s) * llam + s * llam_bar), A=fundamentals.A, H=fundamentals.H)
    zeros = (jnp.zeros_like(params.tau_R), jnp.zeros_like(params.tau_L))
    p_cf = eqx.tree_at(lambda p: (p.tau_R, p.tau_L), params, zeros)
    return p_cf, f_cf


class InstrumentSolve(eqx.Module):
    """The counterfactual equilibrium, how it was reached (``"direct"`` or ``"continuation"``),
    the accepted values of s (continuation only), the number of equilibrium solves and Newton steps."""

    equilibrium: object
    method: str = eqx.field(static=True)
    path: tuple = eqx.field(static=True)
    solves: int = eqx.field(static=True)
    newton_steps: int = eqx.field(static=True)


def _ok(eq) -> bool:
    return bool(np.all(np.asarray(eq.converged)))


def _atol(solve_kwargs: dict) -> float:
    """The residual tolerance of the solve (``solver`` keyword, else ``solve_equilibrium``'s default)."""
    from ..spatial import solve_equilibrium

    solver = solve_kwargs.get("solver", inspect.signature(solve_equilibrium).parameters["solver"].default)
    return float(solver.atol)


def instrument_equilibrium(lam, params, fundamentals, trade, *, z0: dict | None = None, method: str = "auto",
                           first_step: float = 0.25, min_step: float = 1.0 / 256, **solve_kwargs) -> InstrumentSolve:
    """Solve the instrument counterfactual (module docstring). ``z0``: the observed equilibrium's
    unknowns (``Equilibrium.z`` / ``Inversion.z``), the continuation's s = 0 point (without it
    s = 0 is solved first, from a cold start); the direct solve always starts cold.
    ``method``: ``"auto"`` (direct, then continuation on failure), ``"direct"`` or ``"continuation"``.
    Raises :class:`ConvergenceError` if no converged counterfactual is reached."""
    from ..spatial import solve_equilibrium

    if method not in ("auto", "direct", "continuation"):
        raise ValueError(f"method must be 'auto', 'direct' or 'continuation', got {method!r}")
    solve_kwargs = {**solve_kwargs, "throw": False}
    solves, steps = 0, 0
    if method != "continuation":
        # cold start (z0=None): the same compiled solve as a plain ``solve_equilibrium`` (e.g. `econhubs hubs`)
        eq = solve_equilibrium(*geometric_mean_fundamentals(lam, params, fundamentals), trade, **solve_kwargs)
        solves, steps = 1, int(eq.iterations)
        if _ok(eq):
            return InstrumentSolve(eq, "direct", (), solves, steps)
        if method == "direct":
            raise ConvergenceError("instrument counterfactual (direct)", float(eq.residual), steps, _atol(solve_kwargs),
                                   "try method='continuation'")
    if z0 is None:
        p0, f0 = geometric_mean_fundamentals(lam, params, fundamentals, 0.0)
        eq = solve_equilibrium(p0, f0, trade, **solve_kwargs)
        solves, steps = solves + 1, steps + int(eq.iterations)
        if not _ok(eq):
            raise ConvergenceError("instrument counterfactual (s = 0, the observed economy)", float(eq.residual),
                                   int(eq.iterations), _atol(solve_kwargs), "pass the observed equilibrium as z0")
        z0 = eq.z
    s, ds, z, path, eq = 0.0, first_step, z0, [0.0], None
    while s < 1.0:
        t = min(1.0, s + ds)
        trial = solve_equilibrium(*geometric_mean_fundamentals(lam, params, fundamentals, t), trade, z0=z,
                                  **solve_kwargs)
        solves, steps = solves + 1, steps + int(trial.iterations)
        if _ok(trial):
            s, z, eq, ds = t, trial.z, trial, 2.0 * ds
            path.append(t)
        else:
            ds = ds / 2.0
            if ds < min_step:
                raise ConvergenceError("instrument counterfactual (continuation)", float(trial.residual),
                                       int(trial.iterations), _atol(solve_kwargs),
                                       f"step in s below {min_step} at s = {s:.4f} after {solves} solves")
    return InstrumentSolve(eq, "continuation", tuple(path), solves, steps)


def instrument_allocation(lam, params, fundamentals, trade, **kwargs) -> np.ndarray:
    """L^k_n (N, K) in the instrument counterfactual (:func:`instrument_equilibrium`; raises if unconverged)."""
    return np.asarray(instrument_equilibrium(lam, params, fundamentals, trade, **kwargs).equilibrium.L)
