"""Per-edition eligibility: verified e-mail always, minimum account age, e-mail domain allow-list."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import EditionFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.rules import BallotRejected, eligibility_problem
from voting.ballots.services import submit_ballot
from voting.models import Ballot

pytestmark = pytest.mark.django_db


def _member(email: str | None = None, days_old: float = 365, verified: bool = True) -> User:
    member = UserFactory(verified=verified, **({"email": email} if email else {}))
    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=days_old))
    return User.objects.get(pk=member.pk)


def _problem(member: User, edition) -> str | None:
    rejected = eligibility_problem(member, edition, timezone.now())
    return rejected.problems[None][0] if rejected else None


def test_verified_email_is_always_required() -> None:
    assert _problem(_member(verified=False), EditionFactory()) == "Verify your e-mail address before you vote."


def test_minimum_account_age_at_voting_time() -> None:
    edition = EditionFactory(name="Moon Awards", min_account_age_days=7)
    assert _problem(_member(days_old=8), edition) is None
    young = _member(days_old=2)
    message = _problem(young, edition)
    assert message is not None
    assert message.startswith("Voting in Moon Awards is open to accounts at least 7 days old when they vote.")
    eligible_on = timezone.localtime(young.date_joined + timedelta(days=7))
    assert f"Yours can vote from {eligible_on:%-d %B %Y}" in message


def test_email_domain_allow_list_admits_listed_domains_and_their_subdomains() -> None:
    edition = EditionFactory(name="Club Awards", allowed_email_domains="Example.org,\n @club.test \n")
    assert edition.email_domains == ["club.test", "example.org"]
    assert _problem(_member("ana@example.org"), edition) is None
    assert _problem(_member("bo@mail.club.test"), edition) is None
    assert _problem(_member("cy@notexample.org"), edition) == (
        "Voting in Club Awards is open to members with an e-mail address at club.test, example.org. "
        "Add and verify such an address in your account, make it your primary one, then come back."
    )


def test_no_rules_means_any_verified_member() -> None:
    assert _problem(_member("x@anywhere.test", days_old=0), EditionFactory()) is None


def test_submit_refuses_an_ineligible_member(edition) -> None:
    edition.min_account_age_days = 30
    edition.save()
    selections = {category(edition, "fund").pk: [nominee_ids(edition, "fund")[0]]}
    with pytest.raises(BallotRejected) as refused:
        submit_ballot(voter=_member(days_old=1), edition=edition, selections=selections, expected_version=0)
    assert refused.value.code == BallotRejected.NOT_ELIGIBLE
    assert not Ballot.objects.exists()


def test_ballot_page_says_why_before_the_member_fills_it(edition, client: Client) -> None:
    edition.allowed_email_domains = "example.org"
    edition.save()
    client.force_login(_member("me@elsewhere.test"))
    url = reverse("voting:ballot", args=[edition.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "open to members with an e-mail address at example.org" in page.content.decode()
    assert b"Review my ballot" not in page.content
    fund = category(edition, "fund")
    submit = reverse("voting:ballot_submit", args=[edition.slug])
    posted = client.post(submit, {"version": 0, f"category-{fund.pk}": nominee_ids(edition, "fund")[0]})
    assert posted.status_code == 400
    assert not Ballot.objects.exists()


def test_eligible_member_sees_the_form(edition, client: Client) -> None:
    edition.allowed_email_domains = "example.org"
    edition.min_account_age_days = 3
    edition.save()
    client.force_login(_member("me@example.org", days_old=4))
    page = client.get(reverse("voting:ballot", args=[edition.slug]))
    assert b"Review my ballot" in page.content
