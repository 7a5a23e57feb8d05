"""The results share image (Open Graph / Twitter card): a 1200x630 PNG drawn with Pillow.

Text is drawn, never interpreted, so a nominee's name cannot inject anything; control
characters are dropped, typographic dashes and quotes the bundled font lacks are replaced,
and over-long text is cut with an ellipsis. The font is Pillow's bundled one, so the image
is the same on every machine (scripts it does not cover show as boxes).
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
BACKGROUND = (17, 24, 39)
INK = (243, 244, 246)
MUTED = (156, 163, 175)
TRACK = (55, 65, 81)
GOLD = (234, 179, 8)
BAR = (96, 165, 250)
MAX_ROWS = 5


@dataclass(frozen=True)
class ShareRow:
    label: str
    share: Decimal | None  # None: show the label only (no figure)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


# Em and en dashes, curly double and single quotes.
PLAIN = str.maketrans({"\u2014": "-", "\u2013": "-", "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def _printable(text: str) -> str:
    """Control characters out, whitespace runs collapsed, typography the font lacks made plain."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text.translate(PLAIN)).split())


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> str:
    font = _font(size)
    text = _printable(text)
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render_share_image(
    title: str, subtitle: str, rows: Sequence[ShareRow], footer: str, *, numbered: bool = True
) -> bytes:
    """A PNG with a title, a subtitle, up to five rows with share bars, and a footer line."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = 64
    draw.text((margin, 48), _fit(draw, subtitle, 30, WIDTH - 2 * margin), font=_font(30), fill=GOLD)
    draw.text((margin, 92), _fit(draw, title, 52, WIDTH - 2 * margin), font=_font(52), fill=INK)
    top, row_height, label_width = 190, 72, 430
    for index, row in enumerate(rows[:MAX_ROWS]):
        y = top + index * row_height
        label = f"{index + 1}. {row.label}" if numbered and row.share is not None else row.label
        draw.text((margin, y + 8), _fit(draw, label, 32, label_width - 16), font=_font(32), fill=INK)
        if row.share is None:
            continue
        left, right = margin + label_width, WIDTH - margin - 130
        draw.rounded_rectangle((left, y + 10, right, y + 46), radius=8, fill=TRACK)
        filled = left + int((right - left) * min(max(float(row.share), 0.0), 100.0) / 100)
        if filled > left:
            draw.rounded_rectangle(
                (left, y + 10, max(filled, left + 16), y + 46), radius=8, fill=GOLD if index == 0 else BAR
            )
        draw.text((right + 16, y + 8), f"{row.share:.1f}%", font=_font(32), fill=INK)
    draw.text((margin, HEIGHT - 64), _fit(draw, footer, 26, WIDTH - 2 * margin), font=_font(26), fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
