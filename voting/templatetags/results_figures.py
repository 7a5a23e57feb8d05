"""`{% headline_figure standings row as figure %}`: a nominee's figure and its caption, as the method ranks."""

from django import template

from voting.results.figures import Figure, headline_figure
from voting.results.selectors import CategoryStandings, ResultRow

register = template.Library()


@register.simple_tag(name="headline_figure")
def headline_figure_tag(standings: CategoryStandings, row: ResultRow) -> Figure:
    return headline_figure(standings.method, row.share, row.count, len(standings.rows))
