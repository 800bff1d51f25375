"""Open311 GeoReport v2, tested with a client written from the specification, over real HTTP against the
real server (uvicorn running backend.asgi on the test database), as a city's system would talk to Lantern."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from api.models import ApiKey
from api.open311.renderers import georeport_xml
from referrals.models import Referral
from reports.models import Category, Report
from reports.public_form import public_location_draw
from reports.taxonomy import taxonomy_sync
from tests import factories
from tests.browser import asgi_server
from tests.referrals import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

GEOREPORT_V2 = "http://wiki.open311.org/GeoReport_v2"


class GeoReportClient:
    """A GeoReport v2 client, from the specification only: discovery, services, service definitions,
    POST requests (form-encoded, with api_key), GET requests, GET a request, GET a token. Errors are an
    array of ``{code, description}``."""

    def __init__(self, discovery_url: str) -> None:
        self.discovery_url = discovery_url
        self.base = ""

    def discover(self) -> dict[str, Any]:
        status, document = self._call("GET", self.discovery_url)
        assert status == 200
        endpoint = next(
            e for e in document["endpoints"]
            if e["specification"] == GEOREPORT_V2 and "application/json" in e["formats"]
        )
        self.base = endpoint["url"]
        return document

    def services(self) -> tuple[int, Any]:
        return self._call("GET", self.base + "services.json")

    def definition(self, service_code: str) -> tuple[int, Any]:
        return self._call("GET", self.base + f"services/{urllib.parse.quote(service_code)}.json")

    def submit(self, *, api_key: str | None, service_code: str, lat: float | None = None,
               long: float | None = None, attributes: dict[str, str] | None = None, **fields: str) -> tuple[int, Any]:
        form: dict[str, Any] = {"service_code": service_code, **fields}
        if api_key is not None:
            form["api_key"] = api_key
        if lat is not None and long is not None:
            form["lat"], form["long"] = lat, long
        for code, value in (attributes or {}).items():
            form[f"attribute[{code}]"] = value
        return self._call("POST", self.base + "requests.json", form=form)

    def requests(self, **params: str) -> tuple[int, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._call("GET", self.base + "requests.json" + query)

    def request(self, service_request_id: str) -> tuple[int, Any]:
        return self._call("GET", self.base + f"requests/{service_request_id}.json")

    def token(self, token: str) -> tuple[int, Any]:
        return self._call("GET", self.base + f"tokens/{urllib.parse.quote(token)}.json")

    def get(self, path: str) -> tuple[int, Any]:
        return self._call("GET", self.base + path)

    def _call(self, method: str, url: str, form: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture
def town(service_area) -> dict[str, Any]:
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    jurisdictions = f.town_jurisdictions()
    police = f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    streets = f.partner_create(name="Street services", kind="municipal_service", channel="webhook",
                               jurisdictions=(jurisdictions["Test town"],))
    return {"jurisdictions": jurisdictions, "police": police, "streets": streets}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[str]:
    # The same signing key as this process, so that tokens the server signs can be read here.
    with django_db_blocker.unblock(), asgi_server(connection.settings_dict, SECRET_KEY=settings.SECRET_KEY) as url:
        yield url


@pytest.fixture
def client(server, town) -> GeoReportClient:
    geo = GeoReportClient(server + "/open311/v2/discovery.json")
    geo.discover()
    return geo


def _api_key(name: str = "City of Ghent", *jurisdictions: str) -> str:
    out = StringIO()
    args = [name, *(arg for j in jurisdictions for arg in ("--jurisdiction", j))]
    call_command("create_api_key", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def _publish(report_id: str, text: str) -> None:
    # What a moderator's approval does to the report (workflows.decide.report_decide): its public form.
    report = Report.objects.get(pk=report_id)
    Report.objects.filter(pk=report_id).update(
        status=Report.Status.PUBLISHED, public_description=text,
        public_location=report.public_location or public_location_draw(report.location),
    )


def _report_of(token: str) -> Report:
    from api.open311.tokens import report_id_of

    return Report.objects.get(pk=report_id_of(token))


def test_discovery_announces_the_georeport_v2_json_endpoint(server, town):
    geo = GeoReportClient(server + "/open311/v2/discovery.json")
    document = geo.discover()
    assert geo.base == server + "/open311/v2/"
    assert document["endpoints"][0]["type"] == "production"


def test_services_are_the_categories_and_definitions_name_their_attributes(client):
    status, services = client.services()
    assert status == 200
    codes = {service["service_code"]: service for service in services}
    assert "property.bicycle_theft" in codes and "insecurity.poor_lighting" in codes
    assert codes["property.bicycle_theft"]["service_name"] == "Bicycle theft"
    assert codes["property.bicycle_theft"]["metadata"] is True and codes["property.bicycle_theft"]["type"] == "realtime"
    status, definition = client.definition("insecurity.poor_lighting")
    assert status == 200
    attributes = {attribute["code"]: attribute for attribute in definition["attributes"]}
    assert attributes["perception"]["required"] is True
    assert [v["key"] for v in attributes["perception"]["values"]] == ["1", "2", "3", "4", "5"]
    assert attributes["share_with_police"]["datatype"] == "singlevaluelist"
    status, errors = client.definition("crime.unknown")
    assert status == 404 and errors[0]["code"] == 404 and errors[0]["description"]


def test_a_request_goes_through_moderation_and_a_token_leads_to_its_public_id(client):
    key = _api_key()
    lng, lat = factories.INSIDE
    status, answer = client.submit(api_key=key, service_code="property.vandalism", lat=lat, long=lng,
                                   description="The bus shelter glass was smashed again.",
                                   first_name="Jan", email="jan@example.org")
    assert status == 201
    # Requests from systems, with no device history, wait for a moderator: a token, not an id, for now.
    [created] = answer
    assert "token" in created and "service_request_id" not in created and created["service_notice"]
    report = _report_of(created["token"])
    assert report.source == Report.Source.OPEN311 and report.device is None
    assert report.status == Report.Status.PENDING_REVIEW and report.case.hits.exists()
    assert "Jan" not in str(Report.objects.filter(pk=report.pk).values().get())
    assert client.token(created["token"]) == (200, [{"service_request_id": None, "token": created["token"]}])
    assert client.request(str(report.id))[0] == 404

    _publish(report.id, "The bus shelter glass was smashed again.")
    status, [found] = client.token(created["token"])
    assert found["service_request_id"] == str(report.id)
    status, [shown] = client.request(found["service_request_id"])
    assert status == 200
    assert shown["service_code"] == "property.vandalism" and shown["status"] == "open"
    # The category's label only: free text on Open311 is the operator's choice (OPEN311_PUBLIC_TEXT), off here.
    assert shown["description"] == shown["service_name"] == "Vandalism"
    assert shown["address"] == "East" and shown["media_url"] is None


def test_what_get_shows_is_fuzzed_and_never_the_exact_point(client):
    key = _api_key()
    exact = (3.72731, 51.05612)
    _, [created] = client.submit(api_key=key, service_code="property.vandalism", lat=exact[1], long=exact[0],
                                 description="Graffiti on the wall.")
    report = _report_of(created["token"])
    _publish(report.id, "Graffiti on the wall.")
    _, [shown] = client.request(str(report.id))
    public = Report.objects.get(pk=report.id).public_location
    assert (shown["long"], shown["lat"]) == (round(public.x, 6), round(public.y, 6))
    assert (shown["long"], shown["lat"]) != exact
    assert client.request(str(report.id))[1] == [shown], "drawn once: asking again answers the same place"
    assert abs(shown["long"] - exact[0]) < 0.05 and abs(shown["lat"] - exact[1]) < 0.05
    requested = shown["requested_datetime"]
    assert requested.endswith(("+00:00", "Z")) and ":00:00" in requested


def test_share_with_police_routes_the_request_like_an_app_report(client, town):
    lng, lat = factories.INSIDE
    _, [created] = client.submit(api_key=_api_key(), service_code="property.bicycle_theft", lat=lat, long=lng,
                                 attributes={"share_with_police": "true"}, description="Bike stolen.")
    referral = Referral.objects.get(report=_report_of(created["token"]))
    assert referral.partner == town["police"]
    _, [created] = client.submit(api_key=_api_key("Other city"), service_code="property.bicycle_theft", lat=lat,
                                 long=lng, description="Bike stolen.")
    assert not Referral.objects.filter(report=_report_of(created["token"])).exists()


@pytest.mark.parametrize(
    ("key", "form", "status", "says"),
    [
        ("wrong", {"service_code": "property.vandalism", "lat": 51.0543, "long": 3.725}, 403, "api_key"),
        (None, {"service_code": "property.vandalism", "lat": 51.0543, "long": 3.725}, 403, "api_key"),
        ("valid", {"service_code": "crime.unknown", "lat": 51.0543, "long": 3.725}, 400, "service_code"),
        ("valid", {"service_code": "property.vandalism", "address_string": "Korenmarkt 1"}, 400, "lat"),
        ("valid", {"service_code": "property.vandalism", "lat": 95, "long": 3.725}, 400, "lat"),
        ("valid", {"service_code": "insecurity.poor_lighting", "lat": 51.0543, "long": 3.725}, 400, "perception"),
        ("valid", {"service_code": "property.vandalism", "lat": 50.8503, "long": 4.3517, "description": "Graffiti."},
         400, "outside"),
        ("valid", {"service_code": "property.vandalism", "lat": 51.0543, "long": 3.725, "description": "x" * 2001},
         400, "description"),
        ("valid", {"service_code": "property.vandalism", "lat": 51.0543, "long": 3.725}, 400, "description"),
        ("valid", {"service_code": "property.vandalism", "lat": 51.0543, "long": 3.725, "description": "\u200b\u202e"},
         400, "description"),
    ],
)
def test_refusals_are_the_standards_error_array(client, key, form, status, says):
    api_key = {"valid": _api_key(), "wrong": "lta_wrong", None: None}[key]
    answer_status, errors = client.submit(api_key=api_key, **form)
    assert answer_status == status
    assert isinstance(errors, list) and errors
    assert all(set(error) == {"code", "description"} and error["code"] == status for error in errors)
    assert says in " ".join(error["description"] for error in errors)
    assert Report.objects.count() == 0


def test_unknown_resources_and_other_formats_answer_404_in_the_standards_shape(client):
    for path in ("requests.csv", "services.yaml", f"requests/{uuid.uuid4()}.json", "requests/nope.json",
                 "tokens/forged-token.json", "nothing-here"):
        status, errors = client.get(path)
        assert status == 404, path
        assert errors[0]["code"] == 404


def test_a_key_limited_to_a_jurisdiction_places_requests_only_inside_it(client, town):
    key = _api_key("West district office", "West police area")
    status, errors = client.submit(api_key=key, service_code="property.vandalism", lat=f.EAST_POINT[1],
                                   long=f.EAST_POINT[0], description="Graffiti on the wall.")
    assert status == 403 and "jurisdiction" in errors[0]["description"]
    status, _ = client.submit(api_key=key, service_code="property.vandalism", lat=f.WEST_POINT[1],
                              long=f.WEST_POINT[0], description="Graffiti on the wall.")
    assert status == 201


def test_a_revoked_key_is_refused(client):
    key = _api_key()
    ApiKey.objects.update(revoked_at=timezone.now())
    status, _ = client.submit(api_key=key, service_code="property.vandalism", lat=51.0543, long=3.725,
                              description="Graffiti on the wall.")
    assert status == 403


def test_get_lists_only_what_the_public_may_see_and_filters_as_the_standard_says(client, town, citizen):
    lng, lat = factories.INSIDE
    key = _api_key()

    def submitted(code: str, text: str, publish: bool = True, **attributes: str) -> Report:
        _, [created] = client.submit(api_key=key, service_code=code, lat=lat, long=lng, description=text,
                                     attributes=attributes)
        report = _report_of(created["token"])
        if publish:
            _publish(report.id, text)
        return report

    vandalism = submitted("property.vandalism", "Glass smashed.")
    lighting = submitted("insecurity.poor_lighting", "Lamps out.", perception="4")
    submitted("property.vandalism", "Still waiting for a moderator.", publish=False)
    submitted("property.vandalism", "Not for the public.", public_alert="false")
    sensitive = f.report_make(device=citizen.device, category="violence.sexual", public=True, description="")
    _publish(sensitive.id, "")
    # The municipal service closed the lighting request.
    lighting_referral = Referral.objects.create(
        report=lighting, partner=town["streets"], partner_kind="municipal_service", routed_by="jurisdiction",
        next_attempt_at=timezone.now(), give_up_at=timezone.now(), state="delivered", status="closed",
        status_updated_at=timezone.now(),
    )
    assert lighting_referral.pk

    status, listed = client.requests()
    assert status == 200
    assert {item["service_request_id"] for item in listed} == {str(vandalism.id), str(lighting.id)}
    _, listed = client.requests(service_code="insecurity.poor_lighting")
    assert [item["service_request_id"] for item in listed] == [str(lighting.id)]
    _, listed = client.requests(status="closed")
    assert [(item["service_request_id"], item["status"]) for item in listed] == [(str(lighting.id), "closed")]
    _, listed = client.requests(status="open")
    assert [item["service_request_id"] for item in listed] == [str(vandalism.id)]
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    _, listed = client.requests(start_date=later)
    assert listed == []
    earlier = (timezone.now() - timedelta(hours=1)).isoformat()
    _, listed = client.requests(start_date=earlier, end_date=later, status="open,closed")
    assert len(listed) == 2
    # Ids override every other filter, and unknown or private ids simply find nothing.
    ids = ",".join([str(vandalism.id), str(sensitive.id), "nope"])
    _, listed = client.requests(service_request_id=ids, service_code="insecurity.poor_lighting")
    assert [item["service_request_id"] for item in listed] == [str(vandalism.id)]
    assert client.requests(start_date="yesterday")[0] == 400
    assert client.requests(status="pending")[0] == 400
    assert client.requests(start_date=later, end_date=earlier)[0] == 400


# --- XML: GeoReport v2's baseline format ------------------------------------------------------------

# Elements whose children are the entries of a list (every other element with children is a record).
_XML_LISTS = {"services", "service_requests", "errors", "endpoints", "formats", "attributes", "values"}


def _xml(url: str, form: dict[str, Any] | None = None) -> tuple[int, str, ElementTree.Element]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, content_type, body = response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        status, content_type, body = error.code, error.headers["Content-Type"], error.read()
    assert body.startswith(b"<?xml"), body[:80]
    return status, content_type, ElementTree.fromstring(body)  # noqa: S314 (our own server's answer)


def _from_xml(element: ElementTree.Element) -> Any:
    if element.tag in _XML_LISTS:
        return [_from_xml(child) for child in element]
    if len(element) == 0:
        return element.text
    return {child.tag: _from_xml(child) for child in element}


def _as_text(value: Any) -> Any:
    """A JSON document as XML carries it: every scalar as text, booleans as true/false, null and "" as an
    empty element."""
    if isinstance(value, dict):
        return {key: _as_text(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_as_text(inner) for inner in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None or value == "" else str(value)


def _same_in_both(client: GeoReportClient, path: str, root: str, item: str | None = None) -> Any:
    status, content_type, document = _xml(client.base + path + ".xml")
    assert status == 200, ElementTree.tostring(document)
    assert content_type == "text/xml; charset=utf-8"
    assert document.tag == root
    if item is not None:
        assert {child.tag for child in document} <= {item}
    json_status, answer = client.get(path + ".json")
    assert json_status == 200
    assert _from_xml(document) == _as_text(answer)
    return document


def test_it_serves_discovery_services_and_definitions_in_xml_with_the_json_content(client):
    discovery = _same_in_both(client, "discovery", "discovery")
    endpoint = discovery.find("endpoints/endpoint")
    assert endpoint is not None
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    services = _same_in_both(client, "services", "services", "service")
    assert "property.bicycle_theft" in [s.findtext("service_code") for s in services]
    definition = _same_in_both(client, "services/insecurity.poor_lighting", "service_definition")
    perception = next(a for a in definition.iter("attribute") if a.findtext("code") == "perception")
    assert perception.findtext("required") == "true"
    assert [v.findtext("key") for v in perception.iter("value")] == ["1", "2", "3", "4", "5"]


def test_it_serves_requests_one_request_and_tokens_in_xml_with_the_json_content(client):
    lng, lat = factories.INSIDE
    _, [created] = client.submit(api_key=_api_key(), service_code="property.vandalism", lat=lat, long=lng,
                                 description="Bins set on fire <again> & again.")
    report = _report_of(created["token"])
    _publish(report.id, "Bins set on fire <again> & again.")
    listed = _same_in_both(client, "requests", "service_requests", "request")
    assert [r.findtext("service_request_id") for r in listed] == [str(report.id)]
    one = _same_in_both(client, f"requests/{report.id}", "service_requests", "request")
    shown = one.find("request")
    assert shown is not None
    assert shown.findtext("description")  # what the public may read; the same as the JSON's (above)
    assert shown.find("media_url") is not None and shown.findtext("media_url") == ""
    public = Report.objects.get(pk=report.id).public_location
    assert (float(shown.findtext("long")), float(shown.findtext("lat"))) == (round(public.x, 6), round(public.y, 6))
    token = _same_in_both(client, f"tokens/{urllib.parse.quote(created['token'])}", "service_requests", "request")
    assert token.findtext("request/service_request_id") == str(report.id)


def test_it_takes_a_request_posted_to_requests_xml_and_answers_in_xml(client):
    lng, lat = factories.INSIDE
    status, content_type, answer = _xml(client.base + "requests.xml", form={
        "api_key": _api_key(), "service_code": "property.vandalism", "lat": lat, "long": lng,
        "description": "A broken window at the station.",
    })
    assert status == 201 and content_type.startswith("text/xml")
    assert answer.tag == "service_requests"
    [request] = answer.findall("request")
    assert [child.tag for child in request] == ["token", "service_notice", "account_id"]
    assert _report_of(request.findtext("token")).source == Report.Source.OPEN311


@pytest.mark.parametrize(
    ("path", "form", "status"),
    [
        ("requests.xml", {"service_code": "property.vandalism", "lat": 51.0543, "long": 3.725}, 403),
        ("requests.xml", {"api_key": "valid", "service_code": "crime.unknown", "lat": 51.0543, "long": 3.725}, 400),
        (f"requests/{uuid.uuid4()}.xml", None, 404),
        ("services/crime.unknown.xml", None, 404),
        ("tokens/forged.xml", None, 404),
        ("nothing-here.xml", None, 404),
        ("requests.xml?start_date=yesterday", None, 400),
    ],
)
def test_it_answers_refusals_in_xml_as_the_standards_errors(client, path, form, status):
    if form and form.get("api_key") == "valid":
        form = {**form, "api_key": _api_key()}
    answer_status, content_type, errors = _xml(client.base + path, form=form)
    assert answer_status == status and content_type.startswith("text/xml")
    assert errors.tag == "errors" and len(errors) >= 1
    for error in errors:
        assert error.tag == "error"
        assert [child.tag for child in error] == ["code", "description"]
        assert error.findtext("code") == str(status) and error.findtext("description")


def test_it_accepts_the_api_key_in_the_query_string(client):
    lng, lat = factories.INSIDE
    status, _, answer = _xml(
        client.base + "requests.xml?" + urllib.parse.urlencode({"api_key": _api_key()}),
        form={"service_code": "property.vandalism", "lat": lat, "long": lng, "description": "Tags on the wall."},
    )
    assert status == 201, ElementTree.tostring(answer)
    assert answer.findtext("request/token")
    query = urllib.parse.urlencode({"api_key": _api_key("Another city")})
    status, created = client._call("POST", client.base + "requests.json?" + query,
                                   form={"service_code": "property.vandalism", "lat": lat, "long": lng,
                                         "description": "Tags on the wall again."})
    assert status == 201, created
    assert created[0]["token"]


def test_discovery_announces_the_last_change_of_the_services_not_the_time_of_asking(client):
    Category.objects.update(updated_at=timezone.now() - timedelta(days=3, microseconds=1))
    last_change = Category.objects.values_list("updated_at", flat=True).first()
    _, first = client.get("discovery.json")
    assert first["changeset"] == last_change.replace(microsecond=0).isoformat()
    assert first["endpoints"][0]["changeset"] == first["changeset"]
    _, again = client.get("discovery.json")
    assert again["changeset"] == first["changeset"]
    category = Category.objects.get(code="property.vandalism")
    category.descriptions = {**category.descriptions, "en": "Damage to public or private property."}
    category.save()
    _, after = client.get("discovery.json")
    assert after["changeset"] > first["changeset"]
    assert after["changeset"] == Category.objects.get(pk=category.pk).updated_at.replace(microsecond=0).isoformat()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", after["changeset"])


def test_it_keeps_the_xml_well_formed_whatever_a_field_holds():
    document = georeport_xml([{"description": "bell\x07 & <b>", "lat": 51.05, "status_notes": None,
                               "metadata": True}], root="service_requests", item="request")
    request = ElementTree.fromstring(document).find("request")  # noqa: S314 (made just above)
    assert request is not None
    assert [request.findtext(n) for n in ("description", "lat", "status_notes", "metadata")] == [
        "bell & <b>", "51.05", "", "true"]
