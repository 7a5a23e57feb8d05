"""One mailbox, one spelling: every e-mail address Podium stores is normalised here, once.

Mail systems deliver `alice@sec.test`, `alice@SEC.test` and the same typed in fullwidth
letters to one mailbox (the domain is IDNA-encoded on sending), so storing them apart would
give one person several verified accounts. `normalize_email` maps an address to its one stored form; the
allauth adapters (sign-up, e-mail add and change, password reset, social log-in), the user
model and ballot imports call it, and the database's unique constraints on that form do the
rest.
"""

import unicodedata

import idna
from django.core.exceptions import ValidationError

from config.text import refuse_invisible_characters, strip_invisible_characters

MAX_EMAIL_LENGTH = 254  # RFC 5321's path limit, and the column's length


def normalize_email(raw: str) -> str:
    """The stored form of an address: NFKC, the local part lower-cased, the domain IDNA-encoded (ASCII, lower case).

    Raises ValidationError, with a message for the person who typed it, for invisible
    characters (zero-width, soft hyphen, bidi controls, control characters), a missing
    part or a domain that is not a valid host name. Idempotent: a stored address maps to itself.
    """
    text = unicodedata.normalize("NFKC", raw.strip())
    refuse_invisible_characters(text, what="The e-mail address")
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError("Enter a valid e-mail address (name@example.com).", code="invalid")
    try:
        ascii_domain = idna.encode(domain.removesuffix("."), uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValidationError(f"“{domain}” is not a valid domain name.", code="invalid") from None
    address = f"{local.lower()}@{ascii_domain.lower()}"
    if len(address) > MAX_EMAIL_LENGTH:
        raise ValidationError(
            f"The e-mail address is too long ({len(address)} characters, at most {MAX_EMAIL_LENGTH}).",
            code="max_length",
        )
    return address


def mailbox_key(stored: str) -> str:
    """The mailbox an already stored address reaches, for finding collisions among old rows.

    Lenient where `normalize_email` refuses: invisible characters are dropped (mail systems
    drop them too), and an address that still cannot be normalised is only lower-cased.
    """
    try:
        return normalize_email(strip_invisible_characters(stored))
    except ValidationError:
        return stored.strip().lower()
