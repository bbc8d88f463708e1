"""Finite-state Markov approximations of Gaussian AR(1) processes, and their products.

x_t = rho x_{t-1} + eps_t, eps ~ N(0, sigma^2), unconditional s.d. sigma_x = sigma / sqrt(1 - rho^2).

* Rouwenhorst (1995), as in Kopecky & Suen (2010): n evenly spaced points on
  [-sqrt(n-1) sigma_x, sqrt(n-1) sigma_x]; the chain matches the mean, variance and first
  autocorrelation of the AR(1) exactly, for any rho (preferred for persistent processes).
* Tauchen (1986): n evenly spaced points on [-m sigma_x, m sigma_x], transition
  probabilities from the normal cdf at the midpoints.

Everything is pure ``jax.numpy`` in (rho, sigma), so chains can be built under ``jit``/``vmap``
(e.g. one chain per region in a batch); ``n`` is static. ``n = 1`` gives the degenerate chain.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax.numpy as jnp
from jax.scipy.stats import norm
from jaxtyping import Array, Float


def _check_n(n: int) -> None:
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"n: number of Markov states must be a positive integer, got {n!r}")


def rouwenhorst(n: int, rho, sigma, mu=0.0) -> tuple[Float[Array, " n"], Float[Array, "n n"]]:
    """Rouwenhorst chain for x_t = mu (1 - rho) + rho x_{t-1} + eps, eps ~ N(0, sigma^2).

    Returns (grid, P) with P[i, j] = Pr(x' = grid[j] | x = grid[i]).
    """
    _check_n(n)
    rho = jnp.asarray(rho, float)
    sigma = jnp.asarray(sigma, float)
    if n == 1:
        return jnp.full((1,), mu, float) + 0.0 * rho, jnp.ones((1, 1)) + 0.0 * rho
    p = (1.0 + rho) / 2.0
    P = jnp.array([[1.0]]) + 0.0 * p
    for m in range(2, n + 1):
        z = jnp.zeros((m, m))
        a = z.at[: m - 1, : m - 1].set(P)
        b = z.at[: m - 1, 1:].set(P)
        c = z.at[1:, : m - 1].set(P)
        d = z.at[1:, 1:].set(P)
        P = p * a + (1 - p) * b + (1 - p) * c + p * d
        P = P.at[1:-1].divide(2.0)
    sx = sigma / jnp.sqrt(1.0 - rho**2)
    psi = jnp.sqrt(n - 1.0) * sx
    grid = mu + jnp.linspace(-1.0, 1.0, n) * psi
    return grid, P


def tauchen(n: int, rho, sigma, mu=0.0, m: float = 3.0) -> tuple[Float[Array, " n"], Float[Array, "n n"]]:
    """Tauchen (1986) chain on [mu - m sigma_x, mu + m sigma_x] (same conventions as rouwenhorst)."""
    _check_n(n)
    rho = jnp.asarray(rho, float)
    sigma = jnp.asarray(sigma, float)
    if n == 1:
        return jnp.full((1,), mu, float) + 0.0 * rho, jnp.ones((1, 1)) + 0.0 * rho
    sx = sigma / jnp.sqrt(1.0 - rho**2)
    x = jnp.linspace(-m, m, n) * sx
    h = x[1] - x[0]
    cond_mean = rho * x[:, None]
    s = jnp.where(sigma > 0, sigma, 1.0)
    upper = norm.cdf((x[None, :] - cond_mean + h / 2) / s)
    lower = norm.cdf((x[None, :] - cond_mean - h / 2) / s)
    P = upper - lower
    P = P.at[:, 0].set(upper[:, 0])
    P = P.at[:, -1].set(1.0 - lower[:, -1])
    P = jnp.where(sigma > 0, P, jnp.eye(n))
    return mu + x, P


def kron_chain(
    grids: Sequence[Float[Array, " _"]], transitions: Sequence[Float[Array, "_ _"]]
) -> tuple[Float[Array, "N d"], Float[Array, "N N"]]:
    """Product chain of independent components (first component varies slowest).

    Returns (states, P): states[e] holds the d component values of joint state e, and
    P = P_1 kron P_2 kron ... kron P_d.
    """
    if len(grids) != len(transitions) or not grids:
        raise ValueError("kron_chain: need one transition matrix per grid (at least one)")
    mesh = jnp.meshgrid(*grids, indexing="ij")
    states = jnp.stack([m.reshape(-1) for m in mesh], axis=-1)
    P = transitions[0]
    for T in transitions[1:]:
        P = jnp.kron(P, T)
    return states, P


def stationary_distribution(P: Float[Array, "n n"]) -> Float[Array, " n"]:
    """Stationary distribution: solves pi (P - I) = 0 with sum(pi) = 1 (one linear solve)."""
    n = P.shape[0]
    A = P.T - jnp.eye(n)
    A = A.at[-1].set(jnp.ones(n))
    rhs = jnp.zeros(n).at[-1].set(1.0)
    return jnp.linalg.solve(A, rhs)
