"""An organiser runs a whole edition in the admin, in a real browser, without touching a shell.

Create the edition with a category, import nominees from a semicolon CSV (previewed first),
preview the ballot, open voting, review a suspicious cluster (keeping one ballot), close
voting and publish with the confirmation page. The edition form has no critical axe
violation. With PODIUM_DOCS_SCREENSHOTS=1 the dashboard, cluster review and publish
confirmation screenshots are written to docs/screenshots/ too.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from awards.models import Edition
from tests.browser.axe import axe_violations
from tests.browser.conftest import screenshot
from tests.factories import StaffFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotStatus, EditionAction, EditionAudit

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BOT = "python-requests/2.32"
CSV = "Name;Product Name;Website\nTrezor;Trezor Safe 5;trezor.io\nLedger;Ledger Flex;ledger.com\nKeystone;Keystone 3 Pro;keyst.one\n"


def _shot(page, name: str) -> None:
    screenshot(page, name)
    if os.environ.get("PODIUM_DOCS_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def _log_in(page, live_server) -> None:
    client = Client()
    client.force_login(StaffFactory(email="organiser@example.com"))
    cookie = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])


def _fill_moment(page, field: str, moment) -> None:
    local = timezone.localtime(moment)
    page.fill(f"#id_{field}_0", local.strftime("%Y-%m-%d"))
    page.fill(f"#id_{field}_1", local.strftime("%H:%M:%S"))


def _run_action(page, live_server, edition: Edition, action: str) -> None:
    page.goto(f"{live_server.url}/admin/awards/edition/")
    page.check(f"input[name=_selected_action][value='{edition.pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def _cluster_ballots(edition: Edition) -> list[Ballot]:
    category = edition.categories.get()
    nominees = list(category.nominees.order_by("order").values_list("pk", flat=True))
    return [
        submit_ballot(
            voter=UserFactory(email=f"voter{n}@example.com"),
            edition=edition,
            selections={category.pk: [nominees[n % len(nominees)]]},
            expected_version=0,
            client_ip=f"203.0.113.{n + 1}",
            user_agent=BOT,
        ).ballot
        for n in range(3)
    ]


def test_an_organiser_runs_a_whole_edition_in_the_admin(page, live_server) -> None:
    _log_in(page, live_server)
    now = timezone.now()

    # Create the edition and its category.
    page.goto(f"{live_server.url}/admin/awards/edition/add/")
    page.fill("#id_name", "Wallet Awards 2026")
    page.press("#id_name", "Tab")
    assert page.input_value("#id_slug") == "wallet-awards-2026"  # prepopulated from the name
    page.check("#id_is_public")
    _fill_moment(page, "voting_opens_at", now + timedelta(days=1))
    _fill_moment(page, "voting_closes_at", now + timedelta(days=8))
    page.get_by_role("button", name="Add another Category").click()
    page.fill("#id_categories-0-title", "Best Hardware Wallet")
    page.press("#id_categories-0-title", "Tab")
    page.click("input[name=_continue]")
    page.wait_for_selector("text=was added successfully")
    assert axe_violations(page) == []  # the edition form: no critical violation
    edition = Edition.objects.get(slug="wallet-awards-2026")
    category = edition.categories.get()

    # Import nominees from a semicolon CSV, preview first.
    page.goto(f"{live_server.url}/admin/awards/category/{category.pk}/change/")
    page.get_by_role("link", name="Import nominees from CSV").click()
    page.set_input_files("#id_file", files=[{"name": "wallets.csv", "mimeType": "text/csv", "buffer": CSV.encode()}])
    page.get_by_role("button", name="Preview the import").click()
    assert "This file will create 3 nominees and update 0" in page.locator("#import-summary").inner_text()
    assert "https://keyst.one" in page.locator("#import-preview").inner_text()
    assert not category.nominees.exists()
    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_selector("text=3 created, 0 updated")
    assert list(category.nominees.order_by("order").values_list("name", flat=True)) == ["Trezor", "Ledger", "Keystone"]

    # Preview the ballot before voting opens: same form and checks, nothing stored.
    page.goto(f"{live_server.url}/admin/awards/edition/{edition.pk}/change/")
    page.get_by_role("link", name="Preview the ballot").click()
    page.wait_for_selector("#ballot-preview-notice")
    page.get_by_label("Ledger").check()
    page.get_by_role("button", name=re.compile("Review my ballot")).click()
    assert "Ledger" in page.locator("main").inner_text()
    assert page.locator("#ballot-preview-notice").is_visible()
    assert not Ballot.objects.exists()

    # Open voting (with its confirmation); three ballots arrive from one script.
    _run_action(page, live_server, edition, "open_voting_selected")
    page.get_by_role("button", name="Yes, open voting now").click()
    page.wait_for_selector("text=Voting in Wallet Awards 2026 is open.")
    family, *bots = _cluster_ballots(edition)
    page.goto(f"{live_server.url}/admin/")
    dashboard = page.locator("#dashboard").inner_text()
    assert "Wallet Awards 2026" in dashboard and "Voting open" in dashboard
    _shot(page, "admin-dashboard")

    # Review the cluster: keep the first ballot, invalidate the other two.
    page.goto(f"{live_server.url}/admin/voting/ballot/clusters/?edition={edition.pk}")
    page.get_by_role("link", name="Review the 3 ballots").click()
    assert "voter1@example.com" in page.locator("#cluster-ballots").inner_text()
    assert "Best Hardware Wallet: Ledger" in page.locator("#cluster-ballots").inner_text()
    page.uncheck(f"#ballot-{family.pk}")
    page.fill("#id_reason", "One script, three accounts; the first is a known member.")
    _shot(page, "admin-cluster-review")
    page.get_by_role("button", name="Invalidate the ticked ballots").click()
    page.wait_for_selector("text=Invalidated 2 ballot(s) of the cluster; kept 1.")
    statuses = dict(Ballot.objects.values_list("pk", "status"))
    assert statuses == {family.pk: BallotStatus.COUNTED, **{b.pk: BallotStatus.INVALIDATED for b in bots}}

    # Close voting, then publish with the confirmation page (nothing sent before confirming).
    _run_action(page, live_server, edition, "close_voting_selected")
    page.get_by_role("button", name="Yes, close voting now").click()
    page.wait_for_selector("text=Voting in Wallet Awards 2026 is closed.")
    mail.outbox.clear()
    _run_action(page, live_server, edition, "publish_selected")
    preview = page.locator(f"#publish-preview-{edition.pk}").inner_text()
    assert re.search(r"Ballots counted\s+1", preview) and re.search(r"set aside \(invalidated\)\s+2", preview)
    assert re.search(r"Members e-mailed “The results are out”\s+3", preview)
    assert mail.outbox == [] and Edition.objects.get(pk=edition.pk).published_at is None
    _shot(page, "admin-publish-confirmation")
    page.get_by_role("button", name="Yes, publish and send the e-mails").click()
    page.wait_for_selector("text=Results of Wallet Awards 2026 published.")
    assert Edition.objects.get(pk=edition.pk).published_at is not None
    actions = list(EditionAudit.objects.filter(edition=edition).order_by("at", "id").values_list("action", flat=True))
    assert actions == [EditionAction.OPEN_VOTING, EditionAction.CLOSE_VOTING, EditionAction.PUBLISH]
    assert sorted(m.to[0] for m in mail.outbox if "results are out" in m.subject) == [
        "voter0@example.com",
        "voter1@example.com",
        "voter2@example.com",
    ]
