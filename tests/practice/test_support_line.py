"""The practice's support line: a setting with a neutral default, edited by practice admins only,
and shown to clients on the consent and done pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.respond import services
from clients import services as client_services
from clients.models import Invitation, Partner
from practice.models import DEFAULT_SUPPORT_LINE, SUPPORT_LINE_MAX_LENGTH, Practice
from tests.factories import PracticeFactory

pytestmark = pytest.mark.django_db

OWN_LINE = "If you feel unsafe, call the Riverside duty line on 0100 000 000, day or night."


def settings_url(practice: Practice) -> str:
    return reverse("practice-settings", kwargs={"practice_slug": practice.slug})


def settings_form(practice: Practice, **changes: Any) -> dict[str, Any]:
    form = {
        "name": practice.name,
        "timezone": practice.timezone,
        "invitation_expiry_days": practice.invitation_expiry_days,
        "reminder_after_days": practice.reminder_after_days,
        "max_reminders": practice.max_reminders,
        "support_line": practice.support_line,
    }
    return {**form, **changes}


def respondent(assignment: NewAssignment) -> Client:
    with scope(practice=assignment.assignment.practice):
        invitation = Invitation.objects.select_related("client", "practice").get(
            assignment=assignment.assignment, partner=Partner.A
        )
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = client_services.invitation_reissue(invitation=invitation)
    assert url is not None
    web = Client()
    assert web.get(urlsplit(url).path).status_code == 302
    return web


def submitted(assignment: NewAssignment, web: Client) -> Client:
    web.post("/respond/")
    with scope(practice=assignment.assignment.practice):
        invitation = Invitation.objects.get(assignment=assignment.assignment, partner=Partner.A)
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
    assert web.post("/respond/submit/")["Location"] == "/respond/done/"
    return web


def test_a_new_practice_has_a_neutral_default_support_line(db: None) -> None:
    practice = PracticeFactory.create()

    assert practice.support_line == DEFAULT_SUPPORT_LINE
    assert "local emergency number" in DEFAULT_SUPPORT_LINE
    for country_specific in ("999", "911", "112", "000"):
        assert country_specific not in DEFAULT_SUPPORT_LINE


def test_the_settings_page_shows_the_support_line_to_an_admin(
    as_admin: Client, practice: Practice
) -> None:
    page = as_admin.get(settings_url(practice)).content.decode()

    assert "Support line for clients" in page
    assert DEFAULT_SUPPORT_LINE in page


def test_an_admin_edits_the_support_line(as_admin: Client, practice: Practice) -> None:
    response = as_admin.post(settings_url(practice), settings_form(practice, support_line=OWN_LINE))

    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.support_line == OWN_LINE


def test_an_empty_support_line_restores_the_default(as_admin: Client, practice: Practice) -> None:
    Practice.objects.filter(pk=practice.pk).update(support_line=OWN_LINE)

    response = as_admin.post(settings_url(practice), settings_form(practice, support_line="  "))

    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.support_line == DEFAULT_SUPPORT_LINE


def test_a_support_line_too_long_is_refused_inline(as_admin: Client, practice: Practice) -> None:
    too_long = "x" * (SUPPORT_LINE_MAX_LENGTH + 1)

    response = as_admin.post(settings_url(practice), settings_form(practice, support_line=too_long))

    assert response.status_code == 400
    assert "Ensure this value has at most 500 characters" in response.content.decode()
    practice.refresh_from_db()
    assert practice.support_line == DEFAULT_SUPPORT_LINE


def test_a_counsellor_who_is_not_an_admin_cannot_edit_the_support_line(
    as_counsellor: Client, practice: Practice
) -> None:
    url = settings_url(practice)

    assert as_counsellor.get(url).status_code == 403
    refused = as_counsellor.post(url, settings_form(practice, support_line=OWN_LINE))

    assert refused.status_code == 403
    practice.refresh_from_db()
    assert practice.support_line == DEFAULT_SUPPORT_LINE


def test_the_default_support_line_is_on_the_consent_and_done_pages(
    assignment: NewAssignment,
) -> None:
    web = respondent(assignment)

    assert DEFAULT_SUPPORT_LINE in web.get("/respond/").content.decode()
    assert DEFAULT_SUPPORT_LINE in submitted(assignment, web).get("/respond/done/").content.decode()


def test_the_practices_own_support_line_is_on_the_consent_and_done_pages(
    as_admin: Client, assignment: NewAssignment
) -> None:
    practice = assignment.assignment.practice
    as_admin.post(settings_url(practice), settings_form(practice, support_line=OWN_LINE))
    web = respondent(assignment)

    consent = web.get("/respond/").content.decode()
    done = submitted(assignment, web).get("/respond/done/").content.decode()

    for page in (consent, done):
        assert OWN_LINE in page
        assert DEFAULT_SUPPORT_LINE not in page
