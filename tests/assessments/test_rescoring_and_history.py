from __future__ import annotations

import pytest
from django.core.management import call_command
from django_scopes import scope

from assessments.assignments.services import NewAssignment, response_reopen
from assessments.comparisons import services as comparisons
from assessments.engine import scoring
from assessments.models import Comparison, ComparisonHistory, Topic
from assessments.respond.services import response_submit
from practice.models import Membership
from tests.support.answering import submit
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say

pytestmark = pytest.mark.django_db


def computed(new: NewAssignment) -> Comparison:
    """Runs the job's two steps in-process (the worker tests cover the broker path)."""
    practice = new.assignment.practice
    with scope(practice=practice):
        comparison = Comparison.objects.filter(assignment=new.assignment).latest("created_at")
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        comparisons.comparison_finish(comparison_id=comparison.pk)
        # With what the tests read from it (outside the scope the database loads no relation).
        return Comparison.objects.select_related(
            "practice", "assignment__couple", "response_a", "response_b"
        ).get(pk=comparison.pk)


@pytest.fixture
def done_comparison(assignment: NewAssignment) -> Comparison:
    submit(assignment.assignment, "a", a_holds_the_say)
    submit(assignment.assignment, "b", b_agrees_a_holds_the_say)
    return computed(assignment)


def test_a_couple_where_both_say_a_decides_scores_as_severe_towards_a(
    done_comparison: Comparison,
) -> None:
    result = done_comparison.as_result()

    assert result is not None
    assert done_comparison.overall_band == "severe"
    assert all(area.direction == "a" for area in result.areas if area.scored)
    assert done_comparison.top_area in {area.slug for area in result.areas}


def test_rescoring_replaces_results_of_an_older_algorithm_and_keeps_them_as_history(
    done_comparison: Comparison,
) -> None:
    practice = done_comparison.practice
    with scope(practice=practice):
        Comparison.objects.filter(pk=done_comparison.pk).update(algorithm_version="0.9")
        report = comparisons.rescore(practice=practice)
        history = list(ComparisonHistory.objects.filter(comparison=done_comparison))
        fresh = Comparison.objects.get(pk=done_comparison.pk)

    assert (report.examined, report.rescored) == (1, 1)
    assert [h.algorithm_version for h in history] == ["0.9"]
    assert history[0].result == done_comparison.result
    assert fresh.algorithm_version == scoring.ALGORITHM_VERSION
    assert fresh.result == done_comparison.result


def test_rescoring_follows_a_change_in_the_topic_library(done_comparison: Comparison) -> None:
    Topic.objects.filter(slug="shared-decision-making").update(content_hash="changed")
    practice = done_comparison.practice

    with scope(practice=practice):
        report = comparisons.rescore(practice=practice)

    assert report.rescored == 1


def test_rescoring_leaves_up_to_date_results_alone(done_comparison: Comparison) -> None:
    practice = done_comparison.practice
    with scope(practice=practice):
        report = comparisons.rescore(practice=practice)
        assert not ComparisonHistory.objects.exists()

    assert (report.examined, report.rescored) == (1, 0)


def test_the_rescore_command_works_for_one_couple_in_batches(
    done_comparison: Comparison, capsys: pytest.CaptureFixture[str]
) -> None:
    couple = done_comparison.assignment.couple
    with scope(practice=done_comparison.practice):
        Comparison.objects.filter(pk=done_comparison.pk).update(algorithm_version="0.9")

    call_command(
        "rescore", done_comparison.practice.slug, couple=str(couple.public_id), batch_size=1
    )

    assert "examined 1, re-scored 1" in capsys.readouterr().out


def test_a_reopened_submission_produces_a_new_comparison_and_keeps_the_first(
    done_comparison: Comparison, assignment: NewAssignment, counsellor_membership: Membership
) -> None:
    practice = assignment.assignment.practice
    with scope(practice=practice):
        first_a = done_comparison.response_a
        response_reopen(response=first_a, by=counsellor_membership, reason="Wrong form filled")
    submit(assignment.assignment, "a", a_holds_the_say)

    second = computed(assignment)

    with scope(practice=practice):
        rows = list(Comparison.objects.filter(assignment=assignment.assignment))
    assert len(rows) == 2
    assert second.response_a.answers_version == 2
    assert second.response_b_id == done_comparison.response_b_id
    assert rows[1].pk == done_comparison.pk
    assert rows[1].status == Comparison.Status.DONE


def test_submitting_twice_requests_one_comparison(assignment: NewAssignment) -> None:
    submit(assignment.assignment, "a")
    response = submit(assignment.assignment, "b")
    with scope(practice=assignment.assignment.practice):
        response_submit(response=response)
        assert Comparison.objects.filter(assignment=assignment.assignment).count() == 1
