"""Building done comparisons in-process (the worker tests cover the broker path)."""

from __future__ import annotations

from django_scopes import scope

from assessments.assignments.services import NewAssignment, assignment_create
from assessments.comparisons import services as comparisons
from assessments.models import Comparison, InstrumentVersion
from clients.models import Couple
from practice.models import Membership
from tests.support.answering import Answerer, both_equally, submit


def a_holds_the_say(item: dict[str, object]) -> int:
    if item["sensitivity"] == "safety":
        return 1
    if item["kind"] == "share":
        return 1  # "almost always me"
    return 2 if item["reverse"] else 4


def b_agrees_a_holds_the_say(item: dict[str, object]) -> int:
    if item["sensitivity"] == "safety":
        return 1
    if item["kind"] == "share":
        return 5  # "almost always my partner"
    return 4 if item["reverse"] else 2


def b_reports_fear(item: dict[str, object]) -> int:
    """Partner B endorses every safety item 'often' (urgent); the rest is balanced."""
    if item["sensitivity"] == "safety":
        return 4
    return both_equally(item)


def assign(couple: Couple, slug: str, by: Membership) -> NewAssignment:
    version = InstrumentVersion.objects.current().get(instrument__slug=slug)
    with scope(practice=couple.practice):
        return assignment_create(couple=couple, instrument_version=version, created_by=by)


def compared(
    new: NewAssignment, a: Answerer = both_equally, b: Answerer = both_equally
) -> Comparison:
    submit(new.assignment, "a", a)
    submit(new.assignment, "b", b)
    with scope(practice=new.assignment.practice):
        comparison = Comparison.objects.filter(assignment=new.assignment).latest("created_at")
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        comparisons.comparison_finish(comparison_id=comparison.pk)
        # Loaded with what tests read from it: outside the practice's scope the database would
        # not load a related row later.
        return Comparison.objects.select_related(
            "practice",
            "assignment__instrument_version",
            "assignment__couple__partner_a",
            "assignment__couple__partner_b",
            "response_a",
            "response_b",
        ).get(pk=comparison.pk)
