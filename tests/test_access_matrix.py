"""Who may see what, for every public URL: anonymous, member, another member, staff.

Drafts and hidden results answer 404 (or the "not yet" page) so existence does not leak;
pages that need an account send visitors to log in; nobody reaches another member's ballot.
"""

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import User
from awards.models import Edition, ResultsVisibility
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.ballots.imports import import_ballots
from voting.ballots.services import submit_ballot
from voting.models import Ballot
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

OPEN, PUBLISHED = "moon-awards-2025", "moon-awards-2024"
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
    (
        f"/editions/{OPEN}/ballot/done/",
        {**dict.fromkeys(ROLES, (302, f"/editions/{OPEN}/ballot/")), "anonymous": (302, LOGIN), "member": 200},
    ),
    ("/nominations/", {**dict.fromkeys(ROLES, 200), "anonymous": (302, LOGIN)}),
    ("/admin/", _staff_only(200, (302, "/admin/login/"))),
    ("/admin/awards/edition/", _staff_only(200, (302, "/admin/login/"))),
    ("/admin/awards/nomination/", {**_staff_only(200, (302, "/admin/login/")), "moderator": 403}),
    ("/admin/voting/ballot/", {**_staff_only(200, (302, "/admin/login/")), "curator": 403}),
    ("/admin/voting/ballotaudit/", {**_staff_only(200, (302, "/admin/login/")), "curator": 403}),
]


@pytest.mark.parametrize(("url", "expected"), MATRIX, ids=[url for url, _ in MATRIX])
def test_each_role_sees_exactly_its_part(world: dict[str, User | None], url: str, expected: Expect) -> None:
    for role, outcome in expected.items():
        response = _client(world[role]).get(url)
        status, prefix = outcome if isinstance(outcome, tuple) else (outcome, None)
        assert response.status_code == status, f"{role} GET {url}"
        if prefix:
            assert response["Location"].startswith(prefix), f"{role} GET {url} -> {response['Location']}"


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
