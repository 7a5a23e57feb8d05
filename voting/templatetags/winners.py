"""Winner tags: `{% headline_figure standings row as figure %}` and `{% edition_winners edition %}`."""

from typing import Any

from django import template
from django.utils import timezone

from awards.models import Edition, Phase
from voting.results.figures import Figure, headline_figure
from voting.results.selectors import CategoryStandings, ResultRow, visible_results

register = template.Library()


@register.simple_tag(name="headline_figure")
def headline_figure_tag(standings: CategoryStandings, row: ResultRow) -> Figure:
    """A nominee's figure and its caption, as its category's method ranks."""
    return headline_figure(standings.method, row.share, row.count, len(standings.rows))


@register.inclusion_tag("voting/_edition_winners.html", takes_context=True)
def edition_winners(context: dict[str, Any], edition: Edition) -> dict[str, Any]:
    """The winners strip that opens a published edition's page (nothing before publication).

    The edition page lives in `awards`, which never imports `voting`; its template asks here.
    """
    if edition.phase_at(timezone.now()) != Phase.PUBLISHED:
        return {"results": None}
    _, found = visible_results(context["request"].user, edition.slug)
    return {"edition": edition, "results": found, "request": context["request"]}
