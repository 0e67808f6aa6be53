"""The safety status rule (assessments.safety_status): a couple is in review while any of its
done comparisons has an open urgent flag, else in caution while one has an open caution flag,
however old; recording the check-ins closes a flag."""

from __future__ import annotations

import pytest
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.models import Comparison
from assessments.safety_status import (
    SafetyStatus,
    comparison_safety_status,
    open_flags,
    safety_status_of,
    with_safety_status,
)
from clients.models import Couple
from practice.models import Membership, Practice
from tests.factories import CoupleFactory
from tests.support.comparing import compared
from tests.support.flags import (
    check_ins_recorded,
    finished_days_ago,
    set_level,
    urgent_screener,
)

pytestmark = pytest.mark.django_db


def status(couple: Couple) -> str:
    with scope(practice=couple.practice):
        return safety_status_of(couple)


def own_status(comparison: Comparison) -> str:
    with scope(practice=comparison.practice):
        return str(
            Comparison.objects.filter(pk=comparison.pk)
            .annotate(status_now=comparison_safety_status())
            .values_list("status_now", flat=True)
            .get()
        )


def test_a_couple_without_flags_has_no_safety_status(
    assignment: NewAssignment, couple: Couple
) -> None:
    compared(assignment)

    assert status(couple) == SafetyStatus.NONE


def test_an_open_urgent_flag_puts_the_couple_in_review(
    library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    flagged = urgent_screener(couple, counsellor_membership)

    assert status(couple) == SafetyStatus.REVIEW
    assert own_status(flagged) == SafetyStatus.REVIEW


def test_an_open_caution_flag_puts_the_couple_in_caution(
    library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    flagged = set_level(urgent_screener(couple, counsellor_membership), "caution")

    assert status(couple) == SafetyStatus.CAUTION
    assert own_status(flagged) == SafetyStatus.CAUTION


def test_recording_the_check_ins_closes_the_flag(
    library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    flagged = urgent_screener(couple, counsellor_membership)

    check_ins_recorded(flagged, counsellor_membership)

    assert status(couple) == SafetyStatus.NONE
    assert own_status(flagged) == SafetyStatus.NONE


def test_an_urgent_flag_outranks_a_caution_flag_and_stays_after_the_caution_is_cleared(
    library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    caution = set_level(urgent_screener(couple, counsellor_membership), "caution")
    urgent = urgent_screener(couple, counsellor_membership)
    assert status(couple) == SafetyStatus.REVIEW

    check_ins_recorded(caution, counsellor_membership)
    assert status(couple) == SafetyStatus.REVIEW

    check_ins_recorded(urgent, counsellor_membership)
    assert status(couple) == SafetyStatus.NONE


def test_a_flag_stays_open_however_old_the_comparison(
    library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    finished_days_ago(urgent_screener(couple, counsellor_membership), 45)

    assert status(couple) == SafetyStatus.REVIEW


def test_a_flag_on_an_older_comparison_counts_when_a_newer_one_has_none(
    library: None, assignment: NewAssignment, couple: Couple, counsellor_membership: Membership
) -> None:
    finished_days_ago(urgent_screener(couple, counsellor_membership), 30)
    compared(assignment)

    assert status(couple) == SafetyStatus.REVIEW


def test_only_done_comparisons_count(
    library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    flagged = urgent_screener(couple, counsellor_membership)
    with scope(practice=couple.practice):
        Comparison.objects.filter(pk=flagged.pk).update(status=Comparison.Status.RUNNING)

    assert status(couple) == SafetyStatus.NONE


def test_another_couples_flag_never_counts(
    library: None,
    couple: Couple,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    other = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
    urgent_screener(other, counsellor_membership)

    with scope(practice=practice):
        statuses = {
            c.pk: c.safety_status  # type: ignore[attr-defined]
            for c in with_safety_status(Couple.objects.filter(practice=practice))
        }

    assert statuses == {couple.pk: SafetyStatus.NONE, other.pk: SafetyStatus.REVIEW}


def test_open_flags_lists_urgent_first_and_leaves_out_cleared_ones(
    library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    caution = set_level(urgent_screener(couple, counsellor_membership), "caution")
    cleared = urgent_screener(couple, counsellor_membership)
    check_ins_recorded(cleared, counsellor_membership)
    urgent = finished_days_ago(urgent_screener(couple, counsellor_membership), 60)

    with scope(practice=couple.practice):
        listed = [(c.pk, c.safety_status) for c in open_flags(couple)]  # type: ignore[attr-defined]

    assert listed == [(urgent.pk, SafetyStatus.REVIEW), (caution.pk, SafetyStatus.CAUTION)]
    assert cleared.pk not in [pk for pk, _ in listed]
