"""Demo reports for `make run`: a couple assessed three times (a trend with a reliable change)
and a screener with a safety flag, compared at once so the reports and dashboards show data
before the worker has run."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from assessments import comparisons
from assessments import services as assessment_services
from assessments.models import Comparison, InstrumentVersion
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


def add_demo_reports(practice: Practice, users: dict[str, User]) -> None:
    counsellor = Membership.objects.get(practice=practice, user=users["counsellor"])
    if Couple.objects.filter(
        practice=practice, partner_a__display_name=PARTNERS[0].display_name
    ).exists():
        return
    couple = client_services.couple_create(
        practice=practice, partner_a=PARTNERS[0], partner_b=PARTNERS[1], counsellors=[counsellor]
    )
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    for slug, days_ago, strength, safety in HISTORY:
        version = InstrumentVersion.objects.current().get(instrument__slug=slug)
        new = assessment_services.assignment_create(
            couple=couple, instrument_version=version, created_by=counsellor
        )
        for invitation in Invitation.objects.filter(assignment=new.assignment):
            client_services.invitation_consent(invitation=invitation)
            response = assessment_services.response_for_invitation(invitation=invitation)
            answers = {
                item["id"]: _answer(item, invitation.partner, strength, safety, rng)
                for item in version.items
            }
            response = assessment_services.response_save_answers(
                response=response, revision=response.revision, answers=answers
            )
            assessment_services.response_submit(response=response)
        comparison = Comparison.objects.get(assignment=new.assignment)
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        comparisons.comparison_finish(comparison_id=comparison.pk)
        when = timezone.now() - timedelta(days=days_ago)
        Comparison.objects.filter(pk=comparison.pk).update(
            created_at=when, queued_at=when, started_at=when, finished_at=when
        )


DEMO_EXTENSIONS.append(add_demo_reports)
