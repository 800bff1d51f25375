"""Photos in S3-compatible object storage: a real S3 API (moto's server) on loopback, started by the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from moto.server import ThreadedMotoServer

from backend.environment import photo_storage_from_url
from reports.models import Report, ReportPhoto
from reports.photo_storage import PhotoUrlRefused
from tests import factories
from tests.browser import free_port
from workflows.retention import report_retention_apply

BUCKET = "lantern-photos"
KEYS = {"aws_access_key_id": "lantern-test", "aws_secret_access_key": "lantern-test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, settings):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-1", **KEYS)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    settings.STORAGES = {
        **django_settings.STORAGES,
        "photos": photo_storage_from_url(
            f"s3://{BUCKET}/evidence?endpoint_url={s3_endpoint}&region=eu-west-1&addressing_style=path",
            access_key=KEYS["aws_access_key_id"], secret_key=KEYS["aws_secret_access_key"],
        ),
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _post_with_photo(citizen) -> dict:
    photo = SimpleUploadedFile("me.jpg", factories.jpeg_with_gps((30, 90, 200)))
    data = {"report": json.dumps(factories.report_payload()), "photos": [photo]}
    response = citizen.client.post("/api/v1/reports/", data, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_it_keeps_a_photo_in_the_bucket_privately_and_streams_it_to_a_moderator(
    citizen, moderator, bucket, s3_endpoint
):
    report = _post_with_photo(citizen)
    [key] = _keys(bucket)
    assert key.startswith(f"evidence/photos/{report['id']}/")
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    stored = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert b"PhoneMaker" not in stored

    response = moderator.client.get(f"/api/v1/moderation/reports/{report['id']}/photos/0/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.streaming
    assert b"".join(response.streaming_content) == stored
    assert s3_endpoint not in json.dumps(report)


def test_a_stored_photo_never_has_a_url(citizen, bucket):
    _post_with_photo(citizen)
    photo = ReportPhoto.objects.get()
    with pytest.raises(PhotoUrlRefused):
        photo.file.url  # noqa: B018


def test_withdrawing_deletes_the_photo_from_the_bucket(citizen, bucket):
    report = _post_with_photo(citizen)
    assert len(_keys(bucket)) == 1
    assert citizen.client.delete(f"/api/v1/reports/{report['id']}/").status_code in (200, 204)
    assert _keys(bucket) == []
    assert ReportPhoto.objects.count() == 0


def test_retention_deletes_old_photos_from_the_bucket(citizen, bucket):
    _post_with_photo(citizen)
    _post_with_photo(citizen)
    assert len(_keys(bucket)) == 2
    # Closed and old: what retention erases (a report still awaiting a moderator keeps its evidence).
    Report.objects.update(status=Report.Status.PUBLISHED, created_at=timezone.now() - timedelta(days=200))
    assert report_retention_apply(days=180) == 2
    assert _keys(bucket) == []


def test_a_storage_url_carrying_keys_is_refused_so_it_can_be_logged():
    with pytest.raises(ImproperlyConfigured):
        photo_storage_from_url("s3://key:secret@bucket", access_key=None, secret_key=None)
