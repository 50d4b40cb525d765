"""The OpenAPI document is valid and exact (issue #9 item 13)."""

from __future__ import annotations

import json

from django.test import Client
from openapi_spec_validator import OpenAPIV30SpecValidator


def _schema() -> dict:
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_openapi_spec_validator_finds_no_error():
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in OpenAPIV30SpecValidator(_schema()).iter_errors()]
    assert errors == []


def test_every_operation_documents_its_error_answers_with_json_bodies():
    schema = _schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            expected = {"401", "403", "429"}
            if method == "post":
                expected |= {"400", "404", "409"}
            if "{" in path:
                expected.add("404")
            assert expected <= codes, (method, path, sorted(codes))
            for code in expected:
                assert "application/json" in operation["responses"][code]["content"], (method, path, code)


def test_request_bodies_refuse_unknown_fields():
    schema = _schema()
    requests = {name: body for name, body in schema["components"]["schemas"].items() if name.endswith("Request")}
    assert requests and all(body.get("additionalProperties") is False for body in requests.values()), [
        name for name, body in requests.items() if body.get("additionalProperties") is not False
    ]


def test_date_times_and_ids_carry_their_format_and_bounds():
    properties = _schema()["components"]["schemas"]["BookInRequest"]["properties"]
    assert properties["start"]["format"] == "date-time"
    assert properties["lead"]["maximum"] == 2**31 - 1
