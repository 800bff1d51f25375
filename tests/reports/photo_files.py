"""Photos as phones make them (with GPS, camera, orientation and profiles), and the checks on what comes out."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from reports.photos import SanitizedPhoto, photo_sanitize

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000

MAKE, MODEL, ORIENTATION, GPS_INFO = 0x010F, 0x0110, 0x0112, 0x8825
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.4N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


# --- factories ---------------------------------------------------------------------------------------


def exif_of_a_phone(*, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "AcmePhone"
    exif[MODEL] = "Snitch 9 Pro"
    exif[GPS_INFO] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    if orientation is not None:
        exif[ORIENTATION] = orientation
    return exif


def picture(mode: str = "RGB", size: tuple[int, int] = (40, 30), color: object = (200, 30, 30)) -> Image.Image:
    return Image.new(mode, size, color)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def sanitize(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> SanitizedPhoto:
    return photo_sanitize(data, max_bytes=max_bytes, max_pixels=max_pixels)


def reopened(photo: SanitizedPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(photo.content))
    image.load()
    return image


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header announces ``width`` x ``height`` pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")


def assert_no_metadata(image: Image.Image) -> None:
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(GPS_INFO) == {}
    leaked = {
        "exif",
        "xmp",
        "XML:com.adobe.xmp",
        "icc_profile",
        "comment",
        "Comment",
        "Raw profile type exif",
    }
    assert leaked.isdisjoint(image.info)
