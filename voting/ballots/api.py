"""API: receipt checks and a member's own ballot.

A ballot is stored only by `submit_ballot`, with the web form's rules.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import Throttled

from accounts.access import member_of
from accounts.api_auth import MEMBER_AUTH, api_viewer
from accounts.models import User
from accounts.ratelimit import within_rate_limit
from awards.models import Edition
from awards.selectors import get_edition_for
from config.api_errors import CLIENT_ERRORS, ApiError, ErrorOut
from config.database import LOST_CONNECTION, forget_broken_connection
from config.text import ApiText
from voting.ballots import rules, selectors, services

router = Router(tags=["ballots"])


class ReceiptIn(Schema):
    code: ApiText = Field(min_length=1, max_length=40, description="The receipt code, e.g. PDM-7KQ2-X9TF-4HWA-M3CE.")


class ReceiptOut(Schema):
    code: str
    edition: str
    edition_name: str
    counted: bool = Field(description="False when staff invalidated the ballot.")
    issued_at: datetime
    changed_at: datetime | None = Field(description="Set when the ballot was changed after this receipt.")
    invalidated_at: datetime | None


def _rate_limited(request: HttpRequest, action: str, user: User | None = None) -> None:
    if not within_rate_limit(request, action, user):
        raise Throttled(wait=60)


@router.post("/receipts/check", response={200: ReceiptOut, CLIENT_ERRORS: ErrorOut}, summary="Check a receipt")
def check_receipt(request: HttpRequest, payload: ReceiptIn) -> Any:
    """Whether the ballot behind a receipt code is counted. Reveals no identity and no choices."""
    _rate_limited(request, "check_receipt")
    status = selectors.receipt_status(payload.code, viewer=api_viewer(request))
    if status is None:
        raise ApiError(404, "unknown_receipt", "No ballot has this receipt code.", {"code": ["Unknown receipt code."]})
    return {
        "code": status.code,
        "edition": status.edition.slug,
        "edition_name": status.edition.name,
        "counted": status.counted,
        "issued_at": status.issued_at,
        "changed_at": status.changed_at,
        "invalidated_at": status.invalidated_at,
    }


class BallotOut(Schema):
    edition: str
    version: int = Field(description="Send it back as `version` when changing the ballot (0: no ballot yet).")
    voting_open: bool
    counted: bool | None = Field(description="Null when there is no ballot yet.")
    submitted_at: datetime | None
    updated_at: datetime | None
    receipt: str | None = Field(description="The receipt code of the current version.")
    selections: dict[str, list[int]] = Field(description="Category slug to nominee ids (ranked: best first).")


class BallotIn(Schema):
    version: int = Field(ge=0, le=1_000_000, description="The version you last read (0 for a first ballot).")
    selections: dict[ApiText, list[int]] = Field(
        description="Category slug to nominee ids; ranked methods in order of preference; omit to abstain."
    )


class StoredBallotOut(BallotOut):
    changed: bool = Field(description="False when the submission repeated what was already stored.")


def _ballot_document(edition: Edition, page: selectors.BallotPage) -> dict[str, Any]:
    slugs = dict(edition.categories.values_list("id", "slug"))
    ballot = page.ballot
    return {
        "edition": edition.slug,
        "version": page.version,
        "voting_open": edition.is_voting_open_at(timezone.now()),
        "counted": ballot.is_counted if ballot else None,
        "submitted_at": ballot.submitted_at if ballot else None,
        "updated_at": ballot.updated_at if ballot else None,
        "receipt": page.receipt.code if page.receipt else None,
        "selections": {slugs[c]: nominees for c, nominees in page.selections.items() if c in slugs},
    }


@router.get(
    "/editions/{edition_slug}/ballot",
    response={200: BallotOut, CLIENT_ERRORS: ErrorOut},
    auth=MEMBER_AUTH,
    summary="Your ballot",
)
def my_ballot(request: HttpRequest, edition_slug: str) -> Any:
    member = member_of(request.auth)  # type: ignore[attr-defined]
    edition = get_edition_for(member, edition_slug)
    return _ballot_document(edition, selectors.ballot_page(member, edition))


REJECTION_STATUS = {
    rules.BallotRejected.INVALID: 400,
    rules.BallotRejected.NOT_ELIGIBLE: 403,
    rules.BallotRejected.NOT_OPEN: 409,
    rules.BallotRejected.CLOSED: 409,
    rules.BallotRejected.STALE: 409,
}


def _rejection(rejected: rules.BallotRejected, slugs: dict[int, str]) -> ApiError:
    fields = {
        (f"selections.{slugs.get(category_id, category_id)}" if category_id is not None else "selections"): problems
        for category_id, problems in rejected.problems.items()
    }
    first = next(iter(rejected.problems.values()), ["The ballot was not stored."])[0]
    message = first if len(rejected.problems) == 1 else "The ballot was not stored: see the problems per category."
    return ApiError(REJECTION_STATUS.get(rejected.code, 400), rejected.code, message, fields)


@router.api_operation(
    ["PUT", "POST"],
    "/editions/{edition_slug}/ballot",
    response={200: StoredBallotOut, CLIENT_ERRORS: ErrorOut},
    auth=MEMBER_AUTH,
    summary="Cast or change your ballot",
)
def submit_ballot(request: HttpRequest, edition_slug: str, payload: BallotIn) -> Any:
    """Replace your whole ballot, with the same rules as the web form.

    Categories are keyed by slug; a missing or empty category is an abstention. `version`
    must be the one you read (0 for a first ballot), otherwise 409 `stale`.
    """
    member = member_of(request.auth)  # type: ignore[attr-defined]
    edition = get_edition_for(member, edition_slug)
    _rate_limited(request, "submit_ballot", member)
    ids = dict(edition.categories.values_list("slug", "id"))
    unknown = sorted(set(payload.selections) - set(ids))
    if unknown:
        fields = {f"selections.{slug}": ["No such category in this edition."] for slug in unknown}
        raise ApiError(400, "invalid", "The ballot names categories that are not part of this edition.", fields)
    try:
        stored = services.submit_ballot(
            voter=member,
            edition=edition,
            selections={ids[slug]: nominees for slug, nominees in payload.selections.items()},
            expected_version=payload.version,
            client_ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("user-agent", ""),
        )
    except rules.BallotRejected as rejected:
        raise _rejection(rejected, {v: k for k, v in ids.items()}) from None
    try:
        document = _ballot_document(edition, selectors.ballot_page(member, edition))
    except LOST_CONNECTION:  # the ballot is stored: answer with it, read on a fresh connection
        forget_broken_connection()
        document = _ballot_document(edition, selectors.ballot_page(member, edition))
    return {**document, "changed": stored.changed}
