"""Figures: maps of the lower 48 (state outlines decoded from the shipped TopoJSON), RSS (2021)
Figures 1-2, and a state-level choropleth."""

from ._hub_figures import figure1 as figure1, figure2 as figure2, group_log_unit_cost as group_log_unit_cost
from ._maps import draw_states as draw_states, plot_flow_map as plot_flow_map, plot_state_map as plot_state_map
from ._save import save_figure as save_figure
from ._topojson import albers as albers, decode_arcs as decode_arcs, load_state_outlines as load_state_outlines
