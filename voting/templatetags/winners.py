"""Winner tags: `headline_figure`, and the `edition_winners` and `category_winner` banners of awards pages."""

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


@register.inclusion_tag("voting/_category_winner.html", takes_context=True)
def category_winner(context: dict[str, Any], edition: Edition, category_slug: str) -> dict[str, Any]:
    """The winner banner that opens a published category's page (nothing before publication)."""
    if edition.phase_at(timezone.now()) != Phase.PUBLISHED:
        return {"standings": None}
    _, found = visible_results(context["request"].user, edition.slug)
    standings = next((c for c in found.categories if c.category.slug == category_slug), None) if found else None
    return {"edition": edition, "standings": standings, "request": context["request"]}
