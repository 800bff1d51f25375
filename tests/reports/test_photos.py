"""photo_sanitize: nothing but a photo's pixels comes out."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from tests.reports.photo_files import (
    GPS_INFO,
    ORIENTATION,
    XMP,
    assert_no_metadata,
    encoded,
    exif_of_a_phone,
    picture,
    reopened,
    sanitize,
)

# --- what comes out ----------------------------------------------------------------------------------


def test_it_strips_gps_and_camera_from_a_jpeg() -> None:
    original = encoded(picture(), "JPEG", exif=exif_of_a_phone())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_INFO)  # the factory really wrote GPS

    photo = sanitize(original)

    assert_no_metadata(reopened(photo))
    assert b"Exif" not in photo.content
    assert b"AcmePhone" not in photo.content
    assert b"Snitch 9 Pro" not in photo.content


def test_it_strips_xmp_and_icc_profile_from_a_jpeg() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encoded(picture(), "JPEG", xmp=XMP, icc_profile=profile)
    assert "xmp" in Image.open(io.BytesIO(original)).info

    photo = sanitize(original)

    assert_no_metadata(reopened(photo))
    assert b"GPSLatitude" not in photo.content
    assert b"ICC_PROFILE" not in photo.content


def test_it_strips_text_chunks_and_exif_from_a_png() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken outside 12 Rue des Lilas")
    text.add_itxt("Author", "Jeanne Martin")
    text.add_text("Software", "EditorPro", zip=True)
    original = encoded(picture(), "PNG", pnginfo=text, exif=exif_of_a_phone())

    photo = sanitize(original)

    image = reopened(photo)
    assert_no_metadata(image)
    assert image.text == {}
    for secret in (b"Rue des Lilas", b"Jeanne Martin", b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"AcmePhone"):
        assert secret not in photo.content


def test_it_strips_a_colour_profile_that_names_the_device_from_a_png() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    original = encoded(picture(), "PNG", icc_profile=profile.tobytes())
    assert "icc_profile" in Image.open(io.BytesIO(original)).info

    photo = sanitize(original)

    assert_no_metadata(reopened(photo))
    assert b"iCCP" not in photo.content


def test_it_strips_exif_and_xmp_from_a_webp() -> None:
    original = encoded(picture(), "WEBP", exif=exif_of_a_phone(), xmp=XMP)
    assert "exif" in Image.open(io.BytesIO(original)).info

    photo = sanitize(original)

    assert_no_metadata(reopened(photo))
    for secret in (b"EXIF", b"XMP ", b"AcmePhone", b"GPSLatitude"):
        assert secret not in photo.content


def test_it_turns_a_jpeg_upright_from_its_exif_orientation() -> None:
    original = encoded(picture(size=(200, 100)), "JPEG", exif=exif_of_a_phone(orientation=6))

    photo = sanitize(original)

    assert (photo.width, photo.height) == (100, 200)
    assert reopened(photo).size == (100, 200)


def test_it_rotates_a_two_by_one_image_with_orientation_six_into_one_by_two() -> None:
    image = picture(size=(2, 1))
    image.putpixel((0, 0), (255, 0, 0))
    image.putpixel((1, 0), (0, 0, 255))
    ex = Image.Exif()
    ex[ORIENTATION] = 6

    photo = sanitize(encoded(image, "PNG", exif=ex))

    upright = reopened(photo)
    assert upright.size == (1, 2)
    # Orientation 6 means "rotate 90° clockwise to view": the left pixel ends up on top.
    assert upright.getpixel((0, 0)) == (255, 0, 0)
    assert upright.getpixel((0, 1)) == (0, 0, 255)


def test_it_does_not_rotate_twice_when_the_orientation_tag_is_gone() -> None:
    photo = sanitize(encoded(picture(size=(200, 100)), "JPEG", exif=exif_of_a_phone(orientation=6)))

    again = sanitize(photo.content)

    assert (again.width, again.height) == (100, 200)


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_it_keeps_the_format_it_recognised_from_the_bytes(fmt: str, content_type: str, extension: str) -> None:
    photo = sanitize(encoded(picture(), fmt))

    assert (photo.content_type, photo.extension) == (content_type, extension)
    assert reopened(photo).format == fmt


def test_it_takes_the_type_from_the_bytes_whatever_the_client_called_the_file() -> None:
    # The client said "evidence.jpg" and "image/jpeg"; neither reaches photo_sanitize, only the bytes do.
    client_claims = {"name": "evidence.jpg", "content_type": "image/jpeg"}
    png_bytes = encoded(picture(), "PNG")

    photo = sanitize(png_bytes)

    assert photo.content_type == "image/png" != client_claims["content_type"]
    assert photo.extension == "png"


def test_it_reports_size_and_a_digest_of_what_it_returns() -> None:
    photo = sanitize(encoded(picture(size=(64, 48)), "JPEG"))

    assert (photo.width, photo.height) == (64, 48)
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()


def test_it_gives_the_same_bytes_for_the_same_photo() -> None:
    original = encoded(picture(), "JPEG", exif=exif_of_a_phone())

    assert sanitize(original).sha256 == sanitize(original).sha256


def test_it_returns_a_frozen_result() -> None:
    photo = sanitize(encoded(picture(), "PNG"))

    with pytest.raises(AttributeError):
        photo.width = 1  # type: ignore[misc]


def test_it_keeps_only_the_first_frame_of_an_animated_webp() -> None:
    frames = [picture(color=color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    original = encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert Image.open(io.BytesIO(original)).n_frames == 3

    image = reopened(sanitize(original))

    assert getattr(image, "n_frames", 1) == 1
    assert image.getpixel((0, 0))[:3] == (255, 0, 0)


def test_it_keeps_only_the_first_frame_of_an_animated_png() -> None:
    frames = [picture(color=color) for color in ((255, 0, 0), (0, 255, 0))]
    original = encoded(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(original)).n_frames == 2

    photo = sanitize(original)

    image = reopened(photo)
    assert getattr(image, "n_frames", 1) == 1
    assert image.getpixel((0, 0)) == (255, 0, 0)
    assert b"acTL" not in photo.content


def test_it_accepts_a_phone_multi_picture_jpeg_and_keeps_the_main_picture() -> None:
    main, depth_map = picture(color=(250, 0, 0)), picture(color=(0, 0, 250))
    original = encoded(main, "MPO", save_all=True, append_images=[depth_map])

    photo = sanitize(original)

    image = reopened(photo)
    assert photo.content_type == "image/jpeg"
    assert image.format == "JPEG"
    red, _, blue = image.getpixel((0, 0))
    assert red > 200 > blue


def test_it_keeps_the_alpha_channel_of_a_png() -> None:
    photo = sanitize(encoded(picture("RGBA", color=(10, 20, 30, 128)), "PNG"))

    image = reopened(photo)
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0)) == (10, 20, 30, 128)


def test_it_keeps_the_alpha_channel_of_a_webp() -> None:
    photo = sanitize(encoded(picture("RGBA", color=(10, 20, 30, 128)), "WEBP", lossless=True))

    assert reopened(photo).mode == "RGBA"


def test_it_keeps_a_lossless_webp_screenshot_pixel_exact() -> None:
    screenshot = Image.effect_noise((64, 64), 80).convert("RGB")

    photo = sanitize(encoded(screenshot, "WEBP", lossless=True))

    assert reopened(photo).tobytes() == screenshot.tobytes()


def test_it_turns_a_cmyk_jpeg_into_rgb() -> None:
    photo = sanitize(encoded(picture("CMYK", color=(0, 255, 255, 0)), "JPEG"))

    assert reopened(photo).mode == "RGB"


def test_it_keeps_a_greyscale_jpeg_grey() -> None:
    photo = sanitize(encoded(picture("L", color=128), "JPEG"))

    assert reopened(photo).mode == "L"


def test_it_turns_a_palette_png_with_transparency_into_rgba() -> None:
    palette = picture("RGBA", color=(0, 0, 0, 0))
    palette.paste((255, 0, 0, 255), (0, 0, 20, 30))
    original = encoded(palette.convert("P"), "PNG", transparency=0)
    assert Image.open(io.BytesIO(original)).mode == "P"

    image = reopened(sanitize(original))

    assert image.mode == "RGBA"


def test_it_scales_a_sixteen_bit_png_down_instead_of_clipping_it_to_white() -> None:
    original = encoded(Image.new("I;16", (8, 8), 32768), "PNG")

    image = reopened(sanitize(original))

    assert image.mode == "L"
    assert 120 <= image.getpixel((0, 0)) <= 136


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_it_accepts_a_photo_whose_exif_is_broken() -> None:
    original = encoded(picture(), "JPEG", exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xffgarbage")

    photo = sanitize(original)

    assert_no_metadata(reopened(photo))


def test_it_accepts_a_photo_exactly_at_the_limits() -> None:
    original = encoded(picture(size=(100, 50)), "PNG")

    photo = sanitize(original, max_bytes=len(original), max_pixels=100 * 50)

    assert (photo.width, photo.height) == (100, 50)
