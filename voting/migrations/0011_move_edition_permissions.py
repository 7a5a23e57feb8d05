"""The edition permissions move to the model they guard: `voting.run_edition` becomes
`awards.run_edition`, `voting.publish_results` becomes `awards.publish_results`.

Every group and user that held an old permission is given the new one, then the old row is
deleted (Django never deletes a permission whose model no longer declares it). Inside
migrations `post_migrate` has not created the new rows yet, so they are created here, on the
`awards.edition` content type. The role groups (0005_staff_roles) get theirs the same way,
on a fresh database as on one that already ran.
"""

from typing import Any

from django.db import migrations

PERMISSIONS = {
    "run_edition": "Can open and close an edition's nominations and voting early",
    "publish_results": "Can recompute, publish and unpublish results",
}
AUDIT = ("voting", "editionaudit")
EDITION = ("awards", "edition")


def move_permissions(apps: Any, source: tuple[str, str], target: tuple[str, str]) -> None:
    """Give the holders of each permission on `source` the same permission on `target`; drop the old."""
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    old_type = content_type.objects.filter(app_label=source[0], model=source[1]).first()
    new_type, _ = content_type.objects.get_or_create(app_label=target[0], model=target[1])
    for codename, name in PERMISSIONS.items():
        new, _ = permission.objects.get_or_create(content_type=new_type, codename=codename, defaults={"name": name})
        old = permission.objects.filter(content_type=old_type, codename=codename).first() if old_type else None
        if old is None:
            continue
        new.group_set.add(*old.group_set.all())
        new.user_set.add(*old.user_set.all())
        old.delete()


def forwards(apps: Any, schema_editor: Any) -> None:
    move_permissions(apps, AUDIT, EDITION)


def backwards(apps: Any, schema_editor: Any) -> None:
    move_permissions(apps, EDITION, AUDIT)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("awards", "0010_edition_permissions"),
        ("voting", "0010_editionaudit_without_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
