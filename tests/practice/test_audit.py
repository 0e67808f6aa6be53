from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from clients import services as client_services
from clients.models import Invitation
from practice.models import AuditEvent, Practice, User
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say, compared

pytestmark = pytest.mark.django_db


def events(practice: Practice) -> list[AuditEvent]:
    with scope(practice=practice):
        return list(AuditEvent.objects.order_by("id"))


def test_reading_a_report_writes_an_audit_row_with_actor_ip_and_request_id(
    assignment: NewAssignment, as_counsellor: Client, counsellor: User
) -> None:
    compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)
    practice = assignment.assignment.practice
    url = reverse(
        "assignment-report",
        kwargs={"practice_slug": practice.slug, "assignment_id": assignment.assignment.public_id},
    )

    response = as_counsellor.get(url)

    [event] = [e for e in events(practice) if e.object_type == "report"]
    assert event.action == "view"
    assert event.actor == counsellor
    assert event.object_id == str(assignment.assignment.public_id)
    assert event.ip_address == "127.0.0.1"
    assert event.request_id == response["X-Request-ID"]
    assert event.created_at.utcoffset() == timedelta(0)


def test_respondent_saves_and_submissions_are_audited_without_answers(
    assignment: NewAssignment,
) -> None:
    compared(assignment)
    practice = assignment.assignment.practice
    # compared() goes through the services, not the views; audit comes from views and API.
    web = Client()
    with scope(practice=practice):
        invitation = Invitation.objects.get(assignment=assignment.assignment, partner="a")
        invitation.client.email = ""
        invitation.client.save()
        link = client_services.invitation_reissue(invitation=invitation)
    assert link is not None
    web.get(link.split("8000", 1)[-1])
    web.post("/respond/")

    rows = events(practice)
    assert [r.action for r in rows if r.object_type == "response"] == ["change"]
    assert rows[-1].actor is None
    assert rows[-1].actor_label.startswith("partner a (invitation ")
    for row in rows:
        assert row.detail in {"", "enabled"}


def test_audit_rows_cannot_be_changed_or_deleted_by_the_application(
    practice: Practice, counsellor: User
) -> None:
    with scope(practice=practice):
        event = AuditEvent.objects.create(practice=practice, actor=counsellor, action="view")
        event.detail = "tampered"
        with pytest.raises(PermissionError):
            event.save()
        with pytest.raises(PermissionError):
            event.delete()


def test_the_database_refuses_to_update_or_delete_audit_rows(
    practice: Practice, counsellor: User
) -> None:
    with scope(practice=practice):
        event = AuditEvent.objects.create(practice=practice, actor=counsellor, action="view")
    statements = ["UPDATE practice_auditevent SET detail = 'x' WHERE id = %s"]
    if connection.vendor == "postgresql":
        # Only PostgreSQL can refuse deletes while still letting offboarding through.
        statements.append("DELETE FROM practice_auditevent WHERE id = %s")
    for statement in statements:
        with (
            scope(practice=practice),
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
        ):
            connection.cursor().execute(statement, [event.pk])


def test_admins_browse_filter_and_export_the_audit_trail(
    practice: Practice, as_admin: Client, counsellor: User
) -> None:
    with scope(practice=practice):
        AuditEvent.objects.create(
            practice=practice, actor=counsellor, action="view", object_type="report"
        )
        AuditEvent.objects.create(
            practice=practice, actor=counsellor, action="export", object_type="agenda"
        )
    url = reverse("practice-audit", kwargs={"practice_slug": practice.slug})

    page = as_admin.get(url, {"action": "export"}).content.decode()
    assert "Exported" in page
    assert "report" not in page.split("<tbody>", 1)[1]

    export = as_admin.get(url, {"format": "csv"})
    csv = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert csv.splitlines()[0].startswith("time_utc,actor,action")
    assert f"{counsellor.email},view,report" in csv
    assert any(e.action == "export" and e.object_type == "audit_trail" for e in events(practice))


def test_only_admins_of_the_practice_see_its_audit_trail(
    practice: Practice, as_counsellor: Client, as_outsider: Client, anonymous: Client
) -> None:
    url = reverse("practice-audit", kwargs={"practice_slug": practice.slug})

    assert as_counsellor.get(url).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert anonymous.get(url).status_code == 302
