"""HTTP under ASGI: Django's handler with the middleware chain and the view run in one sync hop."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.testing import HttpCommunicator

from backend.asgi import SyncChainASGIHandler, application
from reports.taxonomy import taxonomy_sync


def test_the_middleware_chain_is_loaded_synchronously():
    handler = SyncChainASGIHandler()
    assert not asyncio.iscoroutinefunction(handler._middleware_chain)


@pytest.mark.django_db(transaction=True)
def test_a_request_goes_through_the_whole_chain_to_the_view():
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    communicator = HttpCommunicator(application, "GET", "/api/v1/categories/",
                                    headers=[(b"host", b"testserver"), (b"accept-language", b"fr")])
    response = asyncio.run(communicator.get_response())
    assert response["status"] == 200
    categories = {category["code"]: category for category in json.loads(response["body"])}
    assert "property.bicycle_theft" in categories
    # The locale middleware ran in the same chain as the view: the answer is in French.
    headers = {name.lower(): value for name, value in response["headers"]}
    assert headers[b"content-language"] == b"fr"


def test_an_oversized_body_is_refused_by_the_chain_before_the_view():
    body = b"{" + b" " * (70 * 1024) + b"}"
    communicator = HttpCommunicator(application, "POST", "/api/v1/reports/", body=body, headers=[
        (b"host", b"testserver"), (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ])
    response = asyncio.run(communicator.get_response())
    assert response["status"] == 413
    assert json.loads(response["body"])["type"] == "urn:lantern:problem:payload-too-large"
