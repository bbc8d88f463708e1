"""Empirical specialization toolkit (Boehnert 2026, Facts 1-3): pandas in, pandas out.

Measures (normalised Gini, HHI, max share, RCA and its rank, shift-share g_hat), the Fact 1-3
regressions with own OLS / HC / cluster / fixed-effects / LOWESS estimators, a CSV schema and
loader with validation, a SYNTHETIC default panel, tables (markdown, LaTeX) and figures.
See docs/empirics.md.
"""

from ._fact1 import (
    INDUSTRY_GROUPS as INDUSTRY_GROUPS,
    cross_section as cross_section,
    fact1 as fact1,
    fact1_horizons as fact1_horizons,
    fact1_industries as fact1_industries,
    region_year_frame as region_year_frame,
)
from ._fact23 import (
    Fact2Result as Fact2Result,
    fact2 as fact2,
    fact3 as fact3,
    lagged_rca as lagged_rca,
    specialization_over_time as specialization_over_time,
)
from ._fixed_effects import absorb as absorb, fe_ols as fe_ols, group_demean as group_demean
from ._lowess import lowess as lowess
from ._measures import (
    default_tradable as default_tradable,
    gini as gini,
    hhi as hhi,
    levels_wide as levels_wide,
    max_share as max_share,
    rca as rca,
    shift_share as shift_share,
    shift_share_pairs as shift_share_pairs,
    specialization as specialization,
    us_industries as us_industries,
)
from ._ols import OLSResult as OLSResult, ols as ols, ols_frame as ols_frame
from ._plots import plot_fact2 as plot_fact2, plot_fact3 as plot_fact3
from ._report import check_years as check_years, run_facts as run_facts
from ._schema import (
    Panel as Panel,
    PanelReport as PanelReport,
    load_panel as load_panel,
    validate_panel as validate_panel,
    write_panel as write_panel,
)
from ._synthetic import (
    PLANTED_GROWTH as PLANTED_GROWTH,
    PLANTED_LEVEL as PLANTED_LEVEL,
    synthetic_panel as synthetic_panel,
)
from ._tables import (
    RegressionTable as RegressionTable,
    frame_to_latex as frame_to_latex,
    frame_to_markdown as frame_to_markdown,
)
