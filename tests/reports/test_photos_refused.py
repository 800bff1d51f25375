"""photo_sanitize: only real JPEG, PNG and WebP within the limits get in."""

from __future__ import annotations

import struct

import pytest
from PIL import Image

from reports.errors import PhotoRejected
from tests.reports.photo_files import (
    encoded,
    picture,
    png_claiming,
    sanitize,
)

# --- what stays out ----------------------------------------------------------------------------------


def rejection(data: bytes, **limits: int) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        sanitize(data, **limits)
    return caught.value


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="zero-bytes"),
        pytest.param(encoded(picture(), "GIF"), id="gif"),
        pytest.param(encoded(picture(), "BMP"), id="bmp"),
        pytest.param(encoded(picture(), "TIFF"), id="tiff"),
        pytest.param(b"just some text, certainly not a photo", id="text"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', id="svg"),
        pytest.param(b"%PDF-1.7\n", id="pdf"),
        pytest.param(b"\xff\xd8", id="two-bytes-of-jpeg-magic"),
    ],
)
def test_it_rejects_what_is_not_a_jpeg_png_or_webp(data: bytes) -> None:
    error = rejection(data)

    assert error.field == "photos"
    assert str(error.detail)


def test_it_rejects_a_gif_even_when_it_is_named_like_a_jpeg() -> None:
    gif_named_evidence_jpg = encoded(picture(), "GIF")

    error = rejection(gif_named_evidence_jpg)

    assert "JPEG" in str(error.detail)


def test_it_rejects_a_truncated_jpeg() -> None:
    whole = encoded(Image.effect_noise((256, 256), 60).convert("RGB"), "JPEG")

    error = rejection(whole[: len(whole) // 2])

    assert error.field == "photos"


def test_it_rejects_a_truncated_png() -> None:
    whole = encoded(Image.effect_noise((256, 256), 60).convert("RGB"), "PNG")

    rejection(whole[: len(whole) // 2])


def test_it_rejects_a_png_whose_pixel_data_is_corrupt() -> None:
    damaged = bytearray(encoded(picture(), "PNG"))
    damaged[damaged.find(b"IDAT") + 10] ^= 0xFF

    rejection(bytes(damaged))


def test_it_rejects_jpeg_magic_in_front_of_something_else() -> None:
    rejection(b"\xff\xd8\xff" + encoded(picture(), "PNG"))


def test_it_rejects_webp_magic_in_front_of_garbage() -> None:
    rejection(b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 40)


def test_it_rejects_a_photo_over_the_byte_limit_before_looking_at_it() -> None:
    original = encoded(picture(), "JPEG")

    error = rejection(original, max_bytes=len(original) - 1)

    assert error.field == "photos"


def test_it_rejects_a_photo_over_the_pixel_limit() -> None:
    error = rejection(encoded(picture(size=(101, 100)), "PNG"), max_pixels=100 * 100)

    assert error.field == "photos"
    assert "megapixels" in str(error.detail)


def test_it_rejects_a_png_header_claiming_more_pixels_than_allowed_without_decoding_it() -> None:
    bomb = png_claiming(8_000, 8_000)  # 64 megapixels from about a hundred bytes
    assert len(bomb) < 200

    error = rejection(bomb)

    assert "megapixels" in str(error.detail)


def test_it_rejects_a_png_header_beyond_pillows_own_bomb_limit() -> None:
    bomb = png_claiming(60_000, 60_000)

    error = rejection(bomb, max_pixels=10**10)

    assert "megapixels" in str(error.detail)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_it_never_lets_a_caller_raise_the_pixel_limit_above_pillows_guard() -> None:
    # Over Pillow's warning threshold but under its hard error: only our own check stands in the way.
    side = int(Image.MAX_IMAGE_PIXELS**0.5) + 1

    error = rejection(png_claiming(side, side), max_pixels=10**12)

    assert "megapixels" in str(error.detail)


def test_it_rejects_a_jpeg_header_claiming_huge_dimensions() -> None:
    original = bytearray(encoded(picture(size=(16, 16)), "JPEG"))
    sof = original.find(b"\xff\xc0")
    original[sof + 5 : sof + 9] = struct.pack(">HH", 65_000, 65_000)

    error = rejection(bytes(original))

    assert "megapixels" in str(error.detail)
