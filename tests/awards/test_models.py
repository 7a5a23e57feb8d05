from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from awards.models import Category, Edition, Nominee, Phase, ResultsVisibility, VotingMethod
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _edition(**overrides: object) -> Edition:
    fields: dict[str, object] = {
        "nominations_open_at": T0,
        "nominations_close_at": T0 + 10 * DAY,
        "voting_opens_at": T0 + 10 * DAY,
        "voting_closes_at": T0 + 20 * DAY,
    }
    fields.update(overrides)
    return Edition(name="E", slug="e", **fields)


def _violates(name: str, **fields: object) -> None:
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        EditionFactory(**fields)
    assert name in str(raised.value)


@pytest.mark.parametrize(
    ("moment", "phase", "ends_at"),
    [
        (T0 - HOUR, Phase.UPCOMING, T0),
        (T0, Phase.NOMINATIONS, T0 + 10 * DAY),
        (T0 + 10 * DAY - timedelta(microseconds=1), Phase.NOMINATIONS, T0 + 10 * DAY),
        (T0 + 10 * DAY, Phase.VOTING, T0 + 20 * DAY),
        (T0 + 20 * DAY - timedelta(microseconds=1), Phase.VOTING, T0 + 20 * DAY),
        (T0 + 20 * DAY, Phase.CLOSED, None),
    ],
)
def test_phase_at_each_window_edge(moment: datetime, phase: Phase, ends_at: datetime | None) -> None:
    window = _edition().phase_window_at(moment)
    assert (window.phase, window.ends_at) == (phase, ends_at)


def test_phase_without_nominations_window_is_upcoming_until_voting_opens() -> None:
    edition = _edition(nominations_open_at=None, nominations_close_at=None)
    assert edition.phase_window_at(T0).phase == Phase.UPCOMING
    assert edition.phase_window_at(T0).ends_at == T0 + 10 * DAY


def test_gap_between_nominations_and_voting_is_upcoming() -> None:
    edition = _edition(nominations_close_at=T0 + 5 * DAY)
    assert edition.phase_at(T0 + 6 * DAY) == Phase.UPCOMING


def test_published_phase_starts_at_publication_time() -> None:
    edition = _edition(published_at=T0 + 21 * DAY)
    assert edition.phase_at(T0 + 21 * DAY - HOUR) == Phase.CLOSED
    assert edition.phase_at(T0 + 21 * DAY) == Phase.PUBLISHED


@pytest.mark.parametrize(
    ("visibility", "moment", "public"),
    [
        (ResultsVisibility.LIVE, T0 + 10 * DAY - HOUR, False),
        (ResultsVisibility.LIVE, T0 + 10 * DAY, True),
        (ResultsVisibility.AFTER_CLOSE, T0 + 20 * DAY - HOUR, False),
        (ResultsVisibility.AFTER_CLOSE, T0 + 20 * DAY, True),
        (ResultsVisibility.PUBLISHED, T0 + 30 * DAY, False),
    ],
)
def test_results_visibility_rule(visibility: str, moment: datetime, public: bool) -> None:
    assert _edition(results_visibility=visibility).results_public_at(moment) is public


def test_results_visible_once_published_whatever_the_rule() -> None:
    edition = _edition(results_visibility=ResultsVisibility.PUBLISHED, published_at=T0 + 21 * DAY)
    assert edition.results_public_at(T0 + 21 * DAY) is True


def test_voting_must_close_after_it_opens() -> None:
    _violates("edition_voting_closes_after_it_opens", voting_opens_at=T0, voting_closes_at=T0)


def test_nominations_window_needs_both_ends() -> None:
    _violates("edition_nominations_window_valid", nominations_open_at=T0, nominations_close_at=None)


def test_nominations_must_close_after_they_open() -> None:
    _violates(
        "edition_nominations_window_valid",
        nominations_open_at=T0,
        nominations_close_at=T0 - HOUR,
        voting_opens_at=T0 + DAY,
        voting_closes_at=T0 + 2 * DAY,
    )


def test_nominations_must_close_before_voting_opens() -> None:
    _violates(
        "edition_nominations_window_valid",
        nominations_open_at=T0,
        nominations_close_at=T0 + 2 * DAY,
        voting_opens_at=T0 + DAY,
        voting_closes_at=T0 + 3 * DAY,
    )


def test_edition_slug_is_unique() -> None:
    EditionFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        EditionFactory(slug="same")


def test_category_slug_unique_within_edition_only() -> None:
    first = CategoryFactory(slug="best")
    CategoryFactory(slug="best")  # another edition: fine
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        CategoryFactory(slug="best", edition=first.edition)
    assert "category_slug_unique_in_edition" in str(raised.value) or "UNIQUE" in str(raised.value)
    assert Category.objects.filter(slug="best").count() == 2


@pytest.mark.parametrize("max_choices", [None, 0])
def test_approval_needs_max_choices_of_at_least_one(max_choices: int | None) -> None:
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        CategoryFactory(method=VotingMethod.APPROVAL, max_choices=max_choices)
    assert "category_approval_max_choices_at_least_one" in str(raised.value)


def test_max_choices_only_for_approval() -> None:
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        CategoryFactory(method=VotingMethod.PLURALITY, max_choices=2)
    assert "category_max_choices_only_for_approval" in str(raised.value)


def test_nominee_names_unique_in_category_ignoring_case() -> None:
    nominee = NomineeFactory(name="BlackRock")
    with pytest.raises(IntegrityError), transaction.atomic():
        NomineeFactory(name="blackrock", category=nominee.category)
    NomineeFactory(name="blackrock")  # another category: fine
    assert Nominee.objects.filter(name__iexact="blackrock").count() == 2


def test_ranked_methods_are_ranked() -> None:
    assert [CategoryFactory.build(method=m).is_ranked for m in VotingMethod.values] == [False, False, True, True, True]


@pytest.mark.parametrize(("name", "marks"), [("Black;Rock", "“;”"), ("A > B", "“>”"), ("x;y>z", "“;” or “>”")])
def test_a_nominee_name_that_a_ballot_file_could_not_name_is_refused(name: str, marks: str) -> None:
    nominee = NomineeFactory.build(category=CategoryFactory(), name=name)
    with pytest.raises(ValidationError) as refused:
        nominee.full_clean()
    assert refused.value.message_dict["name"] == [
        f"A nominee's name cannot contain {marks}: ballot files use it between names."
    ]
