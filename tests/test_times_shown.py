"""Every time a page shows is a `<time datetime data-local>` element whose text names UTC.

Walks every page of the access matrix (each role that gets a page) plus the member's done and
receipt pages, and the admin's own templates, and looks for anything that reads like a time
or a date outside such an element.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from awards.models import Edition
from awards.templatetags.local_time import as_html, as_text, time_element
from tests import test_access_matrix as matrix
from tests.test_access_matrix import MATRIX, ROLES, _client, _split
from voting.models import Ballot

pytestmark = pytest.mark.django_db

world = matrix.world  # the access matrix's editions, members and staff (fixtures)
placeholders = matrix.placeholders

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# "06:27", "4 Dec", "Dec. 4", "2026-12-04": what a reader takes for a time or a date.
LOOKS_LIKE_A_TIME = re.compile(
    rf"\b\d{{1,2}}:\d{{2}}\b|\b\d{{1,2}} (?:{MONTHS})\w*\b|\b(?:{MONTHS})\w*\.? \d{{1,2}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
)
TIME = re.compile(r"<time\b([^>]*)>(.*?)</time>", re.S)
# Markup a reader does not read as page text: scripts, styles, the head (meta tags carry no
# time), charts (their axes are labelled by hour and day in UTC in the caption) and the
# attributes of tags.
HIDDEN = re.compile(r"<(script|style|head|svg)\b.*?</\1>|<[^>]+>", re.S)


# Django's own admin change lists format their date columns themselves (not Podium's
# templates); Podium's admin pages (dashboard, turnout, clusters) are checked below.
DJANGO_ADMIN_LISTS = {entry for entry, _ in MATRIX if entry.startswith("/admin/") and entry.count("/") == 4}
DOWNLOADS = (".png", ".csv", ".json", ".xml", ".txt")


def _stray_times(body: str) -> list[str]:
    """Times shown outside a `<time data-local>` element, and such elements that do not name UTC."""
    problems = []
    for attributes, text in TIME.findall(body):
        if "data-local" not in attributes or "datetime=" not in attributes:
            problems.append(f"<time{attributes}> is not enhanced")
        elif "UTC" not in text and "UTC" not in attributes:  # a day: its title names the time and zone
            problems.append(f"{text!r} names no zone")
    outside = HIDDEN.sub(" ", TIME.sub(" ", body))
    problems += [f"{match!r} outside <time>" for match in LOOKS_LIKE_A_TIME.findall(outside)]
    return problems


def test_the_check_finds_a_bare_time() -> None:
    assert _stray_times("<p>Voting closes 4 Dec 2026, 06:27 UTC.</p>") == [
        "'4 Dec' outside <time>",
        "'06:27' outside <time>",
    ]
    assert _stray_times('<p><time datetime="2026-12-04">4 Dec 2026</time></p>') == [
        '<time datetime="2026-12-04"> is not enhanced'
    ]
    moment = datetime(2026, 12, 4, 6, 27, tzinfo=UTC)
    assert _stray_times(f"<p>Voting closes {time_element(moment)}.</p>") == []
    assert _stray_times(f"<p>Until {time_element(moment, 'day_month')}.</p>") == []


def test_a_time_element_shows_utc_and_names_it() -> None:
    moment = datetime(2026, 12, 4, 6, 27, 13, tzinfo=UTC)
    assert time_element(moment) == '<time datetime="2026-12-04T06:27:13+00:00" data-local>4 Dec 2026, 06:27 UTC</time>'
    assert time_element(moment, "long_date") == (
        '<time datetime="2026-12-04T06:27:13+00:00" data-local="long_date" title="4 Dec 2026, 06:27 UTC">'
        "4 December 2026</time>"
    )
    phrase = ["Voting <b>opens</b> on ", (moment, ""), "."]
    assert as_text(phrase) == "Voting <b>opens</b> on 4 December 2026, 06:27 UTC."
    assert as_html(phrase) == f"Voting &lt;b&gt;opens&lt;/b&gt; on {time_element(moment)}."


def test_every_page_shows_its_times_in_time_elements_naming_utc(world, placeholders, settings) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"  # the site's zone does not change what the server writes: UTC
    with timezone.override("Asia/Tokyo"):
        problems, checked = _walk(world, placeholders)
    assert problems == {}
    assert checked >= 10  # the walk did reach pages that show times


def _walk(world, placeholders) -> tuple[dict[str, list[str]], int]:
    pages = [(_split(entry)[1], roles) for entry, roles in MATRIX if _split(entry)[0] == "GET"]
    checked, problems = 0, {}
    for template, expected in pages:
        url = template.format(**placeholders)
        if template in DJANGO_ADMIN_LISTS or template.endswith(DOWNLOADS):
            continue  # not Podium's pages: Django's change lists, and files (each fetched in the access matrix)
        for role in ROLES:
            if expected.get(role) != 200:
                continue
            response = _client(world[role]).get(url)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            found = _stray_times(response.content.decode())
            checked += "<time" in response.content.decode()
            if found:
                problems[f"{role} {url}"] = found
    member = _client(world["member"])
    code = Ballot.objects.get(voter=world["member"]).receipts.get().code
    receipt = member.post("/receipts/", {"code": code}).content.decode()
    if found := _stray_times(receipt):
        problems["member receipt"] = found
    return problems, checked


def test_staff_pages_show_times_in_time_elements(world, placeholders) -> None:
    staff = _client(world["staff"])
    edition = Edition.objects.get(slug="moon-awards-2025")
    edition.voting_closes_at = timezone.now() + timedelta(days=3)
    edition.save()
    for url in (
        "/admin/",
        f"/admin/awards/edition/{edition.pk}/turnout/",
        f"/admin/voting/ballot/clusters/?edition={edition.pk}",
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        main = body.split('id="content"', 1)[-1]  # Django's own header and breadcrumbs carry no time
        assert _stray_times(main) == [], url
    assert "<time" in staff.get("/admin/").content.decode()


def test_emails_name_utc(world) -> None:
    edition = Ballot.objects.get(voter=world["member"]).edition
    closing = render_to_string("voting/email/voting_closing.txt", {"edition": edition, "opt_out_url": "x"})
    assert f"closes on {as_text([(edition.voting_closes_at, '')])}" in closing
    assert " UTC," in closing
