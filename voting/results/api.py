"""API: results (with ETag/Last-Modified) and result exports.

Visibility is the pages': drafts 404 for non-staff, hidden results 404 (no count, no
snapshot time). A ballot is stored only by `submit_ballot`, with the web form's rules.
"""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from ninja import Field, Router, Schema

from accounts.api_auth import MEMBER_AUTH, api_viewer
from accounts.models import User
from awards.models import Edition
from awards.selectors import get_edition_for
from config.api_errors import CLIENT_ERRORS, ApiError, ErrorOut
from voting.models import ResultsState
from voting.results import exports
from voting.results import selectors as results
from voting.results.ballot_export import anonymised_ballots

router = Router(tags=["results"])

CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}


class StandingOut(Schema):
    nominee_id: int
    nominee: str
    detail: str = Field(description="Product and ticker, when known.")
    position: int
    tied: bool
    count: int = Field(description="Votes (plurality), approvals, final-round votes (IRV), wins (Schulze), points.")
    share: str = Field(description='Percentage with one decimal, as a string ("49.7").')
    sentence: str


DETAIL_DESCRIPTION = (
    "Method detail, every nominee named by its id as a string: IRV `rounds` (tallies, eliminated, transfers, "
    "exhausted and continuing ballots) and `winner`; Schulze `pairwise`, `strongest_paths` and `order`; "
    "Borda `points_per_rank` and `total_points`."
)
STAGE_DESCRIPTION = (
    '"live": voting is open, these are interim standings and nobody has won yet; "closed": voting has '
    'closed and the results are not announced yet; "final": published, the winners.'
)


class CategoryResultsOut(Schema):
    slug: str
    title: str
    method: str
    method_note: str
    ballots: int = Field(description="Ballots that voted in this category.")
    standings: list[StandingOut]
    first_preferences: list[StandingOut] | None = Field(description="Ranked methods: plurality of first choices.")
    sentences: list[str] = Field(description="The write-up, one sentence per position, worded for the stage.")
    detail: dict[str, Any] = Field(description=DETAIL_DESCRIPTION)


class EditionResultsOut(Schema):
    edition: str
    name: str
    stage: str = Field(description=STAGE_DESCRIPTION)
    status: str = Field(description="When the count was made, announced or when voting closes, in words.")
    computed_at: datetime | None = Field(description="When the snapshot was computed (null: nothing counted yet).")
    ballots_counted: int
    is_preview: bool = Field(description="True when staff see results that are not public yet.")
    categories: list[CategoryResultsOut]


class CategoryResultsPageOut(CategoryResultsOut):
    edition: str
    stage: str = Field(description=STAGE_DESCRIPTION)
    status: str
    computed_at: datetime | None
    is_preview: bool


class DocumentEditionOut(Schema):
    name: str
    slug: str


class DocumentNomineeOut(Schema):
    name: str
    detail: str = Field(description="Product and ticker, when known.")


class DocumentStandingOut(Schema):
    nominee: str = Field(description="The nominee's key in `nominees` (its id, as a string).")
    name: str
    position: int
    tied: bool
    count: int = Field(description="What the method ranks by: votes, approvals, final-round votes, wins, points.")
    share: str = Field(description='Percentage of `share_of`, one decimal, as a string ("49.7").')
    share_of: int = Field(description="The share's denominator (see the category's `share_basis`).")
    sentence: str


class DocumentCategoryOut(Schema):
    title: str
    slug: str
    method: str
    ballots: int = Field(description="Ballots that voted in this category.")
    share_basis: str = Field(description="What every share of this category is a percentage of.")
    nominees: dict[str, DocumentNomineeOut] = Field(description="Every nominee of the standings, by key.")
    standings: list[DocumentStandingOut]
    first_preferences: list[DocumentStandingOut] | None = Field(
        description="Ranked methods: the plurality of first preferences (shares of `ballots`); else null."
    )
    sentences: list[str]
    detail: dict[str, Any] = Field(description=DETAIL_DESCRIPTION)


class ResultsDocumentOut(Schema):
    """The results export: readable on its own, without the database."""

    format: str = Field(description='The document format, "podium-results/2".')
    edition: DocumentEditionOut
    stage: str = Field(description=STAGE_DESCRIPTION)
    status: str
    computed_at: datetime | None
    published_at: datetime | None = Field(description="When the results are (or will be) announced; null: not set.")
    voting_closes_at: datetime
    ballots_counted: int
    categories: list[DocumentCategoryOut]


def _standing(row: results.ResultRow) -> dict[str, Any]:
    return {
        "nominee_id": row.nominee_id,
        "nominee": row.label,
        "detail": row.sublabel,
        "position": row.position,
        "tied": row.tied,
        "count": row.count,
        "share": f"{row.share:.1f}",
        "sentence": row.sentence,
    }


def _category(standings: results.CategoryStandings) -> dict[str, Any]:
    firsts = standings.first_preferences
    return {
        "slug": standings.category.slug,
        "title": standings.category.title,
        "method": standings.method,
        "method_note": standings.method_note,
        "ballots": standings.ballots,
        "standings": [_standing(row) for row in standings.rows],
        "first_preferences": [_standing(row) for row in firsts] if firsts is not None else None,
        "sentences": standings.sentences,
        "detail": exports.keyed_detail(standings.detail),
    }


def _visible_edition(request: HttpRequest, edition_slug: str) -> tuple[Edition, bool]:
    """The edition and whether this is a staff preview; 404 when its results are hidden from the caller."""
    access = results.visible_results_or_404(api_viewer(request), edition_slug)
    return access.edition, access.is_preview


def _not_modified(request: HttpRequest, edition: Edition, preview: bool, response: HttpResponse) -> HttpResponse | None:
    """Set ETag and Last-Modified from the current release (one query, no ballot read); 304 when unchanged."""
    release = (
        ResultsState.objects.filter(edition=edition)
        .values_list("current_release_id", "current_release__fingerprint", "current_release__computed_at")
        .first()
    )
    release_id, fingerprint, computed_at = release if release and release[0] else (None, "", None)
    etag = f'"r{release_id or 0}-{fingerprint[:16]}{"-preview" if preview else ""}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache" if preview else "public, no-cache"}
    if computed_at is not None:
        headers["Last-Modified"] = http_date(computed_at.timestamp())
    last_modified = int(computed_at.timestamp()) if computed_at is not None else None  # HTTP dates are whole seconds
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    target = conditional if conditional is not None else response
    for name, value in headers.items():
        target[name] = value
    patch_vary_headers(target, ("Authorization", "Cookie"))
    if conditional is not None and conditional.status_code == 412:
        raise ApiError(412, "precondition_failed", "The results have changed.")
    return conditional


def _edition_document(edition: Edition, found: results.EditionResults) -> dict[str, Any]:
    release = found.release
    return {
        "edition": edition.slug,
        "name": edition.name,
        "stage": found.stage.value,
        "status": found.framing.status,
        "computed_at": release.computed_at if release else None,
        "ballots_counted": release.ballots_counted if release else 0,
        "is_preview": found.is_preview,
        "categories": [_category(c) for c in found.categories],
    }


@router.get(
    "/editions/{edition_slug}/results",
    response={200: EditionResultsOut, 304: None, CLIENT_ERRORS: ErrorOut},
    summary="Results of every category of an edition",
)
def edition_results(request: HttpRequest, response: HttpResponse, edition_slug: str) -> Any:
    """Standings, shares, totals and method detail from the current snapshot.

    Send `If-None-Match` with the last ETag (or `If-Modified-Since`) to poll cheaply: an
    unchanged snapshot answers 304 without reading any standings or ballots.
    """
    edition, preview = _visible_edition(request, edition_slug)
    unchanged = _not_modified(request, edition, preview, response)
    if unchanged is not None:
        return unchanged
    return _edition_document(edition, results.edition_results(edition, is_preview=preview))


@router.get(
    "/editions/{edition_slug}/results/{category_slug}",
    response={200: CategoryResultsPageOut, 304: None, CLIENT_ERRORS: ErrorOut},
    summary="Results of one category",
)
def category_results(request: HttpRequest, response: HttpResponse, edition_slug: str, category_slug: str) -> Any:
    edition, preview = _visible_edition(request, edition_slug)
    if not edition.categories.filter(slug=category_slug).exists():  # never a 304 for a category that is not there
        raise Http404("No results for this category.")
    unchanged = _not_modified(request, edition, preview, response)
    if unchanged is not None:
        return unchanged
    found = results.edition_results(edition, is_preview=preview)
    document = _category(found.standings_for(category_slug))
    release = found.release
    return {
        **document,
        "edition": edition.slug,
        "stage": found.stage.value,
        "status": found.framing.status,
        "computed_at": release.computed_at if release else None,
        "is_preview": preview,
    }


def _json_download(filename: str, document: dict[str, Any]) -> HttpResponse:
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(request: HttpRequest, edition_slug: str, category_slug: str | None, fmt: str) -> HttpResponse:
    edition, preview = _visible_edition(request, edition_slug)
    found = results.edition_results(edition, is_preview=preview).only(category_slug)
    name = f"{edition.slug}-{category_slug}-results" if category_slug else f"{edition.slug}-results"
    return exports.download_response(found, fmt, name)


JSON_EXPORT = {200: ResultsDocumentOut, CLIENT_ERRORS: ErrorOut}
CSV_EXPORT = {CLIENT_ERRORS: ErrorOut}
CSV_EXTRA = {"responses": {"200": {"description": "CSV, one row per nominee and category", "content": CSV_CONTENT}}}


@router.get(
    "/editions/{edition_slug}/export/results.csv",
    response=CSV_EXPORT,
    openapi_extra=CSV_EXTRA,
    summary="Download an edition's results (CSV)",
)
def export_edition_csv(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """The edition's standings as CSV (category, method, position, tied, nominee, count, share, share_of, ballots).

    `share` is a percentage of `share_of`. A text cell a spreadsheet would run as a formula gets a leading `'`.
    """
    return _export(request, edition_slug, None, "csv")


@router.get(
    "/editions/{edition_slug}/export/results.json",
    response=JSON_EXPORT,
    summary="Download an edition's results (JSON)",
)
def export_edition_json(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """The edition's standings as a JSON download (the same document as the results page's download).

    Readable without the database: every nominee key (its id, as a string) used in the standings and
    the method detail is named in the category's `nominees`; each share states its denominator.
    """
    return _export(request, edition_slug, None, "json")


@router.get(
    "/editions/{edition_slug}/categories/{category_slug}/export/results.csv",
    response=CSV_EXPORT,
    openapi_extra=CSV_EXTRA,
    summary="Download a category's results (CSV)",
)
def export_category_csv(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    return _export(request, edition_slug, category_slug, "csv")


@router.get(
    "/editions/{edition_slug}/categories/{category_slug}/export/results.json",
    response=JSON_EXPORT,
    summary="Download a category's results (JSON)",
)
def export_category_json(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    return _export(request, edition_slug, category_slug, "json")


@router.get(
    "/editions/{edition_slug}/export/ballots.json",
    response={200: dict[str, Any], CLIENT_ERRORS: ErrorOut},
    auth=MEMBER_AUTH,
    summary="Anonymised ballots for an audit (staff only)",
)
def export_ballots(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """Every counted ballot's choices, with no voter identity and receipt codes hashed (SHA-256).

    Recounting these ballots with any tool gives the published standings; a voter finds their
    own ballot by hashing their receipt code.
    """
    user = request.auth  # type: ignore[attr-defined]
    if not (isinstance(user, User) and user.is_staff and user.has_perm("voting.moderate_ballot")):
        raise ApiError(403, "moderators_only", "Only moderators may export ballots.")
    edition = get_edition_for(user, edition_slug)
    return _json_download(f"{edition.slug}-ballots.json", anonymised_ballots(edition))
