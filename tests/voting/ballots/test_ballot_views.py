import re

import pytest
from django.test import Client
from django.urls import reverse

from awards.models import Nominee
from tests.factories import StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.selectors import selections_of
from voting.models import Ballot

pytestmark = pytest.mark.django_db


def _url(edition) -> str:
    return reverse("voting:ballot", kwargs={"edition_slug": edition.slug})


def _submit_url(edition) -> str:
    return reverse("voting:ballot_submit", kwargs={"edition_slug": edition.slug})


def _post_data(edition, *, version=0, fund=0, wallet=(0, 2), chain=((2, 1), (0, 2))) -> dict:
    data = {"version": str(version)}
    fund_ids, wallet_ids, chain_ids = (
        nominee_ids(edition, "fund"),
        nominee_ids(edition, "wallet"),
        nominee_ids(edition, "chain"),
    )
    if fund is not None:
        data[f"category-{category(edition, 'fund').pk}"] = str(fund_ids[fund])
    data[f"category-{category(edition, 'wallet').pk}"] = [str(wallet_ids[i]) for i in wallet]
    for index, rank in chain:
        data[f"category-{category(edition, 'chain').pk}-{chain_ids[index]}"] = str(rank)
    return data


def test_anonymous_visitor_is_sent_to_log_in_and_back(client: Client, edition) -> None:
    response = client.get(_url(edition))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={_url(edition)}"


def test_ballot_page_shows_every_category_with_its_widget(client: Client, edition) -> None:
    client.force_login(UserFactory())
    response = client.get(_url(edition))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('type="radio"') == 4  # abstain + 3 nominees
    assert body.count('type="checkbox"') == 3
    assert body.count('class="rank-select"') == 3
    assert response.context["answered"] == 0
    assert response.context["total"] == 3


def test_review_step_shows_summary_and_stores_nothing(client: Client, edition) -> None:
    client.force_login(UserFactory())
    response = client.post(_url(edition), _post_data(edition))  # step 1 → review
    assert response.status_code == 200
    assert [s.nominees for s in response.context["summary"]] == [
        ["fund-0"],
        ["wallet-0", "wallet-2"],
        ["chain-2", "chain-0"],
    ]
    assert response.context["answered"] == 3
    assert Ballot.objects.count() == 0


def test_submit_stores_ballot_and_shows_receipt(client: Client, edition) -> None:
    voter = UserFactory()
    client.force_login(voter)
    response = client.post(_submit_url(edition), _post_data(edition))
    assert response.status_code == 302
    assert response["Location"] == reverse("voting:ballot_done", kwargs={"edition_slug": edition.slug})
    ballot = Ballot.objects.get(voter=voter)
    assert selections_of(ballot)[category(edition, "chain").pk] == [
        nominee_ids(edition, "chain")[2],
        nominee_ids(edition, "chain")[0],
    ]
    done = client.get(response["Location"])
    receipt = ballot.receipts.get()
    assert receipt.code in done.content.decode()
    again = client.get(_url(edition))
    assert receipt.code in again.content.decode()
    assert again.context["form"].initial["version"] == 1


def test_review_posts_back_exactly_what_was_reviewed(client: Client, edition) -> None:
    client.force_login(UserFactory())
    review = client.post(_url(edition), _post_data(edition))  # step 1 → review
    hidden = dict(review.context["form"].resubmission_fields())
    chain = category(edition, "chain").pk
    ids = nominee_ids(edition, "chain")
    assert hidden[f"category-{chain}-{ids[2]}"] == "1"
    assert hidden[f"category-{chain}-{ids[0]}"] == "2"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"wallet": (0, 1, 2)}, "wallet", "Approve at most 2 nominees."),
        ({"chain": ((0, 1), (1, 1))}, "chain", "chain-0 and chain-1 are both 1st: give each nominee its own rank."),
        (
            {"chain": ((0, 2), (1, 2), (2, 2))},
            "chain",
            "chain-0, chain-1 and chain-2 are all 2nd: give each nominee its own rank.",
        ),
        ({"chain": ((0, 0),)}, "chain", "Ranks go from 1 to 3; 0 is not allowed."),
        ({"chain": ((0, 9),)}, "chain", "Ranks go from 1 to 3; 9 is not allowed."),
    ],
)
def test_form_errors_appear_next_to_the_category(client: Client, edition, change, field, message) -> None:
    client.force_login(UserFactory())
    response = client.post(_submit_url(edition), _post_data(edition, **change))
    assert response.status_code == 400
    assert response.context["form"].errors[f"category-{category(edition, field).pk}"] == [message]
    assert Ballot.objects.count() == 0


def test_duplicate_ranks_mark_only_the_rows_that_share_a_rank(client: Client, edition) -> None:
    client.force_login(UserFactory())
    ids = nominee_ids(edition, "chain")
    response = client.post(_url(edition), _post_data(edition, chain=((0, 1), (1, 2), (2, 1))))
    assert response.status_code == 400
    body = response.content.decode()
    chain = category(edition, "chain").pk
    invalid = re.findall(rf'<select name="category-{chain}-(\d+)"[^>]*aria-invalid="true"', body)
    assert invalid == [str(ids[0]), str(ids[2])]
    assert body.count("rank-row--invalid") == 2
    assert "chain-0 and chain-2 are both 1st" in body


def test_gaps_in_ranks_are_closed_up_and_shown_on_the_review(client: Client, edition) -> None:
    voter = UserFactory()
    client.force_login(voter)
    ids = nominee_ids(edition, "chain")
    review = client.post(_url(edition), _post_data(edition, chain=((1, 2), (0, 3))))  # 2nd and 3rd, no 1st
    assert review.status_code == 200
    assert review.context["summary"][2].nominees == ["chain-1", "chain-0"]
    assert "Your ranks in Best chain skipped a number, so we closed the gap" in review.content.decode()
    hidden = dict(review.context["form"].resubmission_fields())
    chain = category(edition, "chain").pk
    assert (hidden[f"category-{chain}-{ids[1]}"], hidden[f"category-{chain}-{ids[0]}"]) == ("1", "2")
    client.post(_submit_url(edition), _post_data(edition, chain=((1, 2), (0, 3))))
    assert selections_of(Ballot.objects.get(voter=voter))[chain] == [ids[1], ids[0]]
    assert list(Ballot.objects.get(voter=voter).votes.filter(category_id=chain).values_list("rank", flat=True)) == [
        1,
        2,
    ]


def test_two_choices_in_a_plurality_category_are_refused(client: Client, edition) -> None:
    client.force_login(UserFactory())
    data = _post_data(edition)
    fund = nominee_ids(edition, "fund")
    data[f"category-{category(edition, 'fund').pk}"] = [str(fund[0]), str(fund[1])]
    response = client.post(_url(edition), data)
    assert response.context["form"].errors[f"category-{category(edition, 'fund').pk}"] == [
        "Choose one nominee at most."
    ]
    assert Ballot.objects.count() == 0


def test_negative_and_non_numeric_ranks_are_refused(client: Client, edition) -> None:
    client.force_login(UserFactory())
    data = _post_data(edition, chain=())
    data[f"category-{category(edition, 'chain').pk}-{nominee_ids(edition, 'chain')[0]}"] = "-1"
    response = client.post(_url(edition), data)
    assert response.context["form"].errors[f"category-{category(edition, 'chain').pk}"] == [
        "Ranks are whole numbers from 1 to 3."
    ]


def test_category_of_another_edition_is_refused(client: Client, edition) -> None:
    client.force_login(UserFactory())
    data = _post_data(edition)
    data["category-987654"] = "1"
    response = client.post(_url(edition), data)
    assert response.context["form"].non_field_errors() == [
        "This ballot names a category that is not part of Open Awards."
    ]
    assert Ballot.objects.count() == 0


def test_replayed_form_after_change_shows_current_choices(client: Client, edition) -> None:
    client.force_login(UserFactory())
    client.post(_submit_url(edition), _post_data(edition))
    client.post(_submit_url(edition), _post_data(edition, version=1, fund=1))
    response = client.post(_submit_url(edition), _post_data(edition, version=1, fund=2))
    assert response.status_code == 409
    assert "Your ballot was changed after this page was loaded" in response.content.decode()
    fund = category(edition, "fund").pk
    assert response.context["form"].initial[f"category-{fund}"] == str(nominee_ids(edition, "fund")[1])
    assert selections_of(Ballot.objects.get())[fund] == [nominee_ids(edition, "fund")[1]]


def test_missing_csrf_token_is_refused(edition) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post(_submit_url(edition), _post_data(edition))
    assert response.status_code == 403
    assert Ballot.objects.count() == 0


def test_unverified_member_is_sent_to_verify(client: Client, edition) -> None:
    user = UserFactory(verified=False)
    client.force_login(user)
    response = client.get(_url(edition))
    assert response.status_code == 200
    assert "account/verified_email_required.html" in [t.name for t in response.templates]
    response = client.post(_submit_url(edition), _post_data(edition))
    assert Ballot.objects.count() == 0


def test_closed_edition_shows_the_closed_message_and_refuses(client: Client, edition) -> None:
    from datetime import timedelta

    from django.utils import timezone

    edition.voting_opens_at = timezone.now() - timedelta(days=3)
    edition.voting_closes_at = timezone.now() - timedelta(days=1)
    edition.save()
    client.force_login(UserFactory())
    page = client.get(_url(edition))
    assert page.context["closed_message"].startswith("Voting in Open Awards closed on")
    response = client.post(_submit_url(edition), _post_data(edition))
    assert response.status_code == 400
    assert Ballot.objects.count() == 0


def test_submissions_are_rate_limited_per_member(client: Client, edition, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "submit_ballot": "2/m/user"}
    voter = UserFactory()
    client.force_login(voter)
    statuses = [client.post(_submit_url(edition), _post_data(edition, version=v, fund=v)).status_code for v in range(3)]
    assert statuses == [302, 302, 429]
    assert Ballot.objects.get().version == 2


def test_receipt_check_shows_status_to_anyone_and_choices_only_to_owner(client: Client, edition) -> None:
    owner = UserFactory()
    client.force_login(owner)
    client.post(_submit_url(edition), _post_data(edition))
    code = Ballot.objects.get().receipts.get().code
    own = client.post(reverse("voting:receipt_check"), {"code": code.lower()})
    assert own.status_code == 200
    assert own.context["result"].counted is True
    assert own.context["summary"][0].nominees == ["fund-0"]
    other = Client()
    other.force_login(UserFactory())
    theirs = other.post(reverse("voting:receipt_check"), {"code": code})
    assert theirs.context["result"].counted is True
    assert theirs.context["summary"] is None
    assert "fund-0" not in theirs.content.decode()
    assert owner.email not in theirs.content.decode()
    anonymous = Client().post(reverse("voting:receipt_check"), {"code": code})
    assert anonymous.context["summary"] is None


def test_old_receipt_reports_the_later_change(client: Client, edition) -> None:
    client.force_login(UserFactory())
    client.post(_submit_url(edition), _post_data(edition))
    old = Ballot.objects.get().receipts.get().code
    client.post(_submit_url(edition), _post_data(edition, version=1, fund=1))
    response = Client().post(reverse("voting:receipt_check"), {"code": old})
    assert response.context["result"].changed_at == Ballot.objects.get().updated_at


def test_a_drafts_receipt_answers_like_an_unknown_code_except_to_staff(client: Client, edition) -> None:
    voter = UserFactory()
    client.force_login(voter)
    client.post(_submit_url(edition), _post_data(edition))
    code = Ballot.objects.get().receipts.get().code
    edition.is_public = False  # staff take the edition back to draft
    edition.save(update_fields=["is_public"])
    unknown = Client().post(reverse("voting:receipt_check"), {"code": "PDM-AAAA-BBBB-CCCC-DDDD"})
    for viewer in (Client(), client):  # a visitor, and even the voter
        response = viewer.post(reverse("voting:receipt_check"), {"code": code})
        assert response.status_code == 404
        assert response.context["result"] is None
        assert response.context["form"].errors == unknown.context["form"].errors
        assert edition.name not in response.content.decode()
    staff = Client()
    staff.force_login(StaffFactory())
    preview = staff.post(reverse("voting:receipt_check"), {"code": code})
    assert (preview.status_code, preview.context["result"].edition) == (200, edition)


def test_unknown_receipt_is_a_404_with_a_message(client: Client) -> None:
    response = client.post(reverse("voting:receipt_check"), {"code": "PDM-AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 404
    assert response.context["form"].errors["code"] == [
        "No ballot has this receipt code. Check it character by character."
    ]


@pytest.mark.parametrize("rank", ["²", "1.5", "one", " 1x", "\u0661", "\uff13"])
def test_ranks_that_are_not_whole_numbers_are_refused(client: Client, edition, rank: str) -> None:
    """Found by the fuzz test: "²" passes str.isdigit() but is no number."""
    client.force_login(UserFactory())
    data = _post_data(edition, chain=())
    data[f"category-{category(edition, 'chain').pk}-{nominee_ids(edition, 'chain')[0]}"] = rank
    response = client.post(_url(edition), data)
    assert response.status_code == 400
    assert response.context["form"].errors[f"category-{category(edition, 'chain').pk}"] == [
        "Ranks are whole numbers from 1 to 3."
    ]
    assert Ballot.objects.count() == 0


def _chain_field(edition) -> str:
    return f"category-{category(edition, 'chain').pk}"


def test_a_rank_for_a_withdrawn_nominee_is_refused_not_dropped(client: Client, edition) -> None:
    client.force_login(UserFactory())
    chain = nominee_ids(edition, "chain")
    Nominee.objects.filter(pk=chain[1]).update(active=False)
    withdrawn = Nominee.objects.get(pk=chain[1])
    data = _post_data(edition, chain=((0, 1),))
    data[f"{_chain_field(edition)}-{chain[1]}"] = "2"
    response = client.post(_submit_url(edition), data)
    assert response.status_code == 400
    assert response.context["form"].errors[_chain_field(edition)] == [
        f"{withdrawn.name} has been withdrawn from Best chain."
    ]
    assert Ballot.objects.count() == 0


@pytest.mark.parametrize("posted_id", ["999999", "abc", "\u0661\u0662"])
def test_a_rank_for_an_unknown_or_other_category_nominee_is_refused(client: Client, edition, posted_id: str) -> None:
    client.force_login(UserFactory())
    other_category_nominee = str(nominee_ids(edition, "fund")[0])
    posted = other_category_nominee if posted_id == "abc" else posted_id
    data = _post_data(edition, chain=((0, 1),))
    data[f"{_chain_field(edition)}-{posted}"] = "2"
    response = client.post(_submit_url(edition), data)
    assert response.status_code == 400
    assert response.context["form"].errors[_chain_field(edition)] == [f"“{posted}” is not a nominee in Best chain."]
    assert Ballot.objects.count() == 0


@pytest.mark.parametrize("posted_id", ["\u0661", "\uff13"])
def test_nominee_ids_in_non_ascii_digits_are_refused(client: Client, edition, posted_id: str) -> None:
    client.force_login(UserFactory())
    data = _post_data(edition)
    data[f"category-{category(edition, 'fund').pk}"] = posted_id
    response = client.post(_submit_url(edition), data)
    assert response.status_code == 400
    assert response.context["form"].errors[f"category-{category(edition, 'fund').pk}"] == [
        f"“{posted_id}” is not a nominee in Best fund."
    ]
    assert Ballot.objects.count() == 0
