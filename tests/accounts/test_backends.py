"""The session user carries its verified-address state; sessions signed in before MemberBackend still work."""

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.access import has_verified_email
from accounts.backends import MemberBackend
from tests.factories import UserFactory
from tests.voting.conftest import edition  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_the_session_user_knows_whether_an_address_is_verified() -> None:
    member = UserFactory()
    loaded = MemberBackend().get_user(member.pk)
    assert loaded is not None
    with CaptureQueriesContext(connection) as captured:
        assert has_verified_email(loaded) is True
    assert captured.captured_queries == []


def test_an_address_verified_later_counts_on_the_next_read() -> None:
    member = UserFactory()
    EmailAddress.objects.filter(user=member).update(verified=False)
    assert has_verified_email(MemberBackend().get_user(member.pk)) is False
    EmailAddress.objects.filter(user=member).update(verified=True)
    assert has_verified_email(MemberBackend().get_user(member.pk)) is True


def test_the_member_is_read_in_one_statement_and_an_inactive_or_missing_one_is_nobody() -> None:
    member, away = UserFactory(), UserFactory(is_active=False)
    with CaptureQueriesContext(connection) as captured:
        loaded = MemberBackend().get_user(member.pk)
    assert len(captured.captured_queries) == 1
    assert loaded is not None
    assert (loaded.pk, loaded.email, loaded.password, loaded.is_active, loaded.date_joined) == (
        member.pk,
        member.email,
        member.password,
        True,
        member.date_joined,  # aware, as the ORM reads it (SQLite's converters applied)
    )
    assert MemberBackend().get_user(away.pk) is None
    assert MemberBackend().get_user(away.pk + 1000) is None


def test_a_session_signed_in_with_the_old_backend_stays_signed_in(client: Client, edition) -> None:  # noqa: F811
    member = UserFactory()
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("voting:ballot", kwargs={"edition_slug": edition.slug}))
    assert response.status_code == 200
    assert response.wsgi_request.user == member
