"""Where photos are kept: a private local volume, or a private bucket of S3-compatible object storage.

Photos are evidence. Neither store ever hands out a URL: the only way to a photo's bytes is the audited
moderator view, which streams them through ``photo_stream``. ``STORAGES["photos"]`` (backend/settings.py)
chooses the store; ``PHOTO_STORAGE_URL`` switches it to object storage.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PhotoUrlRefused(RuntimeError):
    """Something asked a photo store for a URL: a bug, since a URL would bypass the audit."""


def _refuse_url(name: str) -> str:
    raise PhotoUrlRefused(f"photos have no URL; stream {name!r} through the audited moderator view")


class PrivateFileSystemStorage(FileSystemStorage):
    """The local private volume (``PRIVATE_MEDIA_ROOT``), outside every served directory."""

    def url(self, name: str | None) -> str:
        return _refuse_url(name or "")

    def stream(self, name: str) -> IO[bytes]:
        return self.open(name, "rb")


class PrivateS3Storage(S3Storage):
    """A bucket of S3-compatible object storage, written with a private ACL and never presigned."""

    # Class attributes win over django-storages' AWS_* settings: a deployment cannot switch on public or
    # presigned links (backend/environment.py never passes these as options either).
    querystring_auth = False
    default_acl = "private"
    # Names are random already (reports/models.py); never let a second upload replace evidence.
    file_overwrite = False

    def url(self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None) -> str:
        return _refuse_url(name)

    def stream(self, name: str) -> IO[bytes]:
        # S3Storage.open downloads the whole object into a spooled file first; the response body instead
        # reads from the socket as the moderator's client reads, so a large photo never sits in memory.
        key = self._normalize_name(clean_name(name))
        return self.bucket.Object(key).get()["Body"]


class _PhotoStore(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages["photos"]


photo_store = _PhotoStore()


def photo_storage() -> Storage:
    """The photo store, for ``FileField(storage=...)``: chosen when first used, so settings decide."""
    return photo_store


def photo_stream(name: str) -> IO[bytes]:
    """A readable binary stream of the stored photo ``name``."""
    return photo_store.stream(name)


@receiver(setting_changed)
def _photo_store_reset(*, setting: str, **kwargs: Any) -> None:
    # Tests switch STORAGES between the volume and a bucket; Django resets its own handler the same way.
    if setting == "STORAGES":
        photo_store._wrapped = empty
