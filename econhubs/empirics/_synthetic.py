"""SYNTHETIC default panel: 722 regions x 17 industries x decades 1950..2020, from a seed.

Not data. It exists so that ``econhubs facts`` and the examples run without a census panel,
and so that tests can recover coefficients that were planted on purpose.

Construction (all vectorised over regions, industries, years):
1. Target 1950 Ginis g_r with the slides' Table 1 moments (mean 0.46, CV 0.162, p90/p10 1.55):
   a normal/uniform mixture standardised to the exact mean and s.d., mixing weight chosen by
   bisection to hit p90/p10.
2. 1950 shares s_ir ∝ (b_i e^{eps_ir})^{tau_r}; tau_r solved by bisection so that
   Gini(s_r) = g_r exactly; b_i and the later-year shifters m_it are rescaled (outer fixed
   point) so that national income shares follow the shipped 1950/1990/2020 table (log-linear
   between those years). Later shares s_irt ∝ s_ir,1950 m_it e^{u_irt}, u an AR(1) over decades
   (region-industry persistence for Fact 3).
3. Controls (population, high-skill share, old-age dependency, female share) with drifts.
4. PLANTED equations (coefficients of the slides' Fact 1 table, columns (1) and (3)):
     log y_r,base = c0 + 0.844 Gini + ... + noise,
     log y_r,end - log y_r,base = c1 + BETA_GROWTH Gini + delta g_hat + gamma log y_base + ... + noise,
   with g_hat computed from the panel itself (hence the outer fixed point), intermediate years
   on a Brownian bridge. Population enters as the region's share of national population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._measures import gini, us_industries
from ._schema import Panel, validate_panel

PLANTED_GROWTH = {"gini": -0.233, "g_hat": -0.180, "log_income_pc": -0.868, "high_skill_share": 1.435,
                  "old_age_dependency": 0.0145, "female_share": 0.984, "population": 170.6}
PLANTED_LEVEL = {"gini": 0.844, "g_hat": -0.187, "high_skill_share": 6.042,
                 "old_age_dependency": -0.0187, "female_share": 0.0754, "population": 136.8}
GINI_MOMENTS = {"mean": 0.46, "cv": 0.162, "p90_p10": 1.55}


def _target_ginis(rng, n, mean, cv, ratio):
    z, u = rng.standard_normal(n), rng.uniform(-1.0, 1.0, n)
    std = lambda v: (v - v.mean()) / v.std()  # noqa: E731
    z, u = std(z), std(u)

    def make(lam):
        x = std(np.sqrt(lam) * z + np.sqrt(1.0 - lam) * u)
        return mean * (1.0 + cv * x)

    def r(lam):
        g = make(lam)
        return np.quantile(g, 0.9) / np.quantile(g, 0.1)

    lo, hi = 0.0, 1.0  # lam = 1 (normal) gives the lowest ratio, lam = 0 (uniform) the highest
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if r(mid) > ratio else (lo, mid)
    return np.clip(make(0.5 * (lo + hi)), 0.02, 0.98)


def _shares_with_gini(v, target, iters=60):
    """s ∝ v^tau per row with Gini(s) = target (Gini increases in tau)."""
    logv = np.log(v)
    lo, hi = np.zeros(len(v)), np.full(len(v), 60.0)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        g = gini(np.exp(mid[:, None] * (logv - logv.max(axis=1, keepdims=True))))
        lo, hi = np.where(g < target, mid, lo), np.where(g < target, hi, mid)
    t = 0.5 * (lo + hi)[:, None]
    s = np.exp(t * (logv - logv.max(axis=1, keepdims=True)))
    return s / s.sum(axis=1, keepdims=True)


def _national_targets(years):
    tab = us_industries()
    ly = np.log(tab[["share_1950", "share_1990", "share_2020"]].to_numpy())
    out = np.stack([[np.interp(y, [1950, 1990, 2020], row) for row in ly] for y in years])
    s = np.exp(out)
    return tab, s / s.sum(axis=1, keepdims=True)


def synthetic_panel(n_regions: int = 722, years=tuple(range(1950, 2021, 10)), seed: int = 0, *,
                    beta_growth: float = PLANTED_GROWTH["gini"], noise: float = 0.05,
                    persistence: float = 0.85, shock_sd: float = 0.25, outer_iters: int = 25) -> Panel:
    """Generate the SYNTHETIC panel described in the module docstring (labelled synthetic).

    One function of ~70 lines on purpose: the steps draw from one random stream in a fixed order,
    so that a seed reproduces the same panel; splitting them would make that order implicit.
    """
    years = np.asarray(sorted(years), dtype=np.int64)
    if len(years) < 2 or years[0] < 1950 or years[-1] > 2020:
        raise ValueError(f"synthetic_panel: years must lie in [1950, 2020], at least two; got {years.tolist()}")
    rng = np.random.default_rng(seed)
    tab, S = _national_targets(years)  # (T, I)
    T, I, R = len(years), len(tab), int(n_regions)
    tg = _target_ginis(rng, R, GINI_MOMENTS["mean"], GINI_MOMENTS["cv"], GINI_MOMENTS["p90_p10"])
    eps = rng.normal(0.0, 0.6, (R, I))
    innov = rng.normal(0.0, shock_sd, (T, R, I))
    u = np.zeros((T, R, I))
    for t in range(1, T):  # T <= 8 decades: a loop over years, not over regions or industries
        u[t] = persistence * u[t - 1] + innov[t]
    span = (years - years[0]) / (years[-1] - years[0])
    pop0 = np.exp(rng.normal(np.log(2.0e5), 0.6, R))
    pop = pop0[None, :] * np.exp(np.log(1.12) * (years - years[0])[:, None] / 10 + rng.normal(0, 0.05, (T, R)))
    hs = rng.beta(2.0, 30.0, R)[None, :] + 0.04 * (years - years[0])[:, None] / 10
    oad = np.clip(rng.normal(13.0, 3.0, R), 3, None)[None, :] + 0.8 * (years - years[0])[:, None] / 10
    fem = rng.beta(20.0, 50.0, R)[None, :] + 0.025 * (years - years[0])[:, None] / 10
    e_lvl, e_gr = rng.normal(0, noise, R), rng.normal(0, noise, R)
    bridge = np.cumsum(rng.normal(0, 0.05, (T, R)), axis=0)
    bridge = bridge - span[:, None] * bridge[-1][None, :] - (1 - span)[:, None] * bridge[0][None, :]
    pshare = pop[0] / pop[0].sum()
    Z = {"high_skill_share": hs[0], "old_age_dependency": oad[0], "female_share": fem[0], "population": pshare}

    def incomes(s0, st, g_us):
        G, g_hat = gini(s0), s0 @ g_us
        ly0 = 7.5 + PLANTED_LEVEL["gini"] * G + PLANTED_LEVEL["g_hat"] * g_hat + e_lvl
        ly0 = ly0 + sum(PLANTED_LEVEL[k] * v for k, v in Z.items())
        gr = 1.2 + beta_growth * (G - 0.46) + PLANTED_GROWTH["g_hat"] * g_hat + e_gr
        gr = gr + PLANTED_GROWTH["log_income_pc"] * (ly0 - 7.9) + sum(PLANTED_GROWTH[k] * v for k, v in Z.items())
        ly = ly0[None, :] + span[:, None] * gr[None, :] + bridge
        Y = (np.exp(ly) * pop)[:, :, None] * st  # (T, R, I)
        nat = Y.sum(axis=1)
        return ly, Y, nat / nat.sum(axis=1, keepdims=True), np.log(nat[-1] / nat[0])

    b, m = S[0].copy(), np.ones((T, I))
    g_us = np.log(S[-1] / S[0])
    for _ in range(outer_iters):  # shares: national shares towards the shipped table
        s0 = _shares_with_gini(b[None, :] * np.exp(eps), tg)
        st = s0[None] * m[:, None, :] * np.exp(u)
        st /= st.sum(axis=2, keepdims=True)
        ly, Y, nat_s, g_us = incomes(s0, st, g_us)
        b = b * (S[0] / nat_s[0])
        m[1:] = m[1:] * (S[1:] / nat_s[1:])
    for _ in range(50):  # shares fixed: make g_hat consistent with the panel's national growth
        ly, Y, nat_s, g_new = incomes(s0, st, g_us)
        if np.max(np.abs(g_new - g_us)) < 1e-13:
            break
        g_us = g_new
    wage = np.exp(rng.normal(0, 0.15, I))[None, None, :] * np.exp(rng.normal(0, 0.1, (T, R, I)))
    E = Y / (np.exp(ly)[:, :, None] * wage) * 0.4
    regions = [f"CZ{r + 1:03d}" for r in range(R)]
    idx = pd.MultiIndex.from_product([years, regions, tab["industry"]], names=["year", "region", "industry"])
    ind = pd.DataFrame({"income": Y.reshape(-1), "employment": E.reshape(-1)}, index=idx).reset_index()
    ind = ind[["region", "year", "industry", "income", "employment"]]
    ry = pd.MultiIndex.from_product([years, regions], names=["year", "region"])
    reg = pd.DataFrame({"population": pop.reshape(-1), "high_skill_share": hs.reshape(-1),
                        "old_age_dependency": oad.reshape(-1), "female_share": fem.reshape(-1)},
                       index=ry).reset_index()[["region", "year", "population", "high_skill_share",
                                                "old_age_dependency", "female_share"]]
    dev = float(np.abs(nat_s - S).max())
    meta = {"synthetic": True, "source": f"SYNTHETIC panel (econhubs.empirics.synthetic_panel, seed={seed})",
            "seed": seed, "planted_growth": {**PLANTED_GROWTH, "gini": beta_growth},
            "planted_level": dict(PLANTED_LEVEL), "gini_targets": dict(GINI_MOMENTS),
            "national_share_max_abs_dev": dev}
    panel = validate_panel(ind, reg, meta=meta)
    panel.industry.attrs["synthetic"] = True
    panel.regions.attrs["synthetic"] = True
    return panel
