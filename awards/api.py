"""API: editions, their categories and nominees. Visibility is the pages': drafts are staff-only."""

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from accounts.api_auth import api_viewer
from awards.models import Category, Edition, Nominee
from awards.selectors import categories_with_nominee_counts, get_edition_for, visible_editions
from config.api_errors import CLIENT_ERRORS, ErrorOut

router = Router(tags=["editions"])


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(20, ge=1, le=100, description="How many items (at most 100).")
        offset: int = Field(0, ge=0, le=1_000_000, description="How many items to skip.")


class EditionOut(Schema):
    slug: str
    name: str
    description: str
    phase: str = Field(description="upcoming, nominations, voting, closed or published (at the time of the request)")
    phase_ends_at: datetime | None
    nominations_open_at: datetime | None
    nominations_close_at: datetime | None
    voting_opens_at: datetime
    voting_closes_at: datetime
    results_visibility: str = Field(description="live, after_close or published")
    results_public: bool = Field(description="Whether anyone may read the results now.")
    published_at: datetime | None
    category_count: int
    url: str = Field(description="The edition's web page.")

    @staticmethod
    def resolve_phase(obj: Edition) -> str:
        return str(obj.phase_window_at(timezone.now()).phase.value)

    @staticmethod
    def resolve_phase_ends_at(obj: Edition) -> datetime | None:
        return obj.phase_window_at(timezone.now()).ends_at

    @staticmethod
    def resolve_results_public(obj: Edition) -> bool:
        return obj.results_public_at(timezone.now())

    @staticmethod
    def resolve_published_at(obj: Edition) -> datetime | None:
        published = obj.published_at
        return published if published is not None and published <= timezone.now() else None

    @staticmethod
    def resolve_url(obj: Edition, context: dict[str, Any]) -> str:
        return str(context["request"].build_absolute_uri(obj.get_absolute_url()))


class CategorySummaryOut(Schema):
    slug: str
    title: str
    intro: str
    method: str = Field(description="plurality, approval, irv, schulze or borda")
    max_choices: int | None = Field(description="Approval only: how many nominees a voter may approve.")
    order: int
    nominee_count: int


class EditionDetailOut(EditionOut):
    categories: list[CategorySummaryOut]

    @staticmethod
    def resolve_categories(obj: Edition) -> list[Category]:
        return obj.categories_summary  # type: ignore[attr-defined, no-any-return]


class NomineeOut(Schema):
    id: int
    name: str
    product_name: str
    ticker: str
    description: str
    website: str
    order: int


class CategoryOut(Schema):
    slug: str
    title: str
    intro: str
    method: str
    max_choices: int | None
    order: int
    nominees: list[NomineeOut] = Field(description="Active nominees in display order.")

    @staticmethod
    def resolve_nominees(obj: Category) -> list[Nominee]:
        return list(obj.active_nominees)  # type: ignore[attr-defined]


def _editions(request: HttpRequest) -> QuerySet[Edition]:
    editions = visible_editions(api_viewer(request)).annotate(category_count=Count("categories"))
    return editions.order_by("-voting_opens_at", "name", "pk")


def _categories(edition: Edition) -> QuerySet[Category]:
    active = Prefetch("nominees", queryset=Nominee.objects.active(), to_attr="active_nominees")
    return edition.categories.prefetch_related(active)


@router.get("/editions", response={200: list[EditionOut], CLIENT_ERRORS: ErrorOut}, summary="List editions")
@paginate(Page)
def list_editions(request: HttpRequest) -> QuerySet[Edition]:
    """Editions newest first. Drafts are listed for staff only."""
    return _editions(request)


@router.get("/editions/{edition_slug}", response={200: EditionDetailOut, CLIENT_ERRORS: ErrorOut}, summary="An edition")
def edition_detail(request: HttpRequest, edition_slug: str) -> Edition:
    """An edition with its phase, windows and categories."""
    edition = get_edition_for(api_viewer(request), edition_slug)
    edition.category_count = edition.categories.count()  # type: ignore[attr-defined]
    edition.categories_summary = categories_with_nominee_counts(edition)  # type: ignore[attr-defined]
    return edition


@router.get(
    "/editions/{edition_slug}/categories",
    response={200: list[CategoryOut], CLIENT_ERRORS: ErrorOut},
    summary="An edition's categories with their nominees",
)
def list_categories(request: HttpRequest, edition_slug: str) -> list[Category]:
    edition = get_edition_for(api_viewer(request), edition_slug)
    return list(_categories(edition))


@router.get(
    "/editions/{edition_slug}/categories/{category_slug}",
    response={200: CategoryOut, CLIENT_ERRORS: ErrorOut},
    summary="A category with its nominees",
)
def category_detail(request: HttpRequest, edition_slug: str, category_slug: str) -> Category:
    edition = get_edition_for(api_viewer(request), edition_slug)
    category = _categories(edition).filter(slug=category_slug).first()
    if category is None:
        raise Http404("No such category.")
    return category
