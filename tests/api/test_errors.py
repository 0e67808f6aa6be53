"""One error shape for every refusal, and no input that makes the API answer 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import exceptions
from rest_framework.test import APIClient

from assessments.models import Comparison, SessionAgenda
from assessments.respond.api import RespondFormAPI
from clients.models import Couple
from practice.api.errors import exception_handler
from practice.models import Practice
from tests.api.conftest import error_of, tenant

pytestmark = pytest.mark.django_db


class SomeView:
    pass


def handle(exc: Exception, view: Any = None) -> Any:
    return exception_handler(exc, {"view": view or SomeView(), "request": None})


def test_service_validation_error_becomes_400_with_its_fields() -> None:
    response = handle(ValidationError({"due_date": "Not in the past.", "__all__": "Overall."}))

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "status": 400,
            "code": "invalid",
            "detail": "Overall.",
            "fields": {"due_date": ["Not in the past."]},
        }
    }


def test_service_validation_error_without_fields_is_the_detail() -> None:
    response = handle(ValidationError("Reactivate this couple first."))

    assert response.status_code == 400
    assert response.data["error"]["detail"] == "Reactivate this couple first."
    assert response.data["error"]["fields"] == {}


def test_nested_field_errors_are_named_with_dots() -> None:
    error = exceptions.ValidationError(
        {"partner_a": {"display_name": ["Required."]}, "counsellors": {"1": ["Not a UUID."]}}
    )

    fields = handle(error).data["error"]["fields"]

    assert fields == {"partner_a.display_name": ["Required."], "counsellors.1": ["Not a UUID."]}


def test_http404_becomes_a_plain_not_found() -> None:
    response = handle(Http404("No Couple matches the given query."))

    assert response.status_code == 404
    assert response.data["error"]["detail"] == "Not found."


def test_an_unexpected_error_answers_500_in_the_same_shape_without_a_trace() -> None:
    response = handle(RuntimeError("secret internals at /srv/app.py line 3"))

    assert response.status_code == 500
    assert response.data["error"]["code"] == "server_error"
    assert "secret" not in json.dumps(response.data)


def test_the_respondent_api_keeps_its_documented_bodies() -> None:
    response = handle(exceptions.PermissionDenied("No session."), view=RespondFormAPI())

    assert response.data == {"detail": "No session."}


def test_malformed_json_gets_400(api_counsellor: APIClient, practice: Practice) -> None:
    response = api_counsellor.generic(
        "POST", tenant(practice, "couples/"), "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_unsupported_media_type_gets_415(api_counsellor: APIClient, practice: Practice) -> None:
    response = api_counsellor.post(
        tenant(practice, "couples/"), "a=b", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_unsupported_method_gets_405(api_counsellor: APIClient, practice: Practice) -> None:
    response = api_counsellor.delete(tenant(practice, "couples/"))

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=15), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    ["partner_a", "partner_b", "display_name", "email", "counsellors", "couple", "instrument",
     "due_date", "topics", "assignment", "comparison", "notes", "item_notes", "item",
     "direction", "is_admin", "is_counsellor", "full_name", "password", "name", "otp"]
)  # fmt: skip
BODIES = JSON | st.dictionaries(FIELDS, JSON, max_size=6)


@pytest.fixture
def write_routes(
    practice: Practice, couple: Couple, comparison: Comparison, agenda: SessionAgenda
) -> list[tuple[str, str]]:
    return [
        ("post", "/api/v1/auth/token/"),
        ("post", tenant(practice, "couples/")),
        ("patch", tenant(practice, f"couples/{couple.public_id}/")),
        ("post", tenant(practice, "assignments/")),
        ("post", tenant(practice, "agendas/")),
        ("patch", tenant(practice, f"agendas/{agenda.public_id}/")),
        ("post", tenant(practice, f"agendas/{agenda.public_id}/move/")),
        ("post", tenant(practice, "members/")),
    ]


def test_no_json_body_makes_a_write_endpoint_answer_500(
    api_counsellor: APIClient, api_admin: APIClient, write_routes: list[tuple[str, str]]
) -> None:
    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(route=st.sampled_from(write_routes), body=BODIES, as_admin=st.booleans())
    def never_500(route: tuple[str, str], body: Any, as_admin: bool) -> None:
        client = api_admin if as_admin else api_counsellor
        method, url = route
        response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (route, body, response.content)
        if response.status_code >= 400:
            error_of(response)

    never_500()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 5000},
        {"q": "%00"},
        {"ordering": "-created_at,partner_a"},
        {"page": "9" * 5000},
        {"page_size": "9" * 5000},
        {"page_size": "1e3"},
        {"counsellor": "{}"},
        {"status": ["active", "archived"]},
    ],
)
def test_odd_query_parameters_never_make_a_list_answer_500(
    api_admin: APIClient, practice: Practice, couple: Couple, params: dict[str, Any]
) -> None:
    for resource in ("couples", "assignments", "invitations", "comparisons", "agendas", "clients"):
        response = api_admin.get(tenant(practice, f"{resource}/"), params)
        assert response.status_code < 500
        if response.status_code >= 400:
            error_of(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("get", "/api/v1/practices/riverside/couples/0/", id="malformed couple id"),
        pytest.param("delete", "/api/v1/practices/riverside/agendas/not-a-uuid/", id="delete"),
        pytest.param("patch", "/api/v1/practices/river side/couples/", id="malformed slug"),
        pytest.param("post", "/api/v1/no-such-thing/", id="unknown path"),
        pytest.param("get", "/api/v1/practices", id="no trailing slash"),
    ],
)
def test_a_path_that_matches_no_api_route_answers_the_json_error(
    api_counsellor: APIClient, practice: Practice, method: str, path: str
) -> None:
    response = getattr(api_counsellor, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "detail": "Not found.", "fields": {}}
    }


def test_the_schema_gives_id_and_slug_path_parameters_their_patterns(
    api_anonymous: APIClient,
) -> None:
    schema = api_anonymous.get("/api/v1/schema/?format=json").json()
    path_parameters = [
        parameter
        for operations in schema["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    ]

    assert path_parameters
    for parameter in path_parameters:
        assert "pattern" in parameter["schema"], parameter["name"]
    patterns = {p["name"]: p["schema"]["pattern"] for p in path_parameters}
    assert patterns["practice_slug"] == "^[-a-zA-Z0-9_]+$"
    assert patterns["public_id"].startswith("^[0-9a-f]{8}-")
