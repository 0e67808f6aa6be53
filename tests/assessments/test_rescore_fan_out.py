"""Re-scoring a whole practice as batch jobs: progress counted on a RescoreRun, every replaced
result kept as history, and each batch done exactly once however often it is delivered."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from assessments.comparisons import rescoring
from assessments.comparisons.tasks import rescore_batch
from assessments.engine import scoring
from assessments.models import Comparison, ComparisonHistory, RescoreBatch, RescoreRun
from clients.models import Couple
from practice.models import Membership, Practice, User
from tests.practice.test_operator import admin_sign_in
from tests.support.comparing import (
    a_holds_the_say,
    assign,
    b_agrees_a_holds_the_say,
    b_reports_fear,
    compared,
)

INSTRUMENTS = ("balance-of-power-inventory", "balance-check-in", "signs-of-imbalance")


def three_done(couple: Couple, by: Membership) -> dict[int, Any]:
    """Three done comparisons of the couple, by id, with their results."""
    made = [
        compared(assign(couple, INSTRUMENTS[0], by), a_holds_the_say, b_agrees_a_holds_the_say),
        compared(assign(couple, INSTRUMENTS[1], by)),
        compared(assign(couple, INSTRUMENTS[2], by), b=b_reports_fear),
    ]
    assert all(c.status == Comparison.Status.DONE for c in made)
    return {c.pk: c.result for c in made}


def make_stale(practice: Practice) -> None:
    with scope(practice=practice):
        Comparison.objects.filter(practice=practice).update(algorithm_version="0.9")


def stored_results(practice: Practice) -> dict[int, Any]:
    with scope(practice=practice):
        return dict(Comparison.objects.filter(practice=practice).values_list("pk", "result"))


@pytest.mark.django_db
def test_a_batch_delivered_twice_is_counted_once_and_kept_as_history_once(
    library: None,
    couple: Couple,
    counsellor_membership: Membership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    practice = couple.practice
    before = three_done(couple, counsellor_membership)
    make_stale(practice)

    with scope(practice=practice), django_capture_on_commit_callbacks() as callbacks:
        run = rescoring.rescore_start(practice=practice, batch_size=2)
    assert len(callbacks) == 2  # one job per batch, sent once the listing commits

    with scope(practice=practice), scopes_disabled():
        batches = list(RescoreBatch.objects.filter(run=run).order_by("pk"))
    for batch in [*batches, *batches, batches[0]]:  # every batch redelivered
        rescore_batch.apply(args=(practice.pk, batch.pk)).get()

    with scope(practice=practice):
        run = RescoreRun.objects.get(pk=run.pk)
        history = list(ComparisonHistory.objects.order_by("comparison_id"))
        versions = set(Comparison.objects.values_list("algorithm_version", flat=True))
    assert (run.total, run.done, run.rescored, run.failed) == (3, 3, 3, 0)
    assert (run.batches_total, run.batches_done) == (2, 2)
    assert run.finished_at is not None
    assert [h.comparison_id for h in history] == sorted(before)
    assert [h.algorithm_version for h in history] == ["0.9"] * 3
    assert {h.comparison_id: h.result for h in history} == before
    assert versions == {scoring.ALGORITHM_VERSION}
    assert stored_results(practice) == before
    assert "3 of 3 comparisons examined (100%), 3 re-scored, 0 failed; finished" in (
        rescoring.progress(run)
    )


@pytest.mark.django_db
def test_a_practice_without_comparisons_finishes_at_once(practice: Practice) -> None:
    with scope(practice=practice):
        run = rescoring.rescore_start(practice=practice)

    assert (run.total, run.batches_total) == (0, 0)
    assert run.finished_at is not None
    assert rescoring.latest_progress(practice).startswith("0 of 0 comparisons examined")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_rescore_command_fans_out_to_the_worker_and_shows_progress_to_the_end(
    celery_worker: Any,
    library: None,
    couple: Couple,
    counsellor_membership: Membership,
    capsys: pytest.CaptureFixture[str],
) -> None:
    practice = couple.practice
    before = three_done(couple, counsellor_membership)

    call_command("rescore", practice.slug, "--force", batch_size=1, timeout=60)

    out = capsys.readouterr().out
    assert "queued as 3 batch jobs" in out
    assert "3 of 3 comparisons examined (100%), 3 re-scored, 0 failed; finished in" in out
    with scope(practice=practice):
        assert ComparisonHistory.objects.count() == 3
    assert stored_results(practice) == before


@pytest.mark.django_db
def test_the_operators_practice_list_shows_the_latest_rescoring_progress(
    library: None,
    couple: Couple,
    counsellor_membership: Membership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    practice = couple.practice
    three_done(couple, counsellor_membership)
    with scope(practice=practice), django_capture_on_commit_callbacks():
        run = rescoring.rescore_start(practice=practice, force=True, batch_size=2)
    with scope(practice=practice), scopes_disabled():
        first = RescoreBatch.objects.filter(run=run).order_by("pk").first()
    assert first is not None
    rescore_batch.apply(args=(practice.pk, first.pk)).get()
    operator = User.objects.create_superuser(
        "operator@fulcrum.example", "operator-password", full_name="Op"
    )
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    web = Client()
    assert admin_sign_in(web, operator, device) == 302

    listing = web.get("/admin/practice/practice/").content.decode()

    assert "2 of 3 comparisons examined (67%), 2 re-scored, 0 failed; running for" in listing
