"""Nominee images: what uploads are refused (with what message), the thumbnail, the import path."""

import copy
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from awards.images import monogram, validate_nominee_image
from awards.models import Nominee
from awards.services import ImportRejected, import_edition
from tests.factories import NomineeFactory

pytestmark = pytest.mark.django_db


def _image_bytes(size: tuple[int, int] = (300, 150), fmt: str = "PNG", colour: str = "navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not an image at all", "The file is not a readable image; upload a PNG, JPEG or WebP file."),
        (_image_bytes(fmt="GIF"), "GIF images are not accepted; upload a PNG, JPEG or WebP file."),
        (_image_bytes((40, 300)), "The image is 40 x 300 pixels; each side must be between 64 and 4096 pixels."),
        (_image_bytes((5000, 100)), "The image is 5000 x 100 pixels; each side must be between 64 and 4096 pixels."),
        (b"\x89PNG" + b"0" * (3 * 1024 * 1024), "The image is 3.0 MB; the limit is 2 MB."),
    ],
)
def test_unacceptable_images_are_refused_with_what_is_wrong(content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_nominee_image(SimpleUploadedFile("logo.png", content))
    assert refused.value.messages == [message]


def test_a_stored_image_gets_one_square_thumbnail_and_keeps_its_original() -> None:
    nominee = NomineeFactory(name="BlackRock")
    nominee.image = SimpleUploadedFile("blackrock.png", _image_bytes((300, 150)))
    nominee.full_clean()
    nominee.save()
    nominee.refresh_from_db()
    assert nominee.image.name == "nominees/blackrock.png"
    assert nominee.thumbnail.name == "nominees/thumbnails/blackrock.png"
    with Image.open(nominee.thumbnail) as thumbnail:
        assert thumbnail.size == (192, 192)
        assert thumbnail.getpixel((96, 96))[:3] == (0, 0, 128)  # the logo, centred
        assert thumbnail.getpixel((96, 5))[3] == 0  # transparent above a wide logo
    thumbnail_name = nominee.thumbnail.name
    nominee.description = "Edited"
    nominee.save()
    assert Nominee.objects.get(pk=nominee.pk).thumbnail.name == thumbnail_name  # made once, not per save


def test_removing_the_image_removes_the_thumbnail_reference() -> None:
    nominee = NomineeFactory(image=ContentFile(_image_bytes(), name="x.png"))
    assert nominee.thumbnail
    nominee.image = None
    nominee.save()
    assert (Nominee.objects.get(pk=nominee.pk).image.name, Nominee.objects.get(pk=nominee.pk).thumbnail.name) == (
        "",
        "",
    )


def test_an_invalid_upload_fails_model_validation_and_stores_nothing() -> None:
    nominee = NomineeFactory()
    nominee.image = SimpleUploadedFile("logo.gif", _image_bytes(fmt="GIF"))
    with pytest.raises(ValidationError) as refused:
        nominee.full_clean()
    assert refused.value.message_dict == {"image": ["GIF images are not accepted; upload a PNG, JPEG or WebP file."]}
    assert Nominee.objects.get(pk=nominee.pk).image.name == ""


@pytest.mark.parametrize(
    ("name", "initials"), [("BlackRock", "B"), ("ARK 21Shares", "A2"), ("the (new) fund", "TF"), ("币安", "币")]
)
def test_monogram_takes_up_to_two_initials(name: str, initials: str) -> None:
    assert monogram(name) == initials


DOCUMENT = {
    "edition": {"name": "Logo Awards", "voting": {"opens": "2030-01-01T00:00:00Z", "closes": "2030-01-31T00:00:00Z"}},
    "categories": [
        {"title": "Best Fund", "nominees": [{"name": "Alpha", "image": "logos/alpha.png"}, {"name": "Beta"}]}
    ],
}


def test_import_reads_images_relative_to_the_edition_file_and_a_second_load_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "logos").mkdir()
    (tmp_path / "logos" / "alpha.png").write_bytes(_image_bytes())
    import_edition(document=DOCUMENT, base_dir=tmp_path)
    alpha = Nominee.objects.get(name="Alpha")
    assert alpha.image.name.startswith("nominees/alpha-") and alpha.thumbnail.name.startswith("nominees/thumbnails/")
    import_edition(document=DOCUMENT, base_dir=tmp_path)
    again = Nominee.objects.get(name="Alpha")
    assert (again.image.name, again.thumbnail.name) == (alpha.image.name, alpha.thumbnail.name)
    assert Nominee.objects.get(name="Beta").image.name == ""


@pytest.mark.parametrize(
    ("path", "content", "where", "problem"),
    [
        ("logos/missing.png", None, ".image", "cannot read “logos/missing.png”: No such file or directory"),
        ("../up.png", None, ".image", "“../up.png” must be a path relative to the edition file, inside its folder"),
        ("logos/a.png", b"GIF89a", "", "image: The file is not a readable image; upload a PNG, JPEG or WebP file."),
    ],
)
def test_import_refuses_a_bad_image_and_stores_nothing(
    tmp_path: Path, path: str, content: bytes | None, where: str, problem: str
) -> None:
    (tmp_path / "logos").mkdir()
    if content is not None:
        (tmp_path / path).write_bytes(content)
    document = copy.deepcopy(DOCUMENT)
    document["categories"][0]["nominees"][0]["image"] = path  # type: ignore[index]
    with pytest.raises(ImportRejected) as rejected:
        import_edition(document=document, base_dir=tmp_path)
    assert [str(p) for p in rejected.value.problems] == [f"categories[0].nominees[0]{where}: {problem}"]
    assert not Nominee.objects.exists()
