"""Small economies for tests (random but seeded; nothing here is a reference value)."""

import numpy as np

from econhubs.spatial import Fundamentals, HubsParams, TradeCosts


def small_economy(N=12, J=4, K=2, seed=0, tau=True, nontradable=1):
    rng = np.random.default_rng(seed)
    gam = rng.uniform(0.35, 0.6, J)
    io = rng.uniform(0, 1, (J, J))
    io = io / io.sum(1, keepdims=True) * (1 - gam)[:, None]
    alpha = rng.uniform(0.5, 1, J)
    alpha /= alpha.sum()
    group = tuple([j % 3 for j in range(J - nontradable)] + [-1] * nontradable)
    tau_R = np.where(np.array(group)[None] >= 0, rng.uniform(0.1, 0.4, (K, J)), 0.0) if tau else np.zeros((K, J))
    tau_L = np.where(np.array(group) >= 0, rng.uniform(0.05, 0.15, J), 0.0) if tau else np.zeros(J)
    p = HubsParams(
        theta=rng.uniform(3, 6, J),
        nu=3.0,
        epsilon=1.6,
        alpha=alpha,
        gamma=gam,
        io=io,
        beta=np.full(J, 0.8),
        tau_R=tau_R,
        tau_L=tau_L,
        L_bar=rng.uniform(0.5, 1.5, K),
    )
    f = Fundamentals(
        lam_hat=rng.lognormal(0, 0.3, (N, K, J)), A=rng.lognormal(0, 0.3, (N, K)), H=rng.lognormal(0, 0.5, N)
    )
    xy = rng.uniform(0, 1000, (N, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(N)
    tc = TradeCosts.from_distance(d, np.array([1.5, 0.6, 1.0]), group)
    return p, f, tc, d
