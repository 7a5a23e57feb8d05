from typing import Any

from django.core.management.base import BaseCommand

from accounts.selectors import email_collisions


class Command(BaseCommand):
    help = (
        "List accounts whose e-mail addresses reach the same mailbox once normalised, for staff to "
        "review (nothing is changed or deleted). Invisible characters are shown escaped."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        collisions = email_collisions()
        for collision in collisions:
            self.stdout.write(f"{collision.mailbox}: {len(collision.users)} accounts")
            for user in collision.users:
                spellings = ", ".join(ascii(email) for email in collision.addresses[user.pk])
                state = "active" if user.is_active else "inactive"
                staff = ", staff" if user.is_staff else ""
                self.stdout.write(
                    f"  user #{user.pk} ({state}{staff}, joined {user.date_joined:%Y-%m-%d}): {spellings}"
                )
        if collisions:
            self.stdout.write(f"{len(collisions)} mailbox(es) reached by more than one account.")
        else:
            self.stdout.write("No two accounts share a mailbox.")
