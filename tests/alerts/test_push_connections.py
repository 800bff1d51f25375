"""The pooled FCM client: what it puts on the wire, how it keeps connections, and how it fails.

Against the fake FCM on 127.0.0.1 (a real HTTP server), through the real firebase-admin encoder and
google-auth credentials.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from datetime import timedelta

from alerts.push import PushMessage, push_transport, push_transport_reset
from alerts.push_connections import FcmConnections
from kernel.delivery import DELIVERED, RECIPIENT_GONE, TEMPORARY
from tests.alerts.fake_fcm import FakeFcm, tls_contexts


def _messages(count: int, prefix: str = "tok") -> list[PushMessage]:
    return [
        PushMessage(token=f"{prefix}-{index}", title="Robbery · East", body="Please do not go to the scene.",
                    data={"kind": "alert", "alert_id": "a1", "cell": "89194db1363ffff"}, collapse_key="alert-a1",
                    ttl=timedelta(hours=3))
        for index in range(count)
    ]


def _outcomes(results: list) -> list[str]:
    return [result.outcome for result in results]


def test_it_sends_the_same_json_and_headers_as_firebase_admins_own_client(fcm, settings):
    message = PushMessage(token="tok-same", title="Vol · Est", body="Ne vous rendez pas sur place.",
                          data={"kind": "report", "report_id": "r1"}, collapse_key="report-r1", silent=True)
    assert _outcomes(push_transport().send([message])) == [DELIVERED]
    pooled_message, pooled_headers = fcm.messages[-1], fcm.headers
    settings.FCM_CLIENT = "send_each"
    push_transport_reset()
    assert _outcomes(push_transport().send([message])) == [DELIVERED]
    assert fcm.messages[-1] == pooled_message
    for name in ("content-type", "x-goog-api-format-version", "x-firebase-client"):
        assert pooled_headers[name] == fcm.headers[name]
    assert pooled_headers["authorization"].startswith("Bearer ya29.fake-")


def test_messages_differing_only_by_language_keep_their_own_texts(fcm):
    english, french = _messages(1, "tok-en")[0], _messages(1, "tok-fr")[0]
    french = PushMessage(**{**french.__dict__, "title": "Vol avec violence · Est"})
    assert _outcomes(push_transport().send([english, french])) == [DELIVERED, DELIVERED]
    titles = {m["message"]["token"]: m["message"]["notification"]["title"] for m in fcm.messages}
    assert titles == {"tok-en-0": "Robbery · East", "tok-fr-0": "Vol avec violence · Est"}


def test_it_keeps_its_connections_alive_across_batches(fcm, settings):
    settings.FCM_CONNECTIONS = 4
    assert _outcomes(push_transport().send(_messages(1200))) == [DELIVERED] * 1200
    assert sorted(fcm.tokens_sent()) == sorted(f"tok-{index}" for index in range(1200))
    assert fcm.send_connections <= 4


def test_a_connection_fcm_closed_while_idle_is_replaced_and_the_push_still_goes_out(fcm, settings):
    settings.FCM_CONNECTIONS = 1
    transport = push_transport()
    assert _outcomes(transport.send(_messages(1, "warm"))) == [DELIVERED]
    fcm.hang_up_next(1)
    assert _outcomes(transport.send(_messages(1, "after"))) == [DELIVERED]
    assert fcm.tokens_sent() == ["warm-0", "after-0"]
    assert fcm.send_connections == 2


def test_a_connection_cut_before_its_first_answer_leaves_the_push_for_a_later_round(fcm):
    fcm.hang_up_next(1)
    assert _outcomes(push_transport().send(_messages(1))) == [TEMPORARY]
    assert fcm.tokens_sent() == []


def test_unavailable_once_is_sent_again_within_the_round(fcm):
    fcm.fail_next(1, status=503)
    assert _outcomes(push_transport().send(_messages(1))) == [DELIVERED]
    assert fcm.send_requests == 2 and fcm.tokens_sent() == ["tok-0"]


def test_unavailable_twice_is_left_for_the_next_round(fcm):
    fcm.fail_next(2, status=503)
    results = push_transport().send(_messages(1))
    assert _outcomes(results) == [TEMPORARY] and results[0].detail == "UNAVAILABLE"


def test_dead_tokens_are_told_apart_from_the_living(fcm):
    messages = [*_messages(1, "unregistered"), *_messages(1, "invalid"), *_messages(1, "fine")]
    results = push_transport().send(messages)
    assert [(r.outcome, r.detail) for r in results] == [
        (RECIPIENT_GONE, "UNREGISTERED"), (RECIPIENT_GONE, "INVALID_ARGUMENT"), (DELIVERED, "")]


def test_a_revoked_access_token_is_replaced_before_the_next_batch(fcm):
    transport = push_transport()
    assert _outcomes(transport.send(_messages(1, "first"))) == [DELIVERED]
    fcm.revoke_tokens()
    results = transport.send(_messages(1, "refused"))
    assert _outcomes(results) == [TEMPORARY] and results[0].detail == "UNAUTHENTICATED"
    assert _outcomes(transport.send(_messages(1, "again"))) == [DELIVERED]
    assert fcm.token_requests == 2 and fcm.tokens_sent() == ["first-0", "again-0"]


def test_a_slow_answer_times_out_and_its_connection_is_not_reused(fcm):
    pool = FcmConnections(url=fcm.send_url_template.format("lantern-test"), size=1, timeout=0.3)
    fcm.delay = 0.6
    answer = pool.post_all([b"{}"], [])[0]
    assert answer.status == 0 and answer.error.startswith("TimeoutError")
    fcm.delay = 0
    assert pool.post_all([b"{}"], [])[0].status == 401  # no bearer token: FCM answered, on a new connection
    assert fcm.send_connections == 2
    pool.close()


def test_nobody_listening_is_an_answer_to_retry_not_an_exception():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pool = FcmConnections(url=f"http://127.0.0.1:{port}/v1/projects/p/messages:send", size=2, timeout=1)
    answers = pool.post_all([b"{}", b"{}"], [])
    assert [answer.status for answer in answers] == [0, 0]
    assert "ConnectionRefusedError" in answers[0].error
    pool.close()


def test_it_speaks_tls_and_refuses_a_certificate_it_does_not_trust(tmp_path):
    server_tls, client_tls = tls_contexts(tmp_path)
    server = FakeFcm(tls=server_tls).start()
    try:
        url = server.send_url_template.format("lantern-test")
        assert url.startswith("https://")
        trusting = FcmConnections(url=url, size=1, timeout=2, tls=client_tls)
        assert trusting.post_all([b"{}"], [(b"authorization", b"Bearer unknown")])[0].status == 401
        untrusting = FcmConnections(url=url, size=1, timeout=2, tls=ssl.create_default_context())
        answer = untrusting.post_all([b"{}"], [])[0]
        assert answer.status == 0 and "CERTIFICATE_VERIFY_FAILED" in answer.error
        trusting.close()
        untrusting.close()
    finally:
        server.stop()


def test_threads_sending_at_once_share_the_pool(fcm, settings):
    settings.FCM_CONNECTIONS = 3
    transport = push_transport()
    outcomes: list[list[str]] = []

    def sender(name: str) -> None:
        outcomes.append(_outcomes(transport.send(_messages(50, name))))

    threads = [threading.Thread(target=sender, args=(f"thread{index}",)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == [[DELIVERED] * 50] * 4
    assert len(fcm.tokens_sent()) == 200 and fcm.send_connections <= 3


def test_firebase_admins_own_client_tells_dead_tokens_and_outages_apart_the_same_way(fcm, settings):
    settings.FCM_CLIENT = "send_each"
    push_transport_reset()
    messages = [*_messages(1, "unregistered"), *_messages(1, "invalid"), *_messages(1, "fine")]
    assert [(r.outcome, r.detail) for r in push_transport().send(messages)] == [
        (RECIPIENT_GONE, "UNREGISTERED"), (RECIPIENT_GONE, "INVALID_ARGUMENT"), (DELIVERED, "")]
    fcm.fail_next(10, status=503)  # more than firebase-admin's own retries
    results = push_transport().send(_messages(1, "later"))
    assert [(r.outcome, r.detail) for r in results] == [(TEMPORARY, "UNAVAILABLE")]


def test_a_proxy_in_the_environment_is_pointed_out_once_when_the_pool_would_bypass_it(fcm, monkeypatch, caplog):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "")
    with caplog.at_level(logging.WARNING, logger="alerts.push"):
        push_transport_reset()
        push_transport()
        push_transport()
    warnings = [r.getMessage() for r in caplog.records if "FCM_CLIENT=send_each" in r.getMessage()]
    assert len(warnings) == 1 and "127.0.0.1" in warnings[0]
