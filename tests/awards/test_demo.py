from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from awards.models import Category, Edition, Nominee, Phase, VotingMethod
from voting.models import EditionAction, EditionAudit

pytestmark = pytest.mark.django_db


def test_load_demo_is_idempotent_and_prints_the_staff_login(demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_demo")  # a second run over what the first left
    out = capsys.readouterr().out
    assert "Staff login: staff@podium.example / podium-demo-staff" in out
    assert Edition.objects.count() == 2
    assert Category.objects.count() == 13
    staff = User.objects.get(email="staff@podium.example")
    assert staff.is_staff and staff.check_password("podium-demo-staff")
    assert EmailAddress.objects.get(user=staff).verified is True


def test_load_demo_refuses_in_production_and_creates_no_superuser(settings) -> None:
    settings.PODIUM_DEMO_ALLOWED = False  # the default when DEBUG=0
    with pytest.raises(CommandError) as refused:
        call_command("load_demo")
    assert str(refused.value) == (
        "load_demo is off (DEBUG=0): it creates a staff superuser. To load the demo anyway, set "
        "PODIUM_DEMO_ALLOWED=1 and PODIUM_DEMO_STAFF_PASSWORD to a password of your own."
    )
    assert (User.objects.count(), Edition.objects.count()) == (0, 0)


def test_load_demo_forced_uses_the_password_from_the_environment_and_does_not_print_it(
    settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.PODIUM_DEMO_ALLOWED, settings.PODIUM_DEMO_STAFF_PASSWORD = True, "an-operator-chosen-passphrase"
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "Staff login: staff@podium.example / (PODIUM_DEMO_STAFF_PASSWORD)" in out
    assert "an-operator-chosen-passphrase" not in out
    assert "two-factor" not in out  # PODIUM_STAFF_MFA_REQUIRED is off in the embedded default
    staff = User.objects.get(email="staff@podium.example")
    assert staff.check_password("an-operator-chosen-passphrase") and not staff.check_password("podium-demo-staff")


def test_load_demo_says_the_admin_will_ask_for_two_factor_set_up(settings, capsys: pytest.CaptureFixture[str]) -> None:
    settings.PODIUM_STAFF_MFA_REQUIRED = True
    call_command("load_demo")
    assert (
        "The admin first asks this account to set up two-factor authentication (an authenticator app)."
        in capsys.readouterr().out
    )


def test_load_demo_without_a_password_is_refused(settings) -> None:
    settings.PODIUM_DEMO_STAFF_PASSWORD = ""
    with pytest.raises(CommandError, match="Set PODIUM_DEMO_STAFF_PASSWORD"):
        call_command("load_demo")
    assert User.objects.count() == 0


def test_demo_editions_match_the_design(demo: None) -> None:
    now = timezone.now()
    closed = Edition.objects.get(slug="moon-awards-2024")
    assert closed.phase_at(now) == Phase.PUBLISHED
    etfs = closed.categories.get(title="Top Bitcoin ETFs in 2024")
    assert etfs.method == VotingMethod.PLURALITY
    assert list(etfs.nominees.values_list("name", "ticker")) == [
        ("BlackRock", "IBIT"),
        ("Grayscale", "GBTC"),
        ("Fidelity", "FBTC"),
        ("ARK 21Shares", "ARKB"),
        ("Bitwise", "BITB"),
        ("VanEck", "HODL"),
        ("Valkyrie", "BRRR"),
        ("Franklin Templeton", "EZBC"),
        ("Invesco Galaxy", "BTCO"),
        ("WisdomTree", "BTCW"),
    ]
    assert {c.method for c in closed.categories.all()} == set(VotingMethod.values)
    open_edition = Edition.objects.get(slug="moon-awards-2025")
    assert open_edition.phase_at(now) == Phase.VOTING
    assert open_edition.voting_closes_at - now > timedelta(days=13)
    assert {c.method for c in open_edition.categories.all()} >= {"plurality", "approval", "irv"}
    assert Nominee.objects.filter(active=False).count() == 0


def test_demo_pages_render(demo: None, client: Client) -> None:
    home = client.get("/")
    assert b"Moon Awards 2024" in home.content and b"Moon Awards 2025" in home.content
    page = client.get("/editions/moon-awards-2024/categories/top-bitcoin-etfs-2024/")
    assert page.status_code == 200
    assert b"iShares Bitcoin Trust" in page.content


def test_the_demo_publication_is_recorded_once_through_the_audited_operation(demo: None) -> None:
    """An edition file cannot publish: `load_demo` records the 2024 announcement date, audited, once."""
    call_command("load_demo", verbosity=0)  # a second run adds no second publication
    closed = Edition.objects.get(slug="moon-awards-2024")
    assert closed.published_at == datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    audit = EditionAudit.objects.get()
    assert (audit.edition, audit.action, audit.actor_email, audit.after["published_at"]) == (
        closed,
        EditionAction.PUBLISH,
        "staff@podium.example",
        "2025-01-10T12:00:00+00:00",
    )
