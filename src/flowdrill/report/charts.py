"""Charts for reports (matplotlib, off-screen): SVG for HTML and PDF, PNG for DOCX.

Text stays text in the SVG (``svg.fonttype = none``) so search, tests and screen readers find
the labels; the output has no date and a fixed hash salt, so the same data gives the same
bytes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from flowdrill.report.aar import AfterActionReport

Format = Literal["svg", "png"]
_STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "flowdrill",
    "font.family": "DejaVu Sans",
    "font.size": 9,
}


def _save(fig: object, fmt: Format) -> bytes:
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    fig.savefig(buffer, format=fmt, bbox_inches="tight", dpi=150, metadata=metadata)
    return buffer.getvalue()


def trend_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str = "Metrics across drills (minutes)",
    medians: Mapping[str, float | None] | None = None,
    fmt: Format = "svg",
) -> bytes:
    """One line per metric across drills; a gap where a drill never reached the metric and a
    dotted line at each metric's median."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(8, 3.8))
        ax = fig.subplots()
        xs = list(range(len(labels)))
        for index, (name, values) in enumerate(series.items()):
            color = f"C{index}"
            ys = [float("nan") if v is None else v for v in values]
            ax.plot(xs, ys, marker="o", label=name, color=color)
            median = (medians or {}).get(name)
            if median is not None:
                ax.axhline(median, color=color, linestyle=":", linewidth=1)
        ax.set_xticks(xs, labels, rotation=20, ha="right")
        ax.set_ylabel("minutes")
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _save(fig, fmt)


def metrics_chart(report: AfterActionReport, *, fmt: Format = "svg") -> bytes:
    """The drill's metrics against the time boxes of its plan, as horizontal bars."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = [r for r in report.metrics.rows if r.value is not None or r.timebox is not None]
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(7, 0.45 * max(len(rows), 2) + 1))
        ax = fig.subplots()
        ys = list(range(len(rows)))
        values = [r.value or 0.0 for r in rows]
        colors = ["#a11d2b" if r.value is None or r.within is False else "#1f6f3f" for r in rows]
        ax.barh(ys, values, color=colors)
        for y, r in zip(ys, rows, strict=True):
            if r.timebox is not None:
                ax.plot([r.timebox, r.timebox], [y - 0.4, y + 0.4], color="black", linewidth=2)
            if r.value is None:
                ax.text(0.2, y, "not reached", va="center", fontsize=8)
        ax.set_yticks(ys, [r.name for r in rows])
        ax.invert_yaxis()
        ax.set_xlabel("minutes (black mark: time box)")
        ax.set_title(f"{report.exercise_id}: metrics against time boxes")
        return _save(fig, fmt)


def data_uri(svg: bytes) -> str:
    """An SVG as an ``<img src>`` value: WeasyPrint reads inline SVG styles as page CSS."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
