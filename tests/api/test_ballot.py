import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import create_api_token, revoke_api_token
from tests.api.conftest import error
from tests.factories import EditionFactory, StaffFactory, UserFactory
from tests.voting.conftest import nominee_ids
from voting.models import Ballot

pytestmark = pytest.mark.django_db

BALLOT = "/api/v1/editions/open-awards/ballot"


def put(api: Client, body: dict, **headers) -> object:
    return api.put(BALLOT, data=json.dumps(body), content_type="application/json", **headers)


def test_anonymous_gets_401_in_the_error_shape(api: Client, edition) -> None:
    response = api.get(BALLOT)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="podium"'
    assert error(response)["code"] == "not_authenticated"
    assert put(api, {"version": 0, "selections": {}}).status_code == 401


def test_token_member_casts_reads_and_changes_a_ballot(api: Client, bearer, edition) -> None:
    member = UserFactory()
    auth = bearer(member)
    fund, wallet, chain = nominee_ids(edition, "fund"), nominee_ids(edition, "wallet"), nominee_ids(edition, "chain")
    empty = api.get(BALLOT, **auth).json()
    assert (empty["version"], empty["selections"], empty["receipt"], empty["voting_open"]) == (0, {}, None, True)
    stored = put(
        api, {"version": 0, "selections": {"fund": [fund[1]], "wallet": wallet[:2], "chain": chain[::-1]}}, **auth
    )
    assert stored.status_code == 200
    body = stored.json()
    assert body["changed"] is True and body["version"] == 1 and body["receipt"].startswith("PDM-")
    assert body["selections"] == {"fund": [fund[1]], "wallet": wallet[:2], "chain": chain[::-1]}
    ballot = Ballot.objects.get(voter=member)
    assert ballot.receipts.get().code == body["receipt"]
    again = api.post(
        BALLOT,
        data=json.dumps({"version": 1, "selections": {"fund": [fund[0]]}}),
        content_type="application/json",
        **auth,
    )
    assert again.status_code == 200 and again.json()["version"] == 2
    assert api.get(BALLOT, **auth).json()["selections"] == {"fund": [fund[0]]}


def test_rules_are_the_web_forms(api: Client, bearer, edition) -> None:
    auth = bearer(UserFactory())
    fund, wallet = nominee_ids(edition, "fund"), nominee_ids(edition, "wallet")
    too_many = put(api, {"version": 0, "selections": {"fund": fund[:2], "wallet": wallet}}, **auth)
    assert too_many.status_code == 400
    problem = error(too_many)
    assert problem["code"] == "invalid"
    assert problem["fields"] == {
        "selections.fund": ["Choose one nominee at most."],
        "selections.wallet": ["Approve at most 2 nominees."],
    }
    unknown = put(api, {"version": 0, "selections": {"nope": [1]}}, **auth)
    assert error(unknown)["fields"] == {"selections.nope": ["No such category in this edition."]}
    malformed = put(api, {"version": -1, "selections": []}, **auth)
    assert malformed.status_code == 422
    assert set(error(malformed)["fields"]) == {"version", "selections"}
    assert not Ballot.objects.exists()


def test_stale_version_is_a_409(api: Client, bearer, edition) -> None:
    auth = bearer(UserFactory())
    fund = nominee_ids(edition, "fund")
    assert put(api, {"version": 0, "selections": {"fund": [fund[0]]}}, **auth).status_code == 200
    stale = put(api, {"version": 0, "selections": {"fund": [fund[1]]}}, **auth)
    assert stale.status_code == 409 and error(stale)["code"] == "stale"
    repeat = put(api, {"version": 0, "selections": {"fund": [fund[0]]}}, **auth)
    assert repeat.status_code == 200 and repeat.json()["changed"] is False


def test_closed_voting_and_unverified_members_are_refused(api: Client, bearer) -> None:
    past = timezone.now() - timedelta(days=10)
    EditionFactory(slug="closed", voting_opens_at=past, voting_closes_at=past + timedelta(days=1))
    closed = api.put(
        "/api/v1/editions/closed/ballot",
        data='{"version": 0, "selections": {}}',
        content_type="application/json",
        **bearer(UserFactory()),
    )
    assert closed.status_code == 409 and error(closed)["code"] == "closed"
    EditionFactory(slug="open")
    unverified = api.put(
        "/api/v1/editions/open/ballot",
        data='{"version": 0, "selections": {}}',
        content_type="application/json",
        **bearer(UserFactory(verified=False)),
    )
    assert unverified.status_code == 403 and error(unverified)["code"] == "not_eligible"


def test_draft_edition_ballot_is_404_for_members(api: Client, bearer) -> None:
    EditionFactory(slug="draft", is_public=False)
    response = api.get("/api/v1/editions/draft/ballot", **bearer(UserFactory()))
    assert response.status_code == 404


def test_session_needs_csrf_for_changes(edition) -> None:
    member = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    assert browser.get(BALLOT).status_code == 200
    fund = nominee_ids(edition, "fund")
    body = json.dumps({"version": 0, "selections": {"fund": [fund[0]]}})
    refused = browser.put(BALLOT, data=body, content_type="application/json")
    assert refused.status_code == 403 and error(refused)["code"] == "csrf_failed"
    browser.get("/accounts/email/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.put(BALLOT, data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200 and accepted.json()["version"] == 1


def test_revoked_or_unknown_token_is_refused_everywhere(api: Client, edition) -> None:
    member = UserFactory()
    token, key = create_api_token(user=member, name="ci")
    assert api.get(BALLOT, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert revoke_api_token(user=member, token_id=token.pk) is True
    for path in (BALLOT, "/api/v1/editions"):
        refused = api.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert refused.status_code == 401 and error(refused)["code"] == "invalid_token"
    assert api.get("/api/v1/editions", HTTP_AUTHORIZATION="Bearer pdm_made-up").status_code == 401


def test_receipt_check_reveals_status_only(api: Client, bearer, edition) -> None:
    auth = bearer(UserFactory())
    receipt = put(api, {"version": 0, "selections": {"fund": nominee_ids(edition, "fund")[:1]}}, **auth).json()[
        "receipt"
    ]
    response = api.post(
        "/api/v1/receipts/check", data=json.dumps({"code": receipt.lower()}), content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["edition"], body["counted"], body["changed_at"]) == (receipt, "open-awards", True, None)
    assert "selections" not in body and "voter" not in body
    unknown = api.post("/api/v1/receipts/check", data='{"code": "PDM-NOPE"}', content_type="application/json")
    assert unknown.status_code == 404 and error(unknown)["code"] == "unknown_receipt"


def test_a_drafts_receipt_is_an_unknown_receipt_in_the_api_except_to_staff(api: Client, bearer, edition) -> None:
    auth = bearer(UserFactory())
    receipt = put(api, {"version": 0, "selections": {"fund": nominee_ids(edition, "fund")[:1]}}, **auth).json()[
        "receipt"
    ]
    edition.is_public = False
    edition.save(update_fields=["is_public"])
    for headers in ({}, auth):
        response = api.post(
            "/api/v1/receipts/check", data=json.dumps({"code": receipt}), content_type="application/json", **headers
        )
        assert response.status_code == 404
        assert error(response) == {
            "code": "unknown_receipt",
            "message": "No ballot has this receipt code.",
            "fields": {"code": ["Unknown receipt code."]},
        }
        assert edition.name not in response.content.decode()
    staff = api.post(
        "/api/v1/receipts/check",
        data=json.dumps({"code": receipt}),
        content_type="application/json",
        **bearer(StaffFactory()),
    )
    assert (staff.status_code, staff.json()["edition_name"]) == (200, edition.name)
