"""The share images draw every name whole, in any common script, and every category's winner."""

import io
from decimal import Decimal

import pytest
from PIL import Image, ImageChops

from voting.results.share_image import HEIGHT, WIDTH, ShareRow, _font, _layout, _row_texts, paginate, render_share_image

pytestmark = pytest.mark.unit


def _ink(text: str) -> bytes:
    return bytes(_font(40, True).getmask(text))


@pytest.mark.parametrize("name", ["東京", "币安", "한국", "Ελλάδα", "Ærøskøbing Åse", "Москва"])
def test_the_shipped_font_draws_names_in_many_scripts_not_boxes(name: str) -> None:
    tofu = _ink("\ue000" * len(name))  # a private-use code point: the font's "missing glyph" box
    assert _ink(name) != tofu
    assert all(_ink(ch) != _ink("\ue000") for ch in name if not ch.isspace())


def test_two_cjk_characters_draw_differently() -> None:
    assert _ink("東") != _ink("京")


def test_a_long_name_wraps_whole_and_is_never_cut() -> None:
    name = "The Extraordinarily Long-Named Decentralised Autonomous Exchange Protocol of Everything"
    rows = [ShareRow(name, "49.7%", "of the votes", heading="Top Bitcoin ETFs in 2024")]
    _, text = _row_texts(rows[0], _layout(rows, bars=False))
    assert " ".join(text.lines) == name and "…" not in name
    cjk = ShareRow("名" * 60, "1.0%", share=Decimal(1))
    _, wrapped = _row_texts(cjk, _layout([cjk], bars=True))
    assert "".join(wrapped.lines) == "名" * 60


def test_every_category_is_on_some_page_in_order() -> None:
    rows = [ShareRow(f"Winner {i}", "50.0%", "of the votes", heading=f"Category {i}") for i in range(23)]
    pages = paginate("Moon Awards 2024", "The winners", rows, bars=False)
    assert len(pages) > 1
    assert [row for page in pages for row in page] == rows


def test_pages_are_distinct_images_of_the_right_size() -> None:
    rows = [ShareRow(f"Winner {i}", "50.0%", "of the votes", heading=f"Category {i}") for i in range(23)]
    first, second = (render_share_image("Awards", "The winners", rows, "Podium", page=p) for p in (1, 2))
    one, two = Image.open(io.BytesIO(first)), Image.open(io.BytesIO(second))
    assert one.size == two.size == (WIDTH, HEIGHT)
    assert ImageChops.difference(one.convert("RGB"), two.convert("RGB")).getbbox() is not None
