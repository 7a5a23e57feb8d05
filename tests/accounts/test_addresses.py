"""One mailbox, one account: every spelling of an address maps to one stored form."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialLogin
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from accounts.adapter import PodiumSocialAccountAdapter
from accounts.addresses import mailbox_key, normalize_email
from accounts.models import User


@pytest.mark.unit
@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("alice@sec.test", "alice@sec.test"),
        ("  Alice@SEC.Test ", "alice@sec.test"),
        ("alice@ｓｅｃ.test", "alice@sec.test"),
        ("ａｌｉｃｅ@sec.test", "alice@sec.test"),
        ("alice@sec。test", "alice@sec.test"),
        ("alice@sec．test", "alice@sec.test"),
        ("alice@Bücher.example", "alice@xn--bcher-kva.example"),
        ("alice@xn--bcher-kva.example", "alice@xn--bcher-kva.example"),
    ],
)
def test_every_spelling_of_a_mailbox_has_one_stored_form(raw: str, stored: str) -> None:
    assert normalize_email(raw) == stored
    assert normalize_email(stored) == stored


@pytest.mark.unit
@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("alice@sec.test\u200b", "U+200B ZERO WIDTH SPACE"),
        ("alice@se\u200cc.test", "U+200C ZERO WIDTH NON-JOINER"),
        ("ali\u200dce@sec.test", "U+200D ZERO WIDTH JOINER"),
        ("alice@se\u00adc.test", "U+00AD SOFT HYPHEN"),
        ("alice@sec.test\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("alice\ufeff@sec.test", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("alice@sec\x00.test", "U+0000 CONTROL CHARACTER"),
    ],
)
def test_invisible_characters_are_refused_by_name(raw: str, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        normalize_email(raw)
    assert refused.value.messages == [
        f"The e-mail address contains an invisible character ({named}). Type it again without it."
    ]
    assert mailbox_key(raw) == "alice@sec.test"


@pytest.mark.unit
def test_an_invalid_domain_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError) as refused:
        normalize_email("alice@-sec.test")
    assert refused.value.messages == ["“-sec.test” is not a valid domain name."]


def _two_users_one_mailbox_are_refused_by_the_database() -> None:
    alice = User.objects.create_user("alice@sec.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("Alice@ｓｅｃ.TEST")
    twin = User.objects.create_user("twin@sec.test")
    EmailAddress.objects.create(user=alice, email=normalize_email("alice@sec.test"), verified=True, primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailAddress.objects.create(user=twin, email=normalize_email("alice@ｓｅｃ.test"), verified=True)
    assert list(User.objects.values_list("email", flat=True).order_by("pk")) == ["alice@sec.test", "twin@sec.test"]


@pytest.mark.django_db
def test_two_users_one_mailbox_are_refused_by_the_database() -> None:
    _two_users_one_mailbox_are_refused_by_the_database()


@pytest.mark.postgres
@pytest.mark.django_db
def test_two_users_one_mailbox_are_refused_by_postgresql() -> None:
    _two_users_one_mailbox_are_refused_by_the_database()


@pytest.mark.django_db
def test_social_login_addresses_are_normalised_and_invisible_ones_dropped(rf: RequestFactory) -> None:
    sociallogin = SocialLogin(
        user=User(),
        email_addresses=[
            EmailAddress(email="Alice@ｓｅｃ.test", verified=True, primary=True),
            EmailAddress(email="alice@se\u200bc.test", verified=True),
        ],
    )
    user = PodiumSocialAccountAdapter().populate_user(rf.get("/"), sociallogin, {"email": "Alice@ｓｅｃ.test"})
    assert user.email == "alice@sec.test"
    assert [address.email for address in sociallogin.email_addresses] == ["alice@sec.test"]


def _store_raw(email: str) -> User:
    """A row as stored before normalisation existed (bypassing the manager)."""
    user = User.objects.create_user(f"tmp{User.objects.count()}@example.com")
    User.objects.filter(pk=user.pk).update(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.mark.django_db
def test_the_migration_normalises_stored_addresses_and_leaves_collisions_for_review() -> None:
    lone = _store_raw("bob@ｅｘａｍｐｌｅ.org")
    first = _store_raw("alice@sec.test")
    second = _store_raw("alice@sec.test\u200b")
    third = _store_raw("ALICE@ｓｅｃ.test")
    migration = importlib.import_module("accounts.migrations.0003_normalise_stored_addresses")
    migration.normalise_stored_addresses(apps, None)

    stored = dict(User.objects.values_list("pk", "email"))
    assert stored[lone.pk] == "bob@example.org"
    assert (stored[first.pk], stored[second.pk], stored[third.pk]) == (
        "alice@sec.test",
        "alice@sec.test\u200b",
        "ALICE@ｓｅｃ.test",
    )
    assert EmailAddress.objects.get(user=lone).email == "bob@example.org"
    assert User.objects.count() == 4


@pytest.mark.django_db
def test_list_email_collisions_names_every_account_of_a_mailbox(capsys: pytest.CaptureFixture[str]) -> None:
    first = _store_raw("alice@sec.test")
    second = _store_raw("alice@sec.test\u200b")
    _store_raw("carol@sec.test")
    call_command("list_email_collisions")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "alice@sec.test: 2 accounts"
    assert out[1].startswith(f"  user #{first.pk} (active, joined ")
    assert out[1].endswith("): 'alice@sec.test'")
    assert out[2].endswith("): 'alice@sec.test\\u200b'") and f"#{second.pk}" in out[2]
    assert out[3] == "1 mailbox(es) reached by more than one account."
    assert User.objects.count() == 3
