"""The dashboard's flags (`Assignment.settled` and `closed`, `Comparison.latest_of_couple`,
kept by database triggers) always equal what they stand for, and the dashboard always shows
the numbers of the scans over the whole history it replaced, after any mix of the product's
own operations: assigning, answering, submitting, comparing, re-scoring, reopening answers,
archiving and reactivating couples, erasing a partner and offboarding another practice."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.db.models import Count, Exists, F, FilteredRelation, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from assessments.assignments.services import assignment_create, response_reopen
from assessments.comparisons import services as comparisons
from assessments.dashboard import selectors as dashboard
from assessments.models import Assignment, Comparison, InstrumentVersion, Response
from assessments.safety_status import SafetyStatus, safety_status_of
from clients.models import Couple, Invitation
from clients.privacy.erasure import client_erase
from clients.privacy.offboarding import practice_offboard
from clients.services import PartnerDetails, couple_create, couple_set_status
from practice.models import Membership, Practice
from tests.factories import MembershipFactory
from tests.support.answering import answer_all, submit
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say, b_reports_fear

pytestmark = pytest.mark.django_db

_DONE = Comparison.Status.DONE
_ACTIVE = Couple.Status.ACTIVE
ANSWERERS = (a_holds_the_say, b_agrees_a_holds_the_say, b_reports_fear)


# The queries the flags replaced, kept here as the reference ---------------------------------------


def _partner_rows(partner: str) -> dict[str, FilteredRelation]:
    return {
        f"responses_{partner}": FilteredRelation(
            "responses", condition=Q(responses__partner=partner)
        ),
        f"invitation_{partner}": FilteredRelation(
            "invitations", condition=Q(invitations__partner=partner)
        ),
    }


def reference_assignment_counts(practice: Practice, today: datetime.date) -> dict[str, int]:
    rows = (
        Assignment.objects.filter(practice=practice)
        .alias(
            **_partner_rows("a"),
            **_partner_rows("b"),
            done_comparisons=FilteredRelation(
                "comparisons", condition=Q(comparisons__status=_DONE)
            ),
        )
        .values("pk")
        .annotate(
            couple_status=Max("couple__status"),
            due=Max("due_date"),
            a_version=Max("responses_a__answers_version"),
            a_submitted_version=Max(
                "responses_a__answers_version", filter=Q(responses_a__submitted_at__isnull=False)
            ),
            b_version=Max("responses_b__answers_version"),
            b_submitted_version=Max(
                "responses_b__answers_version", filter=Q(responses_b__submitted_at__isnull=False)
            ),
            a_answered=Max("responses_a__answered_count"),
            b_answered=Max("responses_b__answered_count"),
            a_opened=Max("invitation_a__opened_at"),
            b_opened=Max("invitation_b__opened_at"),
            last_done=Max("done_comparisons__finished_at"),
        )
        .order_by()
    )
    a_sub = Q(a_submitted_version__isnull=False, a_submitted_version=F("a_version"))
    b_sub = Q(b_submitted_version__isnull=False, b_submitted_version=F("b_version"))
    open_ = Q(couple_status=_ACTIVE) & ~(a_sub & b_sub)
    compared = Q(last_done__isnull=False)
    both = (a_sub & b_sub) | compared
    one = a_sub | b_sub | both
    in_progress = Q(a_answered__gt=0) | Q(b_answered__gt=0) | one
    opened = Q(a_opened__isnull=False) | Q(b_opened__isnull=False) | in_progress
    return rows.aggregate(
        assigned=Count("pk"),
        opened=Count("pk", filter=opened),
        in_progress=Count("pk", filter=in_progress),
        one_submitted=Count("pk", filter=one),
        both_submitted=Count("pk", filter=both),
        compared=Count("pk", filter=compared),
        open=Count("pk", filter=open_),
        overdue=Count("pk", filter=open_ & Q(due__lt=today)),
    )


def _reference_closed(practice: Practice) -> QuerySet[Assignment]:
    def responses(**conditions: Any) -> Exists:
        return Exists(Response.objects.filter(assignment_id=OuterRef("pk"), **conditions))

    return Assignment.objects.filter(
        responses(partner="a", submitted_at__isnull=False),
        responses(partner="b", submitted_at__isnull=False),
        ~responses(submitted_at__isnull=True),
        practice=practice,
    )


def reference_workloads(practice: Practice) -> list[tuple[int, int, int]]:
    active = Q(couples__status=_ACTIVE)
    members = (
        Membership.objects.filter(practice=practice, is_active=True, is_counsellor=True)
        .annotate(
            active_couples=Count("couples", filter=active, distinct=True),
            active_assignments=Count("couples__assignments", filter=active, distinct=True),
        )
        .order_by("pk")
        .values_list("pk", "active_couples", "active_assignments")
    )
    closed = dict(
        _reference_closed(practice)
        .filter(couple__status=_ACTIVE)
        .values("couple__counsellors")
        .annotate(closed=Count("pk"))
        .order_by()
        .values_list("couple__counsellors", "closed")
    )
    return [(pk, couples, total - closed.get(pk, 0)) for pk, couples, total in members]


def reference_latest(practice: Practice) -> set[int]:
    newer = Comparison.objects.filter(
        assignment__couple_id=OuterRef("assignment__couple_id"), status=_DONE
    ).filter(
        Q(finished_at__gt=OuterRef("finished_at"))
        | Q(finished_at=OuterRef("finished_at"), pk__gt=OuterRef("pk"))
    )
    return set(
        Comparison.objects.filter(practice=practice, status=_DONE)
        .filter(~Exists(newer))
        .values_list("pk", flat=True)
    )


# Checks -------------------------------------------------------------------------------------------


def assert_flags_and_numbers_match(practice: Practice, viewer: Membership, step: str) -> None:
    with scope(practice=practice):
        for assignment in Assignment.objects.filter(practice=practice):
            done = Comparison.objects.filter(assignment=assignment, status=_DONE).exists()
            answers = Response.objects.filter(assignment=assignment)
            draft = answers.filter(submitted_at=None).exists()
            submitted = set(answers.exclude(submitted_at=None).values_list("partner", flat=True))
            assert assignment.settled == (done and not draft), (step, assignment.pk)
            assert assignment.closed == (submitted == {"a", "b"} and not draft), step
        marked = set(
            Comparison.objects.filter(practice=practice, latest_of_couple=True).values_list(
                "pk", flat=True
            )
        )
        assert marked == reference_latest(practice), step

        now = timezone.now()
        today = timezone.localdate(now)
        shown = dashboard.practice_dashboard(practice, viewer, now=now)
        counts = reference_assignment_counts(practice, today)
        assert shown.stats.open_assignments == counts.pop("open"), step
        assert shown.stats.overdue_assignments == counts.pop("overdue"), step
        assert shown.funnel == dashboard.Funnel(**counts), step

        workloads = sorted(reference_workloads(practice), key=lambda row: (-row[1], -row[2]))
        assert [(w.active_couples, w.open_assignments) for w in shown.workloads] == [
            (couples, open_) for _, couples, open_ in workloads
        ], step

        latest = Comparison.objects.filter(
            pk__in=reference_latest(practice), assignment__couple__status=_ACTIVE
        )
        values = latest.values_list("overall_index", flat=True)
        indices = [index for index in values if index is not None]
        expected_mean = sum(indices) / len(indices) if indices else None
        assert shown.stats.mean_index == expected_mean, step

        in_review = [
            couple
            for couple in Couple.objects.filter(practice=practice, status=_ACTIVE)
            if safety_status_of(couple) == SafetyStatus.REVIEW
        ]
        assert shown.stats.safety_reviews == len(in_review), step


# The random walk ----------------------------------------------------------------------------------


class Walk:
    def __init__(self, practice: Practice, counsellors: list[Membership], seed: int) -> None:
        self.practice = practice
        self.counsellors = counsellors
        self.rng = random.Random(seed)
        self.versions = list(
            InstrumentVersion.objects.current().filter(
                instrument__slug__in=("balance-check-in", "signs-of-imbalance")
            )
        )
        self.made = 0

    def couples(self, **filters: Any) -> list[Couple]:
        with scope(practice=self.practice):
            return list(Couple.objects.filter(practice=self.practice, **filters).order_by("pk"))

    def assignments(self) -> list[Assignment]:
        with scope(practice=self.practice):
            return list(
                Assignment.objects.filter(practice=self.practice)
                .select_related("couple", "instrument_version")
                .order_by("pk")
            )

    def new_couple(self) -> str:
        self.made += 1
        with scope(practice=self.practice):
            couple_create(
                practice=self.practice,
                partner_a=PartnerDetails(f"Walk {self.made} A"),
                partner_b=PartnerDetails(f"Walk {self.made} B"),
                counsellors=self.rng.sample(
                    self.counsellors, self.rng.randint(1, len(self.counsellors))
                ),
            )
        return "new couple"

    def assign(self) -> str:
        couples = self.couples(status=_ACTIVE)
        if not couples:
            return self.new_couple()
        couple = self.rng.choice(couples)
        due = timezone.localdate() + datetime.timedelta(days=self.rng.choice((0, 1, 10)))
        with scope(practice=self.practice):
            assignment_create(
                couple=couple,
                instrument_version=self.rng.choice(self.versions),
                created_by=self.counsellors[0],
                due_date=due if self.rng.random() < 0.5 else None,
            )
        return "assign"

    def _may_answer(self, assignment: Assignment, side: str) -> bool:
        if not Invitation.objects.filter(assignment=assignment, partner=side).exists():
            return False
        latest = (
            Response.objects.filter(assignment=assignment, partner=side)
            .order_by("-answers_version")
            .first()
        )
        return latest is None or latest.submitted_at is None

    def answer(self) -> str:
        """A partner who still has something to answer (a link, and no submitted latest answers)
        answers all of it, and mostly submits."""
        with scope(practice=self.practice):
            waiting = [
                (assignment, side)
                for assignment in self.assignments()
                for side in "ab"
                if self._may_answer(assignment, side)
            ]
        if not waiting:
            return self.assign()
        assignment, side = self.rng.choice(waiting)
        answerer = self.rng.choice(ANSWERERS)
        if self.rng.random() < 0.3:
            answer_all(assignment, side, answerer)
            return "answer without submitting"
        submit(assignment, side, answerer)
        return "submit"

    def compare(self) -> str:
        with scope(practice=self.practice):
            pending = list(
                Comparison.objects.filter(practice=self.practice)
                .exclude(status=_DONE)
                .values_list("pk", flat=True)
            )
            for pk in pending:
                comparisons.comparison_start_attempt(comparison_id=pk)
                comparisons.comparison_finish(comparison_id=pk)
        return f"compare {len(pending)}"

    def reopen(self) -> str:
        with scope(practice=self.practice):
            submitted = list(
                Response.objects.filter(practice=self.practice, submitted_at__isnull=False)
                .exclude(
                    Exists(
                        Response.objects.filter(
                            assignment_id=OuterRef("assignment_id"),
                            partner=OuterRef("partner"),
                            answers_version__gt=OuterRef("answers_version"),
                        )
                    )
                )
                .order_by("pk")
            )
            if not submitted:
                return "reopen (nothing submitted)"
            response_reopen(
                response=self.rng.choice(submitted), by=self.counsellors[0], reason="Walk"
            )
        return "reopen"

    def rescore(self) -> str:
        with scope(practice=self.practice):
            report = comparisons.rescore(practice=self.practice, force=True)
        return f"rescore {report.rescored}"

    def archive_or_reactivate(self) -> str:
        couples = self.couples()
        if not couples:
            return self.new_couple()
        couple = self.rng.choice(couples)
        status = Couple.Status.ARCHIVED if couple.status == _ACTIVE else _ACTIVE
        with scope(practice=self.practice):
            couple_set_status(couple=couple, status=status)
        return f"set status {status}"

    def erase(self) -> str:
        couples = self.couples()
        if not couples:
            return self.new_couple()
        couple = self.rng.choice(couples)
        with scope(practice=self.practice):
            client_erase(client=self.rng.choice((couple.partner_a, couple.partner_b)),
                         by=self.counsellors[0])  # fmt: skip
        return "erase a partner"

    def step(self) -> str:
        moves = (
            (self.new_couple, 2),
            (self.assign, 4),
            (self.answer, 12),
            (self.compare, 3),
            (self.reopen, 2),
            (self.rescore, 1),
            (self.archive_or_reactivate, 1),
            (self.erase, 0.5),
        )
        move = self.rng.choices([m for m, _ in moves], weights=[w for _, w in moves])[0]
        return move()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_flags_and_the_dashboard_match_a_scan_of_the_whole_history(
    library: None,
    practice: Practice,
    other_practice: Practice,
    admin_membership: Membership,
    counsellor_membership: Membership,
    seed: int,
) -> None:
    colleague = MembershipFactory.create(practice=practice, is_counsellor=True)
    walk = Walk(practice, [counsellor_membership, colleague], seed)
    elsewhere = Walk(other_practice, [MembershipFactory.create(practice=other_practice)], seed)
    for _ in range(3):
        walk.new_couple()
        elsewhere.new_couple()
    for n in range(80):
        step = f"{n}: {walk.step()}"
        elsewhere.step()
        assert_flags_and_numbers_match(practice, admin_membership, step)

    with scopes_disabled():
        practice_offboard(practice=other_practice)
    assert_flags_and_numbers_match(practice, admin_membership, "after offboarding another")
