"""No body a client can send makes report intake answer 5xx or store anything it refused."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.models import Report
from tests import factories

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = ["kind", "category", "description", "location", "accuracy_m", "occurred_at", "consent", "perception",
          "factors"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=json_values)
def test_any_value_in_any_field_answers_below_500(citizen, field, value):
    payload = factories.report_payload(**{field: value})
    before = Report.objects.count()
    response = citizen.client.post("/api/v1/reports/", payload, format="json")
    assert response.status_code < 500, response.content
    if response.status_code != 201:
        assert response["Content-Type"] == "application/problem+json"
        assert Report.objects.count() == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_body_answers_below_500(citizen, body):
    response = citizen.client.post("/api/v1/reports/", data=body, content_type="application/json")
    assert response.status_code < 500, response.content
    assert response.status_code != 201
