"""The curation version moves with every write to an edition's content, inside the write's transaction."""

import pytest
from django.db import transaction

from awards.models import Edition
from awards.services import import_nominees_csv
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory

pytestmark = pytest.mark.django_db


def _version(edition: Edition) -> int:
    return Edition.objects.values_list("curation_version", flat=True).get(pk=edition.pk)


def test_every_save_and_delete_of_an_editions_content_moves_its_version() -> None:
    edition = EditionFactory()
    other = EditionFactory()
    others_before = _version(other)
    seen = [_version(edition)]

    category = CategoryFactory(edition=edition)
    seen.append(_version(edition))
    nominee = NomineeFactory(category=category)
    seen.append(_version(edition))
    nominee.name = "Renamed"
    nominee.save()
    seen.append(_version(edition))
    nominee.delete()
    seen.append(_version(edition))
    category.delete()
    seen.append(_version(edition))
    edition.refresh_from_db()
    edition.description = "New words"
    edition.save()
    seen.append(_version(edition))

    assert seen == sorted(set(seen)), f"each write must move the version: {seen}"
    assert _version(other) == others_before, "another edition's writes leave it alone"


def test_a_rolled_back_write_moves_nothing() -> None:
    category = CategoryFactory()
    before = _version(category.edition)

    def add_then_fail() -> None:
        with transaction.atomic():
            NomineeFactory(category=category)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        add_then_fail()

    assert _version(category.edition) == before


def test_the_bulk_nominee_import_moves_the_version_once_per_import() -> None:
    category = CategoryFactory()
    before = _version(category.edition)

    import_nominees_csv(category=category, text="name\nAlpha\nBeta\nGamma\n")

    assert category.nominees.count() == 3
    assert _version(category.edition) == before + 1
