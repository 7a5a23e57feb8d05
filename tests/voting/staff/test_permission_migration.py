"""voting 0011: `voting.run_edition`/`voting.publish_results` become `awards.run_edition`/`awards.publish_results`.

The migration's own functions run on the models as the migration sees them (django-test-migrations
is not installed): `backwards` puts the database as it was before, then `forwards` must hand
every holder, group or user, the new permission and leave no old row behind.
"""

import importlib
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

move = importlib.import_module("voting.migrations.0011_move_edition_permissions")
EDITION_PERMISSIONS = ("run_edition", "publish_results")


@pytest.fixture
def historical_apps() -> Any:
    """The models as they stand just before the move."""
    loader = MigrationLoader(connection)
    return loader.project_state(("voting", "0010_editionaudit_without_permissions")).apps


def _held(holders: Any) -> set[str]:
    return {f"{app}.{codename}" for app, codename in holders.values_list("content_type__app_label", "codename")}


def _roles() -> dict[str, set[str]]:
    return {name: _held(Group.objects.get(name=name).permissions) for name in ("curator", "moderator")}


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # has_perm caches what it found on the instance


def test_holders_of_the_old_permissions_hold_the_new_ones(historical_apps: Any) -> None:
    roles_now = _roles()
    move.backwards(historical_apps, None)  # the database as the previous release left it
    assert _roles() == {
        name: {p.replace("awards.run_", "voting.run_").replace("awards.publish_", "voting.publish_") for p in held}
        for name, held in roles_now.items()
    }
    publisher = UserFactory(is_staff=True)
    publisher.user_permissions.set(
        Permission.objects.filter(content_type__app_label="voting", codename="publish_results")
    )
    runners = Group.objects.create(name="runners")
    runners.permissions.set(Permission.objects.filter(content_type__app_label="voting", codename="run_edition"))
    runner = UserFactory(is_staff=True)
    runner.groups.set([runners])
    assert _fresh(publisher).has_perm("voting.publish_results") and _fresh(runner).has_perm("voting.run_edition")

    move.forwards(historical_apps, None)

    assert _roles() == roles_now  # curators and moderators can do exactly what they could
    assert _held(runners.permissions) == {"awards.run_edition"}
    assert _held(publisher.user_permissions) == {"awards.publish_results"}
    publisher, runner = _fresh(publisher), _fresh(runner)
    assert (publisher.has_perm("awards.publish_results"), publisher.has_perm("awards.run_edition")) == (True, False)
    assert (runner.has_perm("awards.run_edition"), runner.has_perm("awards.publish_results")) == (True, False)
    stored = Permission.objects.filter(codename__in=EDITION_PERMISSIONS)
    assert sorted(stored.values_list("content_type__app_label", "codename", "name")) == [
        ("awards", "publish_results", "Can recompute, publish and unpublish results"),
        ("awards", "run_edition", "Can open and close an edition's nominations and voting early"),
    ]


def test_the_move_creates_the_new_permissions_when_post_migrate_has_not(historical_apps: Any) -> None:
    """Inside `migrate` the new rows do not exist yet; nor, on a database that never had them, the old ones."""
    Permission.objects.filter(codename__in=EDITION_PERMISSIONS).delete()
    move.forwards(historical_apps, None)
    assert sorted(
        Permission.objects.filter(codename__in=EDITION_PERMISSIONS).values_list("content_type__model", "codename")
    ) == [("edition", "publish_results"), ("edition", "run_edition")]
