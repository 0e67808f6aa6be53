"""Practice dashboard: aggregates for admins, computed in the database.

Every number comes from a handful of aggregate queries (COUNT/AVG with filters, GROUP BY) so the
page costs the same few queries for ten couples or ten thousand. Nothing here returns a name or
an answer: counsellors are numbered by workload, couples are only ever counted.

Nor does the cost grow with history: flags kept by database triggers (migration 0008) stand
in for the scans over every assignment and comparison ever made. A *settled* assignment (a done
comparison, no draft answers) is compared, closed and past every funnel stage, so only the
unsettled ones are read row by row and the settled ones are counted; each couple's latest done
comparison is marked, so the headline and top areas read one row per couple.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments import safety_status as safety
from assessments.charts.base import BAND_LABELS, ChartView
from assessments.charts.practice import (
    funnel_chart,
    practice_trend_chart,
    top_areas_chart,
    workload_chart,
)
from assessments.engine.scoring import Band, ScoringParams, band_for
from assessments.models import Assignment, Comparison, InstrumentVersion
from clients.models import Couple
from practice.models import Membership, Practice

RECENT_DAYS = 30
TREND_MONTHS = 12
YOU = "You"

_ACTIVE = Couple.Status.ACTIVE
_DONE = Comparison.Status.DONE


@dataclass(frozen=True)
class HeadlineStats:
    active_couples: int
    open_assignments: int
    overdue_assignments: int
    recent_comparisons: int
    # Mean of each active couple's latest done comparison; None when none has an index.
    mean_index: float | None
    # Active couples whose safety status is `review` (an urgent flag without check-ins).
    safety_reviews: int = 0

    @property
    def mean_index_rounded(self) -> int | None:
        if self.mean_index is None:
            return None
        # Half away from zero, as the scoring engine and the charts round.
        return int(Decimal(repr(self.mean_index)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def mean_band(self) -> str | None:
        rounded = self.mean_index_rounded
        # Banded from the shown number, so "15" never reads as balanced.
        return None if rounded is None else band_for(rounded, ScoringParams()).value

    @property
    def mean_band_label(self) -> str:
        band = self.mean_band
        return "" if band is None else BAND_LABELS[band]


@dataclass(frozen=True)
class Funnel:
    assigned: int
    opened: int
    in_progress: int
    one_submitted: int
    both_submitted: int
    compared: int

    @property
    def stages(self) -> tuple[tuple[str, int], ...]:
        return (
            ("Assigned", self.assigned),
            ("Opened", self.opened),
            ("In progress", self.in_progress),
            ("One partner submitted", self.one_submitted),
            ("Both submitted", self.both_submitted),
            ("Compared", self.compared),
        )


@dataclass(frozen=True)
class WorkloadRow:
    label: str
    active_couples: int
    open_assignments: int


@dataclass(frozen=True)
class MonthPoint:
    month: datetime.date
    mean_index: float | None
    comparisons: int

    @property
    def label(self) -> str:
        return self.month.strftime("%b %Y")


@dataclass(frozen=True)
class Dashboard:
    stats: HeadlineStats
    funnel: Funnel
    top_areas: tuple[tuple[str, int], ...]
    workloads: tuple[WorkloadRow, ...]
    trend: tuple[MonthPoint, ...]

    @property
    def has_assignments(self) -> bool:
        return self.funnel.assigned > 0


# Building blocks ---------------------------------------------------------------------------------
# Every aggregate is one set-based pass: joins and GROUP BY, never an EXISTS per row in the select
# list. PostgreSQL runs a correlated EXISTS in an aggregate's FILTER once per row and once per
# mention, which made the funnel take seconds at 100,000 responses.


def _partner_rows(partner: str) -> dict[str, FilteredRelation]:
    return {
        f"responses_{partner}": FilteredRelation(
            "responses", condition=Q(responses__partner=partner)
        ),
        f"invitation_{partner}": FilteredRelation(
            "invitations", condition=Q(invitations__partner=partner)
        ),
    }


def _assignment_progress(practice: Practice) -> QuerySet[Assignment, Any]:
    """One row per unsettled assignment with what the funnel needs. Each join matches about one
    row per assignment (a partner's responses, a partner's invitation, a done comparison), so
    the rows stay as many as the assignments; MAX is unchanged by the odd duplicate from a
    reopen."""
    return (
        Assignment.objects.filter(practice=practice, settled=False)
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


# A partner's latest answers version is submitted when it is also their latest submitted one.
_A_SUBMITTED = Q(a_submitted_version__isnull=False, a_submitted_version=F("a_version"))
_B_SUBMITTED = Q(b_submitted_version__isnull=False, b_submitted_version=F("b_version"))
_BOTH_SUBMITTED = _A_SUBMITTED & _B_SUBMITTED
# Archiving a couple ends its work, so its unfinished assignments are no longer open.
_OPEN = Q(couple_status=_ACTIVE) & ~_BOTH_SUBMITTED


def _latest_done_comparisons(practice: Practice) -> QuerySet[Comparison]:
    """Each active couple's most recent done comparison, the one its counsellor now works from
    (latest `finished_at`, then highest id: marked `latest_of_couple` by the triggers)."""
    return Comparison.objects.filter(
        practice=practice, status=_DONE, latest_of_couple=True, assignment__couple__status=_ACTIVE
    )


def _couples_in_review(practice: Practice) -> QuerySet[Comparison, Any]:
    """How many active couples have an open urgent flag, counted from the flagged comparisons
    (a few) rather than by looking for one under every couple (thousands)."""
    return (
        Comparison.objects.filter(
            safety.open_flag(safety.URGENT),
            practice=practice,
            assignment__couple__status=_ACTIVE,
        )
        .order_by()
        .values("practice")
        .annotate(n=Count("assignment__couple", distinct=True))
        .values("n")
    )


def _practice_today(practice: Practice, now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now, zoneinfo.ZoneInfo(practice.timezone)).date()


def _prettified(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ").capitalize()


def _months_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


# Selectors ---------------------------------------------------------------------------------------


def _assignment_counts(practice: Practice, today: datetime.date) -> dict[str, int]:
    """The completion funnel and the open and overdue counts, in one aggregate query.

    Funnel stages count assignments (not partners), and each stage includes every later one: a
    partner who answered without the link being marked opened still counts as opened, and a
    compared assignment whose answers were since reopened still counts as both submitted."""
    compared = Q(last_done__isnull=False)
    both = _BOTH_SUBMITTED | compared
    one = _A_SUBMITTED | _B_SUBMITTED | both
    in_progress = Q(a_answered__gt=0) | Q(b_answered__gt=0) | one
    opened = Q(a_opened__isnull=False) | Q(b_opened__isnull=False) | in_progress
    settled = (
        Assignment.objects.filter(practice=practice, settled=True)
        .order_by()
        .values("practice")
        # COUNT(*), not COUNT(id): the partial index on settled rows then answers it alone.
        .annotate(n=Count("*"))
        .values("n")
    )
    # The aggregate names differ from the row annotations': an aggregate replaces an annotation
    # of the same name, and SQLite then reads the dangling quoted name as a (truthy) string.
    counts: dict[str, int] = _assignment_progress(practice).aggregate(
        unsettled=Count("pk"),
        # The settled ones counted in the same query; the sum stays right with no row to group.
        assigned=Count("pk") + Coalesce(Subquery(settled), 0),
        opened=Count("pk", filter=opened),
        in_progress=Count("pk", filter=in_progress),
        one_submitted=Count("pk", filter=one),
        both_submitted=Count("pk", filter=both),
        compared=Count("pk", filter=compared),
        open=Count("pk", filter=_OPEN),
        overdue=Count("pk", filter=_OPEN & Q(due__lt=today)),
    )
    # A settled assignment is compared, so it has reached every stage and is not open.
    settled_count = counts["assigned"] - counts.pop("unsettled")
    for stage in ("opened", "in_progress", "one_submitted", "both_submitted", "compared"):
        counts[stage] += settled_count
    return counts


def _area_titles(version_ids: set[int]) -> dict[int, dict[str, str]]:
    """Area titles of the given instrument versions (a library-sized set), read in one query and
    only the areas' part of each definition."""
    if not version_ids:
        return {}
    rows = InstrumentVersion.objects.filter(pk__in=version_ids).values_list(
        "pk", "definition__areas"
    )
    return {
        pk: {
            area["slug"]: area["title"]
            for area in areas or ()
            if isinstance(area, dict) and "slug" in area and "title" in area
        }
        for pk, areas in rows
    }


@dataclass(frozen=True)
class LatestComparisons:
    mean_index: float | None
    top_areas: tuple[tuple[str, int], ...]


def latest_comparisons(practice: Practice) -> LatestComparisons:
    """From each active couple's latest done comparison: the mean overall index, and how many
    couples (balanced ones left out) have each area as their top imbalance area.

    One GROUP BY query feeds both: the mean is summed back from the groups."""
    imbalanced = ~Q(overall_band__in=(Band.BALANCED.value, "")) & ~Q(top_area="")
    groups = list(
        _latest_done_comparisons(practice)
        .values("top_area", "assignment__instrument_version_id")
        .annotate(
            couples=Count("pk", filter=imbalanced),
            index_sum=Sum("overall_index"),
            indexed=Count("overall_index"),
        )
        .order_by()
    )
    # One row per (area, instrument version) in use: a few dozen at most, never one per couple.
    titles = _area_titles({group["assignment__instrument_version_id"] for group in groups})
    counts: dict[str, int] = {}
    index_sum = indexed = 0
    for group in groups:
        index_sum += group["index_sum"] or 0
        indexed += group["indexed"]
        if not group["couples"]:
            continue
        slug = group["top_area"]
        title = titles.get(group["assignment__instrument_version_id"], {}).get(slug)
        title = title or _prettified(slug)
        counts[title] = counts.get(title, 0) + group["couples"]
    return LatestComparisons(
        mean_index=index_sum / indexed if indexed else None,
        top_areas=tuple(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))),
    )


def counsellor_workloads(practice: Practice, viewer: Membership) -> tuple[WorkloadRow, ...]:
    """Active couples and open assignments per active counsellor, busiest first, anonymised."""
    members = (
        Membership.objects.filter(practice=practice, is_active=True, is_counsellor=True)
        .annotate(active_couples=Count("couples", filter=Q(couples__status=_ACTIVE), distinct=True))
        .order_by("pk")
        .values_list("pk", "active_couples")
    )
    # Open = not closed (each partner's latest answers submitted, kept by the triggers); settled
    # assignments are closed, so only the unsettled ones are read.
    open_by_member = dict(
        Assignment.objects.filter(
            practice=practice, settled=False, closed=False, couple__status=_ACTIVE
        )
        .values("couple__counsellors")
        .annotate(open=Count("pk"))
        .order_by()
        .values_list("couple__counsellors", "open")
    )
    # One row per counsellor of the practice, never one per couple or assignment.
    counts = [(pk, couples, open_by_member.get(pk, 0)) for pk, couples in members]
    counts.sort(key=lambda row: (-row[1], -row[2]))
    workloads = []
    number = 0
    for pk, couples, open_assignments in counts:
        if pk == viewer.pk:
            label = YOU
        else:
            number += 1
            label = f"Counsellor {number}"
        workloads.append(WorkloadRow(label, couples, open_assignments))
    return tuple(workloads)


def index_trend(practice: Practice, *, now: datetime.datetime) -> tuple[MonthPoint, ...]:
    """Mean overall index of the done comparisons finished in each of the last twelve months
    (in the practice's time zone), from the first month with any; empty months stay gaps."""
    tz = zoneinfo.ZoneInfo(practice.timezone)
    this_month = _practice_today(practice, now).replace(day=1)
    months = [_months_back(this_month, back) for back in range(TREND_MONTHS - 1, -1, -1)]
    starts = [datetime.datetime(m.year, m.month, 1, tzinfo=tz) for m in months]
    # Each comparison's month found by testing its finish time against the twelve month starts,
    # newest first: no time zone conversion per row, and twelve groups the database hashes
    # instead of sorting the year's comparisons by month.
    month_number = Case(
        *(
            When(finished_at__gte=start, then=Value(number))
            for number, start in reversed(list(enumerate(starts)))
        ),
        output_field=IntegerField(),
    )
    rows = (
        Comparison.objects.filter(
            practice=practice, status=_DONE, finished_at__gte=starts[0], overall_index__isnull=False
        )
        .annotate(month_number=month_number)
        .values("month_number")
        .annotate(mean=Avg("overall_index"), n=Count("*"))
        .order_by()
    )
    by_month: Mapping[datetime.date, tuple[float, int]] = {
        months[row["month_number"]]: (float(row["mean"]), row["n"]) for row in rows
    }
    if not by_month:
        return ()
    points = []
    month = min(by_month)
    while month <= this_month:
        mean, n = by_month.get(month, (None, 0))
        points.append(MonthPoint(month, mean, n))
        month = _months_back(month, -1)
    return tuple(points)


def practice_dashboard(
    practice: Practice, viewer: Membership, *, now: datetime.datetime | None = None
) -> Dashboard:
    """Everything the dashboard shows, in eight queries whatever the size or the age of the
    practice."""
    now = now or timezone.now()
    assignments = _assignment_counts(practice, _practice_today(practice, now))
    latest = latest_comparisons(practice)
    couples = Couple.objects.filter(practice=practice, status=_ACTIVE).aggregate(
        active=Count("pk"),
        # An aggregate over the one uncorrelated count, which the database computes once.
        in_review=Coalesce(Max(Subquery(_couples_in_review(practice))), 0),
    )
    stats = HeadlineStats(
        active_couples=couples["active"],
        safety_reviews=couples["in_review"],
        open_assignments=assignments.pop("open"),
        overdue_assignments=assignments.pop("overdue"),
        recent_comparisons=Comparison.objects.filter(
            practice=practice,
            status=_DONE,
            finished_at__gte=now - datetime.timedelta(RECENT_DAYS),
        ).count(),
        mean_index=latest.mean_index,
    )
    return Dashboard(
        stats=stats,
        funnel=Funnel(**assignments),
        top_areas=latest.top_areas,
        workloads=counsellor_workloads(practice, viewer),
        trend=index_trend(practice, now=now),
    )


def chart_views(dashboard: Dashboard) -> list[ChartView]:
    """The dashboard's charts; with no assignment yet only the workloads say anything."""
    built = [
        workload_chart(
            [(r.label, r.active_couples, r.open_assignments) for r in dashboard.workloads]
        )
    ]
    if dashboard.has_assignments:
        built = [
            funnel_chart(dashboard.funnel.stages),
            top_areas_chart(dashboard.top_areas),
            *built,
            practice_trend_chart([(p.label, p.mean_index, p.comparisons) for p in dashboard.trend]),
        ]
    return [ChartView.of(chart) for chart in built]
