"""The demo couples that `seed_demo` adds: every state a counsellor meets, added once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_scopes import scope

from assessments.assignments.selectors import Stage
from assessments.caseload.selectors import couple_list, couple_page, couple_rows
from assessments.demo import PARTNERS, REVIEW_PARTNERS, SUMMARY_PARTNERS
from assessments.models import Response
from clients.demo import DEMO_COUPLES, add_demo_couples
from clients.models import Couple, Invitation
from practice.demo import DEMO_EXTENSIONS
from practice.models import Membership, Practice, User

pytestmark = pytest.mark.django_db

# The couples assessments.demo adds with their reports (a trend; a safety review).
REPORTS_COUPLES = {
    PARTNERS[0].display_name,
    REVIEW_PARTNERS[0].display_name,
    SUMMARY_PARTNERS[0].display_name,
}


@pytest.fixture
def demo() -> Practice:
    call_command("seed_demo", slug="demo", password="pw-for-demo")
    return Practice.objects.get(slug="demo")


def progress_by_couple(practice: Practice) -> dict[str, tuple[str, ...]]:
    with scope(practice=practice):
        admin = Membership.objects.get(practice=practice, user__email="admin@demo.example")
        rows = couple_rows(
            couples=list(couple_list(practice=practice, member=admin))
            + list(couple_list(practice=practice, member=admin, status=Couple.Status.ARCHIVED))
        )
    return {
        row.couple.name: (
            row.couple.status,
            *(p.stage for p in row.latest.partners),
        )
        if row.latest
        else (row.couple.status,)
        for row in rows
    }


def test_importing_the_clients_app_registers_the_demo_couples() -> None:
    assert add_demo_couples in DEMO_EXTENSIONS
    assert DEMO_EXTENSIONS.count(add_demo_couples) == 1


def test_demo_covers_every_state_a_counsellor_meets(demo: Practice) -> None:
    states = progress_by_couple(demo)

    assert states["Robin Sato & Quinn Adeyemi"] == ("active",)
    assert states["Priya Raman & Jamie Okafor"] == ("active", Stage.NOT_OPENED, Stage.NOT_OPENED)
    assert states["Tomás Alvarez & Riley Chen"] == ("active", Stage.IN_PROGRESS, Stage.OPENED)
    assert states["Amara Mensah & Kai Nakamura"] == ("active", Stage.SUBMITTED, Stage.SUBMITTED)
    assert states["Noor Haddad & Ellis Brennan"] == (
        "archived",
        Stage.SUBMITTED,
        Stage.SUBMITTED,
    )
    assert states["Dana Whitfield & Sasha Petrov"][1] == Stage.SUBMITTED


def test_demo_half_done_partner_has_answered_half(demo: Practice) -> None:
    with scope(practice=demo):
        couple = Couple.objects.get(partner_a__display_name="Tomás Alvarez")
        assignment = couple.assignments.get()
        response = Response.objects.get(assignment=assignment, partner="a")

    assert response.answered_count == assignment.instrument_version.item_count // 2


def test_demo_partner_a_holds_the_finances_in_both_views(demo: Practice) -> None:
    with scope(practice=demo):
        couple = Couple.objects.get(partner_a__display_name="Amara Mensah")
        assignment = couple.assignments.get()
        items = {i["id"]: i for i in assignment.instrument_version.items}
        answers = {r.partner: r.answers for r in Response.objects.filter(assignment=assignment)}
    finance_shares = [
        i for i, item in items.items() if item["area"] == "finances" and item["kind"] == "share"
    ]

    assert finance_shares
    assert all(answers["a"][i] <= 2 for i in finance_shares)  # "me"
    assert all(answers["b"][i] >= 4 for i in finance_shares)  # "my partner"


def test_demo_shows_overdue_and_wrong_person(demo: Practice) -> None:
    with scope(practice=demo):
        admin = Membership.objects.get(practice=demo, user__email="admin@demo.example")
        priya = Couple.objects.get(partner_a__display_name="Priya Raman")
        dana = Couple.objects.get(partner_a__display_name="Dana Whitfield")
        overdue = couple_rows(couples=couple_list(practice=demo, member=admin, query="Priya"))[0]
        dana_page = couple_page(couple=dana, member=admin)

        assert overdue.latest is not None
        assert overdue.latest.is_overdue
        assert [p.client.display_name for p in dana_page.wrong_person_reports] == ["Sasha Petrov"]
        assert list(dana.counsellors.values_list("user__email", flat=True)) == [
            "admin@demo.example"
        ]
        assert list(priya.counsellors.values_list("user__email", flat=True)) == [
            "counsellor@demo.example"
        ]


def test_seeding_twice_adds_nothing_new(demo: Practice) -> None:
    with scope(practice=demo):
        before = (
            Couple.objects.count(),
            Invitation.objects.count(),
            Response.objects.count(),
        )
    call_command("seed_demo", slug="demo", password="pw-for-demo")
    with scope(practice=demo):
        after = (Couple.objects.count(), Invitation.objects.count(), Response.objects.count())

    assert before == after
    # The caseload couples, plus the couples whose reports show a trend and a safety review
    # (assessments.demo).
    assert before[0] == len(DEMO_COUPLES) + len(REPORTS_COUPLES)


def test_demo_answers_are_the_same_on_every_fresh_seed(demo: Practice) -> None:
    with scope(practice=demo):
        first = {
            (r.assignment.couple.partner_a.display_name, r.partner): r.answers
            for r in Response.objects.select_related("assignment__couple__partner_a")
            if r.assignment.couple.partner_a.display_name not in REPORTS_COUPLES
        }
        Response.objects.all().delete()
        Invitation.objects.all().delete()
        couples = list(Couple.objects.all())
        for couple in couples:
            couple.assignments.all().delete()
            couple.delete()
    users = {
        "admin": User.objects.get(email="admin@demo.example"),
        "counsellor": User.objects.get(email="counsellor@demo.example"),
    }
    with scope(practice=demo):
        add_demo_couples(demo, users)
        again = {
            (r.assignment.couple.partner_a.display_name, r.partner): r.answers
            for r in Response.objects.select_related("assignment__couple__partner_a")
            if r.assignment.couple.partner_a.display_name not in REPORTS_COUPLES
        }

    assert first == again
