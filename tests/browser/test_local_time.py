"""Times in the reader's own zone: a browser in Tokyo reads Tokyo times, zone named; without
JavaScript the same page reads UTC, zone named."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import EditionFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9 all year: no daylight saving to guess about


def _texts(browser, live_server, url: str, **context) -> list[tuple[str, str | None]]:
    ctx = browser.new_context(locale="en-GB", **context)
    try:
        page = ctx.new_page()
        page.goto(f"{live_server.url}{url}")
        times = page.locator("time[data-local]")
        return [(times.nth(i).inner_text(), times.nth(i).get_attribute("title")) for i in range(times.count())]
    finally:
        ctx.close()


def test_times_are_shown_in_the_readers_zone_with_the_zone_named(browser, live_server) -> None:
    opens = timezone.now().replace(microsecond=0) - timedelta(days=1)
    closes = datetime(2030, 12, 16, 18, 5, tzinfo=UTC)  # 17 December, 03:05 in Tokyo: the day changes too
    edition = EditionFactory(name="Zone Awards", voting_opens_at=opens, voting_closes_at=closes)
    url = edition.get_absolute_url()

    local = _texts(browser, live_server, url, timezone_id="Asia/Tokyo")
    in_tokyo = closes.astimezone(TOKYO)
    assert in_tokyo.strftime("%d %b %Y, %H:%M").lstrip("0") == "17 Dec 2030, 03:05"
    assert ("17 Dec 2030, 03:05 GMT+9", "16 Dec 2030, 18:05 UTC") in local  # the title keeps the UTC time
    assert all("GMT+9" in text or "GMT+9" in (title or "") for text, title in local), local

    without_script = _texts(browser, live_server, url, timezone_id="Asia/Tokyo", java_script_enabled=False)
    assert ("16 Dec 2030, 18:05 UTC", None) in without_script
    assert all("UTC" in text or "UTC" in (title or "") for text, title in without_script), without_script
