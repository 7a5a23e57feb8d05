"""Pure tally engines: ballots in, standings out. No Django import anywhere in this package.

Every engine is deterministic and independent of ballot order; ``candidates`` (nominee ids
in display order) lists who is standing, orders tied candidates for display, and is the
last-resort elimination tie-break of IRV. Shares are exact percentages rounded
ROUND_HALF_UP to one decimal (``percent``).
"""

from voting.tally.approval import approval
from voting.tally.borda import borda
from voting.tally.irv import irv
from voting.tally.plurality import plurality
from voting.tally.profile import RankedProfile, Ranking
from voting.tally.ranked import RANKED_METHODS, first_preferences, tally_ranked
from voting.tally.schulze import schulze
from voting.tally.shares import percent
from voting.tally.types import Standing, TallyResult

__all__ = [
    "RANKED_METHODS",
    "RankedProfile",
    "Ranking",
    "Standing",
    "TallyResult",
    "approval",
    "borda",
    "first_preferences",
    "irv",
    "percent",
    "plurality",
    "schulze",
    "tally_ranked",
]
