"""The fake FCM itself: benchmarks/push_client.py measures firebase-admin's async client over HTTP/2 with it."""

from __future__ import annotations

import asyncio

import httpx

from tests.alerts.fake_fcm import FakeFcm


def test_the_fake_fcm_answers_http2_to_a_client_that_knows_beforehand() -> None:
    server = FakeFcm().start()

    async def exchange() -> list[httpx.Response]:
        transport = httpx.AsyncHTTPTransport(http1=False, http2=True)
        async with httpx.AsyncClient(transport=transport) as client:
            token = (await client.post(f"{server.url}/token", data={"assertion": "a.b.c"})).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            url = server.send_url_template.format("lantern-test")
            return list(await asyncio.gather(
                client.post(url, headers=headers, json={"message": {"token": "tok-h2"}}),
                client.post(url, headers=headers, json={"message": {"token": "unregistered-h2"}}),
            ))

    try:
        sent, gone = asyncio.run(exchange())
    finally:
        server.stop()
    assert sent.http_version == "HTTP/2" and sent.status_code == 200
    assert gone.status_code == 404 and "UNREGISTERED" in gone.text
    assert server.tokens_sent() == ["tok-h2"]
