"""A practice at scale for the benchmarks: counsellors, couples and completed assignments with
realistic answers, written with bulk inserts.

    python manage.py seed_scale --slug bench --couples 10000 --counsellors 100 \
        --assignments-per-couple 2

Answers come from a seeded random generator and a few couple profiles (balanced, A-dominant,
perception gap, strained), so the same arguments always build the same practice. Comparisons
are computed in bulk with the same scoring code the background job runs (`--comparisons done`),
or left pending for a worker (`--comparisons pending`). Nobody can sign in as a seeded person:
the benchmarks sign in with `force_login`. `manage.py seed_scale` is the command line for it.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django_scopes import scope

from assessments.comparisons.services import ScoringContext, apply_result
from assessments.engine import scoring
from assessments.library.loader import load_library
from assessments.models import Assignment, Comparison, InstrumentVersion, Response
from clients.models import Client, Couple, Invitation
from practice.models import Membership, Practice, User

INSTRUMENT = "balance-of-power-inventory"
FIRST_NAMES = [
    "Alex",
    "Amara",
    "Ash",
    "Bea",
    "Cam",
    "Dana",
    "Eli",
    "Ellis",
    "Finn",
    "Gale",
    "Hana",
    "Ines",
    "Jamie",
    "Jo",
    "Kai",
    "Lee",
    "Lou",
    "Mae",
    "Max",
    "Mika",
    "Noor",
    "Oli",
    "Pat",
    "Priya",
    "Quinn",
    "Ravi",
    "Riley",
    "Robin",
    "Rui",
    "Sam",
    "Sasha",
    "Tomas",
    "Uma",
    "Vic",
    "Wren",
    "Yara",
    "Zed",
]
LAST_NAMES = [
    "Adeyemi",
    "Alvarez",
    "Brennan",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Khan",
    "Kowalski",
    "Larsen",
    "Mensah",
    "Nakamura",
    "Novak",
    "Okafor",
    "Petrov",
    "Raman",
    "Rossi",
    "Sato",
    "Silva",
    "Tanaka",
    "Walsh",
    "Whitfield",
]


@dataclass(frozen=True)
class Profile:
    """Where each partner's answers centre: `share` on the 1 (me) .. 5 (my partner) axis,
    `wellbeing` on 1 (poor) .. 5 (healthy) before reverse keying."""

    name: str
    share: tuple[float, float]
    wellbeing: tuple[float, float]
    weight: float
    # How often a partner's answer to a safety item is anything but "never": disclosures are
    # rare, and a couple flagged for safety review is the exception in a caseload, not the rule.
    disclosure: float


PROFILES = (
    Profile("balanced", (3.0, 3.0), (4.4, 4.4), 0.40, 0.002),
    # Both agree A holds the say; B fares worse.
    Profile("a-dominant", (1.7, 4.3), (4.2, 2.6), 0.25, 0.01),
    # A sees a balanced relationship; B sees A holding the say.
    Profile("perception-gap", (3.0, 4.3), (4.3, 3.0), 0.20, 0.006),
    # Balanced say, both struggling (some safety items cross their thresholds).
    Profile("strained", (3.0, 3.0), (2.4, 2.3), 0.15, 0.03),
)
# A disclosure's level, from "rarely" (a caution flag) to "very often" (urgent).
DISCLOSURE_LEVELS = (2, 3, 4, 5)
DISCLOSURE_WEIGHTS = (4, 3, 2, 1)
# Couples in the first transaction: enough for the planner's statistics of the new practice.
FIRST_CHUNK = 50


@dataclass
class SeedReport:
    practice: Practice
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    profiles: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int, seconds: float) -> None:
        self.rows[table] = self.rows.get(table, 0) + count
        self.timings[table] = self.timings.get(table, 0.0) + seconds

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class _Clock:
    def __init__(self, report: SeedReport) -> None:
        self.report = report

    def bulk(self, table: str, model: Any, objs: Sequence[Any], batch_size: int) -> list[Any]:
        started = time.perf_counter()
        created = model.objects.bulk_create(objs, batch_size=batch_size)
        self.report.add(table, len(objs), time.perf_counter() - started)
        return created


def _chunks(total: int, size: int) -> Iterator[range]:
    """A small first chunk, then `size` at a time. Until the first chunk is analyzed the planner
    has no statistics for the new practice and estimates its rows at about one; under row-level
    security every statement of the rollup triggers then walks the practice's whole index for
    each row it touches (a 5,000-row first chunk took minutes in one INSERT)."""
    start = 0
    first = min(size, FIRST_CHUNK)
    while start < total:
        stop = min(total, start + (first if start == 0 else size))
        yield range(start, stop)
        start = stop


def _answer(centre: float, rng: random.Random) -> int:
    return max(1, min(5, round(centre + rng.gauss(0, 0.75))))


def answers_for(
    items: Sequence[dict[str, Any]],
    profile: Profile,
    partner: int,
    shift: float,
    rng: random.Random,
) -> dict[str, int]:
    """One partner's answer to every item, around the profile's centres."""
    answers = {}
    for item in items:
        if item["sensitivity"] == "safety":
            # Safety items are reverse-keyed: 1 is "never" (or "strongly disagree").
            departs = rng.random() < profile.disclosure
            level = rng.choices(DISCLOSURE_LEVELS, DISCLOSURE_WEIGHTS)[0] if departs else 1
            answers[item["id"]] = level
            continue
        if item["kind"] == "share":
            centre = profile.share[partner] + shift
        else:
            healthy = profile.wellbeing[partner] - abs(shift)
            centre = 6 - healthy if item["reverse"] else healthy
        answers[item["id"]] = _answer(centre, rng)
    return answers


def seed_scale(
    *,
    slug: str,
    couples: int,
    counsellors: int,
    assignments_per_couple: int,
    caseload: int = 0,
    incomplete: float = 0.0,
    archived: float = 0.0,
    pending: bool = False,
    seed: int = 20250611,
    chunk: int = 1000,
    progress: Any = None,
) -> SeedReport:
    started = time.perf_counter()
    # Reproducible data, not secrets: the same arguments always build the same practice.
    rng = random.Random(seed)  # noqa: S311
    version = InstrumentVersion.objects.current().filter(instrument__slug=INSTRUMENT).first()
    if version is None:
        load_library()
        version = InstrumentVersion.objects.current().get(instrument__slug=INSTRUMENT)
    InstrumentVersion.objects.filter(pk=version.pk).update(locked=True)
    practice = Practice.objects.create(slug=slug, name=f"Bench {slug}", timezone="UTC")
    report = SeedReport(practice)
    clock = _Clock(report)
    with scope(practice=practice):
        admin, members = _staff(practice, counsellors, clock)
        owners = _owners(couples, len(members), caseload)
        seeder = _Seeder(
            practice=practice,
            version=version,
            admin=admin,
            members=members,
            rng=rng,
            clock=clock,
            assignments_per_couple=assignments_per_couple,
            incomplete=incomplete,
            archived=archived,
            pending=pending,
        )
        for couple_range in _chunks(couples, chunk):
            with transaction.atomic():
                seeder.write(couple_range, owners)
            # The rollup triggers plan their statements on these statistics: planned for the
            # tables as they were before this chunk, each chunk's trigger work grows with all
            # the rows seeded before it.
            _analyze(report)
            if progress is not None:
                progress(f"  {couple_range.stop:,}/{couples:,} couples")
    report.profiles = seeder.profile_counts
    _analyze(report, vacuum=True)
    report.seconds = time.perf_counter() - started
    return report


def _analyze(report: SeedReport, *, vacuum: bool = False) -> None:
    """Fresh planner statistics for the tables just filled. Autovacuum would get there in time;
    until it does PostgreSQL plans for the empty tables it last saw (nested loops over 20,000
    rows), which is not what a practice that grew over months would see.

    At the end, a VACUUM too, where no transaction is open: the rollup triggers updated almost
    every assignment and comparison once, and until autovacuum clears the dead rows the indexes
    hold several entries per live row (98,454 entries for 1,546 open assignments) and index-only
    reads must visit the table."""
    if connection.vendor != "postgresql":
        return
    started = time.perf_counter()
    if vacuum and not connection.in_atomic_block:
        # VACUUM runs in no function and no transaction: the owner's own connection runs it.
        tables = (User, Membership, Client, Couple, Couple.counsellors.through, Assignment,
                  Invitation, Response, Comparison)  # fmt: skip
        owner = connections["owner" if "owner" in connections else DEFAULT_DB_ALIAS]
        with owner.cursor() as cursor:
            for model in tables:
                cursor.execute(f"VACUUM ANALYZE {owner.ops.quote_name(model._meta.db_table)}")
    else:
        # Only the tables' owner may analyze them: the application's role asks the owner's
        # function (migration practice 0006) for these tables: User, Membership, Client,
        # Couple, its counsellors, Assignment, Invitation, Response, Comparison.
        with connection.cursor() as cursor:
            cursor.execute("SELECT fulcrum_analyze_seeded_tables()")
    report.add("analyze", 0, time.perf_counter() - started)


def _staff(
    practice: Practice, counsellors: int, clock: _Clock
) -> tuple[Membership, list[Membership]]:
    # One unusable hash for everyone: hashing a password per user would dominate the seeding.
    unusable = make_password(None)
    users = [
        User(
            email=f"{practice.slug}-admin@bench.example", full_name="Bench Admin", password=unusable
        )
    ] + [
        User(
            email=f"{practice.slug}-counsellor-{n:03d}@bench.example",
            full_name=f"Counsellor {n:03d}",
            password=unusable,
        )
        for n in range(counsellors)
    ]
    users = clock.bulk("users", User, users, 1000)
    memberships = clock.bulk(
        "memberships",
        Membership,
        [Membership(practice=practice, user=users[0], is_admin=True, is_counsellor=False)]
        + [Membership(practice=practice, user=user) for user in users[1:]],
        1000,
    )
    return memberships[0], memberships[1:]


def _owners(couples: int, counsellors: int, caseload: int) -> list[int]:
    """The index of each couple's counsellor: the first counsellor takes `caseload` couples,
    the others share the rest round robin (all of them when there is only one counsellor)."""
    focus = min(caseload, couples) if counsellors > 1 else 0
    rest = list(range(1, counsellors)) or [0]
    return [0] * focus + [rest[n % len(rest)] for n in range(couples - focus)]


class _Seeder:
    def __init__(
        self,
        *,
        practice: Practice,
        version: InstrumentVersion,
        admin: Membership,
        members: list[Membership],
        rng: random.Random,
        clock: _Clock,
        assignments_per_couple: int,
        incomplete: float,
        archived: float,
        pending: bool,
    ) -> None:
        self.practice = practice
        self.version = version
        self.admin = admin
        self.members = members
        self.rng = rng
        self.clock = clock
        self.per_couple = assignments_per_couple
        self.incomplete = incomplete
        self.archived = archived
        self.pending = pending
        self.items = version.items
        self.item_ids = [item["id"] for item in self.items]
        self.instrument = version.as_definition()
        self.context = ScoringContext.load()
        self.params_hash = self.context.params_hash(version)
        self.now = timezone.now()
        self.profile_counts: dict[str, int] = {}

    def write(self, couple_range: range, owners: list[int]) -> None:
        rng, practice = self.rng, self.practice
        clients = []
        for _ in couple_range:
            for _side in "ab":
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                clients.append(Client(practice=practice, display_name=name))
        clients = self.clock.bulk("clients", Client, clients, 2000)
        couples = self.clock.bulk(
            "couples",
            Couple,
            [
                Couple(
                    practice=practice,
                    partner_a=clients[2 * n],
                    partner_b=clients[2 * n + 1],
                    status=Couple.Status.ARCHIVED
                    if rng.random() < self.archived
                    else Couple.Status.ACTIVE,
                )
                for n in range(len(couple_range))
            ],
            2000,
        )
        through = Couple.counsellors.through
        links = []
        for couple, index in zip(couples, couple_range, strict=True):
            owner = owners[index]
            links.append(through(couple_id=couple.pk, membership_id=self.members[owner].pk))
            # One couple in ten is co-counselled.
            if len(self.members) > 1 and rng.random() < 0.1:
                other = (owner + 1 + rng.randrange(len(self.members) - 1)) % len(self.members)
                links.append(through(couple_id=couple.pk, membership_id=self.members[other].pk))
        self.clock.bulk("couple links", through, links, 5000)
        self._assignments(couples, [owners[i] for i in couple_range])

    def _assignments(self, couples: list[Couple], owners: list[int]) -> None:
        rng, practice = self.rng, self.practice
        plans: list[tuple[Couple, Profile, float, int, datetime, str]] = []
        for couple, owner in zip(couples, owners, strict=True):
            profile = rng.choices(PROFILES, weights=[p.weight for p in PROFILES])[0]
            self.profile_counts[profile.name] = self.profile_counts.get(profile.name, 0) + 1
            shift = rng.uniform(-0.4, 0.4)
            # Re-assessments a few weeks apart, the newest within the last month.
            newest = self.now - timedelta(days=rng.uniform(1, 30))
            gap = timedelta(days=rng.uniform(25, 70))
            unfinished = rng.random() < self.incomplete
            for k in range(self.per_couple):
                finished = newest - gap * (self.per_couple - 1 - k)
                last = k == self.per_couple - 1
                state = rng.choice(("opened", "in_progress", "one_submitted"))
                plans.append(
                    (couple, profile, shift, owner, finished, state if unfinished and last else "")
                )
        assignments = self.clock.bulk(
            "assignments",
            Assignment,
            [
                Assignment(
                    practice=practice,
                    couple=couple,
                    instrument_version=self.version,
                    created_by=self.members[owner],
                    due_date=(finished + timedelta(days=14)).date() if state else None,
                )
                for couple, _, _, owner, finished, state in plans
            ],
            2000,
        )
        invitations = []
        responses = []
        for assignment, (couple, profile, shift, _, finished, state) in zip(
            assignments, plans, strict=True
        ):
            sent = finished - timedelta(days=rng.uniform(2, 10))
            for side, client in (("a", couple.partner_a), ("b", couple.partner_b)):
                invitations.append(
                    Invitation(
                        practice=practice,
                        assignment=assignment,
                        partner=side,
                        client=client,
                        token_hash=hashlib.sha256(rng.randbytes(32)).hexdigest(),
                        expires_at=sent + timedelta(days=14),
                        opened_at=sent + timedelta(hours=rng.uniform(1, 48)),
                        consented_at=sent + timedelta(hours=49),
                        last_sent_at=sent,
                        send_count=1,
                    )
                )
                answers = answers_for(self.items, profile, 0 if side == "a" else 1, shift, rng)
                submitted: datetime | None = finished
                if (
                    state == "opened"
                    or (state == "in_progress")
                    or (state == "one_submitted" and side == "b")
                ):
                    submitted = None
                    keep = 0 if state == "opened" else rng.randrange(1, len(self.item_ids))
                    answers = {i: answers[i] for i in self.item_ids[:keep]}
                responses.append(
                    Response(
                        practice=practice,
                        assignment=assignment,
                        partner=side,
                        revision=len(answers) and rng.randint(3, 12),
                        answers=answers,
                        item_order=self.item_ids,
                        answered_count=len(answers),
                        started_at=sent + timedelta(hours=50) if answers else None,
                        submitted_at=submitted,
                    )
                )
        self.clock.bulk("invitations", Invitation, invitations, 2000)
        responses = self.clock.bulk("responses", Response, responses, 1000)
        self._comparisons(assignments, responses, plans)

    def _comparisons(
        self,
        assignments: list[Assignment],
        responses: list[Response],
        plans: list[tuple[Couple, Profile, float, int, datetime, str]],
    ) -> None:
        started = time.perf_counter()
        rows = []
        for n, (assignment, plan) in enumerate(zip(assignments, plans, strict=True)):
            if plan[5]:
                continue
            a, b = responses[2 * n], responses[2 * n + 1]
            finished = plan[4] + timedelta(seconds=5)
            comparison = Comparison(
                practice=self.practice,
                assignment=assignment,
                response_a=a,
                response_b=b,
                queued_at=finished,
            )
            if not self.pending:
                result = scoring.compare(self.instrument, a.answers, b.answers, self.context.topics)
                apply_result(comparison=comparison, result=result, params_hash=self.params_hash)
                comparison.status = Comparison.Status.DONE
                comparison.attempts = 1
                comparison.started_at = comparison.finished_at = finished
            rows.append(comparison)
        scored = time.perf_counter() - started
        self.clock.report.add("scoring", 0, scored)
        self.clock.bulk("comparisons", Comparison, rows, 1000)
