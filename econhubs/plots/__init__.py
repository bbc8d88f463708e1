"""Figures: maps of the lower 48 (state outlines decoded from the shipped TopoJSON), RSS (2021)
Figures 1-2, and a state-level choropleth."""

from ._hub_figures import figure1 as figure1
from ._hub_figures import figure2 as figure2
from ._hub_figures import group_log_unit_cost as group_log_unit_cost
from ._maps import draw_states as draw_states
from ._maps import plot_flow_map as plot_flow_map
from ._maps import plot_state_map as plot_state_map
from ._save import save_figure as save_figure
from ._topojson import albers as albers
from ._topojson import decode_arcs as decode_arcs
from ._topojson import load_state_outlines as load_state_outlines
