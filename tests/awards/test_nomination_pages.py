"""Member pages for nominations, and the staff review in the admin."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from awards.models import Nomination, NominationStatus, Nominee
from awards.nominations import reject_nomination, suggest_nominee, support_nomination
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(category) -> str:
    return reverse("awards:nominate", args=[category.edition.slug])


def _form(category, name: str) -> dict[str, object]:
    return {"category": category.pk, "name": name, "product_name": "", "link": "", "why": "Because"}


def test_anonymous_is_sent_to_log_in(client: Client, nominating_category) -> None:
    response = client.get(_url(nominating_category))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_member_suggests_and_sees_it_on_their_page(client: Client, nominating_category) -> None:
    client.force_login(UserFactory())
    page = client.get(_url(nominating_category))
    assert page.status_code == 200
    assert b"Suggest a nominee" in page.content
    done = client.post(_url(nominating_category), _form(nominating_category, "Bit Box"))
    assert done.status_code == 302
    assert done["Location"] == reverse("awards:my_nominations")
    mine = client.get(reverse("awards:my_nominations"))
    assert [n.name for n in mine.context["nominations"]] == ["Bit Box"]
    assert b"Awaiting review" in mine.content


def test_duplicate_points_at_the_existing_suggestion_with_a_support_button(client: Client, nominating_category) -> None:
    existing = suggest_nominee(member=UserFactory(), category=nominating_category, name="Bit Box", why="x")
    client.force_login(UserFactory())
    response = client.post(_url(nominating_category), _form(nominating_category, " bit  box"))
    assert response.status_code == 400
    assert response.context["existing_suggestion"] == existing
    assert reverse("awards:support_nomination", args=[existing.pk]).encode() in response.content
    support = client.post(reverse("awards:support_nomination", args=[existing.pk]))
    assert support.status_code == 302
    assert existing.supports.count() == 2


def test_a_name_with_an_invisible_character_gets_a_form_error(client: Client, nominating_category) -> None:
    suggest_nominee(member=UserFactory(), category=nominating_category, name="BlackRock", why="x")
    client.force_login(UserFactory())
    response = client.post(_url(nominating_category), _form(nominating_category, "Black\u200bRock"))
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "The name contains an invisible character (U+200B ZERO WIDTH SPACE). Type it again without it."
    ]
    assert list(Nomination.objects.values_list("name", flat=True)) == ["BlackRock"]


def test_duplicate_of_a_nominee_links_to_it(client: Client, nominating_category) -> None:
    client.force_login(UserFactory())
    response = client.post(_url(nominating_category), _form(nominating_category, "LEDGER"))
    assert response.context["existing_nominee"] == Nominee.objects.get(name="Ledger")
    assert nominating_category.get_absolute_url().encode() in response.content


def test_closed_window_shows_no_form(client: Client, nominating_category) -> None:
    edition = nominating_category.edition
    edition.nominations_open_at = edition.nominations_close_at = None
    edition.save()
    client.force_login(UserFactory())
    response = client.get(_url(nominating_category))
    assert b"Nominations for Moon Awards 2026 are not open" in response.content
    assert b'name="why"' not in response.content


def test_draft_edition_is_404_for_members(client: Client, nominating_category) -> None:
    edition = nominating_category.edition
    edition.is_public = False
    edition.save()
    client.force_login(UserFactory())
    assert client.get(_url(nominating_category)).status_code == 404
    nomination = Nomination.objects.create(
        category=nominating_category, name="X", why="x", created_at=edition.created_at
    )
    assert client.post(reverse("awards:support_nomination", args=[nomination.pk])).status_code == 404


def test_my_page_shows_only_my_suggestions_and_outcomes(client: Client, nominating_category) -> None:
    me, other = UserFactory(), UserFactory()
    mine = suggest_nominee(member=me, category=nominating_category, name="Spam Wallet", why="x")
    supported = suggest_nominee(member=other, category=nominating_category, name="Bit Box", why="x")
    support_nomination(member=me, nomination=supported)
    suggest_nominee(member=other, category=nominating_category, name="Not Mine", why="x")
    reject_nomination(nomination=mine, reason="Not a wallet", by=StaffFactory())
    client.force_login(me)
    page = client.get(reverse("awards:my_nominations"))
    assert sorted((n.name, n.supporters) for n in page.context["nominations"]) == [("Bit Box", 2), ("Spam Wallet", 1)]
    assert b"Not accepted: Not a wallet" in page.content
    assert b"Not Mine" not in page.content


def test_my_page_needs_login(client: Client) -> None:
    response = client.get(reverse("awards:my_nominations"))
    assert response.status_code == 302


# --- admin review -------------------------------------------------------------------------

CHANGELIST = "admin:awards_nomination_changelist"


def _action(client: Client, action: str, nominations: list[Nomination], **extra: object):
    data = {"action": action, ACTION_CHECKBOX_NAME: [n.pk for n in nominations], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_admin_list_counts_members_and_filters(client: Client, nominating_category) -> None:
    popular = suggest_nominee(member=UserFactory(), category=nominating_category, name="Bit Box", why="x")
    for _ in range(2):
        support_nomination(member=UserFactory(), nomination=popular)
    suggest_nominee(member=UserFactory(), category=nominating_category, name="Solo", why="x")
    client.force_login(StaffFactory())
    page = client.get(reverse(CHANGELIST))
    assert [(n.name, n.supporters) for n in page.context["cl"].result_list] == [("Bit Box", 3), ("Solo", 1)]
    pending = client.get(
        reverse(CHANGELIST), {"status__exact": "pending", "category__id__exact": nominating_category.pk}
    )
    assert pending.context["cl"].result_count == 2


def test_admin_approve_reject_merge_and_undo(client: Client, nominating_category) -> None:
    a, b, c = (
        suggest_nominee(member=UserFactory(), category=nominating_category, name=name, why="x")
        for name in ("Bit Box", "Spam", "Ledger Nano")
    )
    client.force_login(StaffFactory())
    assert _action(client, "approve_selected", [a]).status_code == 302
    assert Nominee.objects.filter(name="Bit Box", category=nominating_category).exists()

    asked = _action(client, "reject_selected", [b])
    assert asked.status_code == 200
    assert b"Reject suggestions: 1 selected" in asked.content
    assert _action(client, "reject_selected", [b], apply="Confirm", reason="spam").status_code == 302

    ledger = Nominee.objects.get(name="Ledger")
    assert _action(client, "merge_selected", [c]).status_code == 200
    assert _action(client, "merge_selected", [c], apply="Confirm", nominee=ledger.pk).status_code == 302

    statuses = dict(Nomination.objects.values_list("name", "status"))
    assert statuses == {"Bit Box": "approved", "Spam": "rejected", "Ledger Nano": "approved"}
    assert Nomination.objects.get(pk=c.pk).nominee == ledger

    assert _action(client, "undo_selected", [a]).status_code == 302
    assert Nomination.objects.get(pk=a.pk).status == NominationStatus.PENDING
    assert not Nominee.objects.filter(name="Bit Box").exists()


def test_admin_cannot_edit_or_add_nominations(client: Client, nominating_category) -> None:
    nomination = suggest_nominee(member=UserFactory(), category=nominating_category, name="Bit Box", why="x")
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:awards_nomination_add")).status_code == 403
    page = client.get(reverse("admin:awards_nomination_change", args=[nomination.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def _count_queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_member_pages_query_count_does_not_grow(client: Client, nominating_category) -> None:
    me = UserFactory()
    client.force_login(me)
    suggest_nominee(member=me, category=nominating_category, name="First", why="x")
    pages = [reverse("awards:my_nominations"), _url(nominating_category)]
    one = [_count_queries(client, url) for url in pages]
    for name in ("Second", "Third"):
        suggest_nominee(member=me, category=nominating_category, name=name, why="x")
    assert [_count_queries(client, url) for url in pages] == one


def test_admin_list_query_count_does_not_grow(client: Client, nominating_category) -> None:
    client.force_login(StaffFactory())
    suggest_nominee(member=UserFactory(), category=nominating_category, name="First", why="x")
    one = _count_queries(client, reverse(CHANGELIST))
    for name in ("Second", "Third"):
        suggest_nominee(member=UserFactory(), category=nominating_category, name=name, why="x")
    assert _count_queries(client, reverse(CHANGELIST)) == one
