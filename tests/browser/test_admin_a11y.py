"""The edition admin's add and change pages have no critical or serious axe-core violation.

Two serious findings were on the change page: breadcrumb links told apart from the text
around them by colour only (link-in-text-block), and the approval "max choices" cell of the
categories inline without a label.
"""

import pytest
from django.test import Client

from awards.models import VotingMethod
from tests.browser.axe import axe_violations
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SERIOUS = ("critical", "serious")


def _log_in(page, live_server) -> None:
    client = Client()
    client.force_login(StaffFactory(email="organiser@example.com"))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_the_edition_add_and_change_pages_have_no_serious_violation(page, live_server) -> None:
    edition = EditionFactory(name="Wallet Awards 2026")
    for order, method in enumerate((VotingMethod.PLURALITY, VotingMethod.APPROVAL, VotingMethod.IRV)):
        category = CategoryFactory(
            edition=edition, method=method, order=order, max_choices=2 if method == VotingMethod.APPROVAL else None
        )
        NomineeFactory(category=category)
    _log_in(page, live_server)
    for url in (f"/admin/awards/edition/{edition.pk}/change/", "/admin/awards/edition/add/"):
        page.goto(f"{live_server.url}{url}")
        assert page.locator("#content h1").count() == 1, url
        assert axe_violations(page, SERIOUS) == [], url
        page.get_by_role("button", name="Add another Category").click()  # a new inline row, built by the admin's script
        page.locator("tr.dynamic-categories select[name$=-method]").last.select_option(VotingMethod.APPROVAL)
        assert axe_violations(page, SERIOUS) == [], f"{url} with a new category row"
