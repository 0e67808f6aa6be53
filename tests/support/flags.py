"""Safety flags on done comparisons, as the tests of the safety status need them.

An urgent flag is raised through real answers (partner B endorses every safety item "often").
Other states are set on the stored columns the status is read from: which answer makes a caution
flag is the scoring's business, and a flag's age is only its `finished_at`."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope

from assessments.comparisons import services as comparisons
from assessments.models import Comparison
from clients.models import Couple
from practice.models import Membership
from tests.support.comparing import assign, b_reports_fear, compared

SCREENER = "signs-of-imbalance"


def urgent_screener(couple: Couple, by: Membership) -> Comparison:
    """The screener, compared, with an open urgent flag (B reports fear)."""
    comparison = compared(assign(couple, SCREENER, by), b=b_reports_fear)
    assert comparison.safety_level == "urgent"
    return comparison


def set_level(comparison: Comparison, level: str) -> Comparison:
    with scope(practice=comparison.practice):
        Comparison.objects.filter(pk=comparison.pk).update(safety_level=level)
        comparison.refresh_from_db()
    return comparison


def finished_days_ago(comparison: Comparison, days: int) -> Comparison:
    when = timezone.now() - timedelta(days=days)
    with scope(practice=comparison.practice):
        Comparison.objects.filter(pk=comparison.pk).update(
            created_at=when, queued_at=when, started_at=when, finished_at=when
        )
        comparison.refresh_from_db()
    return comparison


def check_ins_recorded(comparison: Comparison, by: Membership) -> Comparison:
    with scope(practice=comparison.practice):
        comparisons.safety_clear(comparison=comparison, by=by)
        comparison.refresh_from_db()
    return comparison
