"""Who may see what, for every route of the app: anonymous, member, another member, staff.

Drafts and hidden results answer 404 (or the "not yet" page) so existence does not leak;
pages that need an account send visitors to log in; nobody reaches another member's ballot.
The list of routes comes from the URL resolver: a new route without an entry here (or a
reasoned exemption) fails `test_every_route_has_an_entry`.
"""

import io
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import create_api_token
from awards.models import Edition, Nomination, ResultsVisibility
from awards.nominations import suggest_nominee
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.ballots.imports import import_ballots
from voting.ballots.services import submit_ballot
from voting.models import Ballot
from voting.notifications.announcements import opt_out_token
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

OPEN, PUBLISHED, NOMINATING = "moon-awards-2025", "moon-awards-2024", "sun-awards-2026"
ETF = "top-bitcoin-etfs-2024"
LOGIN = "/accounts/login/"


@pytest.fixture
def world() -> dict[str, User | None]:
    now = timezone.now()
    published = EditionFactory(
        name="Published Awards",
        slug=PUBLISHED,
        voting_opens_at=now - timedelta(days=30),
        voting_closes_at=now - timedelta(days=20),
        published_at=now - timedelta(days=10),
        results_visibility=ResultsVisibility.PUBLISHED,
    )
    etf = CategoryFactory(edition=published, slug=ETF, title="Top Bitcoin ETFs")
    NomineeFactory(category=etf, name="BlackRock")
    open_edition = EditionFactory(name="Open Awards", slug=OPEN)
    stable = CategoryFactory(edition=open_edition, slug="stablecoin")
    NomineeFactory(category=stable, name="USD Coin")
    EditionFactory(name="Draft Awards", slug="draft", is_public=False)
    import_ballots(edition=published, lines=io.StringIO(f"voter,{ETF}\nv1,BlackRock\nv2,BlackRock\n"))
    recompute_edition(published.pk)
    member, other = UserFactory(), UserFactory()
    submit_ballot(
        voter=member, edition=open_edition, selections={stable.pk: [stable.nominees.get().pk]}, expected_version=0
    )
    nominating = EditionFactory(
        name="Nominating Awards",
        slug=NOMINATING,
        nominations_open_at=now - timedelta(days=1),
        nominations_close_at=now + timedelta(days=1),
        voting_opens_at=now + timedelta(days=2),
        voting_closes_at=now + timedelta(days=9),
    )
    wallets = CategoryFactory(edition=nominating, slug="wallet", title="Best Wallet")
    suggest_nominee(member=other, category=wallets, name="Ledger", why="Hardware keys.")
    create_api_token(user=member, name="matrix")
    curator, moderator = UserFactory(is_staff=True), UserFactory(is_staff=True)
    curator.groups.set(Group.objects.filter(name="curator"))
    moderator.groups.set(Group.objects.filter(name="moderator"))
    return {
        "anonymous": None,
        "member": member,
        "other": other,
        "curator": curator,
        "moderator": moderator,
        "staff": StaffFactory(),
    }


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# url, {role: expected status or (status, location prefix)}
Expect = dict[str, int | tuple[int, str]]
ROLES = ("anonymous", "member", "other", "curator", "moderator", "staff")
STAFF_ROLES = ("curator", "moderator", "staff")
EVERYONE_200: Expect = dict.fromkeys(ROLES, 200)


def _staff_only(staff: int | tuple[int, str], others: int | tuple[int, str]) -> Expect:
    return {role: staff if role in STAFF_ROLES else others for role in ROLES}


MATRIX: list[tuple[str, Expect]] = [
    ("/", EVERYONE_200),
    (f"/editions/{PUBLISHED}/", EVERYONE_200),
    (f"/editions/{PUBLISHED}/categories/{ETF}/", EVERYONE_200),
    (f"/editions/{PUBLISHED}/results/", EVERYONE_200),
    (f"/editions/{PUBLISHED}/results/{ETF}/", EVERYONE_200),
    (f"/editions/{PUBLISHED}/winners/", EVERYONE_200),
    (f"/editions/{OPEN}/winners/", dict.fromkeys(ROLES, 404)),  # not published: no winners, not even for staff
    ("/editions/draft/winners/", dict.fromkeys(ROLES, 404)),
    (f"/editions/{PUBLISHED}/results.json", EVERYONE_200),
    (f"/editions/{PUBLISHED}/results.csv", EVERYONE_200),
    ("/receipts/", EVERYONE_200),
    ("/editions/draft/", _staff_only(200, 404)),
    ("/editions/draft/results/", _staff_only(200, 404)),
    ("/editions/draft/results.json", _staff_only(200, 404)),
    ("/editions/nope/", dict.fromkeys(ROLES, 404)),
    (f"/editions/{OPEN}/ballot/", {**dict.fromkeys(ROLES, 200), "anonymous": (302, LOGIN)}),
    (f"/editions/{OPEN}/ballot/submit/", {**dict.fromkeys(ROLES, 405), "anonymous": (302, LOGIN)}),
    (f"/editions/{OPEN}/ballot/edit/", {**dict.fromkeys(ROLES, 405), "anonymous": (302, LOGIN)}),
    ("/editions/draft/ballot/preview/", _staff_only(200, (302, "/admin/login/"))),
    (
        f"/editions/{OPEN}/ballot/done/",
        {**dict.fromkeys(ROLES, (302, f"/editions/{OPEN}/ballot/")), "anonymous": (302, LOGIN), "member": 200},
    ),
    ("/nominations/", {**dict.fromkeys(ROLES, 200), "anonymous": (302, LOGIN)}),
    ("/admin/", _staff_only(200, (302, "/admin/login/"))),
    ("/admin/awards/edition/", _staff_only(200, (302, "/admin/login/"))),
    ("/admin/awards/category/", {**_staff_only(200, (302, "/admin/login/")), "moderator": 403}),
    ("/admin/awards/nominee/", {**_staff_only(200, (302, "/admin/login/")), "moderator": 403}),
    ("/admin/awards/nomination/", {**_staff_only(200, (302, "/admin/login/")), "moderator": 403}),
    ("/admin/voting/ballot/", {**_staff_only(200, (302, "/admin/login/")), "curator": 403}),
    ("/admin/voting/ballotaudit/", {**_staff_only(200, (302, "/admin/login/")), "curator": 403}),
    ("/admin/voting/editionaudit/", _staff_only(200, (302, "/admin/login/"))),
    # The edition's running side: `awards.publish_results` (moderators) and `voting.moderate_ballot`.
    ("/admin/awards/edition/{edition}/turnout/", _staff_only(200, (302, "/admin/login/"))),
    (
        "/admin/awards/edition/{edition}/export/results.csv",
        {**_staff_only(200, (302, "/admin/login/")), "curator": 403},
    ),
    (
        "/admin/awards/edition/{edition}/export/ballots.json",
        {**_staff_only(200, (302, "/admin/login/")), "curator": 403},
    ),
    ("/admin/voting/outgoingmail/", _staff_only(200, (302, "/admin/login/"))),
    # Accounts and sign-in providers: superusers only.
    *[
        (url, {**_staff_only(403, (302, "/admin/login/")), "staff": 200})
        for url in (
            "/admin/accounts/user/",
            "/admin/accounts/apitoken/",
            "/admin/account/emailaddress/",
            "/admin/auth/group/",
            "/admin/socialaccount/socialaccount/",
            "/admin/socialaccount/socialapp/",
            "/admin/socialaccount/socialtoken/",
            "/admin/mfa/authenticator/",
        )
    ],
    # Sharing: embeds and share images follow the results' visibility.
    (f"/embed/editions/{PUBLISHED}/{ETF}/", EVERYONE_200),
    ("/embed/editions/draft/anything/", dict.fromkeys(ROLES, 404)),
    (f"/editions/{PUBLISHED}/share.png", EVERYONE_200),
    (f"/editions/{PUBLISHED}/results/{ETF}/share.png", EVERYONE_200),
    ("/editions/draft/share.png", _staff_only(200, 404)),
    ("/sitemap.xml", EVERYONE_200),
    # Nominations: members suggest and support while the window is open.
    (f"/editions/{NOMINATING}/nominate/", {**dict.fromkeys(ROLES, 200), "anonymous": (302, LOGIN)}),
    ("/editions/draft/nominate/", {**_staff_only(200, 404), "anonymous": (302, LOGIN)}),
    ("/nominations/{nomination}/support/", {**dict.fromkeys(ROLES, 405), "anonymous": (302, LOGIN)}),
    (
        "POST /nominations/{nomination}/support/",
        {**dict.fromkeys(ROLES, (302, f"/editions/{NOMINATING}/nominate/")), "anonymous": (302, LOGIN)},
    ),
    # Accounts: API tokens are the member's own; the opt-out link needs no log-in.
    ("/accounts/ballots/", {**dict.fromkeys(ROLES, 200), "anonymous": (302, LOGIN)}),
    ("/accounts/api-tokens/", {**dict.fromkeys(ROLES, 200), "anonymous": (302, LOGIN)}),
    ("/accounts/api-tokens/{token}/revoke/", {**dict.fromkeys(ROLES, 405), "anonymous": (302, LOGIN)}),
    (
        "POST /accounts/api-tokens/{token}/revoke/",
        {**dict.fromkeys(ROLES, (302, "/accounts/api-tokens/")), "anonymous": (302, LOGIN)},
    ),
    # "Send it again" on the verify-your-address page: only a pending sign-up in the session is mailed.
    ("/accounts/confirm-email-again/", dict.fromkeys(ROLES, 405)),
    (
        "POST /accounts/confirm-email-again/",
        {**dict.fromkeys(ROLES, (302, "/accounts/email/")), "anonymous": (302, LOGIN)},
    ),
    ("/notifications/opt-out/{opt_out}/", EVERYONE_200),
    ("/notifications/opt-out/tampered/", dict.fromkeys(ROLES, 404)),
    ("/accounts/2fa/", {**dict.fromkeys(ROLES, 200), "anonymous": (302, LOGIN)}),
    ("/accounts/login/", {**dict.fromkeys(ROLES, (302, "/")), "anonymous": 200}),
    ("/accounts/signup/", {**dict.fromkeys(ROLES, (302, "/")), "anonymous": 200}),
    # The read API and the member's ballot API (session or bearer token).
    ("/api/v1/", dict.fromkeys(ROLES, 404)),  # django-ninja's root route: no page of its own
    ("/api/v1/openapi.json", EVERYONE_200),
    ("/api/v1/docs", EVERYONE_200),
    ("/api/v1/nope", dict.fromkeys(ROLES, 404)),
    ("/api/v1/editions", EVERYONE_200),
    (f"/api/v1/editions/{PUBLISHED}", EVERYONE_200),
    ("/api/v1/editions/draft", _staff_only(200, 404)),
    (f"/api/v1/editions/{PUBLISHED}/categories", EVERYONE_200),
    (f"/api/v1/editions/{PUBLISHED}/categories/{ETF}", EVERYONE_200),
    (f"/api/v1/editions/{PUBLISHED}/results", EVERYONE_200),
    (f"/api/v1/editions/{PUBLISHED}/results/{ETF}", EVERYONE_200),
    ("/api/v1/editions/draft/results", _staff_only(200, 404)),
    (f"/api/v1/editions/{PUBLISHED}/export/results.csv", EVERYONE_200),
    (f"/api/v1/editions/{PUBLISHED}/export/results.json", EVERYONE_200),
    (f"/api/v1/editions/{PUBLISHED}/categories/{ETF}/export/results.csv", EVERYONE_200),
    (f"/api/v1/editions/{PUBLISHED}/categories/{ETF}/export/results.json", EVERYONE_200),
    (
        f"/api/v1/editions/{PUBLISHED}/export/ballots.json",
        {**_staff_only(200, 403), "anonymous": 401, "curator": 403},  # moderators' permission
    ),
    ("/api/v1/receipts/check", dict.fromkeys(ROLES, 405)),
    (f"/api/v1/editions/{OPEN}/ballot", {**dict.fromkeys(ROLES, 200), "anonymous": 401}),
]


def _split(entry: str) -> tuple[str, str]:
    method, _, url = entry.rpartition(" ")
    return method or "GET", url


@pytest.fixture
def placeholders(world: dict[str, User | None]) -> dict[str, object]:
    member = world["member"]
    assert member is not None
    return {
        "nomination": Nomination.objects.get().pk,
        "edition": Edition.objects.get(slug=PUBLISHED).pk,
        "token": member.api_tokens.get().pk,
        "opt_out": opt_out_token(member),
    }


@pytest.mark.parametrize(("entry", "expected"), MATRIX, ids=[entry for entry, _ in MATRIX])
def test_each_role_sees_exactly_its_part(
    world: dict[str, User | None], placeholders: dict[str, object], entry: str, expected: Expect
) -> None:
    method, template = _split(entry)
    url = template.format(**placeholders)
    for role, outcome in expected.items():
        client = _client(world[role])
        response = client.get(url) if method == "GET" else client.post(url)
        status, prefix = outcome if isinstance(outcome, tuple) else (outcome, None)
        assert response.status_code == status, f"{role} {method} {url}"
        if prefix:
            assert response["Location"].startswith(prefix), f"{role} {method} {url} -> {response['Location']}"


# Routes the matrix does not request, each with the reason. Everything else the resolver
# knows must have an entry above.
EXEMPT = {
    "admin/": "Django's admin: each registered model's list is checked by test_every_admin_list_has_an_entry",
    **dict.fromkeys(
        [
            "accounts/logout/",
            "accounts/inactive/",
            "accounts/reauthenticate/",
            "accounts/email/",
            "accounts/confirm-email/",
            "accounts/password/change/",
            "accounts/password/set/",
            "accounts/password/reset/",
            "accounts/login/code/confirm/",
            "accounts/^confirm-email/(?P<key>[-:\\w]+)/$",
            "accounts/password/reset/key/done/",
            "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
            "accounts/password/reset/done/",
            "accounts/3rdparty/login/cancelled/",
            "accounts/3rdparty/login/error/",
            "accounts/3rdparty/signup/",
            "accounts/3rdparty/",
            "accounts/social/login/cancelled/",
            "accounts/social/login/error/",
            "accounts/social/signup/",
            "accounts/social/connections/",
            "accounts/2fa/authenticate/",
            "accounts/2fa/reauthenticate/",
            "accounts/2fa/recovery-codes/",
            "accounts/2fa/recovery-codes/download/",
            "accounts/2fa/recovery-codes/generate/",
            "accounts/2fa/totp/activate/",
            "accounts/2fa/totp/deactivate/",
            "accounts/2fa/webauthn/",
            "accounts/2fa/webauthn/add/",
            "accounts/2fa/webauthn/keys/<int:pk>/edit/",
            "accounts/2fa/webauthn/keys/<int:pk>/remove/",
            "accounts/2fa/webauthn/reauthenticate/",
        ],
        "allauth's own account and two-factor pages: no Podium data behind them (sign-up, log-in and "
        "the two-factor index are in the matrix; the flows are in tests/accounts)",
    ),
}


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == "admin/":
                yield route  # the admin site as one entry (see EXEMPT)
            else:
                yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def test_every_route_has_an_entry() -> None:
    routes = set(_routes(get_resolver().url_patterns))
    dummies = {"nomination": 1, "token": 1, "opt_out": "token", "edition": 1}
    covered = {resolve(_split(entry)[1].format(**dummies).split("?")[0]).route for entry, _ in MATRIX}
    assert sorted(routes - covered - set(EXEMPT)) == []
    assert sorted(set(EXEMPT) - routes) == []  # no stale exemptions


def test_every_admin_list_has_an_entry() -> None:
    lists = {reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry}
    assert sorted(lists - {entry for entry, _ in MATRIX}) == []


def test_hidden_results_show_no_figures_to_visitors_or_members(world: dict[str, User | None]) -> None:
    visible = _client(world["anonymous"]).get(f"/editions/{PUBLISHED}/results/{ETF}/").content.decode()
    assert "BlackRock secured the top position with 100.0%" in visible
    Edition.objects.filter(slug=PUBLISHED).update(published_at=None, results_visibility=ResultsVisibility.PUBLISHED)
    cache.clear()  # the published page was cached for visitors; unpublishing through the admin clears it
    preview = _client(world["staff"]).get(f"/editions/{PUBLISHED}/results/{ETF}/").content.decode()
    assert "BlackRock tops the count with 100.0%" in preview  # unpublished: nobody has won yet
    for role in ("anonymous", "member"):
        client = _client(world[role])
        for url in (f"/editions/{PUBLISHED}/results/", f"/editions/{PUBLISHED}/results/{ETF}/"):
            body = client.get(url).content.decode()
            assert "100.0%" not in body and "BlackRock secured" not in body, (role, url)
        assert client.get(f"/editions/{PUBLISHED}/results.json").status_code == 404


def test_no_member_reaches_another_members_ballot(world: dict[str, User | None]) -> None:
    """The ballot pages are keyed by the logged-in member, never by an id in the URL."""
    member, other = world["member"], world["other"]
    code = Ballot.objects.get(voter=member).receipts.get().code
    page = _client(other).get(f"/editions/{OPEN}/ballot/")
    assert page.context["page"].ballot is None
    assert code not in page.content.decode()
    check = _client(other).post("/receipts/", {"code": code})
    assert check.context["summary"] is None


@pytest.mark.parametrize(
    "make_request",
    [
        lambda c: c.get("/accounts/logout/"),
        lambda c: c.get(f"/editions/{OPEN}/ballot/?version=0"),
        lambda c: c.get(f"/editions/{OPEN}/ballot/submit/?version=0"),
        lambda c: c.get("/receipts/?code=PDM-AAAA-BBBB-CCCC-DDDD"),
    ],
)
def test_no_get_changes_state(world: dict[str, User | None], make_request: Callable[[Client], object]) -> None:
    member = world["member"]
    client = _client(member)
    before = list(Ballot.objects.order_by("pk").values_list("pk", "version", "updated_at"))
    make_request(client)
    assert list(Ballot.objects.order_by("pk").values_list("pk", "version", "updated_at")) == before
    assert client.session.get("_auth_user_id") == str(member.pk)


STATE_CHANGING_FORMS = [
    f"/editions/{OPEN}/ballot/",
    f"/editions/{OPEN}/ballot/submit/",
    "/receipts/",
    "/accounts/logout/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/api-tokens/",
    f"/editions/{OPEN}/nominate/",
    "/nominations/1/support/",
    "/admin/voting/ballot/",
    "/admin/awards/edition/",
]


@pytest.mark.parametrize("url", STATE_CHANGING_FORMS)
def test_every_state_changing_form_needs_a_csrf_token(world: dict[str, User | None], url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["staff"])
    before = list(Ballot.objects.order_by("pk").values_list("pk", "version", "status"))
    response = client.post(url, {"version": "0", "action": "invalidate_selected"})
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    assert list(Ballot.objects.order_by("pk").values_list("pk", "version", "status")) == before
