from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_scopes import scope

from assessments.demo import PARTNERS, REVIEW_PARTNERS, SUMMARY_PARTNERS
from assessments.models import Comparison, SharedSummary, SummaryLink
from practice.models import Practice, User

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_reassessment_trend_and_a_safety_flag(library: None) -> None:
    call_command("seed_demo", slug="demo", password="pw")
    call_command("seed_demo", slug="demo", password="pw")

    practice = Practice.objects.get(slug="demo")
    with scope(practice=practice):
        ellis = (
            Comparison.objects.filter(
                assignment__couple__partner_a__display_name="Morgan Ellis", status="done"
            )
            .order_by("finished_at")
            .select_related("assignment__instrument_version")
        )
        indices = [c.overall_index or 0 for c in ellis]
        flagged = [c for c in ellis if c.safety_level]

    assert len(indices) == 4
    assert indices[0] > indices[2]  # the inventory, then two check-ins showing improvement
    assert [c.safety_level for c in flagged] == ["caution"]


def test_the_counsellors_demo_caseload_shows_a_couple_in_safety_review(library: None) -> None:
    call_command("seed_demo", slug="demo", password="pw")
    call_command("seed_demo", slug="demo", password="pw")

    practice = Practice.objects.get(slug="demo")
    counsellor = User.objects.get(email="counsellor@demo.example")
    with scope(practice=practice):
        leila = (
            Comparison.objects.filter(
                assignment__couple__partner_a__display_name=REVIEW_PARTNERS[0].display_name,
                status="done",
            )
            .order_by("finished_at")
            .select_related("assignment__instrument_version")
        )
        history = [(c.safety_level, c.safety_cleared_at is not None) for c in leila]
        latest = leila.last()
    assert history == [("caution", True), ("urgent", False), ("", False)]
    assert latest is not None
    assert latest.overall_band == "balanced"

    web = Client()
    web.force_login(counsellor)
    body = web.get(f"/p/{practice.slug}/").content.decode()
    row = next(
        row
        for row in re.findall(r"<tr>.*?</tr>", body, flags=re.DOTALL)
        if REVIEW_PARTNERS[0].display_name in row
    )

    assert "Safety review" in row
    assert "Balanced" not in row
    assert f'<td class="num" data-label="Latest index">{latest.overall_index}</td>' in row
    assert f'<td data-label="From">{latest.assignment.instrument_version.title}</td>' in row
    ellis = next(
        row
        for row in re.findall(r"<tr>.*?</tr>", body, flags=re.DOTALL)
        if PARTNERS[0].display_name in row
    )
    assert "Check-in advised" in ellis


def test_the_demo_shows_one_released_shared_summary(
    library: None, jobs_run_at_once: None, django_capture_on_commit_callbacks: Any
) -> None:
    # The release's link emails are jobs sent as the seeding commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", slug="demo", password="pw")
    call_command("seed_demo", slug="demo", password="pw")

    practice = Practice.objects.get(slug="demo")
    with scope(practice=practice):
        released = list(SharedSummary.objects.filter(status="released"))
        assert len(released) == 1
        summary = released[0]
        assert summary.assignment.couple.partner_a.display_name == (
            SUMMARY_PARTNERS[0].display_name
        )
        kinds = [section["kind"] for section in summary.sections]
        assert kinds.count("work_on") == 2
        assert kinds.count("strength") >= 3
        assert SummaryLink.objects.filter(summary=summary, revoked_at__isnull=True).count() == 2
