"""The results article's sentences, one per nominee, in the style of the reference results.

"BlackRock secured the top position with 49.7% of the total votes."
"Grayscale secured the 2nd position with 30.6% of the total votes."
"""

from decimal import Decimal

WHAT_THE_SHARE_MEASURES = {
    "plurality": "of the total votes",
    "approval": "of voters approving",
    "irv": "of the votes in the final round it reached",
    "schulze": "of first preferences",
    "borda": "of the Borda points",
}

METHOD_NOTES = {
    "plurality": (
        "Plurality: each voter chose one nominee; the most votes wins. Shares are of the ballots "
        "that voted in this category. Equal votes share a position."
    ),
    "approval": (
        "Approval: each voter approved up to the allowed number of nominees; the most approvals wins. "
        "A share is the percentage of this category's voters who approved the nominee, so shares add up "
        "to more than 100%. Equal approvals share a position."
    ),
    "irv": (
        "Instant-runoff: voters ranked nominees. In each round the nominee with the fewest votes is "
        "eliminated and its ballots move to each voter's next choice still standing, until one nominee "
        "holds a majority of the ballots still in play. A tie for last place is broken by the earlier "
        "rounds' counts, then by first preferences, then by the published nominee order."
    ),
    "schulze": (
        "Schulze (Condorcet): voters ranked nominees; every pair of nominees is compared, and the winner "
        "is the nominee whose strongest chain of pairwise wins beats every rival's. The figure is how many "
        "rivals a nominee beats; the share is of first preferences. Nominees neither of which beats the "
        "other share a position."
    ),
    "borda": (
        "Borda count: with n nominees, a first place earns n-1 points, a second n-2, and so on; unranked "
        "nominees earn nothing. The share is of all points awarded. Equal points share a position."
    ),
}


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def position_label(position: int, tied: bool) -> str:
    return f"={position}" if tied else str(position)


def sentence(name: str, position: int, tied: bool, share: Decimal, method: str) -> str:
    place = "the top position" if position == 1 else f"the {ordinal(position)} position"
    verb = "shared" if tied else "secured"
    return f"{name} {verb} {place} with {share:.1f}% {WHAT_THE_SHARE_MEASURES[method]}."
