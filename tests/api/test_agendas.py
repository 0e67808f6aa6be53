"""Session agendas: the couple's own counsellors add suggested topics, write notes and put the
items in order. Everyone else gets an empty list and 404s."""

from __future__ import annotations

from typing import Any

import pytest
from django_scopes import scope
from rest_framework.test import APIClient

from assessments.assignments.services import NewAssignment
from assessments.models import Comparison, SessionAgenda
from practice.models import Membership, Practice
from tests.api.conftest import error_of, tenant
from tests.support.comparing import assign

pytestmark = pytest.mark.django_db


def agendas(practice: Practice, path: str = "") -> str:
    return tenant(practice, f"agendas/{path}")


def url(agenda: SessionAgenda, action: str = "") -> str:
    return agendas(agenda.practice, f"{agenda.public_id}/{action}")


def item_ids(agenda: SessionAgenda) -> list[str]:
    with scope(practice=agenda.practice):
        return [str(item.public_id) for item in agenda.items.order_by("position")]


def suggested(comparison: Comparison) -> list[str]:
    result = comparison.as_result()
    assert result is not None
    return [topic.slug for topic in result.topics]


def add(client: APIClient, comparison: Comparison, topics: list[str], **extra: Any) -> Any:
    body = {"assignment": str(comparison.assignment.public_id), "topics": topics, **extra}
    return client.post(agendas(comparison.practice), body, format="json")


def test_counsellor_starts_an_agenda_from_suggested_topics(
    api_counsellor: APIClient, comparison: Comparison
) -> None:
    first, second = suggested(comparison)[:2]

    started = add(api_counsellor, comparison, [first])
    extended = add(api_counsellor, comparison, [second, first])

    assert started.status_code == 201
    assert extended.status_code == 200
    body = extended.json()
    assert [item["topic_slug"] for item in body["items"]] == [first, second]
    assert body["comparison"] == str(comparison.public_id)
    assert all(item["rationale"] for item in body["items"])


def test_topics_not_suggested_for_the_couple_get_400(
    api_counsellor: APIClient, comparison: Comparison
) -> None:
    response = add(api_counsellor, comparison, ["individual-safety-check-in", "made-up"])

    assert response.status_code == 400
    assert "Not suggested" in error_of(response)["detail"]


def test_agenda_needs_a_finished_comparison(
    api_counsellor: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    body = {"assignment": str(assignment.assignment.public_id), "topics": ["building-trust"]}

    response = api_counsellor.post(agendas(practice), body, format="json")

    assert response.status_code == 400
    assert "comparison" in error_of(response)["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"topics": []}, "topics"),
        ({"topics": "building-trust"}, "topics"),
        ({"topics": [3]}, "topics.0"),
        ({"assignment": "00000000-0000-0000-0000-000000000000"}, "assignment"),
        ({"comparison": "nope"}, "comparison"),
    ],
)
def test_bad_agenda_request_gets_400_naming_the_field(
    api_counsellor: APIClient, comparison: Comparison, body: dict[str, Any], field: str
) -> None:
    payload = {
        "assignment": str(comparison.assignment.public_id),
        "topics": suggested(comparison)[:1],
        **body,
    }

    response = api_counsellor.post(agendas(comparison.practice), payload, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_assignment_of_another_practice_gets_400_on_assignment(
    api_counsellor: APIClient,
    practice: Practice,
    other_couple: Any,
    outsider_membership: Membership,
    library: None,
) -> None:
    foreign = assign(other_couple, "balance-of-power-inventory", outsider_membership)
    body = {"assignment": str(foreign.assignment.public_id), "topics": ["building-trust"]}

    response = api_counsellor.post(agendas(practice), body, format="json")

    assert response.status_code == 400
    assert "assignment" in error_of(response)["fields"]


def test_counsellor_lists_and_reads_their_agendas(
    api_counsellor: APIClient, agenda: SessionAgenda, practice: Practice
) -> None:
    listed = api_counsellor.get(agendas(practice), {"assignment": str(agenda.assignment.public_id)})
    one = api_counsellor.get(url(agenda))

    assert [row["id"] for row in listed.json()["results"]] == [str(agenda.public_id)]
    assert one.status_code == 200
    assert len(one.json()["items"]) == 2


def test_counsellor_writes_notes_on_the_agenda_and_its_items(
    api_counsellor: APIClient, agenda: SessionAgenda
) -> None:
    item = item_ids(agenda)[0]

    response = api_counsellor.patch(
        url(agenda), {"notes": "Start gently.", "item_notes": {item: "Ask B first."}}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["notes"] == "Start gently."
    assert body["items"][0]["counsellor_note"] == "Ask B first."


def test_notes_that_are_too_long_get_400(api_counsellor: APIClient, agenda: SessionAgenda) -> None:
    response = api_counsellor.patch(url(agenda), {"notes": "x" * 10_001}, format="json")

    assert response.status_code == 400
    assert "notes" in error_of(response)["fields"]


def test_counsellor_moves_an_item_down(api_counsellor: APIClient, agenda: SessionAgenda) -> None:
    first, second = item_ids(agenda)

    response = api_counsellor.post(
        url(agenda, "move/"), {"item": first, "direction": "down"}, format="json"
    )

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [second, first]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"item": "00000000-0000-0000-0000-000000000000", "direction": "up"}, "item"),
        ({"direction": "sideways"}, "direction"),
    ],
)
def test_bad_move_gets_400(
    api_counsellor: APIClient, agenda: SessionAgenda, body: dict[str, str], field: str
) -> None:
    payload = {"item": item_ids(agenda)[0], "direction": "up", **body}

    response = api_counsellor.post(url(agenda, "move/"), payload, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_admin_who_does_not_counsel_the_couple_gets_no_agenda(
    api_admin: APIClient, agenda: SessionAgenda, comparison: Comparison, practice: Practice
) -> None:
    assert api_admin.get(agendas(practice)).json()["results"] == []
    assert api_admin.get(url(agenda)).status_code == 404
    assert api_admin.patch(url(agenda), {"notes": "x"}, format="json").status_code == 404
    assert api_admin.post(url(agenda, "move/"), {}, format="json").status_code == 404
    refused = add(api_admin, comparison, suggested(comparison)[:1])
    assert refused.status_code == 400
    assert "assignment" in error_of(refused)["fields"]


def test_unassigned_counsellor_gets_404_on_every_agenda_route(
    api_other_counsellor: APIClient, agenda: SessionAgenda, practice: Practice
) -> None:
    assert api_other_counsellor.get(agendas(practice)).json()["results"] == []
    assert api_other_counsellor.get(url(agenda)).status_code == 404
    assert api_other_counsellor.patch(url(agenda), {"notes": "x"}, format="json").status_code == 404
    assert api_other_counsellor.post(url(agenda, "move/"), {}, format="json").status_code == 404
    with scope(practice=practice):
        agenda.refresh_from_db()
    assert agenda.notes == ""


def test_member_of_another_practice_gets_404_on_agendas(
    api_outsider: APIClient, agenda: SessionAgenda, practice: Practice
) -> None:
    for response in (
        api_outsider.get(agendas(practice)),
        api_outsider.post(agendas(practice), {}, format="json"),
        api_outsider.get(url(agenda)),
        api_outsider.patch(url(agenda), {"notes": "x"}, format="json"),
        api_outsider.post(url(agenda, "move/"), {}, format="json"),
    ):
        assert response.status_code == 404


def test_anonymous_caller_gets_401_on_agendas(
    api_anonymous: APIClient, agenda: SessionAgenda, practice: Practice
) -> None:
    for response in (
        api_anonymous.get(agendas(practice)),
        api_anonymous.post(agendas(practice), {}, format="json"),
        api_anonymous.get(url(agenda)),
        api_anonymous.patch(url(agenda), {"notes": "x"}, format="json"),
        api_anonymous.post(url(agenda, "move/"), {}, format="json"),
    ):
        assert response.status_code == 401
