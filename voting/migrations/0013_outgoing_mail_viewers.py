"""Both staff roles see the outgoing mail list (what was sent, what waits, what failed)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("curator", "moderator")
CODENAME = "view_outgoingmail"


def grant(apps, schema_editor):
    # Permissions are normally created after migrations run; make sure this one exists now.
    app_config = apps.get_app_config("voting")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="voting", codename=CODENAME)
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="voting", codename=CODENAME))


class Migration(migrations.Migration):
    dependencies = [("voting", "0012_outgoing_mail")]

    operations = [migrations.RunPython(grant, revoke)]
