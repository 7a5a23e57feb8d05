"""Store every existing address in its one normalised form (accounts/addresses.py).

An address whose normalised form another row already holds is left as it is: the two
accounts reach one mailbox and need a person to decide (`manage.py list_email_collisions`).
Nothing is deleted and no account is merged here.
"""

from collections import Counter

from django.db import migrations

from accounts.addresses import mailbox_key


def _normalise(model, owner_field: str | None) -> None:
    rows = list(model.objects.values_list("pk", "email", *([owner_field] if owner_field else [])))
    # How many distinct owners reach each mailbox: a user row is its own owner.
    owners: dict[str, set] = {}
    for row in rows:
        owners.setdefault(mailbox_key(row[1]), set()).add(row[2] if owner_field else row[0])
    holders = Counter(mailbox_key(row[1]) for row in rows if row[1] == mailbox_key(row[1]))
    for row in rows:
        pk, email = row[0], row[1]
        key = mailbox_key(email)
        if key == email or len(owners[key]) > 1 or holders[key]:
            continue
        model.objects.filter(pk=pk).update(email=key)
        holders[key] += 1


def normalise_stored_addresses(apps, schema_editor) -> None:
    _normalise(apps.get_model("accounts", "User"), None)
    _normalise(apps.get_model("account", "EmailAddress"), "user_id")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_token"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(normalise_stored_addresses, migrations.RunPython.noop)]
