r"""The gravity block of the inversion: unit costs x^j from observed sales (spec, inversion step 2).

Per tradable industry j, given gross output $Y^j_n$ and absorption $X^j_n$ (N each), find
$\ln x^j$ with

$$Y^j_m = (x^j_m)^{-θ^j} \sum_n K^j_{nm} (P^j_n)^{θ^j} X^j_n, \qquad
(P^j_n)^{-θ^j} = \sum_m K^j_{nm} (x^j_m)^{-θ^j}$$

(Eaton-Kortum; Alvarez & Lucas 2007 show existence and uniqueness up to scale for a positive
kernel). $\sum_m Y_m = \sum_n X_n$ makes one equation redundant; it is replaced by the scale
normalisation $\frac1N\sum_n \ln P^j_n = 0$. Each industry is one N-unknown root find
(dense Newton, :func:`econhubs.core.root_find`), vmapped over the tradable industries, so
``jax.grad`` with respect to θ, the kernels (distance elasticities) and the data goes through
the implicit function theorem.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..core import Newton, root_find

GRAVITY_SOLVER = Newton(atol=1e-12)


def _log_price(lx, th, K):
    c = jnp.min(lx)
    return c - jnp.log(K @ jnp.exp(-th * (lx - c))) / th


def _residual(lx, args):
    lY, X, th, K = args
    lP = _log_price(lx, th, K)
    c = jnp.min(lx)
    lsales = -th * (lx - c) + jnp.log(K.T @ (X * jnp.exp(th * (lP - c))))
    res = lsales - lY
    return res.at[0].set(jnp.mean(lP))


def _solve_one(lY, X, th, K):
    lx0 = -(lY - jnp.mean(lY)) / th
    sol = root_find(_residual, lx0, (lY, X, th, K), solver=GRAVITY_SOLVER, max_steps=100, throw=False)
    return sol.value, sol.residual, sol.converged


def unit_costs(Y: Float[Array, "N J"], X: Float[Array, "N J"], theta: Float[Array, " J"], kernels, group):
    """ln x (N, J) for tradables (nontradables: ln x = 0, i.e. P = x = 1, their level being
    unidentified), with the max residual and whether every industry converged.

    All tradable industries are solved by one compiled root find mapped (``lax.map``, one after the
    other) over a (J_T, N, N) stack of their kernels (a one-off gather of ~25 MB at N = 382): one
    compiled Newton instead of one per kernel group. Not ``vmap``: a vmapped Newton runs every industry
    to the slowest one's trial count (112 line-search trials, each with its dense Jacobian, against
    6-67 for most industries; issue 11: 285 s CPU against ~30 s on the real 382-metro data).
    """
    N, J = Y.shape
    g = np.asarray(group)
    idx = np.flatnonzero(g >= 0)
    lx = jnp.zeros((N, J), Y.dtype)
    if len(idx) == 0:
        return lx, jnp.array(0.0, Y.dtype), jnp.array(True)
    v, r, c = jax.lax.map(lambda a: _solve_one(*a), (jnp.log(Y[:, idx]).T, X[:, idx].T, theta[idx], kernels[g[idx]]))
    return lx.at[:, idx].set(v.T), jnp.max(r), jnp.all(c)
