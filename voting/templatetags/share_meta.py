"""`{% share_meta edition %}`: Open Graph and Twitter card tags for edition and results pages."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.text import Truncator

from awards.models import Edition
from voting.results.selectors import CategoryStandings, EditionResults

register = template.Library()

DEFAULT_DESCRIPTION = "Community-voted awards on Podium: vote for the best in your community, then read the results."


@register.inclusion_tag("partials/share_meta.html", takes_context=True)
def share_meta(
    context: dict[str, Any],
    edition: Edition,
    results: EditionResults | None = None,
    standings: CategoryStandings | None = None,
) -> dict[str, str]:
    """Tags for an edition page, its results overview (`results`) or a category's results (`standings`)."""
    request = context["request"]
    if standings is not None and results is not None:
        title = f"{standings.category.title} · {results.framing.title}"
        description = " ".join(standings.sentences[:2]) or standings.category.intro
        image = reverse("voting:category_share_image", args=[edition.slug, standings.category.slug])
    elif results is not None:
        title = results.framing.title
        leaders = [f"{c.category.title}: {c.winners[0].label}" for c in results.categories if c.winners]
        intro = results.framing.leaders_intro
        description = f"{intro}: " + "; ".join(leaders[:4]) + "." if leaders else results.framing.status
        image = reverse("voting:edition_share_image", args=[edition.slug])
    else:
        title, description = edition.name, edition.description
        image = reverse("voting:edition_share_image", args=[edition.slug])
    return {
        "title": title,
        "description": Truncator(" ".join((description or DEFAULT_DESCRIPTION).split())).chars(200),
        "url": request.build_absolute_uri(request.path),
        "image": request.build_absolute_uri(image),
        "image_alt": f"{title}, as a chart of the leading nominees and their shares",
    }
