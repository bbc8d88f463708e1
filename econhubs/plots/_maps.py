"""Maps of the lower 48: trade-flow maps (RSS 2021, Figure 1) and a state choropleth."""

from __future__ import annotations

import numpy as np

from ._topojson import NOT_LOWER48, albers, load_state_outlines

OFF_MAP = NOT_LOWER48 | {"Alaska", "Hawaii", "2", "15"}


def draw_states(ax, outlines=None, facecolors=None, edgecolor="0.55", lw=0.4):
    """State outlines (Albers) on ``ax``; ``facecolors``: {FIPS: colour} fills (others light grey)."""
    from matplotlib.collections import PolyCollection

    outlines = load_state_outlines() if outlines is None else outlines
    polys, colours = [], []
    for fips, st in outlines.items():
        for ring in st["rings"]:
            x, y = albers(ring[:, 0], ring[:, 1])
            polys.append(np.column_stack([x, y]))
            colours.append((facecolors or {}).get(fips, "0.96"))
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors=edgecolor, linewidths=lw, zorder=0))
    ax.set_aspect("equal")
    ax.set_xlim(-0.41, 0.39)
    ax.set_ylim(-0.28, 0.26)
    ax.axis("off")
    return ax


def plot_flow_map(ax, pi, lon, lat, colour, threshold, *, labels=None, title="", cmap="viridis",
                  colour_label="", outlines=None, arrow_colour="0.15", symmetric: bool = False):
    """Arrows m → n for every off-diagonal π_{nm} > threshold (rows: destination n, columns: source m);
    dots coloured by ``colour`` with a colour bar (``symmetric``: scale centred on 0, for changes);
    ``labels``: {index: name} metros to label."""
    import matplotlib.pyplot as plt

    draw_states(ax, outlines)
    x, y = albers(lon, lat)
    pi = np.array(pi, float)
    np.fill_diagonal(pi, 0.0)
    dest, src = np.nonzero(pi > threshold)
    big = max(float(pi.max()), threshold)
    for n, m in zip(dest, src):
        ax.annotate("", xy=(x[n], y[n]), xytext=(x[m], y[m]), zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color=arrow_colour, lw=0.4 + 1.6 * pi[n, m] / big,
                                    mutation_scale=6, alpha=0.7, shrinkA=1, shrinkB=1))
    lim = float(np.max(np.abs(colour))) if symmetric else None
    sc = ax.scatter(x, y, c=colour, cmap=cmap, s=14, edgecolors="k", linewidths=0.3, zorder=3,
                    vmin=-lim if symmetric else None, vmax=lim)
    plt.colorbar(sc, ax=ax, shrink=0.6, pad=0.01, label=colour_label)
    for i, name in (labels or {}).items():
        ax.annotate(name, (x[i], y[i]), xytext=(3, 3), textcoords="offset points", fontsize=6, zorder=4)
    ax.set_title(f"{title}\n{len(dest)} flows > {threshold:.2%}", fontsize=9)
    return ax


def plot_state_map(values_by_state_fips, *, ax=None, cmap="RdBu_r", label="", title="", centre=None, path=None):
    """Choropleth of the lower 48. values_by_state_fips: {FIPS (int or str) or state name: value} (or a
    Series); Alaska and Hawaii are skipped (off the map), states without a value are light grey.
    centre: a value for a diverging colour scale (e.g. 0).
    path: a stem to save ``path.png`` and ``path.pdf`` atomically (returns the paths), else the figure."""
    import matplotlib.pyplot as plt
    from matplotlib import cm, colors

    outlines = load_state_outlines()
    by_name = {st["name"]: fips for fips, st in outlines.items()}
    vals, unknown = {}, []
    for k, v in dict(values_by_state_fips).items():
        key = by_name.get(str(k), str(k).zfill(2))
        if key in outlines:
            if np.isfinite(float(v)):
                vals[key] = float(v)
        elif str(k) not in OFF_MAP:
            unknown.append(k)
    if unknown:
        raise ValueError(f"plot_state_map: not lower-48 state FIPS codes or names: {unknown}")
    if not vals:
        raise ValueError("plot_state_map: no finite values given")
    v = np.array(list(vals.values()))
    if centre is None:
        norm = colors.Normalize(v.min(), v.max())
    else:
        half = max(abs(v.max() - centre), abs(v.min() - centre), 1e-300)
        norm = colors.TwoSlopeNorm(centre, centre - half, centre + half)
    cmap_ = plt.get_cmap(cmap)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 5))
    draw_states(ax, outlines, facecolors={k: cmap_(norm(x)) for k, x in vals.items()})
    plt.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap_), ax=ax, shrink=0.7, label=label)
    ax.set_title(title)
    if path is not None:
        from ._save import save_figure

        return save_figure(ax.figure, path)
    return fig or ax.figure
