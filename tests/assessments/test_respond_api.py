"""The respondent API behind autosave: form, answers, submit."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.models import Response
from assessments.respond import services
from assessments.respond.selectors import form_sections
from clients import services as client_services
from clients.models import Invitation, Partner

pytestmark = pytest.mark.django_db

FORM = "/api/v1/respond/form/"
ANSWERS = "/api/v1/respond/answers/"
SUBMIT = "/api/v1/respond/submit/"


def invitation_of(assignment: NewAssignment, side: str) -> Invitation:
    with scope(practice=assignment.assignment.practice):
        return Invitation.objects.select_related("client", "practice", "assignment").get(
            assignment=assignment.assignment, partner=side
        )


def respondent(
    assignment: NewAssignment, side: str = Partner.A, *, consent: bool = True, csrf: bool = False
) -> Client:
    """A browser that opened this partner's link (and consented)."""
    invitation = invitation_of(assignment, side)
    with scope(practice=invitation.practice):
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = client_services.invitation_reissue(invitation=invitation)
        assert url is not None
    web = Client(enforce_csrf_checks=csrf)
    assert web.get(urlsplit(url).path).status_code == 302
    if consent:
        with scope(practice=invitation.practice):
            client_services.invitation_consent(invitation=invitation_of(assignment, side))
    return web


def put(web: Client, body: Any, **headers: Any) -> Any:
    return web.put(ANSWERS, json.dumps(body), content_type="application/json", **headers)


def response_of(assignment: NewAssignment, side: str) -> Response:
    invitation = invitation_of(assignment, side)
    with scope(practice=invitation.practice):
        return services.response_for_invitation(invitation=invitation)


def required_answers(assignment: NewAssignment, value: int = 3) -> dict[str, int]:
    items = assignment.assignment.instrument_version.items
    return {item["id"]: value for item in items if item["required"]}


def first_item(assignment: NewAssignment) -> str:
    return assignment.assignment.instrument_version.items[0]["id"]


# Form -----------------------------------------------------------------------------------------


def test_form_lists_sections_items_choices_and_the_respondents_own_answers(
    assignment: NewAssignment,
) -> None:
    web = respondent(assignment)
    item = first_item(assignment)
    put(web, {"revision": 0, "answers": {item: 2}})

    body = web.get(FORM).json()

    version = assignment.assignment.instrument_version
    assert body["instrument"] == {"title": version.title, "version": version.version}
    assert [s["number"] for s in body["sections"]] == list(range(1, 10))
    first = body["sections"][0]["items"][0]
    assert set(first) == {"id", "text", "kind", "required", "choices", "answered", "value"}
    assert first["choices"][0][0] == 1
    assert len(first["choices"]) == 5
    assert body["answers"] == {item: 2}
    assert body["hidden"] == []
    states = {i["id"]: (i["answered"], i["value"]) for s in body["sections"] for i in s["items"]}
    assert states.pop(item) == (True, 2)
    assert set(states.values()) == {(False, None)}
    assert body["revision"] == 1
    assert body["answered"] == 1
    assert body["total"] == version.item_count
    assert body["submitted"] is False
    assert "no-store" in web.get(FORM)["Cache-Control"]


# Answers --------------------------------------------------------------------------------------


def test_saving_answers_commits_them_and_returns_the_new_revision_and_progress(
    assignment: NewAssignment,
) -> None:
    web = respondent(assignment)
    items = [i["id"] for i in assignment.assignment.instrument_version.items[:3]]
    total = assignment.assignment.instrument_version.item_count

    first = put(web, {"revision": 0, "answers": {items[0]: 1, items[1]: 5}})
    second = put(web, {"revision": 1, "answers": {items[1]: None, items[2]: 4}})

    assert first.status_code == 200
    assert first.json() == {"revision": 1, "answered": 2, "total": total, "percent": 200 // total}
    assert second.json()["revision"] == 2
    assert response_of(assignment, Partner.A).answers == {items[0]: 1, items[2]: 4}


@pytest.mark.parametrize(
    "body",
    [
        {"revision": 0, "answers": {"no-such-item": 3}},
        {"revision": 0, "answers": {"FIRST": 6}},
        {"revision": 0, "answers": {"FIRST": 0}},
        {"revision": 0, "answers": {"FIRST": "3"}},
        {"revision": 0, "answers": {"FIRST": True}},
        {"revision": 0, "answers": {"FIRST": 2.5}},
        {"revision": 0, "answers": {"FIRST": [1]}},
        {"revision": 0, "answers": ["FIRST"]},
        {"revision": 0, "answers": None},
        {"revision": 0},
        {"revision": -1, "answers": {}},
        {"revision": "one", "answers": {}},
        {"answers": {"FIRST": 3}},
        [],
        "nonsense",
    ],
)
def test_bad_answers_get_400_with_field_messages_never_500(
    assignment: NewAssignment, body: Any
) -> None:
    web = respondent(assignment)
    item = first_item(assignment)
    body = json.loads(json.dumps(body).replace("FIRST", item))

    response = put(web, body)

    assert response.status_code == 400
    assert set(response.json()) & {"answers", "revision", "non_field_errors"}
    assert response_of(assignment, Partner.A).revision == 0


def test_malformed_json_is_400(assignment: NewAssignment) -> None:
    web = respondent(assignment)

    response = web.put(ANSWERS, "{not json", content_type="application/json")

    assert response.status_code == 400


def test_a_stale_revision_gets_409_with_the_current_answers_and_overwrites_nothing(
    assignment: NewAssignment,
) -> None:
    web = respondent(assignment)
    item = first_item(assignment)
    assert put(web, {"revision": 0, "answers": {item: 5}}).status_code == 200

    stale = put(web, {"revision": 0, "answers": {item: 1}})

    assert stale.status_code == 409
    assert stale.json()["current"] == {"answers": {item: 5}, "hidden": [], "revision": 1}
    assert "another window" in stale.json()["detail"]
    assert response_of(assignment, Partner.A).answers == {item: 5}


# Submit ---------------------------------------------------------------------------------------


def test_submit_with_missing_required_answers_is_400_with_their_ids(
    assignment: NewAssignment,
) -> None:
    web = respondent(assignment)
    answers = required_answers(assignment)
    left_out = sorted(answers)[:2]
    for item in left_out:
        del answers[item]
    put(web, {"revision": 0, "answers": answers})

    response = web.post(SUBMIT)

    assert response.status_code == 400
    assert sorted(response.json()["missing"]) == left_out
    assert response.json()["detail"]


def test_submit_is_idempotent_and_locks_the_answers(assignment: NewAssignment) -> None:
    web = respondent(assignment)
    put(web, {"revision": 0, "answers": required_answers(assignment)})

    first = web.post(SUBMIT)
    second = web.post(SUBMIT)

    assert first.status_code == second.status_code == 200
    assert first.json()["submitted_at"] == second.json()["submitted_at"]
    with scope(practice=assignment.assignment.practice):
        assert Response.objects.filter(partner=Partner.A).count() == 1
    locked = put(web, {"revision": 1, "answers": {first_item(assignment): 1}})
    assert locked.status_code == 409
    assert locked.json() == {"detail": "already submitted"}
    form = web.get(FORM).json()
    assert form["submitted"] is True
    assert form["answers"] == {}


# Who may call ---------------------------------------------------------------------------------


def test_csrf_is_enforced_on_writes(assignment: NewAssignment) -> None:
    web = respondent(assignment, csrf=True)
    assert web.get(FORM).status_code == 200  # safe methods need no token
    item = first_item(assignment)

    refused = put(web, {"revision": 0, "answers": {item: 3}})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert web.post(SUBMIT).status_code == 403

    web.get("/respond/section/1/")  # the page sets the CSRF cookie its form carries
    token = web.cookies["csrftoken"].value
    accepted = put(web, {"revision": 0, "answers": {item: 3}}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200


def test_without_a_respondent_session_every_endpoint_is_403(
    assignment: NewAssignment, anonymous: Client, as_counsellor: Client
) -> None:
    for web in (anonymous, as_counsellor):
        assert web.get(FORM).status_code == 403
        assert put(web, {"revision": 0, "answers": {}}).status_code == 403
        assert web.post(SUBMIT).status_code == 403
        assert "detail" in web.get(FORM).json()


def test_a_staff_login_on_top_of_a_respondent_session_is_refused(
    assignment: NewAssignment, counsellor: Any
) -> None:
    web = respondent(assignment)
    web.force_login(counsellor)

    assert web.get(FORM).status_code == 403


def test_answers_before_consent_are_refused(assignment: NewAssignment) -> None:
    web = respondent(assignment, consent=False)

    assert put(web, {"revision": 0, "answers": {first_item(assignment): 3}}).status_code == 403
    assert response_of(assignment, Partner.A).answers == {}


def test_a_link_revoked_mid_form_stops_the_api(assignment: NewAssignment) -> None:
    web = respondent(assignment)
    with scope(practice=assignment.assignment.practice):
        client_services.invitation_revoke(invitation=invitation_of(assignment, Partner.A))

    response = put(web, {"revision": 0, "answers": {first_item(assignment): 3}})

    assert response.status_code == 403
    assert response_of(assignment, Partner.A).answers == {}


def test_partner_a_cannot_reach_partner_b_response_by_any_endpoint(
    assignment: NewAssignment,
) -> None:
    web_a = respondent(assignment, Partner.A)
    web_b = respondent(assignment, Partner.B)
    version = assignment.assignment.instrument_version
    b_answers = {item["id"]: 5 for item in version.items}
    assert put(web_b, {"revision": 0, "answers": b_answers}).status_code == 200
    sections = form_sections(version=version, order=response_of(assignment, Partner.A).item_order)
    a_item = sections[0].items[0]["id"]
    assert put(web_a, {"revision": 0, "answers": {a_item: 1}}).status_code == 200
    assert web_b.post(SUBMIT).status_code == 200
    b = response_of(assignment, Partner.B)
    assert b.submitted_at is not None

    form = web_a.get(FORM)
    assert form.json()["answers"] == {a_item: 1}
    assert form.json()["answered"] == 1
    assert form.json()["submitted"] is False
    saved = put(web_a, {"revision": 1, "answers": {a_item: 2}})
    assert saved.json()["answered"] == 1
    stale = put(web_a, {"revision": 0, "answers": {a_item: 4}})
    assert stale.json()["current"]["answers"] == {a_item: 2}
    incomplete = web_a.post(SUBMIT)
    assert incomplete.status_code == 400
    for response in (form, saved, stale, incomplete):
        text = response.content.decode()
        assert str(b.public_id) not in text
        assert str(b.submitted_at.isoformat()) not in text
    assert response_of(assignment, Partner.A).answers == {a_item: 2}
    assert response_of(assignment, Partner.B).answers == b_answers
