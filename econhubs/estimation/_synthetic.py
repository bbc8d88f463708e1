r"""A SYNTHETIC economy for Table 1 with known truth: the seed's τ and a known error structure.

Starts from :func:`econhubs.spatial.default_economy` (real geography, seed Table 1 τ, synthetic
λ̂ = a^{kj} + b^j_n + e^{kj}_n) and adds to ln λ̂, with a seeded generator,

- u^k_n ~ N(0, shock_sd²): a metro × occupation productivity shock common to all industries.
  Workers move towards it, so it is correlated with the regressors: the source of OLS bias;
- a census-division effect ~ N(0, 0.05²) and a climate-proxy slope 0.03 × (standardised latitude),
  which the regression's division dummies and climate proxies absorb.

The regression error of Table 1 is then b^j_n + e^{kj}_n + u^k_n, independent of amenities,
structures and geography, which alone move the geometric-mean counterfactual (the instruments).
"""

from __future__ import annotations

import dataclasses

import numpy as np


def synthetic_table1_economy(n_cities: int | None = None, seed: int = 0, shock_sd: float = 0.2):
    """DefaultEconomy (SYNTHETIC fundamentals) whose λ̂ carries the shocks above; τ = seed Table 1."""
    from ..spatial import Fundamentals, default_economy

    ec = default_economy(n_cities, seed=seed)
    m = ec.data.metros
    N, K, _ = ec.fundamentals.lam_hat.shape
    rng = np.random.default_rng([seed, 15])
    u = rng.normal(0.0, shock_sd, (N, K, 1))
    codes, names = m["division"].factorize(sort=True)
    div = rng.normal(0.0, 0.05, len(names))[codes]
    lat = (m["lat"].to_numpy(float) - m["lat"].mean()) / m["lat"].std()
    shift = u + (div + 0.03 * lat)[:, None, None]
    f = ec.fundamentals
    f = Fundamentals(lam_hat=np.asarray(f.lam_hat) * np.exp(shift), A=f.A, H=f.H)
    return dataclasses.replace(ec, fundamentals=f)
