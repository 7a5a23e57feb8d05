"""Server-drawn SVG charts over time: the results trend (lines) and the staff turnout (bars).

One code path for both: time runs left to right on a real time scale with ticks that adapt
to the span (minutes for an hour of data, days or weeks for a month), values get a "nice"
axis from zero, and each chart is laid out twice, for a wide and a narrow screen, so its
text stays legible on a phone (CSS shows one; no script, no inline style).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
# Candidate spacings of time ticks, with how each tick is labelled (strftime).
TIME_STEPS: list[tuple[timedelta, str]] = [
    (5 * MINUTE, "%H:%M"),
    (10 * MINUTE, "%H:%M"),
    (15 * MINUTE, "%H:%M"),
    (30 * MINUTE, "%H:%M"),
    (HOUR, "%H:%M"),
    (2 * HOUR, "%H:%M"),
    (3 * HOUR, "%H:%M"),
    (6 * HOUR, "%d %b %H:%M"),
    (12 * HOUR, "%d %b %H:%M"),
    (DAY, "%d %b"),
    (2 * DAY, "%d %b"),
    (7 * DAY, "%d %b"),
    (14 * DAY, "%d %b"),
    (30 * DAY, "%b %Y"),
]
MIN_SLOTS = 7  # a bar chart spans at least this many buckets
SIZES = {"wide": (720, 280, 7), "narrow": (360, 240, 4)}  # width, height, most time ticks


@dataclass(frozen=True)
class Tick:
    at: float  # pixels along the axis
    label: str


@dataclass(frozen=True)
class Line:
    label: str
    series: int  # 1-based: the CSS colour class
    points: str  # SVG polyline points
    dots: list[tuple[float, float]]
    last: str  # the latest value, labelled


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Frame:
    """One layout of a chart: its size, plot area, ticks, and what is drawn in it."""

    name: str  # "wide" or "narrow"
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    lines: list[Line]
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    title: str  # the accessible name
    y_label: str
    x_label: str
    frames: list[Frame]
    lines: list[Line]  # for the legend (the wide frame's)


def nice_ceiling(value: float, ticks: int = 4) -> tuple[float, float]:
    """An axis top at or above `value` and its tick step, both round numbers (1, 2, 2.5 or 5 x 10^k)."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step - 1e-9), step


def time_ticks(start: datetime, end: datetime, most: int) -> tuple[timedelta, list[datetime], str]:
    """Round-time ticks between `start` and `end`: the finest spacing that gives at most `most` of them."""
    span = end - start
    step, fmt = next(((s, f) for s, f in TIME_STEPS if span / s <= most), TIME_STEPS[-1])
    origin = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first = origin + step * math.ceil((start - origin) / step)
    ticks = []
    cursor = first
    while cursor <= end:
        ticks.append(cursor)
        cursor += step
    return step, ticks, fmt


def _span(times: Sequence[datetime]) -> tuple[datetime, datetime]:
    start, end = min(times), max(times)
    if end - start < 10 * MINUTE:  # one release, or a few minutes: show an hour around them
        middle = start + (end - start) / 2
        return middle - 30 * MINUTE, middle + 30 * MINUTE
    return start, end


def _frame_box(name: str) -> tuple[int, int, int, float, float, float, float]:
    width, height, most = SIZES[name]
    left, right = (48.0, width - 16.0) if name == "wide" else (40.0, width - 10.0)
    return width, height, most, left, 28.0, right, height - 30.0


def _axes(
    name: str, start: datetime, end: datetime, ceiling: float, step: float, value_format: str
) -> tuple[Frame, "_Scale"]:
    width, height, most, left, top, right, bottom = _frame_box(name)
    scale = _Scale(start, end, ceiling, left, top, right, bottom)
    _, ticks, fmt = time_ticks(start, end, most)
    x_ticks = [
        Tick(scale.x(t), t.strftime(fmt).lstrip("0") if fmt.startswith("%d") else t.strftime(fmt)) for t in ticks
    ]
    count = round(ceiling / step)
    y_ticks = [Tick(scale.y(i * step), value_format.format(i * step)) for i in range(count + 1)]
    return Frame(name, width, height, left, top, right, bottom, x_ticks, y_ticks, [], []), scale


@dataclass(frozen=True)
class _Scale:
    start: datetime
    end: datetime
    ceiling: float
    left: float
    top: float
    right: float
    bottom: float

    def x(self, at: datetime) -> float:
        return round(self.left + (self.right - self.left) * ((at - self.start) / (self.end - self.start)), 1)

    def y(self, value: float) -> float:
        return round(self.bottom - (self.bottom - self.top) * value / self.ceiling, 1)


def line_chart(
    title: str,
    series: Sequence[tuple[str, Sequence[tuple[datetime, float]]]],
    *,
    y_label: str,
    x_label: str,
    unit: str = "%",
) -> Chart:
    """Lines of values over time (each series a label and its points); the y axis starts at zero."""
    times = [at for _, points in series for at, _ in points]
    start, end = _span(times)
    ceiling, step = nice_ceiling(max((v for _, points in series for _, v in points), default=0.0))
    value_format = "{:g}" + unit
    frames = []
    for name in SIZES:
        frame, scale = _axes(name, start, end, ceiling, step, value_format)
        lines = []
        for index, (label, points) in enumerate(series, start=1):
            dots = [(scale.x(at), scale.y(v)) for at, v in points]
            lines.append(
                Line(
                    label,
                    index,
                    " ".join(f"{x},{y}" for x, y in dots),
                    dots,
                    f"{points[-1][1]:.1f}{unit}" if points else "",
                )
            )
        frames.append(replace(frame, lines=lines))
    return Chart(title, y_label, x_label, frames, frames[0].lines)


def bar_chart(
    title: str,
    buckets: Sequence[tuple[datetime, int]],
    bucket: timedelta,
    *,
    y_label: str,
    x_label: str,
    what: str,
) -> Chart:
    """Counts per time bucket (start, count) as bars on a time scale; `what` names one unit in bar titles."""
    starts = [start for start, _ in buckets]
    start, end = min(starts), max(starts) + bucket
    slots = round((end - start) / bucket)
    if slots < MIN_SLOTS:  # a few buckets would be drawn as one wide block: centre them in some room
        pad = bucket * ((MIN_SLOTS - slots) // 2)
        start, end = start - pad, end + pad
    ceiling, step = nice_ceiling(float(max((n for _, n in buckets), default=0)))
    frames = []
    for name in SIZES:
        frame, scale = _axes(name, start, end, ceiling, step, "{:g}")
        slot = (frame.right - frame.left) * (bucket / (end - start))
        bars = [
            Bar(
                round(scale.x(at) + slot * 0.1, 1),
                scale.y(n),
                round(max(slot * 0.8, 1.0), 1),
                round(frame.bottom - scale.y(n), 1),
                f"{at:%d %b %H:%M}: {n:,} {what}{'' if n == 1 else 's'}",
            )
            for at, n in buckets
        ]
        frames.append(replace(frame, bars=bars))
    return Chart(title, y_label, x_label, frames, [])
