from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from reports.models import Report, ReportPhoto
from tests import factories


def _post(citizen, payload, files, **extra):
    data = {"report": json.dumps(payload), "photos": files}
    return citizen.client.post("/api/v1/reports/", data, format="multipart", **extra)


def test_it_stores_photos_privately_without_their_metadata(citizen, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("holiday.png", factories.jpeg_with_gps(), content_type="image/png")
    response = _post(citizen, factories.report_payload(), [upload])
    assert response.status_code == 201, response.content
    assert response.json()["photo_count"] == 1
    photo = ReportPhoto.objects.get()
    assert photo.content_type == "image/jpeg"
    stored = Path(photo.file.path)
    assert stored.is_relative_to(tmp_path)
    with Image.open(stored) as reopened:
        assert not reopened.getexif()
    assert b"PhoneMaker" not in stored.read_bytes()
    assert "holiday" not in photo.file.name


def test_photos_have_no_public_url(citizen, anonymous, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    _post(citizen, factories.report_payload(), [SimpleUploadedFile("a.jpg", factories.jpeg_with_gps())])
    photo = ReportPhoto.objects.get()
    for prefix in ("/media/", "/static/", "/"):
        assert anonymous.get(prefix + photo.file.name).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_as_unsupported_media(citizen, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("photo.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    response = _post(citizen, factories.report_payload(), [upload])
    assert response.status_code == 415
    assert response.json()["type"] == "urn:lantern:problem:unsupported-photo"
    assert Report.objects.count() == 0
    assert not any(tmp_path.rglob("*.*"))


def test_too_many_photos_are_refused(citizen, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    settings.PHOTO_MAX_COUNT = 1
    files = [SimpleUploadedFile(f"{i}.jpg", factories.jpeg_with_gps()) for i in range(2)]
    response = _post(citizen, factories.report_payload(), files)
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_a_photo_over_the_size_cap_is_refused(citizen, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    settings.PHOTO_MAX_BYTES = 2048
    noisy = Image.effect_noise((200, 200), 100).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    response = _post(citizen, factories.report_payload(), [SimpleUploadedFile("big.png", buffer.getvalue())])
    assert response.status_code == 415
    assert Report.objects.count() == 0


def test_a_multipart_body_without_the_report_part_is_refused(citizen):
    response = citizen.client.post("/api/v1/reports/", {"photos": []}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "report"


def test_a_report_part_that_is_not_json_is_malformed(citizen):
    response = citizen.client.post("/api/v1/reports/", {"report": "{nope"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["type"] == "urn:lantern:problem:malformed-request"


def test_withdrawing_deletes_the_photos(citizen, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("a.jpg", factories.jpeg_with_gps())
    report_id = _post(citizen, factories.report_payload(), [photo]).json()["id"]
    path = Path(ReportPhoto.objects.get().file.path)
    assert path.exists()
    citizen.client.delete(f"/api/v1/reports/{report_id}/")
    assert not path.exists()
    assert ReportPhoto.objects.count() == 0
