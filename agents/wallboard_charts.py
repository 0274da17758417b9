"""The wallboard's charts as server-rendered inline SVG: geometry worked out here, drawn by the template.

Each chart scales to its container (a viewBox, width 100 %), so it never overflows a phone's screen, and
carries its figures in words too (the SVG's title and description, and a table beside it), so a chart is
never the only way to read them, nor colour the only cue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from routing.wallboard import LEVEL_WORDS, HourCounts, bucket_labels, level, percent

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 34  # margins for the axes' labels


@dataclass(frozen=True)
class Tick:
    at: float  # x or y in the viewBox
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    css: str = ""  # a class: "good", "warn", "bad" (service level), "answered", "abandoned"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    points: str = ""  # a polyline's points
    area: str = ""  # the polygon under it
    bars: tuple[Bar, ...] = ()
    target_y: float | None = None  # a horizontal target line
    summary: str = ""


def _y_scale(top_value: float) -> tuple[float, list[float]]:
    """A round top for the axis and its ticks."""
    if top_value <= 4:
        top = max(top_value, 1)
        step = 1.0
    else:
        magnitude = 10 ** (len(str(int(top_value))) - 1)
        step = next(s * magnitude for s in (0.2, 0.5, 1, 2, 5, 10) if top_value / (s * magnitude) <= 5)
        top = step * -(-top_value // step)
    ticks, value = [], 0.0
    while value <= top + 1e-9:
        ticks.append(value)
        value += step
    return top, ticks


def waiting_chart(series: list[int], first_minute: int, zone: ZoneInfo) -> Chart:
    """Callers waiting at the end of each minute, the last 8 hours, with hour marks in the board's zone."""
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    span = max(len(series) - 1, 1)
    top_value, ticks = _y_scale(max(series, default=0))

    def x(index: int) -> float:
        return LEFT + (right - LEFT) * index / span

    def y(value: float) -> float:
        return bottom - (bottom - TOP) * value / top_value

    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(series))
    area = f"{x(0):.1f},{bottom} {points} {x(len(series) - 1):.1f},{bottom}" if series else ""
    x_ticks = []
    for index in range(len(series)):
        at = datetime.fromtimestamp((first_minute + index) * 60, timezone.utc).astimezone(zone)
        if at.minute == 0 and at.hour % 2 == 0:
            x_ticks.append(Tick(x(index), at.strftime("%H:%M")))
    now, peak = (series[-1] if series else 0), max(series, default=0)
    return Chart(WIDTH, HEIGHT, LEFT, right, TOP, bottom, x_ticks, [Tick(y(v), f"{v:g}") for v in ticks],
                 points=points, area=area,
                 summary=f"Callers waiting over the last 8 hours: {now} now, at most {peak}.")


def distribution_chart(answered: tuple[int, ...], abandoned: tuple[int, ...]) -> Chart:
    """Today's callers by how long they waited: answered and abandoned side by side in each bucket."""
    labels = bucket_labels()
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    top_value, ticks = _y_scale(max([*answered, *abandoned], default=0))
    slot = (right - LEFT) / len(labels)
    bar = slot * 0.38
    bars = []
    for index, label in enumerate(labels):
        for offset, (count, css) in enumerate(((answered[index], "answered"), (abandoned[index], "abandoned"))):
            height = (bottom - TOP) * count / top_value
            bars.append(Bar(LEFT + slot * index + slot * 0.1 + offset * bar, bottom - height, bar, height, label,
                            f"{count} {css}", css))
    summary = "Wait before answer or hang-up, today: " + "; ".join(
        f"{label}: {a} answered, {b} abandoned" for label, a, b in zip(labels, answered, abandoned))
    return Chart(WIDTH, HEIGHT, LEFT, right, TOP, bottom,
                 [Tick(LEFT + slot * (i + 0.5), label) for i, label in enumerate(labels)],
                 [Tick(bottom - (bottom - TOP) * v / top_value, f"{v:g}") for v in ticks], bars=tuple(bars),
                 summary=summary)


def service_level_chart(hours: dict[int, HourCounts], until_hour: int, target: float) -> Chart:
    """Service level in each hour of today so far (0..100 %), coloured against the target, which is drawn."""
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    slot = (right - LEFT) / 24

    def y(share: float) -> float:
        return bottom - (bottom - TOP) * share

    bars, said = [], []
    for hour in range(until_hour + 1):
        share = hours[hour].service_level if hour in hours else None
        if share is None:
            continue
        css = level(share, target)
        bars.append(Bar(LEFT + slot * hour + slot * 0.15, y(share), slot * 0.7, bottom - y(share), f"{hour:02d}:00",
                        f"{percent(share)}, {LEVEL_WORDS[css]}", css))
        said.append(f"{hour:02d}:00 {percent(share)} ({LEVEL_WORDS[css]})")
    summary = ("Service level by hour, today: " + "; ".join(said)) if said else "Service level by hour: no calls yet today."
    return Chart(WIDTH, HEIGHT, LEFT, right, TOP, bottom,
                 [Tick(LEFT + slot * (h + 0.5), f"{h:02d}") for h in range(0, 24, 3)],
                 [Tick(y(v / 100), f"{v} %") for v in (0, 25, 50, 75, 100)], bars=tuple(bars), target_y=y(target),
                 summary=summary)
