"""The two staff roles as groups: curators prepare an edition, moderators keep its vote honest.

Superusers have every permission anyway. A staff member gets a role by being put in the group
(and having "staff status"); members without staff status never reach the admin.

`voting.run_edition` and `voting.publish_results` are granted here as they were declared at
this point; 0011_move_edition_permissions hands them on as `awards.run_edition` and
`awards.publish_results` (declared on `awards.Edition`, the model they guard).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "curator": [
        "awards.add_edition",
        "awards.change_edition",
        "awards.delete_edition",
        "awards.view_edition",
        "awards.add_category",
        "awards.change_category",
        "awards.delete_category",
        "awards.view_category",
        "awards.add_nominee",
        "awards.change_nominee",
        "awards.delete_nominee",
        "awards.view_nominee",
        "awards.view_nomination",
        "awards.review_nomination",
        "voting.run_edition",
        "voting.view_editionaudit",
    ],
    "moderator": [
        "awards.view_edition",
        "voting.view_ballot",
        "voting.moderate_ballot",
        "voting.view_ballotaudit",
        "voting.publish_results",
        "voting.view_editionaudit",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations run; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("awards", "0003_nominations"),
        ("voting", "0004_edition_audit"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
