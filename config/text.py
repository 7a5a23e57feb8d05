"""What typed text may contain: the one definition of characters a reader cannot see.

Zero-width spaces and joiners, soft hyphens, bidi controls (Unicode category Cf) and control
characters (Cc, NUL included) render as nothing, so two strings that look identical can
differ. Podium refuses them in e-mail addresses and in nominee names, where "looks the same"
must mean "is the same". Ordinary whitespace (space, tab, newline) is not refused here.
"""

import unicodedata
from typing import Annotated

from django.core.exceptions import ValidationError
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc"})


def invisible_characters(text: str) -> list[str]:
    """The distinct invisible characters of `text`, in order of appearance, named ("U+200B ZERO WIDTH SPACE")."""
    found: dict[str, str] = {}
    for char in text:
        if char not in found and not char.isspace() and unicodedata.category(char) in INVISIBLE_CATEGORIES:
            found[char] = f"U+{ord(char):04X} {unicodedata.name(char, 'CONTROL CHARACTER')}"
    return list(found.values())


def refuse_invisible_characters(text: str, *, what: str) -> None:
    """Raise a ValidationError naming each invisible character in `text` (`what` is "The name", …)."""
    names = invisible_characters(text)
    if names:
        raise ValidationError(
            f"{what} contains an invisible character ({', '.join(names)}). Type it again without it.",
            code="invisible_character",
        )


def strip_invisible_characters(text: str) -> str:
    """`text` without its invisible characters: for comparing what is already stored, never for new input."""
    return "".join(c for c in text if c.isspace() or unicodedata.category(c) not in INVISIBLE_CATEGORIES)


def _refuse_nul(value: str) -> str:
    if "\x00" in value:
        # The message of Django's ProhibitNullCharactersValidator, which every form CharField runs.
        raise PydanticCustomError("null_character", "Null characters are not allowed.")
    return value


# Text in a JSON API body: PostgreSQL cannot store NUL, so it is refused with the field's name
# (the forms' CharField does the same for pages).
ApiText = Annotated[str, AfterValidator(_refuse_nul)]
