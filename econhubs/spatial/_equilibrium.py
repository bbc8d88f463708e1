"""`solve_equilibrium`: the sectoral-hubs equilibrium from a cold start, and its outputs.

The solve is matrix-free Newton-GMRES (``econhubs.core.Newton(linear=GMRES(...))``) on the
log residual of :mod:`econhubs.spatial._hubs`, right-preconditioned by its city blocks
(:mod:`._hubs_precond`), started from a cheap consistent guess (prices and sales from 5 inner
fixed-point sweeps at uniform wages). Gradients of any output with
respect to parameters, fundamentals or trade costs pass through the solve by implicit
differentiation (``econhubs.core.root_find``).
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gamma as gamma_fn
from jaxtyping import Array, Float

from ..core import (
    GMRES,
    RESULTS,
    ConvergenceError,
    Newton,
    Solution,
    check_solution,
    exported_call,
    fast_compile_jit,
    is_concrete,
    root_find,
)
from ._hubs import blocks, city_log_price, constants, dropped_from_blocks, has_structures, residual
from ._hubs_precond import CityBlockPreconditioner
from ._params import Fundamentals, HubsParams, TradeCosts, check_model
from ._trade import log_price_index, sales, trade_shares

WALRAS_TOL = 1e-8
"""Largest |residual| of the dropped market-clearing equation accepted after a solve (Walras' law
makes it zero up to rounding times the conditioning of the solve)."""

HUBS_SOLVER = Newton(atol=1e-11, linear=GMRES(restart=60, max_restarts=10, rtol=0.1, rtol_min=1e-3, forcing=0.1,
                                                  preconditioner=CityBlockPreconditioner(), precond_every=3))
"""Newton-GMRES, right-preconditioned by city blocks (rebuilt every 3 steps); issue 11."""


class Equilibrium(eqx.Module):
    """An equilibrium allocation with its prices (levels; numéraire Σ w L = 1).

    w, L (N, K); Lkj (N, K, J) employment by occupation and industry; P, x, Y, X (N, J) prices,
    unit costs, gross output, expenditure; r (N) rents; C (N, K) real consumption; U (K)
    expected utility Ū^k; lam (N, K, J) productivity with externalities; E (N) final spending.
    walras: residual of the market-clearing equation the numéraire replaced, checked after the
    solve (Walras' law); ``converged`` is False if it exceeds ``WALRAS_TOL``.
    ``trade_shares(j)`` gives π^j (N, N) on demand (never stored for all j).
    """

    w: Float[Array, "N K"]
    L: Float[Array, "N K"]
    Lkj: Float[Array, "N K J"]
    P: Float[Array, "N J"]
    x: Float[Array, "N J"]
    Y: Float[Array, "N J"]
    X: Float[Array, "N J"]
    r: Float[Array, " N"]
    C: Float[Array, "N K"]
    U: Float[Array, " K"]
    lam: Float[Array, "N K J"]
    E: Float[Array, " N"]
    chi: Float[Array, " K"]
    z: dict
    params: HubsParams
    fundamentals: Fundamentals
    trade: TradeCosts
    residual: Float[Array, ""]
    iterations: Array
    converged: Array
    walras: Float[Array, ""] | None = None

    def trade_shares(self, j: int) -> Float[Array, "N N"]:
        """π^j_{nm}: share of destination n's spending on industry j bought from source m."""
        return trade_shares(jnp.log(self.x), jnp.log(self.P), self.params.theta, self.trade, j)

    @property
    def city_price(self) -> Float[Array, " N"]:
        """P_n = Π_j (P^j_n / α^j)^{α^j}."""
        return jnp.exp(city_log_price(jnp.log(self.P), self.params.alpha))


def initial_guess(p: HubsParams, f: Fundamentals, trade: TradeCosts, sweeps: int = 5, c=None) -> dict:
    """A cold start: L ∝ A^ν, equal wages with Σ w L = 1, rents at the structures share, and
    prices and sales from ``sweeps`` inner fixed-point passes (each a contraction)."""
    N, K = f.A.shape
    J = p.theta.shape[0]
    if f.L_fixed is None:
        lL = jnp.log(p.L_bar)[None] + p.nu * jnp.log(f.A) - jax.nn.logsumexp(p.nu * jnp.log(f.A), axis=0)[None]
    else:
        lL = jnp.log(f.L_fixed)
    lw = jnp.full((N, K), -jnp.log(jnp.sum(p.L_bar)))
    share_r = jnp.sum(p.alpha * (1.0 - p.beta)) / jnp.sum(p.alpha * p.beta)
    share_r = jnp.where(share_r > 0, share_r, 0.1)  # without structures ln r = 0 below
    lr = jnp.log(share_r * jnp.sum(jnp.exp(lw + lL), axis=1) / f.H)
    lr = jnp.where(has_structures(p), lr, 0.0)
    z = {"w": lw, "L": lL, "P": jnp.zeros((N, J)), "Y": jnp.zeros((N, J)), "r": lr}

    b = blocks(z, p, f, trade, c=c)  # at ln P = 0: ln x = b.lx + ln P γ^T, and E does not depend on prices
    lP = jax.lax.fori_loop(0, sweeps, lambda _, lP: log_price_index(b.lx + lP @ p.io.T, p.theta, trade), z["P"])
    lx, E = b.lx + lP @ p.io.T, b.E
    Y0 = E[:, None] * (p.alpha[None] + 1.0 / J) / p.gamma[None]  # > 0 also where α^j = 0

    def sales_sweep(_, Y):
        X = Y @ p.io + E[:, None] * p.alpha[None]
        return sales(lx, lP, X, p.theta, trade)

    Y = jax.lax.fori_loop(0, sweeps, sales_sweep, Y0)
    return {**z, "P": lP, "Y": jnp.log(Y)}


def _package(z: dict, sol: Solution, p: HubsParams, f: Fundamentals, trade: TradeCosts, c=None) -> Equilibrium:
    b = blocks(z, p, f, trade, c=c)
    walras = jax.lax.stop_gradient(dropped_from_blocks(z, p, f, b, c))
    w, L, Y = jnp.exp(z["w"]), jnp.exp(z["L"]), jnp.exp(z["Y"])
    Lkj = b.varsigma * (p.beta * p.gamma)[None, None] * Y[:, None, :] / w[:, :, None]
    U = gamma_fn(1.0 - 1.0 / p.nu) * jnp.sum((f.A * b.C) ** p.nu, axis=0) ** (1.0 / p.nu)
    return Equilibrium(
        w=w, L=L, Lkj=Lkj, P=jnp.exp(z["P"]), x=jnp.exp(b.lx), Y=Y, X=b.X, r=jnp.exp(z["r"]), C=b.C,
        U=U, lam=b.lam, E=b.E, chi=b.chi, z=z, params=p, fundamentals=f, trade=trade,
        residual=sol.residual, iterations=sol.num_steps, converged=sol.converged & (jnp.abs(walras) <= WALRAS_TOL),
        walras=walras,
    )


def _solve_impl(p, f, trade, z0, solver, max_steps):
    c = constants(p, f)  # parameter-only logs, once, outside the Newton loop (issue 11: compile time)
    z0 = initial_guess(p, f, trade, c=c) if z0 is None else z0
    sol = root_find(residual, z0, (p, f, trade, c), solver=solver, max_steps=max_steps, throw=False)
    return _package(sol.value, sol, p, f, trade, c), sol


_solve = fast_compile_jit(_solve_impl)  # CPU: cheaper LLVM code generation (issue 11)

_PLAIN = ("w", "L", "Lkj", "P", "x", "Y", "X", "r", "C", "U", "lam", "E", "chi", "z", "residual", "iterations",
          "converged", "walras")


def _solve_plain(p, f, trade, z0, max_steps):
    """The default solve with plain containers out (a dict of arrays): the program that
    :func:`econhubs.core.exported_call` serializes."""
    eq, sol = _solve_impl(p, f, trade, z0, HUBS_SOLVER, max_steps)
    return {**{k: getattr(eq, k) for k in _PLAIN}, "result": jax.tree.leaves(sol.result), "stats": sol.stats}


def _solve_exported(p, f, trade, z0, max_steps):
    """(Equilibrium, Solution) from the stored export of :func:`_solve_plain`, or None (see exported_call)."""
    out = exported_call(f"hubs-solve-{max_steps}", functools.partial(_solve_plain, max_steps=max_steps), p, f, trade,
                        z0)
    if out is None:
        return None
    result = jax.tree.unflatten(jax.tree.structure(RESULTS.successful), out["result"])
    sol = Solution(value=out["z"], aux=None, residual=out["residual"], num_steps=out["iterations"], result=result,
                   stats=out["stats"])
    return Equilibrium(**{k: out[k] for k in _PLAIN}, params=p, fundamentals=f, trade=trade), sol


def check_walras(eq: Equilibrium) -> None:
    """Raise :class:`ConvergenceError` if the dropped equation (Walras' law) fails after a solve."""
    if eq.walras is None or not is_concrete(eq.walras):
        return
    w = np.asarray(eq.walras)
    if np.any(~(np.abs(w) <= WALRAS_TOL)):
        bad = float(np.max(np.where(np.isfinite(w), np.abs(w), np.inf)))
        raise ConvergenceError(
            "sectoral-hubs equilibrium", bad, int(np.max(np.asarray(eq.iterations))), WALRAS_TOL,
            "Walras' law check failed: the market-clearing equation replaced by the numéraire (structures of city 0; "
            "labour of city 0, occupation 0 without structures) does not hold at the solution. The other equations "
            "do not pin the solution down, e.g. a structures share 1 - beta so small that rents are unidentified",
        )


def solve_equilibrium(
    params: HubsParams,
    fundamentals: Fundamentals,
    trade: TradeCosts,
    *,
    z0: dict | None = None,
    solver: Newton = HUBS_SOLVER,
    max_steps: int = 60,
    throw: bool = True,
) -> Equilibrium:
    """Solve the sectoral-hubs equilibrium (levels).

    z0: a warm start (e.g. ``previous.z``); default a cold start. Raises
    :class:`econhubs.core.ConvergenceError` with the residual and iteration count if Newton
    fails (``throw=False`` returns the equilibrium with ``converged=False`` instead). Works
    under ``jax.grad``/``jax.jvp`` (implicit differentiation) and ``jax.vmap``.
    """
    N, K = fundamentals.A.shape
    J = params.theta.shape[0]
    if fundamentals.lam_hat.shape[1:] != (K, J) or params.L_bar.shape[0] != K:
        raise ValueError(
            f"fundamentals/params disagree on sizes: lam_hat {fundamentals.lam_hat.shape}, "
            f"A {fundamentals.A.shape}, theta (J={J}), L_bar (K={params.L_bar.shape[0]})"
        )
    if trade.kernels.shape[1] != N or len(trade.group) != J:
        raise ValueError(
            f"trade: kernels {trade.kernels.shape} and group (len {len(trade.group)}) do not match N={N}, J={J}"
        )
    check_model(params, fundamentals, trade)
    out = _solve_exported(params, fundamentals, trade, z0, max_steps) if solver is HUBS_SOLVER else None
    eq, sol = _solve(params, fundamentals, trade, z0, solver, max_steps) if out is None else out
    if throw:
        check_solution(sol, "sectoral-hubs equilibrium (Newton-GMRES)", solver.atol)
        check_walras(eq)
    return eq
