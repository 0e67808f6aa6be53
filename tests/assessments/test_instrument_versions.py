"""Version 1 and version 2 of an instrument side by side: an assignment keeps the version it was
given with, and is scored and re-scored with that version's items, whatever is current."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_scopes import scope

from assessments.comparisons import services as comparisons
from assessments.engine import scoring
from assessments.library.loader import load_library
from assessments.models import Comparison, InstrumentVersion
from clients.models import Couple
from practice.models import Membership
from tests.support.comparing import assign, compared

pytestmark = pytest.mark.django_db

LIBRARY_V1 = Path(__file__).parent / "data" / "library_v1"
SCREENER = "signs-of-imbalance"


def guilt_sometimes(item: dict[str, object]) -> int:
    """Balanced, but 'sometimes' made to feel guilty: a safety item in version 1 only."""
    if item["id"] == "soi-cf-02":
        return 3
    if item["kind"] == "share":
        return 3
    return 1 if item["reverse"] else 5


@pytest.fixture
def old_assignment_comparison(couple: Couple, counsellor_membership: Membership) -> Comparison:
    """The screener given and answered while version 1 was current, then version 2 loaded."""
    load_library(sorted(LIBRARY_V1.glob("*.yaml")))
    old = compared(assign(couple, SCREENER, counsellor_membership), b=guilt_sometimes)
    load_library()
    return old


def test_a_new_assignment_gets_version_2_while_the_old_one_keeps_version_1(
    old_assignment_comparison: Comparison, couple: Couple, counsellor_membership: Membership
) -> None:
    new = compared(assign(couple, SCREENER, counsellor_membership), b=guilt_sometimes)

    old_result = old_assignment_comparison.as_result()
    new_result = new.as_result()
    assert old_result is not None
    assert new_result is not None
    assert (old_result.instrument_version, new_result.instrument_version) == (1, 2)
    # The guilt item was a safety item in version 1 and is a clinician item in version 2.
    assert [flag.item_id for flag in old_result.safety_flags] == ["soi-cf-02"]
    assert new_result.safety_flags == ()
    assert {
        version.version for version in InstrumentVersion.objects.filter(instrument__slug=SCREENER)
    } == {1, 2}


def test_rescoring_keeps_each_assignment_on_its_own_version(
    old_assignment_comparison: Comparison, couple: Couple, counsellor_membership: Membership
) -> None:
    new = compared(assign(couple, SCREENER, counsellor_membership), b=guilt_sometimes)
    practice = couple.practice

    with scope(practice=practice):
        report = comparisons.rescore(practice=practice, force=True)
        old = Comparison.objects.select_related("assignment__instrument_version").get(
            pk=old_assignment_comparison.pk
        )
        fresh = Comparison.objects.get(pk=new.pk)

    assert report.rescored == 2
    old_result, new_result = old.as_result(), fresh.as_result()
    assert old_result is not None
    assert new_result is not None
    assert old_result.instrument_version == 1
    assert new_result.instrument_version == 2
    assert old.algorithm_version == new.algorithm_version == scoring.ALGORITHM_VERSION
    assert old.safety_level == "caution"
    v1_items = {item["id"] for item in old.assignment.instrument_version.items}
    assert {d.item_id for d in old_result.disagreements} <= v1_items
    assert old_result.areas == old_assignment_comparison.as_result().areas  # type: ignore[union-attr]


def test_version_1_safety_items_stay_out_of_every_score_after_rescoring(
    old_assignment_comparison: Comparison, couple: Couple
) -> None:
    practice = couple.practice
    with scope(practice=practice):
        comparisons.rescore(practice=practice, force=True)
        old = Comparison.objects.select_related("assignment__instrument_version").get(
            pk=old_assignment_comparison.pk
        )
    result = old.as_result()
    assert result is not None

    # Version 1's coercion area has no wellbeing item but safety items: it cannot be scored.
    coercion = result.area("coercion-fear")
    assert not coercion.scored
    assert coercion.item_count == 1
    assert all(area.wellbeing_b in (None, 100.0) for area in result.areas)
