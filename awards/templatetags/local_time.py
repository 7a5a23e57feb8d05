"""Every time a page shows goes through here, so no page can show one without its zone.

`{% local_time moment %}` renders `<time datetime="…" data-local>16 Dec 2026, 18:00 UTC</time>`:
UTC from the server (what a reader without JavaScript sees, zone named), rewritten in the
reader's own time zone, zone named, by `awards/js/local-time.js`. `{% local_time moment "date" %}`
shows the day only ("16 Dec 2026"; the title gives the time and zone), `"long_date"` as
"16 December 2026", `"day_month"` as "16 Dec". Plain-text e-mails cannot run a script: `{{ moment|utc }}` writes
"16 December 2026, 18:00 UTC" there.

Python code that builds a sentence with times in it (the results' status line, "Voting opens
on …") writes it as a `Phrase` and renders it `as_text` (API, share images: UTC, zone named)
or `as_html` (pages: the same `<time>` elements).
"""

from datetime import UTC, datetime

from django import template
from django.utils import dateformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

SHOWN = {"": "j M Y, H:i \\U\\T\\C", "date": "j M Y", "long_date": "j F Y", "day_month": "j M"}
FULL = "j M Y, H:i \\U\\T\\C"
IN_WORDS = {"": "j F Y, H:i \\U\\T\\C", "date": "j M Y", "long_date": "j F Y", "day_month": "j F"}

# A sentence with times in it: text, and (moment, style) pairs.
Phrase = list[str | tuple[datetime, str]]


def time_element(moment: datetime, style: str = "") -> SafeString:
    """`moment` as a `<time>` element: UTC in the text, the reader's zone once the script runs."""
    if style not in SHOWN:
        raise ValueError(f"unknown time style {style!r}; one of {sorted(SHOWN)}")
    in_utc = moment.astimezone(UTC)
    shown = dateformat.format(in_utc, SHOWN[style])
    if not style:
        return format_html('<time datetime="{}" data-local>{}</time>', in_utc.isoformat(timespec="seconds"), shown)
    full = dateformat.format(in_utc, FULL)
    return format_html(
        '<time datetime="{}" data-local="{}" title="{}">{}</time>',
        in_utc.isoformat(timespec="seconds"),
        style,
        full,
        shown,
    )


@register.simple_tag(name="local_time")
def local_time(moment: datetime | None, style: str = "") -> SafeString | str:
    """The template tag; nothing for a missing time."""
    return time_element(moment, style) if moment else ""


@register.filter(name="utc")
def utc(moment: datetime | None) -> str:
    """ "16 December 2026, 18:00 UTC": for plain-text e-mails."""
    return dateformat.format(moment.astimezone(UTC), "j F Y, H:i \\U\\T\\C") if moment else ""


def as_text(phrase: Phrase) -> str:
    """The phrase as plain text: "Voting opens on 10 January 2025, 12:00 UTC."."""
    return "".join(p if isinstance(p, str) else dateformat.format(p[0].astimezone(UTC), IN_WORDS[p[1]]) for p in phrase)


def as_html(phrase: Phrase) -> SafeString:
    """The phrase for a page, its times as `<time data-local>` elements and the rest escaped."""
    return format_html_join("", "{}", ((p if isinstance(p, str) else time_element(p[0], p[1]),) for p in phrase))
