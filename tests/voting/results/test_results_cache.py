"""Hidden means hidden at once: no cached copy outlives a visibility or slug change."""

import pytest
from django.contrib.admin import site
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.models import Category, Edition
from tests.admin_forms import change_form_data
from tests.factories import StaffFactory
from voting.results.cache import cached_page_key
from voting.staff.operations import unpublish_results

pytestmark = pytest.mark.django_db

EDITION = "moon-awards-2024"
ETF = "top-bitcoin-etfs-2024"
PROBES = {
    "overview": f"/editions/{EDITION}/results/",
    "category": f"/editions/{EDITION}/results/{ETF}/",
    "csv": f"/editions/{EDITION}/results.csv",
    "json": f"/editions/{EDITION}/results.json",
    "embed": f"/embed/editions/{EDITION}/{ETF}/",
    "category image": f"/editions/{EDITION}/results/{ETF}/share.png",
    "edition image": f"/editions/{EDITION}/share.png",
}


@pytest.fixture
def warmed(demo: None, client: Client) -> dict[str, bytes]:
    """The published demo edition, every results URL fetched once by a visitor (so cached)."""
    copies = {}
    for name, url in PROBES.items():
        response = client.get(url)
        assert response.status_code == 200, name
        copies[name] = response.content
    return copies


def _leaks(client: Client, copies: dict[str, bytes], rounds: int = 20) -> list[str]:
    """Probes by visitors that still got a copy showing the hidden results."""
    leaks = []
    for probe in range(rounds):
        for name, url in PROBES.items():
            response = client.get(url)
            if response.status_code == 200 and (b"BlackRock" in response.content or response.content == copies[name]):
                leaks.append(f"{probe}: {name}")
    return leaks


def test_urls_resolve_as_the_probes_expect(client: Client, warmed) -> None:
    assert b"BlackRock" in warmed["csv"]
    assert warmed["edition image"].startswith(b"\x89PNG")


def test_after_unpublish_twenty_rounds_of_visitor_probes_leak_nothing(
    client: Client, warmed, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        unpublish_results(edition=Edition.objects.get(slug=EDITION), by=StaffFactory())
    assert _leaks(client, warmed) == []
    pending = client.get(PROBES["overview"]).content.decode()
    assert "Results appear here once the organisers publish them." in pending


def test_a_copy_is_hidden_only_once_the_change_commits(
    client: Client, warmed, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        unpublish_results(edition=Edition.objects.get(slug=EDITION), by=StaffFactory())
    key = cached_page_key(EDITION, "overview")
    for callback in callbacks:  # the commit
        callback()
    assert cached_page_key(EDITION, "overview") != key


def _admin_save(edition: Edition, **changes: object) -> None:
    """The edition's admin change form, posted by staff with these changes."""
    staff = Client()
    staff.force_login(StaffFactory())
    url = reverse("admin:awards_edition_change", args=[edition.pk])
    data = change_form_data(staff, url)
    for field, value in changes.items():
        if value is False:
            data.pop(field, None)  # an unticked checkbox is not sent
        else:
            data[field] = value
    assert staff.post(url, data).status_code == 302


def test_making_the_edition_a_draft_in_the_admin_hides_every_copy(
    client: Client, warmed, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _admin_save(Edition.objects.get(slug=EDITION), is_public=False)
    assert _leaks(client, warmed, rounds=3) == []
    assert client.get(PROBES["overview"]).status_code == 404


def test_a_slug_change_makes_the_old_slugs_copies_unreachable(
    client: Client, warmed, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _admin_save(Edition.objects.get(slug=EDITION), slug="moon-awards-2024-renamed")
    assert _leaks(client, warmed, rounds=3) == []
    assert client.get("/editions/moon-awards-2024-renamed/results.csv").status_code == 200


def test_while_a_new_release_renders_the_previous_copy_stands_in_without_a_query(client: Client, warmed) -> None:
    from django.core.cache import cache

    from voting.results.cache import forget_release

    forget_release(EDITION)
    cache.add(f"{cached_page_key(EDITION, 'overview')}:rendering", 1, timeout=10)  # another worker renders
    with CaptureQueriesContext(connection) as queries:
        meanwhile = client.get(PROBES["overview"])
    assert len(queries) == 0
    assert meanwhile.content == warmed["overview"]


def test_a_pending_render_does_not_leave_its_rendering_flag_behind(
    client: Client, warmed, django_capture_on_commit_callbacks
) -> None:
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=True):
        unpublish_results(edition=Edition.objects.get(slug=EDITION), by=StaffFactory())
    client.get(PROBES["overview"])
    assert cache.get(f"{cached_page_key(EDITION, 'overview')}:rendering") is None


def test_a_live_copy_is_never_served_once_voting_has_closed(client: Client, warmed, monkeypatch) -> None:
    live = "/editions/moon-awards-2025/results/"
    client.get(live)
    with CaptureQueriesContext(connection) as queries:
        client.get(live)
    assert len(queries) == 0  # cached
    closes = Edition.objects.get(slug="moon-awards-2025").voting_closes_at
    monkeypatch.setattr("django.utils.timezone.now", lambda: closes)
    with CaptureQueriesContext(connection) as queries:
        client.get(live)
    assert len(queries) > 0  # rendered again, in the words of the new moment


def test_a_category_slug_change_in_the_category_admin_hides_the_old_copies(
    client: Client, warmed, django_capture_on_commit_callbacks, rf
) -> None:
    category = Edition.objects.get(slug=EDITION).categories.get(slug=ETF)
    category.slug = "bitcoin-etfs-renamed"
    request = rf.post("/admin/awards/category/")
    request.user = StaffFactory(is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        site._registry[Category].save_model(request, category, form=None, change=True)
    for name in ("category", "embed", "category image"):
        assert client.get(PROBES[name]).status_code == 404, name
    renamed = client.get(f"/editions/{EDITION}/results/bitcoin-etfs-renamed/")
    assert renamed.status_code == 200 and b"BlackRock" in renamed.content
