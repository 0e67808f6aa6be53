"""Demo reports for `make run`, compared at once so the reports and dashboards show data before
the worker has run: a couple assessed three times (a trend with a reliable change) and a screener
with a caution flag; and a couple in safety review, whose urgent flag from a month ago is still
open (an earlier caution flag was followed by check-ins) while their latest result reads as
balanced; and a couple after their feedback session, with a session agenda and a released
shared summary."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from django.utils import timezone

from assessments.assignments import services as assignments_services
from assessments.comparisons import services as comparisons
from assessments.models import Assignment, Comparison, InstrumentVersion
from assessments.reports import agenda as agendas
from assessments.respond import services as respond_services
from assessments.summary import services as summaries
from clients import services as client_services
from clients.models import Couple, Invitation
from clients.services import PartnerDetails
from practice.demo import DEMO_EXTENSIONS
from practice.models import Membership, Practice, User

PARTNERS = (
    PartnerDetails("Morgan Ellis", "morgan.ellis@clients.example", "she/her"),
    PartnerDetails("Casey Ellis", "casey.ellis@clients.example", "he/him"),
)
# (instrument, days ago, how strongly A holds the say: 1.0 = strongly, 0 = balanced, safety)
HISTORY = (
    ("balance-of-power-inventory", 120, 1.0, False),
    ("balance-check-in", 60, 0.6, False),
    ("balance-check-in", 14, 0.2, False),
    ("signs-of-imbalance", 7, 0.5, True),
)


REVIEW_PARTNERS = (
    PartnerDetails("Leila Farah", "leila.farah@clients.example", "she/her"),
    PartnerDetails("Theo Lindqvist", "", "he/him"),
)
# (instrument, days ago, what Theo (B) answers to the safety items, check-ins recorded after)
REVIEW_HISTORY = (
    ("signs-of-imbalance", 75, 2, 3),  # "rarely": a caution flag, check-ins two days later
    ("signs-of-imbalance", 35, 4, None),  # "often": an urgent flag, still open
    ("balance-of-power-inventory", 10, 1, None),  # no safety item endorsed; balanced on its own
)

# A couple after their feedback session: the inventory, a session agenda and a released summary.
SUMMARY_PARTNERS = (
    PartnerDetails("Hana Kowalski", "hana.kowalski@clients.example", "she/her"),
    PartnerDetails("Luis Moreno", "luis.moreno@clients.example", "he/him"),
)
SUMMARY_DAYS_AGO = 21
# Where Hana (A) holds most of the say and Luis is less content; healthy everywhere else.
SUMMARY_STRUGGLES = ("finances", "communication")


def _answer(item: dict[str, Any], side: str, strength: float, safety: bool, rng: Any) -> int:
    if item["sensitivity"] == "safety":
        # Casey (B) endorses one safety item 'sometimes': a caution flag.
        return 3 if safety and side == "b" and item["id"] == "soi-cf-05" else 1
    if item["kind"] == "share":
        lean = rng.random() < strength
        if side == "a":
            return 1 if lean else 3
        return 5 if lean else 3
    healthy = 5 if item["reverse"] is False else 1
    if side == "b" and rng.random() < strength:
        return 2 if item["reverse"] is False else 4
    return healthy if rng.random() < 0.7 else (4 if item["reverse"] is False else 2)


def _review_answer(item: dict[str, Any], side: str, safety_answer: int) -> int:
    """Balanced and healthy throughout, except Theo's (B's) answers to the safety items."""
    if item["sensitivity"] == "safety":
        # Only the graded frequency items: "rarely" on an any-endorsement item would be urgent.
        graded = item["kind"] == "frequency" and item.get("flag", "graded") == "graded"
        return safety_answer if side == "b" and graded else 1
    if item["kind"] == "share":
        return 3
    return 1 if item["reverse"] else 5


def _compared(
    couple: Couple,
    counsellor: Membership,
    slug: str,
    days_ago: int,
    answer: Callable[[dict[str, Any], str], int],
) -> Comparison:
    """Assigns the instrument, has both partners answer and submit, compares at once, and
    dates it all `days_ago`."""
    version = InstrumentVersion.objects.current().get(instrument__slug=slug)
    new = assignments_services.assignment_create(
        couple=couple, instrument_version=version, created_by=counsellor
    )
    for invitation in Invitation.objects.filter(assignment=new.assignment):
        client_services.invitation_consent(invitation=invitation)
        response = respond_services.response_for_invitation(invitation=invitation)
        answers = {item["id"]: answer(item, invitation.partner) for item in version.items}
        response = respond_services.response_save_answers(
            response=response, revision=response.revision, answers=answers
        )
        respond_services.response_submit(response=response)
    comparison = Comparison.objects.get(assignment=new.assignment)
    comparisons.comparison_start_attempt(comparison_id=comparison.pk)
    comparisons.comparison_finish(comparison_id=comparison.pk)
    when = timezone.now() - timedelta(days=days_ago)
    Comparison.objects.filter(pk=comparison.pk).update(
        created_at=when, queued_at=when, started_at=when, finished_at=when
    )
    # Assigned a week before it was compared, so the couple page reads as a timeline.
    Assignment.objects.filter(pk=new.assignment.pk).update(created_at=when - timedelta(days=7))
    return comparison


def _new_couple(
    practice: Practice, counsellor: Membership, partners: tuple[PartnerDetails, PartnerDetails]
) -> Couple | None:
    """The couple, created; None when the demo already has it."""
    if Couple.objects.filter(
        practice=practice, partner_a__display_name=partners[0].display_name
    ).exists():
        return None
    return client_services.couple_create(
        practice=practice, partner_a=partners[0], partner_b=partners[1], counsellors=[counsellor]
    )


def _summary_answer(item: dict[str, Any], side: str) -> int:
    if item["sensitivity"] == "safety":
        return 1
    struggling = item["area"] in SUMMARY_STRUGGLES
    if item["kind"] == "share":
        return (1 if side == "a" else 5) if struggling else 3
    if struggling and side == "b":
        return 4 if item["reverse"] else 2
    return 1 if item["reverse"] else 5


def _released_summary(comparison: Comparison, counsellor: Membership) -> None:
    """The session agenda (the top two suggested topics) and the couple's shared summary,
    released after the feedback session (its emails go out as for any release)."""
    comparison.refresh_from_db()
    result = comparison.as_result()
    assert result is not None
    agenda = agendas.agenda_for_assignment(assignment=comparison.assignment, created_by=counsellor)
    agendas.agenda_add_topics(
        agenda=agenda,
        comparison=comparison,
        topic_slugs=[topic.slug for topic in result.topics[:2]],
    )
    summaries.summary_release(assignment=comparison.assignment, by=counsellor)


def add_demo_reports(practice: Practice, users: dict[str, User]) -> None:
    counsellor = Membership.objects.get(practice=practice, user=users["counsellor"])
    couple = _new_couple(practice, counsellor, PARTNERS)
    if couple is not None:
        rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
        for slug, days_ago, strength, safety in HISTORY:
            _compared(
                couple,
                counsellor,
                slug,
                days_ago,
                partial(_answer, strength=strength, safety=safety, rng=rng),
            )
    couple = _new_couple(practice, counsellor, REVIEW_PARTNERS)
    if couple is not None:
        for slug, days_ago, safety_answer, cleared_after in REVIEW_HISTORY:
            comparison = _compared(
                couple,
                counsellor,
                slug,
                days_ago,
                partial(_review_answer, safety_answer=safety_answer),
            )
            if cleared_after is not None:
                comparisons.safety_clear(comparison=comparison, by=counsellor)
                cleared = timezone.now() - timedelta(days=days_ago - cleared_after)
                Comparison.objects.filter(pk=comparison.pk).update(safety_cleared_at=cleared)
    couple = _new_couple(practice, counsellor, SUMMARY_PARTNERS)
    if couple is not None:
        comparison = _compared(
            couple, counsellor, "balance-of-power-inventory", SUMMARY_DAYS_AGO, _summary_answer
        )
        _released_summary(comparison, counsellor)


DEMO_EXTENSIONS.append(add_demo_reports)
