"""`{% member_standing edition as standing %}`: where the signed-in member stands in an edition.

For the awards pages (home, edition, category), which must not import `voting` in Python:
they ask through this tag and show `voting/_standing.html`. A member's ballots are read once
per request, however many editions the page lists.
"""

from django import template
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import member_of
from awards.models import Edition
from voting.ballots.selectors import MemberStanding, ballots_by_edition, standing_in
from voting.models import Ballot

register = template.Library()

_CACHE = "_podium_member_ballots"


def _ballots(request: HttpRequest) -> dict[int, Ballot]:
    cached: dict[int, Ballot] | None = getattr(request, _CACHE, None)
    if cached is None:
        cached = ballots_by_edition(member_of(request.user))
        setattr(request, _CACHE, cached)
    return cached


@register.simple_tag(takes_context=True)
def member_standing(context: template.Context, edition: Edition) -> MemberStanding | None:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    return standing_in(edition, _ballots(request).get(edition.pk), timezone.now())
