"""Entry points for ranked categories: the dispatcher and the first-preference view."""

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from voting.tally.borda import borda
from voting.tally.irv import irv
from voting.tally.plurality import plurality
from voting.tally.profile import RankedProfile
from voting.tally.schulze import schulze
from voting.tally.standings import checked_candidates
from voting.tally.types import TallyResult

RANKED_METHODS: Mapping[str, Callable[[RankedProfile, Sequence[int]], TallyResult]] = MappingProxyType(
    {
        "irv": irv,
        "schulze": schulze,
        "borda": borda,
    }
)


def tally_ranked(method: str, profile: RankedProfile, candidates: Sequence[int]) -> TallyResult:
    """Run the ranked engine named ``method`` ("irv", "schulze" or "borda"); ValueError otherwise."""
    try:
        engine = RANKED_METHODS[method]
    except KeyError:
        raise ValueError(f"unknown ranked method {method!r}; expected one of {sorted(RANKED_METHODS)}") from None
    return engine(profile, candidates)


def first_preferences(profile: RankedProfile, candidates: Sequence[int]) -> TallyResult:
    """Plurality of first preferences (method "plurality"): what plurality would have given.

    Each ballot counts for its highest-ranked given candidate (others are struck first);
    ties and shares as in ``plurality``.
    """
    order = checked_candidates(candidates)
    counted = profile.restricted_to(order)
    firsts = dict.fromkeys(order, 0)
    for ranking, weight in counted.items():
        firsts[ranking[0]] += weight
    return plurality(firsts, order, counted.ballots)
