"""Test-only helpers: small random panels and explicit dummy matrices (statsmodels is the oracle)."""

import numpy as np
import pandas as pd


def small_panel(n_regions=9, n_industries=4, years=(1950, 1960, 1970, 1980), seed=0, drop=0):
    rng = np.random.default_rng(seed)
    rows = [(f"R{r}", y, f"I{i}", float(rng.lognormal(0, 1)))
            for y in years for r in range(n_regions) for i in range(n_industries)]
    df = pd.DataFrame(rows, columns=["region", "year", "industry", "income"])
    if drop:
        df = df.drop(index=rng.choice(len(df), drop, replace=False)).reset_index(drop=True)
    return df


def full_rank_dummies(df, factors):
    """Indicator columns of every factor (tuple of columns), greedily keeping independent ones."""
    cols = []
    for f in factors:
        lab = df[list(f)].astype(str).agg("|".join, axis=1)
        for v in pd.unique(lab):
            cols.append((lab == v).to_numpy(float))
    kept = []
    for c in cols:
        trial = np.column_stack(kept + [c])
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            kept.append(c)
    return np.column_stack(kept)
