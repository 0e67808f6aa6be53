"""A respondent session is bound to the link it was opened with: revoking, reissuing or resending
that link, its expiry and the client's erasure end every session opened with it, at the next
request, on the pages and in the API alike, and nothing the old browser sends is saved."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.models import Response
from assessments.respond import services
from assessments.respond.selectors import form_sections
from clients import services as client_services
from clients.models import Invitation, Partner
from clients.privacy.erasure import client_erase
from clients.respondent import SESSION_KEY
from clients.tasks import send_invitation_email
from practice.models import Membership

pytestmark = pytest.mark.django_db

SECTION_1 = "/respond/section/1/"
FORM = "/api/v1/respond/form/"
ANSWERS = "/api/v1/respond/answers/"
SUBMIT = "/api/v1/respond/submit/"


def invitation_of(assignment: NewAssignment, side: str = Partner.A) -> Invitation:
    with scope(practice=assignment.assignment.practice):
        return Invitation.objects.select_related("client", "practice", "assignment").get(
            assignment=assignment.assignment, partner=side
        )


def copied_link(assignment: NewAssignment, side: str = Partner.A) -> str:
    """A fresh link, as the counsellor copies it for a partner without an email address."""
    invitation = invitation_of(assignment, side)
    with scope(practice=invitation.practice):
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = client_services.invitation_reissue(invitation=invitation)
    assert url is not None
    return urlsplit(url).path


def opened(path: str) -> Client:
    """A browser that opened the link and consented."""
    web = Client()
    assert web.get(path).status_code == 302
    assert web.post("/respond/").status_code == 302
    return web


def first_item(assignment: NewAssignment) -> str:
    with scope(practice=assignment.assignment.practice):
        response = services.response_for_invitation(invitation=invitation_of(assignment))
    version = assignment.assignment.instrument_version
    return str(form_sections(version=version, order=response.item_order)[0].items[0]["id"])


def stored(assignment: NewAssignment) -> list[dict[str, Any]]:
    """Every response row of the assignment, as the database holds it."""
    with scope(practice=assignment.assignment.practice):
        rows = (
            Response.objects.filter(assignment=assignment.assignment)
            .order_by("pk")
            .values("partner", "answers", "revision", "answered_count", "submitted_at")
        )
        return [dict(row) for row in rows]


def put(web: Client, body: Any) -> Any:
    return web.put(ANSWERS, json.dumps(body), content_type="application/json")


def revision(assignment: NewAssignment) -> int:
    rows = [row for row in stored(assignment) if row["partner"] == Partner.A]
    return int(rows[0]["revision"]) if rows else 0


# How a link stops working. Each returns the path of a new link when there is one. ----------------


def revoke(assignment: NewAssignment, counsellor: Membership) -> str | None:
    with scope(practice=assignment.assignment.practice):
        client_services.invitation_revoke(invitation=invitation_of(assignment))
    return None


def reissue(assignment: NewAssignment, counsellor: Membership) -> str | None:
    return copied_link(assignment)


def resend(assignment: NewAssignment, counsellor: Membership) -> str | None:
    """The counsellor resends the email; the queued job mints the token it sends."""
    invitation = invitation_of(assignment)
    with scope(practice=invitation.practice):
        invitation.client.email = "sam@clients.example"
        invitation.client.save(update_fields=["email"])
        client_services.invitation_send(invitation=invitation)
    send_invitation_email.apply(args=(invitation.practice_id, invitation.pk))
    found = re.search(r"/i/(\S+)", str(mail.outbox[-1].body))
    assert found is not None
    return f"/i/{found.group(1)}"


def expire(assignment: NewAssignment, counsellor: Membership) -> str | None:
    invitation = invitation_of(assignment)
    with scope(practice=invitation.practice):
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
        invitation.save(update_fields=["expires_at"])
    return None


def erase(assignment: NewAssignment, counsellor: Membership) -> str | None:
    invitation = invitation_of(assignment)
    with scope(practice=invitation.practice):
        client_erase(client=invitation.client, by=counsellor)
    return None


def revoke_then_reissue(assignment: NewAssignment, counsellor: Membership) -> str | None:
    # No request in between: the old session must not come back to life with the new link.
    revoke(assignment, counsellor)
    return reissue(assignment, counsellor)


Ending = Callable[[NewAssignment, Membership], str | None]

# (how, status of the refused page, what the page says)
ENDINGS: list[tuple[Ending, int, str]] = [
    (revoke, 410, "This link has been withdrawn by your counsellor."),
    (reissue, 410, "This link has been replaced by a newer one."),
    (resend, 410, "This link has been replaced by a newer one."),
    (expire, 410, "This link has expired"),
    (erase, 403, "Open the link from your invitation to continue."),
    (revoke_then_reissue, 410, "This link has been replaced by a newer one."),
]
IDS = [ending.__name__ for ending, _, _ in ENDINGS]


@pytest.mark.parametrize(("ending", "status", "message"), ENDINGS, ids=IDS)
def test_an_ended_link_ends_the_page_session_and_saves_nothing_it_sends(
    assignment: NewAssignment,
    counsellor_membership: Membership,
    ending: Ending,
    status: int,
    message: str,
) -> None:
    web = opened(copied_link(assignment))
    item = first_item(assignment)
    assert web.post(SECTION_1, {"revision": "0", item: "2", "go": "next"}).status_code == 302
    assert revision(assignment) == 1

    new_link = ending(assignment, counsellor_membership)
    before = stored(assignment)

    refused_write = web.post(SECTION_1, {"revision": "1", item: "5", "go": "next"})
    assert refused_write.status_code == status
    assert message in refused_write.content.decode()
    assert stored(assignment) == before
    assert SESSION_KEY not in web.session
    for url in ("/respond/", SECTION_1, "/respond/review/", "/respond/done/"):
        refused_read = web.get(url)
        assert refused_read.status_code in (403, 410), url
        assert 'type="radio"' not in refused_read.content.decode(), url
    assert web.post("/respond/submit/").status_code in (403, 410)
    assert stored(assignment) == before

    if new_link is not None:
        fresh = Client()
        assert fresh.get(new_link).status_code == 302
        page = fresh.get(SECTION_1)
        assert page.status_code == 200
        assert fresh.post(SECTION_1, {"revision": "1", item: "4", "go": "next"}).status_code == 302
        assert stored(assignment)[0]["answers"][item] == 4
        assert web.get(SECTION_1).status_code == 403  # the old browser stays out


@pytest.mark.parametrize(("ending", "status", "message"), ENDINGS, ids=IDS)
def test_an_ended_link_ends_the_api_session_and_saves_nothing_it_sends(
    assignment: NewAssignment,
    counsellor_membership: Membership,
    ending: Ending,
    status: int,
    message: str,
) -> None:
    web = opened(copied_link(assignment))
    item = first_item(assignment)
    assert put(web, {"revision": 0, "answers": {item: 2}}).status_code == 200

    new_link = ending(assignment, counsellor_membership)
    before = stored(assignment)

    refused_write = put(web, {"revision": 1, "answers": {item: 5}})
    assert refused_write.status_code == 403
    assert refused_write.json()["detail"]
    assert stored(assignment) == before
    assert SESSION_KEY not in web.session
    refused_read = web.get(FORM)
    assert refused_read.status_code == 403
    assert set(refused_read.json()) == {"detail"}
    assert put(web, {"revision": 1, "answers": {item: 5}}).status_code == 403
    assert web.post(SUBMIT).status_code == 403
    assert stored(assignment) == before

    if new_link is not None:
        fresh = Client()
        assert fresh.get(new_link).status_code == 302
        assert fresh.post("/respond/").status_code == 302
        assert fresh.get(FORM).status_code == 200
        assert put(fresh, {"revision": 1, "answers": {item: 4}}).status_code == 200
        assert stored(assignment)[0]["answers"][item] == 4
        assert web.get(FORM).status_code == 403  # the old browser stays out


def test_the_first_request_after_the_link_ends_is_already_refused(
    assignment: NewAssignment, counsellor_membership: Membership
) -> None:
    web = opened(copied_link(assignment))
    reissue(assignment, counsellor_membership)

    response = put(web, {"revision": 0, "answers": {first_item(assignment): 3}})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This link no longer works. Open the link from your invitation."
    }
    assert all(row["answers"] == {} for row in stored(assignment))


def test_the_session_keeps_the_hash_of_its_token_and_never_the_token(
    assignment: NewAssignment,
) -> None:
    path = copied_link(assignment)
    token = path.rsplit("/", 1)[1]
    web = Client()
    web.get(path)

    bound = web.session[SESSION_KEY]
    assert bound["token_hash"] == invitation_of(assignment).token_hash
    assert token not in json.dumps(dict(web.session))


def test_a_session_opened_before_sessions_knew_their_link_is_ended(
    assignment: NewAssignment,
) -> None:
    web = opened(copied_link(assignment))
    session = web.session
    bound = dict(session[SESSION_KEY])
    del bound["token_hash"]
    session[SESSION_KEY] = bound
    session.save()

    assert web.get(SECTION_1).status_code == 403
    assert SESSION_KEY not in web.session


def test_the_other_partners_link_changing_leaves_this_session_alone(
    assignment: NewAssignment, counsellor_membership: Membership
) -> None:
    web = opened(copied_link(assignment, Partner.A))

    copied_link(assignment, Partner.B)

    assert web.get(SECTION_1).status_code == 200
    assert put(web, {"revision": 0, "answers": {first_item(assignment): 3}}).status_code == 200


def test_a_staff_login_in_a_browser_with_an_ended_respondent_session_is_not_signed_out(
    assignment: NewAssignment, counsellor_membership: Membership, counsellor: Any
) -> None:
    web = opened(copied_link(assignment))
    web.force_login(counsellor)
    reissue(assignment, counsellor_membership)
    home = f"/p/{assignment.assignment.practice.slug}/"

    assert web.get(SECTION_1).status_code == 403
    assert web.get(home).status_code == 200
