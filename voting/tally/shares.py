"""Percentages with exact arithmetic: the one rounding rule every engine uses."""

from decimal import Decimal


def percent(part: int, whole: int) -> Decimal:
    """Return ``part / whole`` as a percentage rounded ROUND_HALF_UP to one decimal place.

    Exact integer arithmetic, no binary floats: 497 of 1000 is ``Decimal("49.7")``, 1 of 16
    (6.25 %) is ``Decimal("6.3")``. A ``whole`` of zero (nothing counted) gives
    ``Decimal("0.0")``. Both arguments must be non-negative.
    """
    if part < 0 or whole < 0:
        raise ValueError(f"percent() needs non-negative figures, got {part}/{whole}")
    if whole == 0:
        return Decimal("0.0")
    tenths, remainder = divmod(part * 1000, whole)
    if 2 * remainder >= whole:
        tenths += 1
    return Decimal(f"{tenths}e-1")
