"""Photo sanitising: the only door through which a citizen's photo enters Lantern.

A photo is evidence, but its metadata betrays the reporter: GPS position, phone model, serial numbers,
editing software, timestamps. So every accepted photo is decoded and re-encoded from its pixels alone.
Decoding untrusted images is itself a risk, so the type is taken from the magic bytes, only three
decoders are ever allowed to run, and the size is checked from the header before any pixel is decoded.

Pure: no database, no storage. The caller stores ``SanitizedPhoto.content`` and its facts.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from reports.errors import PhotoRejected

JPEG_QUALITY = 90
WEBP_QUALITY = 90

# Pillow format name -> (content type, file extension). Nothing else is ever decoded.
_ACCEPTED: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}

# What Pillow may call what the bytes announced. Phones write portrait and depth photos as MPO: a
# JPEG with extra pictures appended, whose first picture is the photo itself.
_DECODED_AS: dict[str, frozenset[str]] = {
    "JPEG": frozenset({"JPEG", "MPO"}),
    "PNG": frozenset({"PNG"}),
    "WEBP": frozenset({"WEBP"}),
}

_FIELD = "photos"

# What Pillow raises on data it cannot parse varies by plugin and version; all of these mean "not a
# usable image" here, never a bug of ours.
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError)


@dataclass(frozen=True, slots=True)
class SanitizedPhoto:
    """A re-encoded photo with no metadata, and the facts the caller needs to store it."""

    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def photo_sanitize(data: bytes, *, max_bytes: int, max_pixels: int) -> SanitizedPhoto:
    """Return ``data`` re-encoded without metadata, or raise ``PhotoRejected`` (field ``photos``).

    Accepts JPEG, PNG and WebP recognised by their magic bytes. Applies the EXIF orientation, keeps only
    the first frame of an animation, and converts embedded colour profiles to sRGB before dropping them.
    """
    if not data:
        raise PhotoRejected(_("The photo is empty."), field=_FIELD)
    if len(data) > max_bytes:
        # Interpolated now: services raise inside the request, where the caller's language is active.
        raise PhotoRejected(
            gettext("The photo is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes)},
            field=_FIELD,
        )
    sniffed = _sniff(data)
    if sniffed is None:
        raise PhotoRejected(_("Only JPEG, PNG and WebP photos are accepted."), field=_FIELD)

    try:
        image = _open(data, sniffed, max_pixels=max_pixels)
        clean = _pixels_only(image, sniffed)
        content = _encode(clean, sniffed, lossless=sniffed == "WEBP" and _webp_is_lossless(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own bomb guard (a global limit) fired before ours could: same answer for the client.
        raise _too_many_pixels(_pixel_limit(max_pixels)) from exc
    except _DECODE_ERRORS as exc:
        raise PhotoRejected(_("The photo is damaged or incomplete."), field=_FIELD) from exc

    content_type, extension = _ACCEPTED[sniffed]
    return SanitizedPhoto(
        content=content,
        content_type=content_type,
        extension=extension,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _sniff(data: bytes) -> str | None:
    """The Pillow format the magic bytes announce. Filenames and client content types lie; bytes don't."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _open(data: bytes, sniffed: str, *, max_pixels: int) -> Image.Image:
    # ``formats`` limits Pillow to the one decoder the bytes announced: a file crafted to look like a
    # JPEG to us and like something else to Pillow never reaches another, less-travelled plugin.
    image = Image.open(io.BytesIO(data), formats=[sniffed])
    if image.format not in _DECODED_AS[sniffed]:
        raise PhotoRejected(_("The photo's content does not match its type."), field=_FIELD)
    # Image.open has read only the header. Check the announced size before decoding a single pixel:
    # a few kilobytes of PNG can inflate into gigabytes. Pillow's global limit applies too, so a
    # caller asking for more than Pillow allows cannot switch the bomb guard off by accident.
    limit = _pixel_limit(max_pixels)
    width, height = image.size
    if width <= 0 or height <= 0:
        raise PhotoRejected(_("The photo is damaged or incomplete."), field=_FIELD)
    if width * height > limit:
        raise _too_many_pixels(limit)
    # Animated images: the first frame is the photo. Opening leaves us on it; load() decodes only it.
    image.load()
    return image


def _pixels_only(image: Image.Image, sniffed: str) -> Image.Image:
    """A new image holding the oriented pixels in an encodable mode, and no metadata at all."""
    icc_profile = image.info.get("icc_profile")
    try:
        oriented = ImageOps.exif_transpose(image)
    except Exception:
        # Broken EXIF is thrown away anyway; it must not cost the citizen their photo. Pixels were
        # decoded in _open already, so nothing caught here can hide a damaged image.
        oriented = image.copy()
    # exif_transpose always returns a new image, so ``converted`` is never the decoder's own object.
    converted = _to_srgb(oriented, icc_profile, sniffed)
    # Every step above returned a fresh image whose ``info`` is a copy of the original's (EXIF, XMP,
    # ICC, PNG text chunks). Emptying it is what keeps the encoders from writing any of it back.
    converted.info = {}
    return converted


def _target_mode(image: Image.Image, sniffed: str) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if image.mode.startswith("I"):
        # 16-bit greyscale PNG: 8 bits are plenty for a photo of evidence, and every viewer shows them.
        return "L"
    if sniffed == "JPEG":
        # JPEG carries no alpha; grey stays grey, CMYK/YCbCr become RGB so every viewer agrees on colour.
        return "L" if image.mode in ("L", "1") else "RGB"
    if sniffed == "PNG" and image.mode in ("L", "LA", "1") and not has_alpha:
        return "L"
    if sniffed == "PNG" and image.mode in ("LA", "La"):
        return "LA"
    return "RGBA" if has_alpha else "RGB"


def _to_srgb(image: Image.Image, icc_profile: bytes | None, sniffed: str) -> Image.Image:
    mode = _target_mode(image, sniffed)
    # An ICC profile can name the device or editing software in its description text, so it is never
    # kept. Converting to sRGB first keeps wide-gamut (e.g. Display P3) photos from looking washed out.
    if icc_profile and mode in ("RGB", "RGBA") and image.mode in (mode, "CMYK"):
        converted = _profile_to_srgb(image, icc_profile, mode)
        if converted is not None:
            return converted
    if image.mode == mode:
        return image
    if image.mode == "P" and mode == "RGB":
        # Palette images may carry transparency only in ``info``; go through RGBA so it is honoured.
        return image.convert("RGBA").convert("RGB")
    if image.mode.startswith("I"):
        # Scale 16 bits down rather than clip them, or most of the photo turns white.
        return image.convert("I").point(lambda value: value / 256).convert(mode)
    return image.convert(mode)


def _profile_to_srgb(image: Image.Image, icc_profile: bytes, mode: str) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or unusual profile: the plain conversion is better than refusing the photo.
        return None


def _encode(image: Image.Image, sniffed: str, *, lossless: bool) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile=, xmp=, pnginfo= or dpi: the encoders write only what they are handed.
    if sniffed == "JPEG":
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    elif sniffed == "PNG":
        image.save(out, format="PNG")
    else:
        # Lossless WebP is usually a screenshot (a threatening message): keep every pixel readable.
        image.save(out, format="WEBP", quality=WEBP_QUALITY, lossless=lossless)
    return out.getvalue()


def _webp_is_lossless(data: bytes) -> bool:
    """Whether the first image bitstream of a WebP file is VP8L (lossless) rather than VP8 (lossy)."""
    offset = 12
    while offset + 8 <= len(data):
        fourcc = data[offset : offset + 4]
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
        if fourcc == b"ANMF":
            # An animation frame: 16 bytes of frame header, then the frame's own chunks.
            return _webp_is_lossless(b"\0" * 12 + data[offset + 24 : offset + 8 + size])
        offset += 8 + size + (size & 1)
    return False


def _pixel_limit(max_pixels: int) -> int:
    return min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)


def _too_many_pixels(limit: int) -> PhotoRejected:
    megapixels = f"{limit / 1_000_000:g}"
    return PhotoRejected(gettext("The photo has more than %(limit)s megapixels.") % {"limit": megapixels}, field=_FIELD)
