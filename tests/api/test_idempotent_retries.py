"""Retries with an ``Idempotency-Key``: the app sends the same request again after a lost answer and gets
the first answer back, whatever the body's kind (JSON, or multipart with photos), and nothing is stored twice."""

from __future__ import annotations

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from moderation.models import Appeal
from reports.models import Report, ReportPhoto
from tests import factories


def _jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _post_multipart(citizen, payload, photo: bytes, key: str):
    data = {"report": json.dumps(payload), "photos": [SimpleUploadedFile("photo.jpg", photo, "image/jpeg")]}
    return citizen.client.post("/api/v1/reports/", data, format="multipart", HTTP_IDEMPOTENCY_KEY=key)


def test_it_answers_a_retried_multipart_report_with_photos_like_the_first_time(citizen, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    payload, photo = factories.report_payload(), _jpeg()
    first = _post_multipart(citizen, payload, photo, "photo-retry")
    again = _post_multipart(citizen, payload, photo, "photo-retry")
    assert first.status_code == 201, first.content
    assert again.status_code == 201, again.content
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1
    assert ReportPhoto.objects.count() == 1


def test_it_refuses_the_same_key_with_another_photo(citizen, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    payload = factories.report_payload()
    assert _post_multipart(citizen, payload, _jpeg(), "photo-swap").status_code == 201
    response = _post_multipart(citizen, payload, _jpeg((20, 200, 30)), "photo-swap")
    assert response.status_code == 422
    assert response.json()["type"] == "urn:lantern:problem:idempotency-key-reused"
    assert Report.objects.count() == 1


def test_it_refuses_the_same_key_with_another_report_part_beside_the_same_photo(citizen, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    photo = _jpeg()
    assert _post_multipart(citizen, factories.report_payload(), photo, "part-swap").status_code == 201
    other = factories.report_payload(description="Another story altogether.")
    assert _post_multipart(citizen, other, photo, "part-swap").status_code == 422
    assert Report.objects.count() == 1


def test_it_repeats_the_location_of_the_created_report_on_a_replay(citizen):
    payload = factories.report_payload()
    first = citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_IDEMPOTENCY_KEY="where")
    again = citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_IDEMPOTENCY_KEY="where")
    assert first.status_code == again.status_code == 201
    assert first["Location"] == f"/api/v1/reports/{first.json()['id']}/"
    assert again["Location"] == first["Location"]


def test_it_answers_a_retried_appeal_like_the_first_time_and_records_one_appeal(citizen):
    rejected = factories.report_held(device=citizen.device, verdict="reject")
    url, body = f"/api/v1/reports/{rejected.id}/appeal/", {"note": "It is the shop's name, not a person."}
    first = citizen.client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="appeal-1")
    again = citizen.client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="appeal-1")
    assert first.status_code == 200, first.content
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Appeal.objects.filter(case__report=rejected).count() == 1


def test_it_still_refuses_a_second_appeal_under_a_new_key(citizen):
    rejected = factories.report_held(device=citizen.device, verdict="reject")
    url = f"/api/v1/reports/{rejected.id}/appeal/"
    assert citizen.client.post(url, {"note": "first"}, format="json", HTTP_IDEMPOTENCY_KEY="a").status_code == 200
    assert citizen.client.post(url, {"note": "second"}, format="json", HTTP_IDEMPOTENCY_KEY="b").status_code == 409
