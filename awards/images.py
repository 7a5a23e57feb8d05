"""Nominee logos: what an upload must be, and the one thumbnail made from it.

Checked with Pillow before anything is stored (the admin form and `import_edition` both run
model validation): a PNG, JPEG or WebP file of at most `MAX_BYTES`, between `MIN_SIDE` and
`MAX_SIDE` pixels a side. The thumbnail is made once, when the image is stored, so pages
never resize anything while they render.
"""

import io
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
MAX_BYTES = 2 * 1024 * 1024
MIN_SIDE, MAX_SIDE = 64, 4096
THUMBNAIL_SIDE = 192


def validate_nominee_image(file: File) -> None:  # type: ignore[type-arg]
    """Refuse anything but a sane PNG, JPEG or WebP, naming what is wrong with it."""
    if file.size is not None and file.size > MAX_BYTES:
        raise ValidationError(
            f"The image is {file.size / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB.",
            code="image_too_large",
        )
    file.seek(0)
    try:
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            "The file is not a readable image; upload a PNG, JPEG or WebP file.", code="image_unreadable"
        ) from None
    finally:
        file.seek(0)
    if kind not in FORMATS:
        raise ValidationError(f"{kind} images are not accepted; upload a PNG, JPEG or WebP file.", code="image_format")
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        raise ValidationError(
            f"The image is {width} x {height} pixels; each side must be between {MIN_SIDE} and {MAX_SIDE} pixels.",
            code="image_dimensions",
        )


def make_thumbnail(file: File, name: str) -> ContentFile:  # type: ignore[type-arg]
    """A square PNG of `THUMBNAIL_SIDE` pixels, the image centred on transparency (logos keep their shape)."""
    file.seek(0)
    with Image.open(file) as source:
        image = ImageOps.exif_transpose(source).convert("RGBA")
    file.seek(0)
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    square = Image.new("RGBA", (THUMBNAIL_SIDE, THUMBNAIL_SIDE), (0, 0, 0, 0))
    square.paste(image, ((THUMBNAIL_SIDE - image.width) // 2, (THUMBNAIL_SIDE - image.height) // 2))
    buffer = io.BytesIO()
    square.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{PurePosixPath(name).stem}.png")


def monogram(name: str) -> str:
    """Up to two initials for a nominee without an image ("Ark 21Shares" → "A2", "币安" → "币")."""
    words = [word for word in name.split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"
