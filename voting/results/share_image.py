"""The results share images (Open Graph / Twitter cards): 1200x630 PNGs drawn with Pillow.

Text is drawn, never interpreted, so a nominee's name cannot inject anything; control
characters are dropped. Names are never cut: a long one wraps and, if need be, is set
smaller; what does not fit on one image goes to the next page (`?page=2`). The font ships
with Podium (a subset of Noto Sans CJK, voting/static/voting/fonts/), so Latin with accents,
Greek, Cyrillic and common Chinese, Japanese and Korean names draw the same on every machine.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
BACKGROUND = (17, 24, 39)
INK = (243, 244, 246)
MUTED = (156, 163, 175)
RULE = (55, 65, 81)
TRACK = (55, 65, 81)
GOLD = (234, 179, 8)
BAR = (96, 165, 250)
FONTS = Path(__file__).resolve().parent.parent / "static" / "voting" / "fonts"
FOOTER_TOP = HEIGHT - 58
GAP = 14


@dataclass(frozen=True)
class ShareRow:
    """One line of an image: a nominee (and, on the edition image, its category above it).

    `figure` is the number as a reader checks it on the page ("49.7%", "5 of 5"); `caption`
    says what it counts ("of the votes", "rivals beaten"); `share` (percent) draws a bar,
    only where every row is measured on the same scale (one category).
    """

    label: str
    figure: str = ""
    caption: str = ""
    heading: str = ""
    share: Decimal | None = None
    position: str = ""


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / f"PodiumShare-{'Bold' if bold else 'Regular'}.otf"), size)


def _printable(text: str) -> str:
    """Control and format characters out (bidi overrides included), whitespace runs collapsed."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines of at most `width` pixels, broken at spaces, or anywhere in a word too long (CJK has no spaces)."""
    lines: list[str] = []
    line = ""
    for word in _printable(text).split(" "):
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if font.getlength(line + ch) > width and line:
                lines.append(line)
                line = ""
            line += ch
    return [*lines, line] if line else lines or [""]


@dataclass(frozen=True)
class _Text:
    lines: list[str]
    font: ImageFont.FreeTypeFont
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def _set(text: str, width: int, sizes: Sequence[int], max_lines: int, *, bold: bool = False) -> _Text:
    """The largest of `sizes` at which the whole text fits in `max_lines`; else the smallest, on more lines."""
    for size in sizes:
        font = _font(size, bold)
        lines = _wrap(text, font, width)
        if len(lines) <= max_lines or size == sizes[-1]:
            return _Text(lines, font, round(size * 1.25))
    raise AssertionError("unreachable: sizes is not empty")


def _draw(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: _Text, fill: tuple[int, int, int]) -> None:
    x, y = xy
    for line in text.lines:
        draw.text((x, y), line, font=text.font, fill=fill)
        y += text.line_height


@dataclass(frozen=True)
class _Layout:
    columns: int
    column_width: int
    figure_width: int
    bars: bool


def _row_texts(row: ShareRow, layout: _Layout) -> tuple[_Text | None, _Text]:
    name_width = layout.column_width - layout.figure_width - (48 if row.position else 0)
    if layout.bars:
        name_width = 420
    small = layout.columns > 1
    heading = _set(row.heading, name_width, (20,) if small else (22,), 3) if row.heading else None
    name = _set(row.label, name_width, (28, 24, 20) if small else (34, 30, 26, 22), 2, bold=True)
    return heading, name


def _row_height(row: ShareRow, layout: _Layout) -> int:
    heading, name = _row_texts(row, layout)
    figure = 34 + (24 if row.caption and not layout.bars else 0)
    return max((heading.height + 2 if heading else 0) + name.height, figure) + GAP


def _header(draw: ImageDraw.ImageDraw, title: str, subtitle: str) -> int:
    width = WIDTH - 2 * MARGIN
    sub = _set(subtitle, width, (28, 24), 1)
    _draw(draw, (MARGIN, 40), sub, GOLD)
    top = 40 + sub.height + 4
    heading = _set(title, width, (50, 42, 36), 2, bold=True)
    _draw(draw, (MARGIN, top), heading, INK)
    return top + heading.height + 22


def paginate(title: str, subtitle: str, rows: Sequence[ShareRow], *, bars: bool) -> list[list[ShareRow]]:
    """Rows split into pages that each fit one image, in order; at least one (possibly empty) page."""
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    top = _header(draw, title, subtitle)
    layout = _layout(rows, bars=bars)
    room = (FOOTER_TOP - 12 - top) * layout.columns
    pages: list[list[ShareRow]] = [[]]
    used = column_used = 0
    for row in rows:
        height = _row_height(row, layout)
        column_room = FOOTER_TOP - 12 - top
        if column_used + height > column_room:  # the next column (or page) starts with this row
            used += column_room - column_used
            column_used = 0
        if used + height > room and pages[-1]:
            pages.append([])
            used = column_used = 0
        pages[-1].append(row)
        used += height
        column_used += height
    return pages


def _layout(rows: Sequence[ShareRow], *, bars: bool) -> _Layout:
    columns = 1 if bars or len(rows) <= 4 else 2
    column_width = (WIDTH - 2 * MARGIN - 48 * (columns - 1)) // columns
    return _Layout(columns, column_width, 150 if bars else (170 if columns > 1 else 260), bars)


def _draw_row(draw: ImageDraw.ImageDraw, row: ShareRow, x: int, y: int, layout: _Layout, first: bool) -> None:
    heading, name = _row_texts(row, layout)
    name_x = x + (48 if row.position else 0)
    if row.position:
        draw.text((x, y + 2), row.position, font=_font(30, True), fill=GOLD if first else MUTED)
    top = y
    if heading:
        _draw(draw, (name_x, top), heading, MUTED)
        top += heading.height + 2
    _draw(draw, (name_x, top), name, INK)
    right = x + layout.column_width
    figure_font = _font(30 if layout.columns == 1 else 26, True)
    if layout.bars and row.share is not None:
        left, end = name_x + 420 + 16, right - layout.figure_width
        draw.rounded_rectangle((left, y + 8, end, y + 40), radius=8, fill=TRACK)
        filled = left + int((end - left) * min(max(float(row.share), 0.0), 100.0) / 100)
        if filled > left:
            draw.rounded_rectangle((left, y + 8, max(filled, left + 16), y + 40), radius=8, fill=GOLD if first else BAR)
    if row.figure:
        draw.text((right, y + 2), row.figure, font=figure_font, fill=INK if layout.bars else GOLD, anchor="ra")
    if row.caption and not layout.bars:
        draw.text((right, y + 40), row.caption, font=_font(18), fill=MUTED, anchor="ra")


def render_share_image(
    title: str,
    subtitle: str,
    rows: Sequence[ShareRow],
    footer: str,
    *,
    bars: bool = False,
    column_caption: str = "",
    page: int = 1,
) -> bytes:
    """One page of the image: title, subtitle, the rows that fit (all, over the pages), a footer line.

    `bars`: one category's nominees on one share scale, with `column_caption` naming the figure.
    Without: one row per category, each figure with its own caption (methods are not comparable).
    """
    pages = paginate(title, subtitle, rows, bars=bars)
    page = min(max(page, 1), len(pages))
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    top = _header(draw, title, subtitle)
    layout = _layout(rows, bars=bars)
    if bars and column_caption:
        draw.text((WIDTH - MARGIN, top - 22), column_caption, font=_font(18), fill=MUTED, anchor="ra")
    x, y = MARGIN, top
    for index, row in enumerate(pages[page - 1]):
        height = _row_height(row, layout)
        if y + height > FOOTER_TOP - 12:
            x, y = x + layout.column_width + 48, top
        if y > top:
            draw.line((x, y - GAP // 2, x + layout.column_width, y - GAP // 2), fill=RULE, width=1)
        _draw_row(draw, row, x, y + 2, layout, first=index == 0 and page == 1)
        y += height
    footer_text = footer if len(pages) == 1 else f"{footer} · image {page} of {len(pages)}"
    _draw(draw, (MARGIN, FOOTER_TOP), _set(footer_text, WIDTH - 2 * MARGIN, (22, 18), 1), MUTED)
    buffer = io.BytesIO()
    # zlib's default level: `optimize=True` made each render 4-5x slower for a file 2% smaller,
    # and a copy is rendered once per release and then served from the page cache.
    image.save(buffer, format="PNG")
    return buffer.getvalue()
