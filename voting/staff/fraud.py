"""Fraud signals on ballots, computed by the database for a whole listing at once.

Two facts are stored when a ballot is written (`submit_ballot`, see
`voting.ballots.fingerprints`): the sender's address block (`client_network`: the /24 of an
IPv4 address, the /48 of an IPv6 one) and a digest of the ballot's content. Everything else
is an annotation or a correlated subquery, so a page of
a thousand ballots costs the same handful of queries as a page of one:

- `account_age`: how old the voter's account was when the ballot was first submitted;
- `email_domain` and `disposable`: the voter's e-mail domain, flagged when it is on the
  maintained list of disposable-address providers (the `disposable-email-domains` package);
- `same_block`: ballots of the edition from the same address block with the same user agent
  within PODIUM_SIGNAL_WINDOW_MINUTES of this one (this one included);
- `burst_twins`: ballots of the edition with exactly the same choices submitted within
  PODIUM_BURST_WINDOW_MINUTES of this one (this one included).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from disposable_email_domains import blocklist
from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Lower, StrIndex, Substr

from awards.models import Edition
from voting.models import Ballot, BallotSource, counted_ballot


@cache
def disposable_domains() -> frozenset[str]:
    return frozenset(blocklist)


def signal_window() -> timedelta:
    return timedelta(minutes=settings.PODIUM_SIGNAL_WINDOW_MINUTES)


def burst_window() -> timedelta:
    return timedelta(minutes=settings.PODIUM_BURST_WINDOW_MINUTES)


def _around(field: str, window: timedelta) -> dict[str, ExpressionWrapper[CombinedExpression]]:
    return {
        f"{field}__gte": ExpressionWrapper(OuterRef(field) - Value(window), output_field=DateTimeField()),
        f"{field}__lte": ExpressionWrapper(OuterRef(field) + Value(window), output_field=DateTimeField()),
    }


def _count(neighbours: "QuerySet[Ballot]") -> Coalesce:
    counted = neighbours.order_by().values("edition").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_signals(ballots: "QuerySet[Ballot]") -> "QuerySet[Ballot]":
    """Annotate every fraud signal (see the module docstring), plus `email_domain`."""
    same_block = Ballot.objects.filter(
        edition=OuterRef("edition"),
        client_network=OuterRef("client_network"),
        user_agent=OuterRef("user_agent"),
        **_around("updated_at", signal_window()),
    ).exclude(client_network="")
    twins = Ballot.objects.filter(
        edition=OuterRef("edition"), content_digest=OuterRef("content_digest"), **_around("updated_at", burst_window())
    ).exclude(content_digest="")
    return ballots.annotate(
        account_age=ExpressionWrapper(F("submitted_at") - F("voter__date_joined"), output_field=DurationField()),
        email_domain=Lower(Substr("voter__email", StrIndex("voter__email", Value("@")) + 1)),
        same_block=Case(When(client_network="", then=Value(0)), default=_count(same_block)),
        burst_twins=Case(When(content_digest="", then=Value(0)), default=_count(twins)),
    )


def with_disposable_flag(ballots: "QuerySet[Ballot]") -> "QuerySet[Ballot]":
    """Add `disposable` to a queryset from `with_signals`.

    One extra query reads the distinct domains present; only those on the list are sent to
    the database, so the flag is a short IN test rather than ten thousand parameters.
    """
    present = set(ballots.order_by().values_list(F("email_domain"), flat=True).distinct())
    flagged = sorted(d for d in present if d and d in disposable_domains())
    return ballots.annotate(
        disposable=Case(
            When(email_domain__in=flagged, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


@dataclass(frozen=True)
class Cluster:
    """Ballots that look coordinated: same network and agent, or the same choices in a burst."""

    kind: str  # "network" or "burst"
    key: str  # the address block and user agent, or the content digest
    label: str
    ballots: int
    counted: int
    first_at: datetime
    last_at: datetime


NETWORK, BURST = "network", "burst"


def _flagged(edition: Edition) -> "QuerySet[Ballot]":
    return with_signals(Ballot.objects.filter(edition=edition, source=BallotSource.WEB))


def suspicious_clusters(edition: Edition) -> list[Cluster]:
    """Groups of at least PODIUM_CLUSTER_MIN_BALLOTS flagged ballots, largest first (two queries)."""
    minimum = settings.PODIUM_CLUSTER_MIN_BALLOTS
    counted = Count("pk", filter=counted_ballot())
    by_network = (
        _flagged(edition)
        .filter(Q(same_block__gte=minimum))
        .values("client_network", "user_agent")
        .annotate(n=Count("pk"), counted=counted, first=Min("updated_at"), last=Max("updated_at"))
        .order_by("-n", "client_network", "user_agent")
    )
    by_content = (
        _flagged(edition)
        .filter(Q(burst_twins__gte=minimum))
        .values("content_digest")
        .annotate(n=Count("pk"), counted=counted, first=Min("updated_at"), last=Max("updated_at"))
        .order_by("-n", "content_digest")
    )
    clusters = [
        Cluster(
            NETWORK,
            cluster_key(row["client_network"], row["user_agent"]),
            f"{row['client_network']} · {row['user_agent'] or '(no user agent)'}",
            row["n"],
            row["counted"],
            row["first"],
            row["last"],
        )
        for row in by_network
    ]
    clusters += [
        Cluster(
            BURST,
            row["content_digest"],
            f"identical choices {row['content_digest'][:12]}…",
            row["n"],
            row["counted"],
            row["first"],
            row["last"],
        )
        for row in by_content
    ]
    return sorted(clusters, key=lambda c: (-c.ballots, c.kind, c.key))


def cluster_key(network: str, user_agent: str) -> str:
    return json.dumps([network, user_agent])


def cluster_ballot_ids(edition: Edition, kind: str, key: str) -> list[int]:
    """The flagged ballots of one cluster, as `suspicious_clusters` grouped them."""
    minimum = settings.PODIUM_CLUSTER_MIN_BALLOTS
    if kind == NETWORK:
        try:
            network, user_agent = json.loads(key)
        except (ValueError, TypeError):
            return []
        members = _flagged(edition).filter(Q(same_block__gte=minimum), client_network=network, user_agent=user_agent)
    elif kind == BURST:
        members = _flagged(edition).filter(Q(burst_twins__gte=minimum), content_digest=key)
    else:
        return []
    return list(members.order_by("pk").values_list("pk", flat=True))
