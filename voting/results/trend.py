"""The trend chart of a category's results: shares over the recent releases."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from awards.models import Category
from voting.results.selectors import release_history


@dataclass(frozen=True)
class TrendLine:
    label: str
    points: str  # SVG polyline points, in a 0-100 by 0-100 viewBox (y grows downwards)
    last_share: Decimal


@dataclass(frozen=True)
class TrendChart:
    lines: list[TrendLine]
    first_at: datetime
    last_at: datetime
    releases: int


def trend_chart(category: Category, names: dict[int, str], top: int = 5) -> TrendChart | None:
    """Share over time of the nominees leading now, drawn by the server (None: too few releases)."""
    history = release_history(category)
    if len(history) < 2:
        return None
    latest = history[-1][1]
    leaders = sorted(latest, key=lambda nominee: -latest[nominee])[:top]
    ceiling = max((share for _, shares in history for share in shares.values()), default=Decimal(1)) or Decimal(1)
    step = 100 / (len(history) - 1)
    lines = []
    for nominee in leaders:
        points = " ".join(
            f"{index * step:.2f},{100 - float(shares.get(nominee, Decimal(0)) / ceiling) * 100:.2f}"
            for index, (_, shares) in enumerate(history)
        )
        lines.append(TrendLine(names.get(nominee, "?"), points, latest[nominee]))
    return TrendChart(lines, history[0][0], history[-1][0], len(history))
