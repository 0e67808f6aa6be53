"""Privacy requests for one partner: the export (Art. 15/20, with 15(4): nothing of the other
partner), erasure (Art. 17), and who may make them."""

from __future__ import annotations

import datetime
import io
import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from assessments.assignments import services as assessment_services
from assessments.assignments.services import NewAssignment
from assessments.engine.scales import SCALES
from assessments.models import (
    AgendaItem,
    Comparison,
    ComparisonHistory,
    Response,
    SessionAgenda,
)
from assessments.reports import agenda as agendas
from clients.models import Client, Couple, Invitation
from clients.privacy import erasure as privacy_erasure
from clients.privacy import export as privacy_export
from clients.privacy import sessions as privacy_sessions
from clients.templatetags.privacy_export import readable_time
from practice.models import AuditEvent, Membership, Practice
from tests.factories import CoupleFactory, MembershipFactory
from tests.support.answering import both_equally
from tests.support.comparing import compared

pytestmark = pytest.mark.django_db

A_NAME, A_EMAIL, A_PRONOUNS = "Canary-Partner-A", "canary-a@example.org", "ze/zir-canary-a"
B_NAME, B_EMAIL, B_PRONOUNS = "Canary-Partner-B", "canary-b@example.org", "xe/xem-canary-b"
CLINICAL_NOTE = "Canary-clinical-note about both of them"
REOPEN_REASON = "Canary-reopen-reason for partner B"
# Partner B answers so that every one of their answers differs from A's (A answers "both
# equally" and the healthy pole), and B's share answers use a label A never does.
B_ONLY_LABEL = "Almost always my partner"
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?")


def b_distinct(item: dict[str, object]) -> int:
    if item["kind"] == "share":
        return 5
    return 2


def url(name: str, couple: Couple, side: str) -> str:
    return reverse(
        name,
        kwargs={"practice_slug": couple.practice.slug, "couple_id": couple.public_id, "side": side},
    )


def pdf_text(pdf: bytes) -> str:
    """The text a reader sees, on every page (lines broken by the layout join with a space)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def pdf_metadata(pdf: bytes) -> str:
    """The document information (title, author...) a PDF reader shows."""
    return " ".join(str(value) for value in (PdfReader(io.BytesIO(pdf)).metadata or {}).values())


def leaves(data: Any) -> list[Any]:
    """Every value of a JSON document that is not itself a list or an object."""
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in leaves(value)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in leaves(value)]
    return [data]


def as_printed(value: Any) -> str | None:
    """How the printable export shows a JSON value: times in words, in UTC; nothing for none."""
    if value is None:
        return None
    if isinstance(value, str) and ISO_TIME.fullmatch(value):
        moment = datetime.datetime.fromisoformat(value).astimezone(datetime.UTC)
        return f"{moment.day} {moment:%B %Y, %H:%M} UTC"
    return " ".join(str(value).split())


@pytest.fixture
def world(
    couple: Couple, assignment: NewAssignment, counsellor_membership: Membership
) -> dict[str, Any]:
    """Both partners answered and were compared; an agenda holds a suggested topic and the
    counsellor's note; A's answers were reopened (two answers versions), and so were B's."""
    with scope(practice=couple.practice), scopes_disabled():
        Client.objects.filter(pk=couple.partner_a_id).update(
            display_name=A_NAME, email=A_EMAIL, pronouns=A_PRONOUNS
        )
        Client.objects.filter(pk=couple.partner_b_id).update(
            display_name=B_NAME, email=B_EMAIL, pronouns=B_PRONOUNS
        )
        couple.refresh_from_db()
        couple.partner_a.refresh_from_db()
        couple.partner_b.refresh_from_db()
    comparison = compared(assignment, a=both_equally, b=b_distinct)
    with scope(practice=couple.practice):
        result = comparison.as_result()
        assert result is not None
        agenda = agendas.agenda_for_assignment(
            assignment=assignment.assignment, created_by=counsellor_membership
        )
        agendas.agenda_add_topics(
            agenda=agenda, comparison=comparison, topic_slugs=[result.topics[0].slug]
        )
        agendas.agenda_add_own_item(agenda=agenda, title="Check in", note=CLINICAL_NOTE)
        ComparisonHistory.objects.create(
            practice=couple.practice,
            comparison=comparison,
            algorithm_version="0.9",
            params_hash="old",
            result=comparison.result,
            computed_at=comparison.finished_at or timezone.now(),
        )
        for side, reason in (("a", "Partner A wants to change an answer"), ("b", REOPEN_REASON)):
            submitted = Response.objects.get(assignment=assignment.assignment, partner=side)
            assessment_services.response_reopen(
                response=submitted, by=counsellor_membership, reason=reason
            )
        responses = {
            side: list(Response.objects.filter(assignment=assignment.assignment, partner=side))
            for side in ("a", "b")
        }
        invitations = {
            side: Invitation.objects.get(assignment=assignment.assignment, partner=side)
            for side in ("a", "b")
        }
    return {
        "couple": couple,
        "a": couple.partner_a,
        "b": couple.partner_b,
        "comparison": comparison,
        "rationale": result.topics[0].rationale,
        "agenda": agenda,
        "responses": responses,
        "invitations": invitations,
    }


def export_of(client: Client) -> dict[str, Any]:
    with scope(practice=client.practice):
        return privacy_export.client_export(client)


def partner_canaries(world: dict[str, Any]) -> list[str]:
    """Strings that would betray partner B, a comparison or a clinical note in A's export."""
    canaries = [
        B_NAME,
        B_EMAIL,
        B_PRONOUNS,
        B_ONLY_LABEL,
        REOPEN_REASON,
        CLINICAL_NOTE,
        "Partner B",
        str(world["b"].public_id),
        str(world["comparison"].public_id),
        str(world["invitations"]["b"].public_id),
        *(str(response.public_id) for response in world["responses"]["b"]),
    ]
    if world["rationale"]:
        canaries.append(world["rationale"])
    return canaries


# The export ---------------------------------------------------------------------------------


def test_the_export_holds_exactly_the_clients_profile_couples_invitations_and_answers(
    world: dict[str, Any],
) -> None:
    data = export_of(world["a"])

    assert set(data) == {"about", "profile", "couples", "invitations", "responses"}
    assert data["profile"] == {
        "client_id": str(world["a"].public_id),
        "display_name": A_NAME,
        "email": A_EMAIL,
        "pronouns": A_PRONOUNS,
        "created_at": world["a"].created_at.isoformat(),
    }
    assert [c["partner"] for c in data["couples"]] == ["your partner"]
    assert [c["you_are"] for c in data["couples"]] == ["Partner A"]
    assert [i["invitation_id"] for i in data["invitations"]] == [
        str(world["invitations"]["a"].public_id)
    ]


def test_every_exported_answer_is_one_of_the_clients_own_answers_in_every_answers_version(
    world: dict[str, Any], assignment: NewAssignment
) -> None:
    own = {str(response.public_id): response for response in world["responses"]["a"]}
    theirs = world["responses"]["b"][0].answers

    data = export_of(world["a"])

    assert {r["response_id"] for r in data["responses"]} == set(own)
    assert sorted(r["answers_version"] for r in data["responses"]) == [1, 2]
    assert {r["status"] for r in data["responses"]} == {"submitted", "draft"}
    items = {item["id"]: item for item in assignment.assignment.instrument_version.items}
    for exported in data["responses"]:
        response = own[exported["response_id"]]
        assert {a["item_id"]: a["answer"] for a in exported["answers"]} == response.answers
        for answer in exported["answers"]:
            item = items[answer["item_id"]]
            assert answer["question"] == item["text"]
            assert answer["answer_label"] == SCALES[item["kind"]][answer["answer"] - 1]
            assert answer["answer"] != theirs[answer["item_id"]]


def test_the_json_export_holds_no_canary_of_the_partner_nor_comparisons_nor_notes(
    world: dict[str, Any],
) -> None:
    text = json.dumps(export_of(world["a"]), ensure_ascii=False)

    assert A_NAME in text
    for canary in partner_canaries(world):
        assert canary not in text


def test_the_pdf_export_shows_the_clients_answers_and_no_canary_of_the_partner(
    world: dict[str, Any],
) -> None:
    with scope(practice=world["a"].practice):
        pdf = privacy_export.client_export_pdf(world["a"])

    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF")
    assert A_NAME in text
    assert A_EMAIL in text
    assert "Your answer: Both equally (3 of 5)" in text
    metadata = pdf_metadata(pdf)
    for canary in partner_canaries(world):
        assert canary not in text
        assert canary not in metadata


def test_the_pdf_export_shows_every_value_the_json_export_holds(world: dict[str, Any]) -> None:
    data = export_of(world["a"])

    text = pdf_text(privacy_export.render_export_pdf(data))

    printed = [as_printed(value) for value in leaves(data)]
    assert len(printed) > 100
    missing = [value for value in printed if value is not None and value not in text]
    assert missing == []


def test_the_printed_export_gives_times_in_words_in_utc() -> None:
    assert readable_time("2025-03-04T10:05:59.123456+01:00") == "4 March 2025, 09:05 UTC"
    assert readable_time("2025-03-04") == "4 March 2025"
    assert readable_time(None) == "\u2014"


def test_the_partners_own_export_is_equally_free_of_the_first_partner(
    world: dict[str, Any],
) -> None:
    text = json.dumps(export_of(world["b"]), ensure_ascii=False)

    assert B_NAME in text
    for canary in (A_NAME, A_EMAIL, A_PRONOUNS, str(world["invitations"]["a"].public_id)):
        assert canary not in text
    assert "Both equally" not in text  # A's share answers; B never chose it


# The pages ----------------------------------------------------------------------------------


def test_an_assigned_counsellor_downloads_the_json_export_uncached_and_audited(
    world: dict[str, Any], as_counsellor: WebClient
) -> None:
    response = as_counsellor.get(url("client-export-json", world["couple"], "a"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert re.fullmatch(
        r'attachment; filename="personal-data-partner-a-\d{4}-\d{2}-\d{2}\.json"',
        response["Content-Disposition"],
    )
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert json.loads(body)["profile"]["display_name"] == A_NAME
    for canary in partner_canaries(world):
        assert canary not in body
    with scope(practice=world["couple"].practice):
        event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_type="client")
    assert event.object_id == str(world["a"].public_id)
    assert A_NAME not in event.detail


def test_the_pdf_download_is_an_uncached_attachment(
    world: dict[str, Any], as_counsellor: WebClient
) -> None:
    response = as_counsellor.get(url("client-export-pdf", world["couple"], "b"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert B_NAME in text
    assert f"Your answer: {B_ONLY_LABEL} (5 of 5)" in text
    assert A_NAME not in text


def test_an_admin_who_does_not_counsel_the_couple_may_erase_but_never_export_answers(
    world: dict[str, Any], as_admin: WebClient
) -> None:
    assert as_admin.get(url("client-erase", world["couple"], "a")).status_code == 200
    for name in ("client-export-json", "client-export-pdf"):
        assert as_admin.get(url(name, world["couple"], "a")).status_code == 404


def test_the_couple_page_links_to_the_privacy_requests_of_each_partner(
    world: dict[str, Any], as_counsellor: WebClient, as_admin: WebClient
) -> None:
    page = reverse(
        "couple-detail",
        kwargs={
            "practice_slug": world["couple"].practice.slug,
            "couple_id": world["couple"].public_id,
        },
    )
    counsellor_page = as_counsellor.get(page).content.decode()
    admin_page = as_admin.get(page).content.decode()
    for side in ("a", "b"):
        for name in ("client-export-json", "client-export-pdf", "client-erase"):
            assert url(name, world["couple"], side) in counsellor_page
        assert url("client-erase", world["couple"], side) in admin_page
        assert url("client-export-json", world["couple"], side) not in admin_page


@pytest.fixture
def unassigned_counsellor(practice: Practice) -> WebClient:
    web = WebClient()
    web.force_login(MembershipFactory.create(practice=practice, user__full_name="Una Other").user)
    return web


def test_an_unassigned_counsellor_an_outsider_and_a_stranger_get_404_and_change_nothing(
    world: dict[str, Any],
    unassigned_counsellor: WebClient,
    as_outsider: WebClient,
    other_couple: Couple,
) -> None:
    couple = world["couple"]
    for web in (unassigned_counsellor, as_outsider):
        for side in ("a", "b"):
            for name in ("client-export-json", "client-export-pdf", "client-erase"):
                response = web.get(url(name, couple, side))
                assert response.status_code == 404
                assert A_NAME not in response.content.decode()
            refused = web.post(url("client-erase", couple, side), {"confirm": "ERASE"})
            assert refused.status_code == 404
    # The outsider's own practice slug with this practice's couple: the same 404.
    foreign = reverse(
        "client-export-json",
        kwargs={
            "practice_slug": other_couple.practice.slug,
            "couple_id": couple.public_id,
            "side": "a",
        },
    )
    assert as_outsider.get(foreign).status_code == 404
    with scope(practice=couple.practice), scopes_disabled():
        assert Client.objects.get(pk=world["a"].pk).display_name == A_NAME
        assert Response.objects.filter(assignment__couple=couple).count() == 4
        assert not AuditEvent.objects.filter(object_type="client").exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(
    world: dict[str, Any], anonymous: WebClient
) -> None:
    response = anonymous.get(url("client-export-json", world["couple"], "a"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_erasing_without_typing_erase_answers_400_with_an_inline_error_and_changes_nothing(
    world: dict[str, Any], as_counsellor: WebClient
) -> None:
    for typed in ("", "erase", "yes"):
        response = as_counsellor.post(url("client-erase", world["couple"], "a"), {"confirm": typed})

        assert response.status_code == 400
        assert "field__error" in response.content.decode()
        assert "ERASE" in response.content.decode()
    with scope(practice=world["couple"].practice), scopes_disabled():
        assert Client.objects.get(pk=world["a"].pk).display_name == A_NAME
        assert Response.objects.filter(assignment__couple=world["couple"]).count() == 4


# Erasure ------------------------------------------------------------------------------------


def _text_values(row: models.Model) -> list[str]:
    values = []
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if isinstance(field, models.JSONField):
            values.append(json.dumps(value, ensure_ascii=False))
        elif isinstance(field, models.CharField | models.TextField) and value:
            values.append(str(value))
    return values


def every_stored_text() -> str:
    """Every text and JSON column of every row in the database, sessions decoded. On PostgreSQL
    the database shows one practice's rows at a time: every practice, and no practice, is read."""
    texts: list[str] = []
    for practice_id in [None, *Practice.objects.values_list("pk", flat=True)]:
        with scope(practice=practice_id), scopes_disabled():
            for model in apps.get_models(include_auto_created=True):
                if model is Session:
                    texts.extend(
                        json.dumps(session.get_decoded(), ensure_ascii=False)
                        for session in Session.objects.all()
                    )
                    continue
                for row in model._base_manager.all():
                    texts.extend(_text_values(row))
    return "\n".join(texts)


def test_erasure_leaves_no_personal_data_of_the_client_anywhere(
    world: dict[str, Any], as_counsellor: WebClient
) -> None:
    couple = world["couple"]
    # A staff session still holding a link to show once, with the partners' names in it.
    session = SessionStore(session_key=as_counsellor.session.session_key)
    session[f"{privacy_sessions.ONCE_LINKS_PREFIX}{couple.public_id}"] = [[A_NAME, "http://x/i/t"]]
    session.save()
    a_answers = [response.answers for response in world["responses"]["a"]]
    assert A_NAME in every_stored_text()

    response = as_counsellor.post(url("client-erase", couple, "a"), {"confirm": "ERASE"})

    assert response.status_code == 302
    stored = every_stored_text()
    for canary in (A_NAME, A_EMAIL, A_PRONOUNS, world["rationale"]):
        assert not canary or canary not in stored
    with scope(practice=couple.practice), scopes_disabled():
        client = Client.objects.get(pk=world["a"].pk)
        assert (client.display_name, client.email, client.pronouns) == ("Erased client", "", "")
        assert not Response.objects.filter(assignment__couple=couple, partner="a").exists()
        assert not any(row.answers in a_answers for row in Response.objects.all())
        assert not Comparison.objects.filter(assignment__couple=couple).exists()
        assert not ComparisonHistory.objects.filter(practice=couple.practice).exists()
        assert not Invitation.objects.filter(client=client).exists()
        agenda = SessionAgenda.objects.get(pk=world["agenda"].pk)
        assert agenda.comparison_id is None
        items = list(AgendaItem.objects.filter(agenda=agenda))
        assert [item.rationale for item in items] == ["", ""]
        # The counsellor's own items and notes are their clinical record: they stay.
        assert CLINICAL_NOTE in [item.counsellor_note for item in items]
        assert Couple.objects.get(pk=couple.pk).partner_a_id == client.pk


def test_erasure_keeps_the_partners_own_answers_and_details_intact(
    world: dict[str, Any],
) -> None:
    before = {
        row.pk: (row.answers, row.submitted_at, row.answers_version)
        for row in world["responses"]["b"]
    }

    with scope(practice=world["a"].practice):
        privacy_erasure.client_erase(client=world["a"], by=world["couple"].counsellors.first())

    with scope(practice=world["couple"].practice), scopes_disabled():
        after = {
            row.pk: (row.answers, row.submitted_at, row.answers_version)
            for row in Response.objects.filter(assignment__couple=world["couple"], partner="b")
        }
        partner = Client.objects.get(pk=world["b"].pk)
        assert Invitation.objects.filter(client=partner).count() == 1
    assert after == before
    assert (partner.display_name, partner.email, partner.pronouns) == (B_NAME, B_EMAIL, B_PRONOUNS)


def test_erasure_is_audited_as_a_delete_of_the_client_without_personal_data(
    world: dict[str, Any], as_counsellor: WebClient, counsellor: Any
) -> None:
    as_counsellor.post(url("client-erase", world["couple"], "a"), {"confirm": " ERASE "})

    with scope(practice=world["couple"].practice):
        event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert (event.object_type, event.object_id) == ("client", str(world["a"].public_id))
    assert event.actor == counsellor
    assert event.ip_address == "127.0.0.1"
    for canary in (A_NAME, A_EMAIL, A_PRONOUNS):
        assert canary not in event.detail + event.actor_label


def test_the_export_after_erasure_holds_no_more_than_the_erased_placeholder(
    world: dict[str, Any],
) -> None:
    with scope(practice=world["a"].practice):
        privacy_erasure.client_erase(client=world["a"], by=world["couple"].counsellors.first())
        data = privacy_export.client_export(Client.objects.get(pk=world["a"].pk))

    assert data["profile"]["display_name"] == "Erased client"
    assert data["profile"]["email"] == ""
    assert data["invitations"] == []
    assert data["responses"] == []
    assert [c["partner"] for c in data["couples"]] == ["your partner"]


def test_a_client_in_two_couples_is_reached_and_erased_through_either_couple(
    world: dict[str, Any], counsellor_membership: Membership
) -> None:
    second = CoupleFactory.create(
        practice=world["couple"].practice,
        partner_a__display_name="Other-Partner",
        partner_b=world["a"],
        counsellors=[counsellor_membership],
    )
    with scope(practice=second.practice):
        assert privacy_export.partner_for_privacy_request(
            second.practice, counsellor_membership, second.public_id, "b", reads_answers=False
        ) == (second, world["a"])
        privacy_erasure.client_erase(client=world["a"], by=counsellor_membership)
    with scope(practice=world["couple"].practice), scopes_disabled():
        assert not Response.objects.filter(assignment__couple=world["couple"], partner="a").exists()
        assert Couple.objects.get(pk=second.pk).partner_b.display_name == "Erased client"
