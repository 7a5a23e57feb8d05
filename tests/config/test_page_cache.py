"""Visitor copies (config/page_cache.py): served before sessions and the database, never across people."""

import pytest
from django.contrib.admin import site
from django.contrib.messages import info
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from prometheus_client import REGISTRY

from awards.models import Edition, Nominee
from config.page_cache import VisitorPageMiddleware, mark_visitor_copy
from tests.factories import StaffFactory, UserFactory
from voting.staff.operations import publish_results, unpublish_results

pytestmark = pytest.mark.django_db

PUBLISHED = "moon-awards-2024"
LIVE = "moon-awards-2025"
ETF = "top-bitcoin-etfs-2024"
PAGES = {
    "home": "/",
    "edition": f"/editions/{PUBLISHED}/",
    "category": f"/editions/{PUBLISHED}/categories/{ETF}/",
    "results": f"/editions/{PUBLISHED}/results/",
    "category results": f"/editions/{PUBLISHED}/results/{ETF}/",
    "winners": f"/editions/{PUBLISHED}/winners/",
    "live edition": f"/editions/{LIVE}/",
}
PER_REQUEST = {"X-Request-ID"}


def _queries(client: Client, url: str, **headers: str) -> tuple[HttpResponse, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def _headers(response: HttpResponse) -> dict[str, str]:
    return {name: value for name, value in response.items() if name not in PER_REQUEST}


@pytest.fixture
def session_reached(monkeypatch: pytest.MonkeyPatch) -> list[HttpRequest]:
    """The requests that reached the session middleware (cleared by the test when it warms a copy)."""
    reached: list[HttpRequest] = []
    original = SessionMiddleware.process_request

    def spy(middleware: SessionMiddleware, request: HttpRequest) -> None:
        reached.append(request)
        original(middleware, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", spy)
    return reached


@pytest.mark.parametrize("name", PAGES)
def test_a_visitor_gets_the_copy_with_no_query_and_exactly_the_live_headers(client: Client, demo, name: str) -> None:
    live, rendered = _queries(client, PAGES[name])
    copy, queries = _queries(client, PAGES[name])
    assert (live.status_code, copy.status_code, queries) == (200, 200, 0)
    assert rendered > 0
    assert copy.content == live.content
    assert _headers(copy) == _headers(live)
    assert {"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "ETag", "Vary"} <= set(
        dict(copy.items())
    )
    assert copy["X-Request-ID"] != live["X-Request-ID"]  # regenerated per request


def test_a_matching_conditional_get_is_a_304_before_sessions_and_the_database(
    client: Client, demo, session_reached: list[HttpRequest]
) -> None:
    etag = client.get(PAGES["results"])["ETag"]
    session_reached.clear()
    answer, queries = _queries(client, PAGES["results"], if_none_match=etag)
    assert (answer.status_code, queries, len(session_reached)) == (304, 0, 0)
    assert answer.content == b""
    assert answer["ETag"] == etag and answer["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in answer
    other, queries = _queries(client, PAGES["results"], if_none_match='"another"')
    assert (other.status_code, queries, len(session_reached)) == (200, 0, 0)


def test_the_early_304_carries_the_headers_of_the_full_stacks_304(client: Client, demo) -> None:
    etag = client.get(PAGES["results"])["ETag"]
    early = client.get(PAGES["results"], headers={"if-none-match": etag})
    # An anonymous request with a session cookie goes through the full stack to the view's own cache.
    client.cookies["sessionid"] = "no-such-session"
    full = client.get(PAGES["results"], headers={"if-none-match": etag})
    assert (early.status_code, full.status_code) == (304, 304)
    assert _headers(early) == _headers(full)


def test_head_is_answered_from_the_copy(client: Client, demo) -> None:
    page = client.get(PAGES["edition"])
    with CaptureQueriesContext(connection) as queries:
        head = client.head(PAGES["edition"])
    assert (head.status_code, len(queries), head.content) == (200, 0, b"")
    assert head["Content-Length"] == page["Content-Length"] == str(len(page.content))


def test_the_early_answer_is_counted_in_the_request_metrics(client: Client, demo) -> None:
    labels = {"method": "GET", "view": "awards:edition", "status": "200"}
    client.get(PAGES["edition"])
    before = REGISTRY.get_sample_value("podium_http_requests_total", labels) or 0.0
    client.get(PAGES["edition"])
    assert REGISTRY.get_sample_value("podium_http_requests_total", labels) == before + 1


# --- Never across people ----------------------------------------------------------------------


def test_a_members_page_is_never_served_to_a_visitor_nor_a_visitors_copy_to_a_member(client: Client, demo) -> None:
    member = UserFactory(display_name="Visible Member")
    signed_in = Client()
    signed_in.force_login(member)
    mine = signed_in.get(PAGES["live edition"])
    assert b"Visible Member" in mine.content and b"csrfmiddlewaretoken" in mine.content
    seen, queries = _queries(client, PAGES["live edition"])
    assert queries > 0  # the member's page was not stored
    assert b"Visible Member" not in seen.content and b"csrfmiddlewaretoken" not in seen.content
    again, queries = _queries(signed_in, PAGES["live edition"])  # the visitor's copy is now stored
    assert queries > 0 and b"Visible Member" in again.content and b"Log out" in again.content


def test_a_staff_preview_is_never_stored(client: Client, demo, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        unpublish_results(edition=Edition.objects.get(slug=PUBLISHED), by=StaffFactory())
    staff = Client()
    staff.force_login(StaffFactory())
    assert b"BlackRock" in staff.get(PAGES["results"]).content  # the preview
    seen = client.get(PAGES["results"])
    assert b"BlackRock" not in seen.content
    assert b"Results appear here once the organisers publish them." in seen.content


@pytest.mark.parametrize(
    "headers",
    [
        {"cookie": "sessionid=anything"},
        {"cookie": "messages=anything"},
        {"authorization": "Bearer token"},
    ],
    ids=["session cookie", "messages cookie", "authorization"],
)
def test_a_request_with_a_session_messages_or_credentials_goes_through_the_full_stack(
    client: Client, demo, session_reached: list[HttpRequest], headers: dict[str, str]
) -> None:
    client.get(PAGES["edition"])  # stored
    session_reached.clear()
    client.get(PAGES["edition"], headers=headers)
    assert len(session_reached) == 1


def test_a_query_string_or_a_post_is_never_answered_from_the_copy(
    client: Client, demo, session_reached: list[HttpRequest]
) -> None:
    client.get(PAGES["home"])
    session_reached.clear()
    client.get(PAGES["home"], {"page": "2"})
    client.post(PAGES["home"])
    assert len(session_reached) == 2


def _marked(body: str = "page") -> HttpResponse:
    response = HttpResponse(body)
    mark_visitor_copy(response, expires_at=None)
    return response


def _sets_cookie(request: HttpRequest) -> HttpResponse:
    response = _marked()
    response.set_cookie("hello", "visitor")
    return response


def _renders_csrf_token(request: HttpRequest) -> HttpResponse:
    return _marked(get_token(request))


def _adds_message(request: HttpRequest) -> HttpResponse:
    from django.contrib.messages.storage.cookie import CookieStorage

    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    info(request, "only for you")
    return _marked()


def _varies_on_language(request: HttpRequest) -> HttpResponse:
    response = _marked()
    response["Vary"] = "Cookie, Accept-Language"
    return response


def _private(request: HttpRequest) -> HttpResponse:
    response = _marked()
    response["Cache-Control"] = "private"
    return response


def _not_marked(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page")


@pytest.mark.parametrize(
    "view", [_sets_cookie, _renders_csrf_token, _adds_message, _varies_on_language, _private, _not_marked]
)
def test_a_response_belonging_to_one_request_is_never_stored(rf: RequestFactory, view) -> None:
    calls: list[HttpRequest] = []

    def get_response(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        return view(request)

    middleware = VisitorPageMiddleware(get_response)
    middleware(rf.get("/"))
    middleware(rf.get("/"))
    assert len(calls) == 2


def test_a_marked_response_is_stored(rf: RequestFactory) -> None:
    calls: list[HttpRequest] = []
    middleware = VisitorPageMiddleware(lambda request: calls.append(request) or _marked())  # type: ignore[func-returns-value]
    first, second = middleware(rf.get("/")), middleware(rf.get("/"))
    assert len(calls) == 1 and second.content == first.content == b"page"  # type: ignore[attr-defined]


def test_copies_are_kept_apart_by_host(rf: RequestFactory, settings) -> None:
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    middleware = VisitorPageMiddleware(lambda request: _marked(request.get_host()))
    assert middleware(rf.get("/", HTTP_HOST="one.example")).content == b"one.example"  # type: ignore[attr-defined]
    assert middleware(rf.get("/", HTTP_HOST="two.example")).content == b"two.example"  # type: ignore[attr-defined]


# --- Invalidation -----------------------------------------------------------------------------


def test_a_nominee_renamed_in_the_admin_shows_at_once_on_the_visitors_pages(
    client: Client, demo, django_capture_on_commit_callbacks, rf: RequestFactory
) -> None:
    pages = ("edition", "category", "results", "category results")
    for name in pages:
        assert b"BlackRock" in client.get(PAGES[name]).content, name
    nominee = Nominee.objects.get(category__slug=ETF, name="BlackRock")
    nominee.name = "BlackRock Renamed"
    request = rf.post(reverse("admin:awards_nominee_change", args=[nominee.pk]))
    request.user = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        site._registry[Nominee].save_model(request, nominee, form=None, change=True)
    for name in pages:
        assert b"BlackRock Renamed" in client.get(PAGES[name]).content, name


def test_unpublish_hides_the_early_copies_at_once_and_publish_shows_them_again(
    client: Client, demo, django_capture_on_commit_callbacks
) -> None:
    etag = client.get(PAGES["results"])["ETag"]
    home = client.get(PAGES["home"]).content
    _, queries = _queries(client, PAGES["results"])
    assert queries == 0  # served early
    edition = Edition.objects.get(slug=PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        unpublish_results(edition=edition, by=StaffFactory())
    hidden = client.get(PAGES["results"], headers={"if-none-match": etag})
    assert hidden.status_code == 200 and b"BlackRock" not in hidden.content
    assert client.get(PAGES["winners"]).status_code == 404
    assert b"BlackRock" not in client.get(PAGES["edition"]).content
    assert client.get(PAGES["home"]).content != home  # the edition's phase on the home page
    with django_capture_on_commit_callbacks(execute=True):
        publish_results(edition=Edition.objects.get(slug=PUBLISHED), by=StaffFactory())
    assert b"BlackRock" in client.get(PAGES["results"]).content


def test_a_copy_expires_when_the_phase_changes_by_time(client: Client, demo, monkeypatch) -> None:
    client.get(PAGES["live edition"])
    client.get(PAGES["home"])
    assert _queries(client, PAGES["live edition"])[1] == 0
    closes = Edition.objects.get(slug=LIVE).voting_closes_at
    monkeypatch.setattr("django.utils.timezone.now", lambda: closes)
    for name in ("live edition", "home"):
        _, queries = _queries(client, PAGES[name])
        assert queries > 0, name  # rendered again, in the words of the new phase


def test_a_304_never_reads_the_body_and_a_lost_body_is_rendered_again(client: Client, demo) -> None:
    from django.core.cache import cache

    body = f"visitor-page:http://testserver{PAGES['results']}:body"
    etag = client.get(PAGES["results"])["ETag"]
    cache.delete(body)  # evicted on its own
    not_modified, queries = _queries(client, PAGES["results"], if_none_match=etag)
    assert (not_modified.status_code, queries) == (304, 0)
    page = client.get(PAGES["results"], headers={"if-none-match": '"another"'})
    assert page.status_code == 200 and b"BlackRock" in page.content
    assert cache.get(body) == (etag, page.content)  # rendered through the stack and stored again


def test_the_previous_releases_stand_in_is_never_stored_as_the_new_releases_copy(client: Client, demo) -> None:
    from django.core.cache import cache

    from voting.results.cache import cached_page_key, forget_release

    client.get(PAGES["results"])
    forget_release(PUBLISHED)  # a new snapshot
    rendering = f"{cached_page_key(PUBLISHED, 'overview')}:rendering"
    cache.add(rendering, 1, timeout=10)  # another worker renders it
    assert _queries(client, PAGES["results"])[1] == 0  # the stand-in
    cache.delete(rendering)
    assert _queries(client, PAGES["results"])[1] > 0  # the new release renders; the stand-in was not kept
