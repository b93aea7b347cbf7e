"""Maps and charts of the book: CJK font, legends in words, scale bar and north arrow."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.patches import Patch

CLUSTER_COLOURS = {
    "High-High": "#b2182b",
    "Low-Low": "#2166ac",
    "Low-High": "#92c5de",
    "High-Low": "#f4a582",
    "Not significant": "#e8e8e8",
}
NO_DATA = "#ffffff"


def use_cjk_font() -> str:
    """Register Noto Sans CJK SC from the mplfonts package and make it the default font.

    Returns the family name. Chinese place names then render as characters, not boxes,
    without any system font package.
    """
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; reinstall mplfonts.")
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["figure.dpi"] = 110
    plt.rcParams["savefig.dpi"] = 150
    return family


def label_units(ax, frame, column: str, *, fontsize: float = 6) -> None:
    """Write each unit's ``column`` at a point inside it, in dark text with a white halo.

    The halo keeps labels readable on dark and light fills alike.
    """
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2, foreground="white")]
    for _, row in frame.iterrows():
        point = row.geometry.representative_point()
        ax.annotate(str(row[column]), (point.x, point.y), fontsize=fontsize, ha="center",
                    va="center", color="#1a1a1a", path_effects=halo)


def add_map_furniture(ax, *, length_km: float | None = None) -> None:
    """Add a scale bar (units of the projected CRS, metres) and a north arrow to a map."""
    from matplotlib_scalebar.scalebar import ScaleBar

    ax.add_artist(ScaleBar(
        1.0, units="m", location="lower left", box_alpha=0.6,
        fixed_value=length_km or 500, fixed_units="km",
    ))
    ax.annotate(
        "", xy=(0.95, 0.93), xytext=(0.95, 0.83), xycoords="axes fraction",
        arrowprops=dict(facecolor="black", width=3, headwidth=9),
    )
    ax.text(0.95, 0.94, "N", transform=ax.transAxes, ha="center", va="bottom", fontsize=12)
    ax.set_axis_off()


def interval_format(values, k: int) -> str:
    """Return a legend number format with enough decimals to tell the class bounds apart.

    The quantile bounds are those mapclassify computes for the map. The format has two
    decimals unless adjacent bounds differ by less than 0.01, and six at most.
    """
    import mapclassify

    data = np.asarray(values, dtype=float)
    bounds = np.concatenate([[data.min()], mapclassify.Quantiles(data, k=k).bins])
    gaps = np.diff(bounds)
    gaps = gaps[gaps > 0]
    if gaps.size == 0:
        return "{:.2f}"
    decimals = int(np.clip(np.ceil(-np.log10(gaps.min())), 2, 6))
    return "{:." + str(decimals) + "f}"


def choropleth(frame, column: str, *, ax=None, title: str = "", legend_label: str = "",
               cmap: str = "viridis", k: int = 5, length_km: float | None = None,
               missing_label: str = "no data"):
    """Draw a quantile choropleth of ``column`` with a legend, scale bar and north arrow.

    Counties with a missing value are drawn in light grey and counted in the legend under
    ``missing_label`` (for masked local estimates, "not significant").
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7))
    missing = frame[column].isna()
    present = frame[~missing]
    classes = min(k, present[column].nunique())
    if classes >= 2:
        present.plot(
            column=column, scheme="quantiles", k=classes, cmap=cmap, ax=ax, legend=True,
            edgecolor="white", linewidth=0.05,
            legend_kwds={"title": legend_label or column, "loc": "lower right", "fontsize": 8,
                         "fmt": interval_format(present[column], classes)},
        )
    elif classes == 1:
        present.plot(ax=ax, color=plt.get_cmap(cmap)(0.5), edgecolor="white", linewidth=0.05)
    if missing.any():
        frame[missing].plot(ax=ax, color="#d9d9d9", edgecolor="white", linewidth=0.05)

    legend = ax.get_legend()
    handles = list(legend.legend_handles) if legend else []
    labels = [text.get_text() for text in legend.texts] if legend else []
    if classes == 1:
        handles.append(Patch(facecolor=plt.get_cmap(cmap)(0.5)))
        labels.append(f"{present[column].iloc[0]:.3g}")
    if missing.any():
        handles.append(Patch(facecolor="#d9d9d9", edgecolor="#636363"))
        labels.append(f"{missing_label} ({int(missing.sum())})")
    if handles:
        ax.legend(handles, labels, title=legend_label or column, loc="lower right", fontsize=8)
    ax.set_title(title)
    add_map_furniture(ax, length_km=length_km)
    return ax


def lisa_map(frame, clusters: pd.Series, *, ax=None, title: str = "",
             length_km: float | None = None):
    """Map LISA cluster labels with a legend in words and the count of each type."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7))
    labels = clusters.reindex(frame.index)
    colours = labels.map(CLUSTER_COLOURS)
    known = colours.notna().to_numpy()
    frame[known].plot(color=colours[known].to_numpy(), ax=ax, edgecolor="#bdbdbd",
                      linewidth=0.05)
    if not known.all():
        frame[~known].plot(ax=ax, facecolor=NO_DATA, edgecolor="#969696", hatch="////",
                           linewidth=0.05)

    counts = labels.value_counts()
    handles = [
        Patch(facecolor=colour, edgecolor="#636363", label=f"{label} ({counts.get(label, 0)})")
        for label, colour in CLUSTER_COLOURS.items()
    ]
    if labels.isna().any():
        handles.append(Patch(facecolor=NO_DATA, edgecolor="#636363", hatch="////",
                             label=f"No data ({int(labels.isna().sum())})"))
    ax.legend(handles=handles, title="LISA cluster (counties)", loc="lower right", fontsize=8)
    ax.set_title(title)
    add_map_furniture(ax, length_km=length_km)
    return ax


def moran_scatter(values: pd.Series, lag: np.ndarray, *, ax=None, label: str = "",
                  moran_i: float | None = None):
    """Draw the Moran scatter plot of standardised values against their spatial lag."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    z = (values - values.mean()) / values.std(ddof=0)
    z_lag = (lag - values.mean()) / values.std(ddof=0)
    ax.scatter(z, z_lag, s=6, alpha=0.4, color="#4d4d4d")
    slope, intercept = np.polyfit(z, z_lag, 1)
    grid = np.linspace(z.min(), z.max(), 2)
    ax.plot(grid, intercept + slope * grid, color="#b2182b",
            label=f"slope = Moran's I = {moran_i if moran_i is not None else slope:.3f}")
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.axvline(0, color="grey", linewidth=0.6)
    ax.set_xlabel(f"{label} (standardised)")
    ax.set_ylabel(f"spatial lag of {label} (standardised)")
    for x, y, text in [(0.97, 0.97, "High-High"), (0.03, 0.03, "Low-Low"),
                       (0.03, 0.97, "Low-High"), (0.97, 0.03, "High-Low")]:
        ax.text(x, y, text, transform=ax.transAxes, ha="right" if x > 0.5 else "left",
                va="top" if y > 0.5 else "bottom", fontsize=9, color="#636363")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.92), fontsize=8)
    return ax
