"""Ranking in a real browser: by pointer, by keyboard only and without JavaScript, on desktop
and phone sizes; the stored order is what the voter saw. axe-core checks every voting page."""

import re
from pathlib import Path

import pytest
from django.core import mail

from awards.models import VotingMethod
from tests.browser.axe import axe_violations
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, CategoryFactory, EditionFactory, NomineeFactory, UserFactory
from voting.ballots.selectors import selections_of
from voting.models import Ballot

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MEDIA = [("Bankless", "Bankless Newsletter", "BANK"), ("The Defiant", "The Defiant Daily", ""), ("Decrypt", "", "")]


@pytest.fixture
def edition():
    edition = EditionFactory(name="Moon Awards 2025", slug="moon-awards-2025")
    media = CategoryFactory(edition=edition, title="Best Crypto Media", slug="media", method=VotingMethod.IRV, order=0)
    for order, (name, product, ticker) in enumerate(MEDIA):
        NomineeFactory(
            category=media,
            name=name,
            product_name=product,
            ticker=ticker,
            order=order,
            description=f"{name} covers the industry every day.",
        )
    wallets = CategoryFactory(
        edition=edition, title="Best Wallet", slug="wallet", method=VotingMethod.APPROVAL, max_choices=2, order=1
    )
    for order, name in enumerate(["Ledger", "Trezor", "Keystone"]):
        NomineeFactory(category=wallets, name=name, order=order)
    return edition


def _log_in(page, live_server, url: str) -> object:
    """Log in through the form and land on `url` (the login page's `next`)."""
    voter = UserFactory()
    page.goto(f"{live_server.url}/accounts/login/?next={url}")
    page.get_by_label(re.compile("e-?mail", re.I)).first.fill(voter.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    page.wait_for_url(re.compile(re.escape(url) + "$"))
    return voter


def _no_serious_violations(page) -> None:
    assert axe_violations(page, impacts=("critical", "serious")) == []


def _ranked(page) -> list[str]:
    ranking = page.locator(".ranker__list--ranked .ballot-nominee__name")
    return [name.strip() for name in ranking.all_inner_texts()]


def _stored_media_order(voter, edition) -> list[str]:
    ballot = Ballot.objects.get(voter=voter, edition=edition)
    media = edition.categories.get(slug="media")
    names = dict(media.nominees.values_list("pk", "name"))
    return [names[n] for n in selections_of(ballot)[media.pk]]


def _submit(page) -> None:
    page.get_by_role("button", name="Review my ballot").click()
    page.get_by_role("button", name="Submit my ballot").click()
    page.wait_for_url(re.compile("/ballot/done/"))


@pytest.mark.parametrize("size", ["page", "phone"])
def test_rank_by_pointer_tapping_and_dragging(request, size, live_server, edition) -> None:
    page = request.getfixturevalue(size)
    voter = _log_in(page, live_server, f"/editions/{edition.slug}/ballot/")
    media = page.locator("#category-" + str(edition.categories.get(slug="media").pk))
    for name in ("Decrypt", "Bankless", "The Defiant"):
        media.locator(".ranker__list--unranked .ranker__item", has_text=name).locator(".ballot-nominee__name").click()
    assert _ranked(page) == ["Decrypt", "Bankless", "The Defiant"]
    # Drag The Defiant (3rd) by its handle above Decrypt (1st).
    handle = media.locator(".ranker__item", has_text="The Defiant").locator(".ranker__handle")
    target = media.locator(".ranker__item", has_text="Decrypt").bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 20, target["y"] + 4, steps=8)
    page.mouse.up()
    assert _ranked(page) == ["The Defiant", "Decrypt", "Bankless"]
    media.locator("[data-ranker-status]", has_text="The Defiant is now your 1st choice.").wait_for(state="attached")
    wallets = page.locator("#category-" + str(edition.categories.get(slug="wallet").pk))
    wallets.get_by_label("Ledger").check()
    wallets.get_by_label("Trezor").check()
    assert wallets.get_by_label("Keystone").is_disabled()
    assert "You have approved 2 of 2" in wallets.inner_text()
    _no_serious_violations(page)
    screenshot(page, f"ballot-ranked-{size}")
    DOCS.mkdir(parents=True, exist_ok=True)
    media.screenshot(path=str(DOCS / f"ballot-ranked-{'desktop' if size == 'page' else 'phone'}.png"))
    page.get_by_role("button", name="Review my ballot").click()
    _no_serious_violations(page)
    page.get_by_role("button", name="Submit my ballot").click()
    page.wait_for_url(re.compile("/ballot/done/"))
    _no_serious_violations(page)
    assert _stored_media_order(voter, edition) == ["The Defiant", "Decrypt", "Bankless"]


def test_rank_by_keyboard_only(page, live_server, edition) -> None:
    voter = _log_in(page, live_server, f"/editions/{edition.slug}/ballot/")
    add_bankless = page.get_by_role("button", name="Rank Bankless")
    add_bankless.focus()
    page.keyboard.press("Enter")  # Bankless 1st; focus moves to the next "Rank" button (The Defiant)
    page.keyboard.press("Enter")  # The Defiant 2nd
    page.keyboard.press("Enter")  # Decrypt 3rd
    assert _ranked(page) == ["Bankless", "The Defiant", "Decrypt"]
    page.get_by_role("button", name="Move Decrypt up").focus()
    page.keyboard.press("ArrowUp")
    assert _ranked(page) == ["Bankless", "Decrypt", "The Defiant"]
    page.keyboard.press("Home")
    assert _ranked(page) == ["Decrypt", "Bankless", "The Defiant"]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move Decrypt up"
    page.get_by_role("button", name="Move The Defiant up").focus()
    page.keyboard.press("Delete")
    assert _ranked(page) == ["Decrypt", "Bankless"]
    page.get_by_role("button", name="Rank The Defiant").focus()
    page.keyboard.press("Enter")
    status = page.locator("[data-ranker-status]").first
    status.filter(has_text="The Defiant is now your 3rd choice.").wait_for(state="attached")
    page.get_by_role("button", name="Review my ballot").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Submit my ballot").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/ballot/done/"))
    assert _stored_media_order(voter, edition) == ["Decrypt", "Bankless", "The Defiant"]


def test_without_javascript_gaps_are_closed_up(browser, live_server, edition) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    voter = _log_in(page, live_server, f"/editions/{edition.slug}/ballot/")
    media = page.locator("#category-" + str(edition.categories.get(slug="media").pk))
    media.get_by_role("combobox", name="Decrypt").select_option("2")
    media.get_by_role("combobox", name=re.compile("^Bankless")).select_option("3")
    page.get_by_role("button", name="Review my ballot").click()
    body = page.locator("main").inner_text()
    assert "skipped a number, so we closed the gap" in body
    page.get_by_role("button", name="Submit my ballot").click()
    page.wait_for_url(re.compile("/ballot/done/"))
    assert _stored_media_order(voter, edition) == ["Decrypt", "Bankless"]
    page.goto(f"{live_server.url}/receipts/")
    code = Ballot.objects.get(voter=voter).receipts.get().code
    page.get_by_label("Receipt code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Check receipt").click()
    assert "Counted." in page.locator("main").inner_text()
    context.close()


def test_receipt_and_account_pages_pass_axe(page, live_server, edition) -> None:
    voter = _log_in(page, live_server, f"/editions/{edition.slug}/ballot/")
    page.get_by_role("button", name="Rank Bankless").click()
    _submit(page)
    assert len(mail.outbox) >= 1
    page.goto(f"{live_server.url}/receipts/")
    page.get_by_label("Receipt code").fill(Ballot.objects.get(voter=voter).receipts.get().code)
    page.get_by_role("button", name="Check receipt").click()
    _no_serious_violations(page)
    page.goto(f"{live_server.url}/accounts/email/")
    _no_serious_violations(page)
