"""What staff read when they decide on ballots: the choices in words, a cluster's ballots one by one.

Two queries for any number of ballots (the ballots with their voters, then their votes with
categories and nominees), so a cluster of two hundred reads as fast as one of five.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from awards.models import Edition
from voting.models import Ballot, Vote
from voting.staff.fraud import cluster_ballot_ids


@dataclass(frozen=True)
class CategoryChoice:
    category: str
    nominees: list[str]  # in rank order for ranked categories ("1. BlackRock")


@dataclass(frozen=True)
class ReviewedBallot:
    pk: int
    voter: str
    updated_at: datetime
    network: str
    user_agent: str
    counted: bool
    choices: list[CategoryChoice]


def choices_in_words(ballot_ids: Iterable[int]) -> dict[int, list[CategoryChoice]]:
    """Each ballot's choices by category (in the edition's order), nominees named, ranks shown."""
    votes = (
        Vote.objects.filter(ballot__in=list(ballot_ids))
        .select_related("category", "nominee")
        .order_by("ballot", "category__order", "category_id", "rank", "nominee__order", "nominee_id")
    )
    grouped: dict[int, dict[int, CategoryChoice]] = defaultdict(dict)
    for vote in votes:
        per_category = grouped[vote.ballot_id]
        choice = per_category.setdefault(vote.category_id, CategoryChoice(vote.category.title, []))
        choice.nominees.append(f"{vote.rank}. {vote.nominee.name}" if vote.rank else vote.nominee.name)
    return {ballot_id: list(categories.values()) for ballot_id, categories in grouped.items()}


def voter_label(ballot: Ballot) -> str:
    return ballot.voter.email if ballot.voter else f"imported: {ballot.external_voter}"


def reviewed_ballots(ballot_ids: Iterable[int]) -> list[ReviewedBallot]:
    ids = list(ballot_ids)
    ballots = Ballot.objects.filter(pk__in=ids).select_related("voter").order_by("updated_at", "pk")
    words = choices_in_words(ids)
    return [
        ReviewedBallot(
            pk=ballot.pk,
            voter=voter_label(ballot),
            updated_at=ballot.updated_at,
            network=ballot.client_network,
            user_agent=ballot.user_agent,
            counted=ballot.is_counted,
            choices=words.get(ballot.pk, []),
        )
        for ballot in ballots
    ]


def cluster_ballots(edition: Edition, kind: str, key: str) -> list[ReviewedBallot]:
    """The ballots of one suspicious cluster, oldest first, for staff to keep or drop one by one."""
    return reviewed_ballots(cluster_ballot_ids(edition, kind, key))
