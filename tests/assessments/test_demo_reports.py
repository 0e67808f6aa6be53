from __future__ import annotations

import pytest
from django.core.management import call_command
from django_scopes import scope

from assessments.models import Comparison
from practice.models import Practice

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_reassessment_trend_and_a_safety_flag(library: None) -> None:
    call_command("seed_demo", slug="demo", password="pw")
    call_command("seed_demo", slug="demo", password="pw")

    practice = Practice.objects.get(slug="demo")
    with scope(practice=practice):
        ellis = Comparison.objects.filter(
            assignment__couple__partner_a__display_name="Morgan Ellis", status="done"
        ).order_by("finished_at")
        indices = [c.overall_index or 0 for c in ellis]
        flagged = [c for c in ellis if c.safety_level]

    assert len(indices) == 4
    assert indices[0] > indices[2]  # the inventory, then two check-ins showing improvement
    assert [c.safety_level for c in flagged] == ["caution"]
