"""`seed_scale` (the benchmarks' practice at scale) at a tiny size: the rows it promises."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from assessments.models import Assignment, Comparison, Response
from assessments.scale_seed import FIRST_CHUNK, _chunks
from clients.models import Couple, Invitation
from practice.models import Membership, Practice

pytestmark = pytest.mark.django_db


def seed(slug: str = "scale", *extra: str) -> Practice:
    call_command(
        "seed_scale", "--slug", slug, "--couples", "6", "--counsellors", "3",
        "--assignments-per-couple", "2", "--caseload", "4", *extra, stdout=None,
    )  # fmt: skip
    return Practice.objects.get(slug=slug)


def test_seed_scale_builds_couples_with_completed_assignments_and_done_comparisons() -> None:
    practice = seed()

    with scope(practice=practice):
        assert Couple.objects.count() == 6
        assert Membership.objects.filter(is_counsellor=True).count() == 3
        assert Assignment.objects.count() == 12
        assert Invitation.objects.count() == 24
        responses = list(Response.objects.all())
        assert len(responses) == 24
        assert all(r.submitted_at is not None and r.answered_count > 0 for r in responses)
        comparisons = list(Comparison.objects.all())
        assert len(comparisons) == 12
        assert all(c.status == Comparison.Status.DONE and c.result for c in comparisons)
        assert all(c.overall_band for c in comparisons)


def test_the_first_counsellor_gets_the_caseload_asked_for() -> None:
    practice = seed()

    with scope(practice=practice):
        first = Membership.objects.filter(is_counsellor=True).order_by("pk").first()
        assert Couple.objects.filter(counsellors=first).count() >= 4


def test_comparisons_can_be_left_pending_for_a_worker() -> None:
    practice = seed("pending", "--comparisons", "pending")

    with scope(practice=practice):
        statuses = set(Comparison.objects.values_list("status", flat=True))
    assert statuses == {Comparison.Status.PENDING}


def test_seeding_an_existing_slug_is_refused() -> None:
    seed()

    with pytest.raises(CommandError, match="exists"):
        seed()


def test_safety_disclosures_are_the_exception_most_often_among_strained_couples() -> None:
    import random

    from assessments.scale_seed import PROFILES, answers_for

    items = [
        {"id": f"s{n}", "kind": "frequency", "reverse": True, "sensitivity": "safety"}
        for n in range(6)
    ]
    rng = random.Random(1)
    flagged = {}
    for profile in PROFILES:
        partners = [answers_for(items, profile, n % 2, 0.0, rng) for n in range(2000)]
        assert {v for answers in partners for v in answers.values()} <= {1, 2, 3, 4, 5}
        flagged[profile.name] = sum(any(v > 1 for v in a.values()) for a in partners) / 2000
    # A couple in safety review is the exception in a seeded caseload, not the rule.
    assert all(0 < share < 0.2 for share in flagged.values()), flagged
    assert flagged["strained"] == max(flagged.values())


@pytest.mark.parametrize(("total", "size"), [(2_345, 1_000), (30, 1_000), (1_000, 1_000), (0, 10)])
def test_seeding_starts_with_a_small_chunk_then_covers_every_couple_once(
    total: int, size: int
) -> None:
    # The first transaction stays small so the new practice has planner statistics before the
    # rollup triggers' bulk statements run.
    chunks = list(_chunks(total, size))

    assert [n for chunk in chunks for n in chunk] == list(range(total))
    if chunks:
        assert len(chunks[0]) == min(total, FIRST_CHUNK)
        assert all(len(chunk) <= size for chunk in chunks[1:])
