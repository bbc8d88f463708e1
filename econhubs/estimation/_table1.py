"""Table 1 of RSS (2021): externality elasticities by group, beside the seed's published values.

Numbers come from :class:`ExternalityEstimates` (2SLS with model-implied instruments, SEs clustered
by metro, first-stage Wald statistics; OLS alongside). Markdown and LaTeX go through the
project's one table writer (``econhubs.core.to_markdown`` / ``to_latex``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import to_latex, to_markdown
from ._externalities import ENDOG, ExternalityEstimates

#: Seed Table 1 (RSS 2021, AEA P&P 111): estimates and clustered SEs (τ^R CNR, τ^R NCNR, τ^L).
SEED = {"HE": (0.63, 0.44, 0.20), "PS": (1.22, 0.71, 0.39), "M": (1.23, 1.28, 0.51), "ATT": (0.80, 0.54, 0.37)}
SEED_SE = {"HE": (0.05, 0.14, 0.01), "PS": (0.08, 0.14, 0.01), "M": (0.13, 0.21, 0.01), "ATT": (0.10, 0.14, 0.01)}
LABELS = {"tauR_CNR": "tauR CNR", "tauR_NCNR": "tauR NCNR", "tauL": "tauL"}


def table1_frame(est: ExternalityEstimates) -> pd.DataFrame:
    """Numeric Table 1: one row per group; for each τ the 2SLS estimate, SE, first-stage F, the OLS
    estimate and SE, and the seed's estimate and SE.

    First-stage F = (cluster-robust Wald statistic of the q = 3 excluded instruments) / q, i.e.
    linearmodels' ``f.stat`` (a χ²_q under clustering) divided by q, the F form the seed's
    "F-tests above 10" refers to.
    """
    rows = {}
    for g, r in est.iv.items():
        o, fs, q = est.ols[g], r.first_stage.to_frame(), r.first_stage.num_instruments
        row = {}
        for i, e in enumerate(ENDOG):
            row |= {e: r.params[e], f"{e}_se": r.std_errors[e], f"{e}_F": fs.loc[e, "f.stat"] / q,
                    f"{e}_ols": o.params[e], f"{e}_ols_se": o.std_errors[e],
                    f"{e}_seed": SEED.get(g, (np.nan,) * 3)[i], f"{e}_seed_se": SEED_SE.get(g, (np.nan,) * 3)[i]}
        rows[g] = row | {"nobs": r.nobs, "metros": r.num_clusters}
    return pd.DataFrame(rows).T.rename_axis("group")


def _cell(b: float, se: float, digits: int) -> str:
    return "" if not np.isfinite(b) else f"{b:.{digits}f} ({se:.{digits}f})"


def table1_display(frame: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """Text cells "estimate (SE)": this run's 2SLS, the seed's, first-stage Wald statistics, and OLS."""
    out = pd.DataFrame(index=frame.index)
    for e in ENDOG:
        out[f"{LABELS[e]} 2SLS"] = [_cell(b, s, digits) for b, s in zip(frame[e], frame[f"{e}_se"])]
        out[f"{LABELS[e]} seed"] = [_cell(b, s, digits) for b, s in zip(frame[f"{e}_seed"], frame[f"{e}_seed_se"])]
    for e in ENDOG:
        out[f"F {LABELS[e]}"] = [f"{v:.1f}" for v in frame[f"{e}_F"]]
    for e in ENDOG:
        out[f"{LABELS[e]} OLS"] = [_cell(b, s, digits) for b, s in zip(frame[f"{e}_ols"], frame[f"{e}_ols_se"])]
    return out.reset_index()


NOTES = ("2SLS with model-implied instruments (RSS 2021, Table 1); SEs clustered by metro in parentheses; "
         "seed = the published values; F = first-stage cluster-robust Wald statistic / 3; OLS alongside.")


def table1_markdown(frame: pd.DataFrame, digits: int = 2, notes: str = NOTES) -> str:
    """Table 1 as a GitHub pipe table (``econhubs.core.to_markdown``)."""
    return to_markdown(table1_display(frame, digits), notes=notes)


def table1_latex(frame: pd.DataFrame, digits: int = 2, caption: str = "Externality parameters (2SLS, MIIV)",
                 notes: str = NOTES) -> str:
    """Table 1 as a booktabs table (``econhubs.core.to_latex``)."""
    return to_latex(table1_display(frame, digits), caption=caption, notes=notes)
