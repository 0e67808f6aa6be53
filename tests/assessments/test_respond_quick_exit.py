"""The quick exit on every respondent page: one tap ends the respondent session and lands on a
neutral page that says nothing about counselling and leads nowhere back."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.respond import services
from clients import services as client_services
from clients.models import Invitation, Partner
from clients.respondent import SESSION_KEY
from practice.models import Practice, User

pytestmark = pytest.mark.django_db

EXIT = "/respond/exit/"
NEUTRAL = "/today/"
FOCUSABLE = re.compile(r"<(a|button|input|select|textarea|summary)\b[^>]*>", re.I)


def invitation_of(assignment: NewAssignment) -> Invitation:
    with scope(practice=assignment.assignment.practice):
        return Invitation.objects.select_related("client", "practice").get(
            assignment=assignment.assignment, partner=Partner.A
        )


def link_path(assignment: NewAssignment) -> str:
    invitation = invitation_of(assignment)
    with scope(practice=invitation.practice):
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = client_services.invitation_reissue(invitation=invitation)
    assert url is not None
    return urlsplit(url).path


def first_focusable(body: str) -> str:
    inside = body.split("<body", 1)[1]
    found = FOCUSABLE.search(inside)
    assert found is not None
    return found.group(0)


def every_respondent_page(assignment: NewAssignment) -> dict[str, str]:
    """The body of each kind of respondent page, in the order a partner meets them."""
    pages: dict[str, str] = {}
    web = Client()
    path = link_path(assignment)
    pages["unknown link"] = Client().get("/i/no-such-link-at-all").content.decode()
    pages["no session"] = Client().get("/respond/").content.decode()
    web.get(path)
    pages["consent"] = web.get("/respond/").content.decode()
    web.post("/respond/")
    pages["section"] = web.get("/respond/section/1/").content.decode()
    pages["review"] = web.get("/respond/review/").content.decode()
    pages["not me"] = web.get("/respond/not-me/").content.decode()
    invitation = invitation_of(assignment)
    with scope(practice=invitation.practice):
        response = services.response_for_invitation(invitation=invitation)
        services.response_save_answers(
            response=response,
            revision=response.revision,
            answers={
                item["id"]: 3
                for item in assignment.assignment.instrument_version.items
                if item["required"]
            },
        )
    web.post("/respond/submit/")
    pages["done"] = web.get("/respond/done/").content.decode()
    pages["not me, done"] = web.post("/respond/not-me/").content.decode()
    pages["link problem"] = Client().get(path).content.decode()
    return pages


def test_every_respondent_page_starts_with_a_labelled_quick_exit(
    assignment: NewAssignment,
) -> None:
    for name, body in every_respondent_page(assignment).items():
        first = first_focusable(body)
        assert f'href="{EXIT}"' in first, name
        assert "data-quick-exit" in first, name
        assert re.search(r">Quick exit<", body), name
        assert '<script src="/static/js/quick-exit.js" defer></script>' in body, name


def test_the_quick_exit_ends_the_respondent_session_and_lands_on_the_neutral_page(
    assignment: NewAssignment,
) -> None:
    web = Client()
    web.get(link_path(assignment))
    web.post("/respond/")
    assert web.get("/respond/section/1/").status_code == 200

    response = web.get(EXIT)

    assert response.status_code == 302
    assert response["Location"] == NEUTRAL
    assert "no-store" in response["Cache-Control"]
    assert SESSION_KEY not in web.session
    again = web.get("/respond/section/1/")
    assert again.status_code == 403
    assert "Open the link from your invitation to continue" in again.content.decode()
    assert web.get("/api/v1/respond/form/").status_code == 403


def test_the_neutral_page_says_nothing_about_counselling_and_links_nowhere(
    assignment: NewAssignment,
) -> None:
    web = Client()
    web.get(link_path(assignment))

    page = web.get(EXIT, follow=True)

    assert page.status_code == 200
    assert page.redirect_chain == [(NEUTRAL, 302)]
    body = page.content.decode()
    lowered = body.lower()
    for word in ("fulcrum", "counsel", "respond", "questionnaire", "partner", "answer", "exit"):
        assert word not in lowered, word
    assert "<a " not in body
    assert "<form" not in body
    assert "<script" not in body
    assert "/static/css/fulcrum.css" not in body
    assert "<title>A good cup of tea</title>" in body


def test_the_quick_exit_never_signs_a_staff_member_out(
    counsellor: User, as_counsellor: Client, practice: Practice
) -> None:
    home = f"/p/{practice.slug}/"
    assert as_counsellor.get(home).status_code == 200

    assert as_counsellor.get(EXIT)["Location"] == NEUTRAL

    assert as_counsellor.get(home).status_code == 200


def test_the_quick_exit_is_harmless_without_a_session(db: None) -> None:
    response = Client().get(EXIT)

    assert response.status_code == 302
    assert response["Location"] == NEUTRAL
    assert Client().post(EXIT).status_code == 405
