"""Saved answers to safety items are never shown back to the respondent: not on the section
pages, the review or in the respondent API, and nothing in the HTML or JSON gives them away. They
can still be answered again, with or without JavaScript."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.models import Response
from assessments.respond import services
from clients import services as client_services
from clients.models import Couple, Invitation, Partner
from practice.models import Membership
from tests.support.comparing import assign

pytestmark = pytest.mark.django_db

# The Signs of Imbalance check: its third page is "Guilt, threats and fear", where every item
# but the "who gets their way" share item and the guilt item is a safety item.
SECTION_3 = "/respond/section/3/"
SAFETY = ["soi-cf-04a", "soi-cf-04b", "soi-cf-04c", "soi-cf-04d", "soi-cf-05", "soi-cf-06"]
SHARED = "soi-cf-01"
FORM = "/api/v1/respond/form/"
ANSWERS = "/api/v1/respond/answers/"
HIDDEN = "Answered — hidden for your privacy"


@pytest.fixture
def screener(library: None, couple: Couple, counsellor_membership: Membership) -> NewAssignment:
    return assign(couple, "signs-of-imbalance", counsellor_membership)


def invitation_of(assignment: NewAssignment, side: str) -> Invitation:
    with scope(practice=assignment.assignment.practice):
        return Invitation.objects.select_related("client", "practice").get(
            assignment=assignment.assignment, partner=side
        )


def consented(assignment: NewAssignment, side: str = Partner.A) -> Client:
    invitation = invitation_of(assignment, side)
    with scope(practice=invitation.practice):
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = client_services.invitation_reissue(invitation=invitation)
    assert url is not None
    web = Client()
    assert web.get(urlsplit(url).path).status_code == 302
    assert web.post("/respond/").status_code == 302
    return web


def response_of(assignment: NewAssignment, side: str = Partner.A) -> Response:
    with scope(practice=assignment.assignment.practice):
        return services.response_for_invitation(invitation=invitation_of(assignment, side))


def save(assignment: NewAssignment, answers: dict[str, int], side: str = Partner.A) -> Response:
    response = response_of(assignment, side)
    with scope(practice=response.practice):
        return services.response_save_answers(
            response=response, revision=response.revision, answers=answers
        )


def checked(body: str) -> dict[str, int]:
    found = re.findall(r'<input type="radio" name="([^"]+)" value="(\d)" checked>', body)
    return {name: int(value) for name, value in found}


def fieldset(body: str, item: str) -> str:
    found = re.search(rf'<fieldset class="question" id="q-{item}".*?</fieldset>', body, re.S)
    assert found is not None, item
    return found.group(0)


def without_csrf(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def put(web: Client, body: Any) -> Any:
    return web.put(ANSWERS, json.dumps(body), content_type="application/json")


# Pages ----------------------------------------------------------------------------------------


def test_a_saved_safety_answer_shows_as_answered_and_hidden_with_no_radio_checked(
    screener: NewAssignment,
) -> None:
    web = consented(screener)
    save(screener, {SAFETY[0]: 4, SAFETY[3]: 5, SHARED: 2})

    body = web.get(SECTION_3).content.decode()

    assert checked(body) == {SHARED: 2}
    assert body.count(HIDDEN) == 2
    for item in (SAFETY[0], SAFETY[3]):
        question = fieldset(body, item)
        assert HIDDEN in question
        assert "<summary>Answer again</summary>" in question
        assert "checked" not in question
    for item in (SAFETY[1], SAFETY[2], SAFETY[4]):  # unanswered: asked as usual
        question = fieldset(body, item)
        assert HIDDEN not in question
        assert "Answer again" not in question
        assert question.count('type="radio"') == 5


def test_nothing_on_the_section_or_review_page_depends_on_the_saved_safety_answers(
    screener: NewAssignment,
) -> None:
    low, high = consented(screener, Partner.A), consented(screener, Partner.B)
    save(screener, {**dict.fromkeys(SAFETY, 1), SHARED: 3}, Partner.A)
    save(screener, {**dict.fromkeys(SAFETY, 5), SHARED: 3}, Partner.B)

    for url in (SECTION_3, "/respond/review/"):
        a, b = low.get(url), high.get(url)
        assert a.status_code == b.status_code == 200
        assert without_csrf(a.content.decode()) == without_csrf(b.content.decode()), url
    assert low.get(FORM).json() == high.get(FORM).json()


def test_answering_again_without_javascript_saves_the_new_answer(
    screener: NewAssignment,
) -> None:
    web = consented(screener)
    saved = save(screener, {SAFETY[0]: 4, SAFETY[1]: 3})

    response = web.post(SECTION_3, {"revision": str(saved.revision), SAFETY[0]: "1", "go": "next"})

    assert response.status_code == 302
    # The one answered again changes; the one left hidden keeps its saved answer.
    assert response_of(screener).answers == {SAFETY[0]: 1, SAFETY[1]: 3}
    assert checked(web.get(SECTION_3).content.decode()) == {}


def test_a_stale_page_answers_the_same_whatever_the_saved_safety_answer_is(
    screener: NewAssignment,
) -> None:
    web = consented(screener)
    save(screener, {SAFETY[0]: 4})  # revision 1: the page below still says 0

    outcomes = {
        value: web.post(SECTION_3, {"revision": "0", SAFETY[0]: str(value), "go": "next"})
        for value in range(1, 6)
    }

    assert {response.status_code for response in outcomes.values()} == {409}
    pages = {without_csrf(response.content.decode()) for response in outcomes.values()}
    assert len(pages) == 1
    page = pages.pop()
    assert "Your answers were changed in another window" in page
    assert HIDDEN in fieldset(page, SAFETY[0])
    assert checked(page) == {}
    assert response_of(screener).answers == {SAFETY[0]: 4}


# API ------------------------------------------------------------------------------------------


def test_the_form_api_says_a_safety_item_is_answered_but_never_its_value(
    screener: NewAssignment,
) -> None:
    web = consented(screener)
    save(screener, {SAFETY[0]: 4, SHARED: 2})

    body = web.get(FORM).json()

    items = {item["id"]: item for s in body["sections"] for item in s["items"]}
    assert (items[SAFETY[0]]["answered"], items[SAFETY[0]]["value"]) == (True, None)
    assert (items[SAFETY[1]]["answered"], items[SAFETY[1]]["value"]) == (False, None)
    assert (items[SHARED]["answered"], items[SHARED]["value"]) == (True, 2)
    assert body["answers"] == {SHARED: 2}
    assert body["hidden"] == [SAFETY[0]]
    assert body["answered"] == 2
    assert "sensitivity" not in json.dumps(body)


def test_autosaving_a_new_safety_answer_still_works_and_is_not_echoed(
    screener: NewAssignment,
) -> None:
    web = consented(screener)
    save(screener, {SAFETY[0]: 4})

    saved = put(web, {"revision": 1, "answers": {SAFETY[0]: 2, SAFETY[1]: 5}})

    assert saved.status_code == 200
    assert set(saved.json()) == {"revision", "answered", "total", "percent"}
    assert response_of(screener).answers == {SAFETY[0]: 2, SAFETY[1]: 5}


def test_a_stale_autosave_gets_409_without_the_saved_safety_answers(
    screener: NewAssignment,
) -> None:
    web = consented(screener)
    save(screener, {SAFETY[0]: 4, SHARED: 2})

    stale = put(web, {"revision": 0, "answers": {SAFETY[0]: 1}})

    assert stale.status_code == 409
    assert stale.json()["current"] == {"answers": {SHARED: 2}, "hidden": [SAFETY[0]], "revision": 1}
    assert response_of(screener).answers == {SAFETY[0]: 4, SHARED: 2}


def test_the_schema_documents_that_safety_answers_are_never_sent_back(db: None) -> None:
    schema = Client().get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]

    item = components["RespondentItem"]["properties"]
    assert item["value"]["nullable"] is True
    assert "never sent back" in item["value"]["description"]
    assert "answered" in item
    assert "hidden" in components["RespondentForm"]["properties"]
    assert "hidden" in components["RespondentCurrentAnswers"]["properties"]
