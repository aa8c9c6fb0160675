"""The HTML report's charts as inline SVG, drawn here so the page needs no script, font or
network: a line of the resolution rate per day, bars of escalations by reason and of the
time-to-resolution distribution. Every chart carries `data-chart` and one element per data
point with `data-value`, which the browser test reads."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 560, 240, 40


def _frame(chart: str, title: str, body: str) -> str:
    return (
        f'<svg data-chart="{chart}" role="img" aria-label="{escape(title)}" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 10}" y2="{HEIGHT - PAD}" '
        'stroke="#555"/>'
        f'<line x1="{PAD}" y1="20" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#555"/>'
        f"{body}</svg>"
    )


def _empty(chart: str, title: str) -> str:
    return _frame(
        chart,
        title,
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#777">'
        "No cases in this period</text>",
    )


def rate_trend(points: list[tuple[str, float | None]]) -> str:
    """Resolution rate (0..1) per day as a line with a dot per day."""
    title = "Resolution rate per day"
    shown = [(day, rate) for day, rate in points if rate is not None]
    if not shown:
        return _empty("resolution-trend", title)
    plot_w, plot_h = WIDTH - PAD - 20, HEIGHT - PAD - 20
    step = plot_w / max(1, len(shown) - 1)
    coords = [
        (PAD + (i * step if len(shown) > 1 else plot_w / 2), 20 + plot_h * (1 - rate))
        for i, (_, rate) in enumerate(shown)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(
        f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1f6feb" '
        f'data-label="{escape(day)}" data-value="{rate:.4f}">'
        f"<title>{escape(day)}: {rate:.0%}</title></circle>"
        for (x, y), (day, rate) in zip(coords, shown, strict=True)
    )
    labels = "".join(
        f'<text x="{x:.1f}" y="{HEIGHT - PAD + 16}" font-size="10" text-anchor="middle">'
        f"{escape(day[5:])}</text>"
        for (x, _), (day, _) in zip(coords, shown, strict=True)
    )
    axis = (
        f'<text x="{PAD - 6}" y="24" font-size="10" text-anchor="end">100%</text>'
        f'<text x="{PAD - 6}" y="{HEIGHT - PAD}" font-size="10" text-anchor="end">0%</text>'
    )
    line = f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="2"/>'
    return _frame("resolution-trend", title, axis + line + dots + labels)


def bars(chart: str, title: str, counts: dict[str, int], colour: str) -> str:
    """One bar per label, heights scaled to the largest count."""
    if not counts or not any(counts.values()):
        return _empty(chart, title)
    top = max(counts.values()) or 1
    plot_w, plot_h = WIDTH - PAD - 20, HEIGHT - PAD - 40
    slot = plot_w / len(counts)
    width = max(4.0, slot * 0.6)
    parts = []
    for i, (label, count) in enumerate(counts.items()):
        h = plot_h * count / top
        x = PAD + i * slot + (slot - width) / 2
        y = HEIGHT - PAD - h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
            f'fill="{colour}" data-label="{escape(label)}" data-value="{count}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" font-size="11" '
            f'text-anchor="middle">{count}</text>'
            f'<text x="{x + width / 2:.1f}" y="{HEIGHT - PAD + 14}" font-size="9" '
            f'text-anchor="middle">{escape(label[:18])}</text>'
        )
    return _frame(chart, title, "".join(parts))
