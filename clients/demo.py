"""Demo couples for `make run`: one in each state a counsellor meets on the caseload.

Answers are written through the same services a partner's browser uses, with plausible values
from a seeded random generator, so every run builds the same demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from assessments.assignments import services as assignments_services
from assessments.library.loader import load_library
from assessments.models import Assignment, InstrumentVersion
from assessments.respond import services as respond_services
from clients import services
from clients.models import Couple, Invitation, Partner
from clients.services import PartnerDetails
from practice.demo import DEMO_EXTENSIONS
from practice.models import Membership, Practice, User

SEED = 20250611
INVENTORY = "balance-of-power-inventory"


class Plan:
    NEW = "new"  # added, nothing assigned yet
    NOT_STARTED = "not_started"  # assigned, neither partner has opened their link
    HALF_DONE = "half_done"  # A has answered half, B has opened the form only
    SUBMITTED = "submitted"  # both submitted
    WRONG_PERSON = "wrong_person"  # A submitted, B's link reached the wrong person
    ARCHIVED = "archived"  # both submitted, then the couple was archived


@dataclass(frozen=True)
class DemoCouple:
    a: PartnerDetails
    b: PartnerDetails
    counsellor: str  # key of the demo user who counsels them
    plan: str
    instrument: str = INVENTORY
    # Negative: the due date has passed, so the caseload shows the couple as overdue.
    due_in_days: int | None = None


DEMO_COUPLES = (
    DemoCouple(
        PartnerDetails("Priya Raman", "priya.raman@clients.example", "she/her"),
        PartnerDetails("Jamie Okafor", "", "they/them"),
        counsellor="counsellor",
        plan=Plan.NOT_STARTED,
        due_in_days=-3,
    ),
    DemoCouple(
        PartnerDetails("Tomás Alvarez", "tomas.alvarez@clients.example", "he/him"),
        PartnerDetails("Riley Chen", "riley.chen@clients.example", ""),
        counsellor="counsellor",
        plan=Plan.HALF_DONE,
        due_in_days=10,
    ),
    DemoCouple(
        PartnerDetails("Amara Mensah", "amara.mensah@clients.example", "she/her"),
        PartnerDetails("Kai Nakamura", "kai.nakamura@clients.example", "he/him"),
        counsellor="counsellor",
        plan=Plan.SUBMITTED,
    ),
    DemoCouple(
        PartnerDetails("Noor Haddad", "noor.haddad@clients.example", "she/her"),
        PartnerDetails("Ellis Brennan", "", "they/them"),
        counsellor="counsellor",
        plan=Plan.ARCHIVED,
        instrument="balance-check-in",
    ),
    DemoCouple(
        PartnerDetails("Robin Sato", "", ""),
        PartnerDetails("Quinn Adeyemi", "", ""),
        counsellor="counsellor",
        plan=Plan.NEW,
    ),
    DemoCouple(
        PartnerDetails("Dana Whitfield", "dana.whitfield@clients.example", "she/her"),
        PartnerDetails("Sasha Petrov", "sasha.petrov@clients.example", "he/him"),
        counsellor="admin",
        plan=Plan.WRONG_PERSON,
        instrument="signs-of-imbalance",
        due_in_days=7,
    ),
)


def add_demo_couples(practice: Practice, users: dict[str, User]) -> None:
    """Adds the demo couples the practice does not have yet (runs inside its scope)."""
    if not InstrumentVersion.objects.filter(instrument__slug=INVENTORY).exists():
        load_library()
    existing = {
        (a, b)
        for a, b in Couple.objects.filter(practice=practice).values_list(
            "partner_a__display_name", "partner_b__display_name"
        )
    }
    for spec in DEMO_COUPLES:
        if (spec.a.display_name, spec.b.display_name) not in existing:
            _add(practice, users, spec)


def _add(practice: Practice, users: dict[str, User], spec: DemoCouple) -> None:
    counsellor = Membership.objects.get(practice=practice, user=users[spec.counsellor])
    couple = services.couple_create(
        practice=practice, partner_a=spec.a, partner_b=spec.b, counsellors=[counsellor]
    )
    if spec.plan == Plan.NEW:
        return
    version = InstrumentVersion.objects.current().get(instrument__slug=spec.instrument)
    today = timezone.localdate()
    due = today + timedelta(days=spec.due_in_days) if spec.due_in_days is not None else None
    future_due = due if due is not None and due >= today else None
    new = assignments_services.assignment_create(
        couple=couple, instrument_version=version, created_by=counsellor, due_date=future_due
    )
    assignment = new.assignment
    if due is not None and future_due is None:
        # The service refuses a due date in the past; the demo wants one that has just passed.
        Assignment.objects.filter(pk=assignment.pk).update(due_date=due)
    invitations = {i.partner: i for i in Invitation.objects.filter(assignment=assignment)}
    rng = random.Random(f"{SEED}-{spec.a.display_name}")  # noqa: S311 - demo data, not secrets
    if spec.plan == Plan.HALF_DONE:
        _answer(invitations[Partner.A], rng, share=0.5)
        _answer(invitations[Partner.B], rng, share=0.0)
    elif spec.plan in (Plan.SUBMITTED, Plan.ARCHIVED):
        _answer(invitations[Partner.A], rng, share=1.0, submit=True)
        _answer(invitations[Partner.B], rng, share=1.0, submit=True)
    elif spec.plan == Plan.WRONG_PERSON:
        _answer(invitations[Partner.A], rng, share=1.0, submit=True)
        services.invitation_report_wrong_person(invitation=invitations[Partner.B])
    if spec.plan == Plan.ARCHIVED:
        services.couple_set_status(couple=couple, status=Couple.Status.ARCHIVED)


def _answer(
    invitation: Invitation, rng: random.Random, *, share: float, submit: bool = False
) -> None:
    """The partner opens their link, consents and answers `share` of the questions in the order
    they were shown."""
    invitation.opened_at = timezone.now() - timedelta(days=2)
    invitation.save(update_fields=["opened_at"])
    services.invitation_consent(invitation=invitation)
    response = respond_services.response_for_invitation(invitation=invitation)
    items = {item["id"]: item for item in invitation.assignment.instrument_version.items}
    order = response.item_order or list(items)
    chosen = order[: round(len(order) * share)]
    if chosen:
        answers = {item_id: _value(items[item_id], invitation.partner, rng) for item_id in chosen}
        response = respond_services.response_save_answers(
            response=response, revision=response.revision, answers=answers
        )
    if submit:
        respond_services.response_submit(response=response)


def _value(item: dict[str, Any], side: str, rng: random.Random) -> int:
    """A plausible answer: both partners see A holding the money, B feels it; no safety flags."""
    if item["sensitivity"] == "safety":
        return 1
    in_finances = item["area"] == "finances"
    if item["kind"] == "share":
        if in_finances:
            # 1 = "almost always me": A says A decides, B says "my partner" does.
            return rng.choice([1, 2, 2]) if side == Partner.A else rng.choice([4, 4, 5])
        return rng.choice([2, 3, 3, 3, 4])
    healthy = (
        rng.choice([2, 2, 3]) if in_finances and side == Partner.B else rng.choice([3, 4, 4, 5])
    )
    return 6 - healthy if item["reverse"] else healthy


if add_demo_couples not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(add_demo_couples)
