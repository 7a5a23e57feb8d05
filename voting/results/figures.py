"""The one headline figure of a nominee, as each method ranks: what a winner card and a share image show.

Shares of different methods measure different things (votes, approving voters, the final
round, points), so a figure always travels with its caption and is never put on one bar
scale with another method's.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Figure:
    value: str  # "49.7%", "5 of 5", "3,827"
    caption: str  # "of the votes", "rivals beaten head to head", "Borda points"


# Per method: the caption under one nominee's figure, and the heading of one category's share bars.
CAPTIONS = {
    "plurality": ("of the votes", "Share of the votes"),
    "approval": ("of voters approve", "Share of voters approving"),
    "irv": ("in the final round", "Share in the last round each reached"),
    "schulze": ("rivals beaten head to head", "First preferences; order by head-to-head wins"),
    "borda": ("Borda points", "Share of the Borda points"),
}


def headline_figure(method: str, share: Decimal, count: int, nominees: int) -> Figure:
    """The figure the method ranks by: a share, rivals beaten (Schulze) or points (Borda)."""
    if method == "schulze":
        return Figure(f"{count:,} of {max(nominees - 1, 0):,}", CAPTIONS[method][0])
    if method == "borda":
        return Figure(f"{count:,}", CAPTIONS[method][0])
    return Figure(f"{share:.1f}%", CAPTIONS[method][0])


def bars_heading(method: str) -> str:
    return CAPTIONS[method][1]
