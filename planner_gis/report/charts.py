"""Static maps and charts of a report (matplotlib, PNG, Noto Sans CJK for Chinese text).

Colours and class labels are those of the web maps (``planner_gis/data/map_styles.json``).
Each function returns PNG bytes; :func:`data_uri` embeds them in HTML.
"""

from __future__ import annotations

import base64
import io

import numpy as np

from ..styles import load_map_styles, share_class

#: Fonts tried in order for Chinese labels (Noto Sans CJK comes with Debian's fonts-noto-cjk).
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "DejaVu Sans"]
_DPI = 110


def _pyplot():
    """The pyplot of matplotlib on the Agg backend with a CJK font."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = CJK_FONTS
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _png(fig) -> bytes:
    """The figure as PNG bytes (and closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    """A ``data:`` URI of PNG bytes, for an ``<img src=...>``.

    >>> data_uri(b"x")
    'data:image/png;base64,eA=='
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _legend(ax, styles: dict, extra: list) -> None:
    """The share classes (and extra handles) as a legend below the map."""
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=c["color"], edgecolor="none", label=f"{c['label_zh']} {c['label_en']}")
               for c in styles["share_classes"]]
    handles.append(Patch(facecolor=styles["no_data"]["color"], label=f"{styles['no_data']['label_zh']} "
                                                                     f"{styles['no_data']['label_en']}"))
    ax.legend(handles=handles + extra, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=3, fontsize=7,
              frameon=False)


def district_map(units, shares: dict, title: str, sites=None) -> bytes:
    """Units coloured by a share (``{unit_id: share}``, NaN = no residents), labelled with their names."""
    plt = _pyplot()
    styles = load_map_styles()
    fig, ax = plt.subplots(figsize=(7.0, 6.2))
    colors = [(share_class(shares.get(u, np.nan), styles) or styles["no_data"])["color"] for u in units["unit_id"]]
    units.plot(ax=ax, color=colors, edgecolor="white", linewidth=0.8)
    for name, pt in zip(units["name"], units.geometry.representative_point()):
        ax.annotate(str(name), (pt.x, pt.y), ha="center", va="center", fontsize=6.5, color="#222222")
    extra = []
    if sites is not None and len(sites):
        from matplotlib.lines import Line2D

        c = styles["suggested_site"]
        sites.plot(ax=ax, color=c["color"], markersize=22, marker="^", zorder=5)
        extra = [Line2D([], [], marker="^", color=c["color"], linestyle="", label=f"{c['label_zh']} {c['label_en']}")]
    _legend(ax, styles, extra)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _png(fig)


def unit_map(units, unit_id: str, underserved, title: str, sites=None) -> bytes:
    """One unit (neighbours in grey) with its underserved areas and suggested sites."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = _pyplot()
    styles = load_map_styles()
    fig, ax = plt.subplots(figsize=(6.4, 5.0))
    unit = units[units["unit_id"] == unit_id]
    x0, y0, x1, y1 = unit.total_bounds
    pad = max(x1 - x0, y1 - y0) * 0.08 + 50
    units.plot(ax=ax, color="#f2f2f2", edgecolor="#bbbbbb", linewidth=0.6)
    unit.plot(ax=ax, color="#ffffff", edgecolor="#333333", linewidth=1.4)
    u = styles["underserved"]
    handles = [Patch(facecolor=u["color"], alpha=0.45, label=f"{u['label_zh']} {u['label_en']}")]
    if underserved is not None and len(underserved):
        underserved.plot(ax=ax, color=u["color"], alpha=0.45, edgecolor="none")
    if sites is not None and len(sites):
        c = styles["suggested_site"]
        sites.plot(ax=ax, color=c["color"], markersize=40, marker="^", zorder=5)
        for rank, pt in zip(sites["rank"], sites.geometry):
            ax.annotate(str(rank), (pt.x, pt.y), xytext=(4, 4), textcoords="offset points", fontsize=8,
                        color=c["color"])
        handles.append(Line2D([], [], marker="^", color=c["color"], linestyle="",
                              label=f"{c['label_zh']} {c['label_en']}"))
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=7, frameon=False)
    _scale_bar(ax, x1 - x0)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _png(fig)


def _scale_bar(ax, width: float) -> None:
    """A scale bar of a round length in the lower left (metres of the metric CRS)."""
    length = next((m for m in (5000, 2000, 1000, 500, 200, 100) if m <= width / 3), 100)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    ax.plot([x, x + length], [y, y], color="#222222", linewidth=2)
    ax.annotate(f"{length:g} m" if length < 1000 else f"{length / 1000:g} km", (x + length / 2, y),
                xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7)


def indicator_chart(names: list, shares: list, targets: list) -> bytes:
    """Horizontal bars of indicator shares (NaN: no bar) with target ticks."""
    plt = _pyplot()
    styles = load_map_styles()
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(names) + 0.6))
    y = np.arange(len(names))[::-1]
    vals = np.nan_to_num(np.asarray(shares, dtype=float), nan=0.0)
    colors = [(share_class(s, styles) or styles["no_data"])["color"] for s in shares]
    ax.barh(y, vals * 100, color=colors, height=0.6)
    for yi, t in zip(y, targets):
        if t == t and t is not None:
            ax.plot([t * 100, t * 100], [yi - 0.4, yi + 0.4], color="#222222", linewidth=1.5)
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% 居民 of residents", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)
