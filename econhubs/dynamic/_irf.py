"""Generalised impulse responses (Koop, Pesaran & Potter 1996) to a 2 s.d. adverse shock.

Draw n initial states from the simulated ergodic distribution and n innovation paths; the
shocked paths use the same draws with industry i's period-0 innovation lowered by ``size``
standard deviations. IRF_t = mean over draws of (shocked - baseline).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..core import atomic_write
from ._simulate import simulate, simulate_ar1
from ._solution import CESolution

IRF_VARS = ("c", "q", "b", "k1", "eta")


def impulse_response(
    sol: CESolution, key, *, industry: int = 0, size: float = -2.0, n_draws: int = 2000, T: int = 40, burn: int = 300
) -> dict:
    """Average (shocked - baseline) paths of c, q, b, k_1 and eta; also the baseline means."""
    I = sol.n_industries
    if not 0 <= industry < I:
        raise ValueError(f"industry: must be in [0, {I}), got {industry}")
    k1, k2 = jax.random.split(key)
    ergo = simulate(sol, k1, n_regions=n_draws, T=burn)
    b0 = ergo["b"][:, -1]
    k0 = ergo["k"][:, -1, : I - 1]
    e_last = ergo["e"][:, -1]
    exog = jnp.stack(jnp.meshgrid(*sol.grid.exog_grids, indexing="ij"), -1).reshape(-1, I + 1)
    x0 = exog[e_last]
    eps = jax.random.normal(k2, (n_draws, T, I + 1))
    eps = eps.at[:, 0, :].set(0.0)
    shocked = eps.at[:, 0, industry].set(size)
    base = simulate_ar1(sol, b0, k0, x0[:, :I], x0[:, I], eps)
    shock = simulate_ar1(sol, b0, k0, x0[:, :I], x0[:, I], shocked)

    def pick(d):
        return {"c": d["c"], "q": d["q"], "b": d["b"], "k1": d["k"][..., 0], "eta": d["eta"]}

    pb, ps = pick(base), pick(shock)
    return {
        "irf": {v: np.asarray(jnp.mean(ps[v] - pb[v], axis=0)) for v in IRF_VARS},
        "baseline": {v: np.asarray(jnp.mean(pb[v], axis=0)) for v in IRF_VARS},
        "industry": industry,
        "size": size,
        "n_industries": I,
    }


def plot_irf(irf: dict, path: str | None = None):
    """A grid of panels (two rows): c and q (% deviations), b, k_1 and eta (level deviations). Panels
    that would be identically zero are left out and named in the title: k_1 with one industry (capital
    is fixed), eta when the constraint never binds. Writes ``path`` atomically if given."""
    from matplotlib.figure import Figure  # object-oriented API: no backend is selected or changed

    titles = {
        "c": "consumption (% dev.)",
        "q": "capital price q (% dev.)",
        "b": "bonds b (level dev.)",
        "k1": "capital in industry 1 (level dev.)",
        "eta": "collateral multiplier eta (level dev.)",
    }
    flat = {"k1": "k_1 fixed (one industry)", "eta": "eta = 0 (constraint never binds)"}
    keep, dropped = [], []
    for v in IRF_VARS:
        zero = not np.any(irf["irf"][v]) and not np.any(irf["baseline"][v])
        if v == "k1" and irf.get("n_industries", 2) == 1 or (v in flat and zero):
            dropped.append(flat[v])
        else:
            keep.append(v)
    ncol = 3 if len(keep) > 4 else 2
    nrow = -(-len(keep) // ncol)
    fig = Figure(figsize=(4.2 * ncol, 3.2 * nrow))
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for ax, v in zip(axes.ravel(), keep):
        y = irf["irf"][v]
        if v in ("c", "q"):
            y = 100 * y / irf["baseline"][v]
        ax.plot(np.arange(len(y)), y, lw=2)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(titles[v], fontsize=10)
        ax.set_xlabel("years after the shock")
    for ax in axes.ravel()[len(keep) :]:
        ax.set_visible(False)
    note = f" (not shown: {'; '.join(dropped)})" if dropped else ""
    fig.suptitle(
        f"Generalised IRF: {abs(irf['size']):g} s.d. adverse TFP shock to industry {irf['industry'] + 1}" + note,
        fontsize=10,
    )
    fig.tight_layout()
    if path is not None:
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120))
    return fig
