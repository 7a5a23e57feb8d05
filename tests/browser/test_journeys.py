"""End-to-end journeys in a real browser, each named for the promise it proves."""

import re

import pytest
from django.core import mail
from django.core.management import call_command

from tests.browser.conftest import screenshot
from voting.models import Ballot

# PostgreSQL: the live server thread and the test share the database, which in-memory SQLite locks.
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Long-and-unusual-passphrase-42"


@pytest.fixture
def demo() -> None:
    call_command("load_demo")


def _category(page, title: str):
    return page.locator("fieldset", has=page.get_by_text(title, exact=True))


def test_visitor_reads_the_published_results_like_an_article(page, live_server, demo) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=re.compile("Moon Awards 2024")).first.click()
    page.goto(f"{live_server.url}/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/")
    body = page.locator("main").inner_text()
    assert "BlackRock secured the top position with 49.7% of the total votes." in body
    assert "Grayscale secured the 2nd position with 30.6% of the total votes." in body
    screenshot(page, "results-category")


def test_newcomer_signs_up_verifies_votes_changes_and_checks_the_receipt(page, live_server, demo) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").first.fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile("Password \\(again\\)")).fill(PASSWORD)
    page.locator("form").get_by_role("button", name=re.compile("Sign up", re.I)).click()
    page.wait_for_url(re.compile("/accounts/confirm-email/"))
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(f"{live_server.url}{link.group(1)}")
    page.locator("main form").get_by_role("button", name=re.compile("Confirm", re.I)).click()

    page.goto(f"{live_server.url}/editions/moon-awards-2025/ballot/")
    _category(page, "Top Ethereum ETFs in 2025").get_by_label("Fidelity").check()
    wallets = _category(page, "Best Hardware Wallet")
    wallets.get_by_label("Trezor").check()
    wallets.get_by_label("Keystone").check()
    layer2 = _category(page, "Best Layer-2 Network")
    layer2.get_by_role("button", name="Rank Base").click()  # the enhanced ranking writes the rank boxes
    layer2.get_by_role("button", name="Rank Arbitrum").click()
    assert page.locator("[data-progress-answered]").first.inner_text() == "3"  # kept current as the voter chooses
    screenshot(page, "ballot")
    page.get_by_role("button", name=re.compile("Review", re.I)).click()
    summary = page.locator("main").inner_text()
    assert "Fidelity" in summary and "Trezor" in summary and "Base" in summary
    page.get_by_role("button", name=re.compile("Submit my ballot", re.I)).click()
    page.wait_for_url(re.compile("/ballot/done/"))
    first_receipt = re.search(r"PDM(-[A-Z0-9]{4}){4}", page.locator("main").inner_text()).group(0)
    screenshot(page, "ballot-done")

    page.goto(f"{live_server.url}/editions/moon-awards-2025/ballot/")
    _category(page, "Top Ethereum ETFs in 2025").get_by_label("BlackRock").check()
    page.get_by_role("button", name=re.compile("Review", re.I)).click()
    page.get_by_role("button", name=re.compile("Submit my ballot", re.I)).click()
    page.wait_for_url(re.compile("/ballot/done/"))
    ballot = Ballot.objects.get(voter__email="newcomer@example.com")
    assert ballot.version == 2

    page.goto(f"{live_server.url}/receipts/")
    page.get_by_label("Receipt code").fill(first_receipt)
    page.get_by_role("button", name=re.compile("Check receipt", re.I)).click()
    result = page.locator("main").inner_text()
    assert "Counted" in result
    assert "changed after this receipt was issued" in result
    screenshot(page, "receipt-check")


def test_ballot_works_at_phone_size(phone, live_server, demo, django_user_model) -> None:
    from tests.factories import UserFactory

    user = UserFactory(email="phone@example.com")
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label(re.compile("Email", re.I)).first.fill(user.email)
    phone.get_by_label("Password").fill("correct-horse-battery-staple")
    phone.locator("main form").get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    phone.goto(f"{live_server.url}/editions/moon-awards-2025/ballot/")
    _category(phone, "Stablecoin of the Year").get_by_label("USD Coin").check()
    phone.get_by_role("button", name=re.compile("Review", re.I)).click()
    phone.get_by_role("button", name=re.compile("Submit my ballot", re.I)).click()
    phone.wait_for_url(re.compile("/ballot/done/"))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "ballot-done-phone")


def test_every_ballot_control_is_reachable_by_keyboard_and_labelled(page, live_server, demo) -> None:
    from tests.factories import UserFactory

    UserFactory(email="keys@example.com")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(re.compile("Email", re.I)).first.fill("keys@example.com")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_server.url}/editions/moon-awards-2025/ballot/")
    controls = page.locator("main form input:not([type=hidden]), main form select, main form button")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('main form input:not([type=hidden]), main form select')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)"""
    )
    assert unlabelled == []
    reached = set()
    for _ in range(controls.count() * 2 + 40):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "document.activeElement && (document.activeElement.name"
            " || document.activeElement.getAttribute('aria-label') || document.activeElement.textContent.trim())"
        )
        if name:
            reached.add(name)
    # Ranked categories are ranked with buttons (their rank boxes are hidden and written by the script).
    names = set(
        page.evaluate(
            """[...document.querySelectorAll('main form select, main form input[type=checkbox]')]
                 .filter(e => e.checkVisibility()).map(e => e.name)
               .concat([...document.querySelectorAll('main form [data-action=add]')].map(e => e.getAttribute('aria-label')))"""
        )
    )
    assert any(name.startswith("Rank ") for name in names)
    assert names <= reached, names - reached


def test_staff_invalidates_a_ballot_with_a_reason_and_the_standings_change(page, live_server, demo) -> None:
    from tests.factories import StaffFactory
    from voting.models import Ballot, BallotAudit, BallotStatus

    def leader() -> tuple[str, int]:
        page.goto(f"{live_server.url}/editions/moon-awards-2025/results/top-ethereum-etfs-2025/")
        first = page.locator("tbody tr").first
        return first.locator("th").inner_text().split("\n")[0].strip(), int(
            first.locator("td").last.inner_text().replace(",", "")
        )

    StaffFactory(email="moderator@example.com")
    name, votes = leader()
    ballot = Ballot.objects.filter(
        edition__slug="moon-awards-2025", votes__nominee__name=name, votes__category__slug="top-ethereum-etfs-2025"
    ).first()

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label(re.compile("Email", re.I)).first.fill("moderator@example.com")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.locator("main form").get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    page.wait_for_url(re.compile("/admin/"))
    page.goto(f"{live_server.url}/admin/voting/ballot/?q={ballot.external_voter}")
    page.check(f'input[name="_selected_action"][value="{ballot.pk}"]')
    page.select_option('select[name="action"]', "invalidate_selected")
    page.locator('button[name="index"], input[name="index"]').first.click()
    page.get_by_label("Internal note for staff").fill("Burst of identical ballots from one address block")
    page.get_by_label("Reason shown to the voter").fill("Many identical ballots came from one network.")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile("/admin/voting/ballot/"))
    screenshot(page, "admin-invalidated")

    stored = Ballot.objects.get(pk=ballot.pk)
    assert (stored.status, stored.status_reason, stored.status_public_reason) == (
        BallotStatus.INVALIDATED,
        "Burst of identical ballots from one address block",
        "Many identical ballots came from one network.",
    )
    assert BallotAudit.objects.filter(ballot=ballot).exists()
    new_name, new_votes = leader()
    assert (new_name, new_votes) == (name, votes - 1)
