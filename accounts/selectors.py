"""Reads about accounts that join or fold: addresses that reach one mailbox."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from accounts.addresses import mailbox_key
from accounts.models import User


@dataclass(frozen=True)
class MailboxCollision:
    """Several accounts whose stored addresses reach one mailbox (`users` by id, with those addresses)."""

    mailbox: str
    users: list[User]
    addresses: dict[int, list[str]]


def email_collisions() -> list[MailboxCollision]:
    """Mailboxes reached by more than one account, through the user's address or any allauth address.

    Rows stored before addresses were normalised (or spelled with invisible characters) are
    folded with `mailbox_key`, as a mail system would deliver them. Ordered by mailbox.
    """
    reached: dict[str, dict[int, set[str]]] = {}
    for user_id, email in User.objects.values_list("pk", "email"):
        reached.setdefault(mailbox_key(email), {}).setdefault(user_id, set()).add(email)
    for user_id, email in EmailAddress.objects.values_list("user_id", "email"):
        reached.setdefault(mailbox_key(email), {}).setdefault(user_id, set()).add(email)
    colliding = {mailbox: owners for mailbox, owners in reached.items() if len(owners) > 1}
    users = User.objects.in_bulk({user_id for owners in colliding.values() for user_id in owners})
    return [
        MailboxCollision(
            mailbox=mailbox,
            users=[users[user_id] for user_id in sorted(owners)],
            addresses={user_id: sorted(spellings) for user_id, spellings in owners.items()},
        )
        for mailbox, owners in sorted(colliding.items())
    ]
