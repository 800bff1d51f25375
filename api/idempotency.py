"""``Idempotency-Key``: a retried POST answers the first response and stores nothing new.

The first response is stored in the same transaction as the work it describes, under a PostgreSQL
advisory lock on (caller, key), so two concurrent retries cannot both do the work.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request, is_form_media_type
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from api.models import IdempotencyRecord
from api.problems import IdempotencyKeyReused

HEADER = "Idempotency-Key"
_MAX_KEY_LENGTH = 255
# Headers of the first answer that a replay repeats: a client that retried must be able to follow them.
_REPLAYED_HEADERS = ("Location",)


def _fingerprint(request: Request) -> str:
    """What makes a retry "the same request": method, path, the fields, and each file by its bytes' digest.

    A multipart body's files are never JSON-encoded (a photo is bytes, not text): DRF's ``request.data``
    holds the uploads too, so the fields are read from ``request.POST``, which holds only the fields.
    """
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if is_form_media_type(request.content_type):
        fields = request.POST
        plain: Any = {key: fields.getlist(key) for key in sorted(fields.keys())}
    else:
        plain = request.data
    digest.update(json.dumps(plain, sort_keys=True, cls=JSONEncoder).encode())
    for name in sorted(request.FILES.keys()):
        for upload in request.FILES.getlist(name):
            file_digest = hashlib.sha256()
            for chunk in upload.chunks():
                file_digest.update(chunk)
            upload.seek(0)
            digest.update(f"\n{name}:{file_digest.hexdigest()}".encode())
    return digest.hexdigest()


def _principal(request: Request) -> str:
    return f"{type(request.user).__name__.lower()}:{request.user.pk}"


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView's ``post``; requests without the header pass straight through."""

    @functools.wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not key or len(key) > _MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            raise exceptions.ValidationError(
                {HEADER: [_("Use 1 to 255 printable ASCII characters, e.g. a UUID.")]}
            )
        principal = _principal(request)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{principal}|{key}"])
            first = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if first is not None:
                if first.fingerprint != fingerprint:
                    raise IdempotencyKeyReused(
                        _("This Idempotency-Key was already used for a different request.")
                    )
                return Response(
                    first.body, status=first.status_code, headers={**first.headers, "Idempotent-Replayed": "true"}
                )
            response = view_method(self, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                IdempotencyRecord.objects.create(
                    principal=principal, key=key, fingerprint=fingerprint, status_code=response.status_code,
                    body=json.loads(json.dumps(response.data, cls=JSONEncoder)),
                    headers={name: response[name] for name in _REPLAYED_HEADERS if response.has_header(name)},
                )
            return response

    return wrapper
