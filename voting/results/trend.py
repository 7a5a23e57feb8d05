"""The trend chart of a category's results: shares of the leading nominees over the recent releases."""

from django.utils import timezone

from awards.models import Category
from voting.results.charts import Chart, line_chart
from voting.results.selectors import release_history


def trend_chart(category: Category, names: dict[int, str], top: int = 5) -> Chart | None:
    """Share over time of the nominees leading now, drawn by the server (None: too few releases)."""
    history = release_history(category)
    if len(history) < 2:
        return None
    latest = history[-1][1]
    leaders = sorted(latest, key=lambda nominee: -latest[nominee])[:top]
    series = [
        (
            names.get(nominee, "?"),
            [(timezone.localtime(at), float(shares.get(nominee, 0))) for at, shares in history],
        )
        for nominee in leaders
    ]
    return line_chart(
        f"Share of the leading nominees across {len(history)} updates",
        series,
        y_label="Share",
        x_label=f"Times in {timezone.get_current_timezone_name()}",
    )
