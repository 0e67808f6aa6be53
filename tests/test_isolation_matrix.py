"""The isolation matrix: every route, every actor of practice 1, against practice 2's objects.

Each route is called with practice 2's ids substituted (or practice 2's slug when the route has
no object id) and again with ids that exist nowhere. The answers must be identical refusals,
carry no canary string of practice 2 (or, for partner A's session, of partner B), and change no
row of practice 2. A route missing from ROUTES fails the test, so a new route needs a decision.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from assessments.models import Comparison, SessionAgenda, SharedSummary
from assessments.reports import agenda as agendas
from assessments.summary import services as summaries
from clients import services as client_services
from clients.models import Couple, Invitation
from practice.api.auth import token_create
from practice.models import ApiToken, Membership, Practice, User
from tests.factories import ClientFactory, CoupleFactory
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared

pytestmark = pytest.mark.django_db

CANARY = "CANARY-P2"
PARTNER_B_CANARY = "CANARY-PARTNER-B"

# Every named route, and what its URL ids point at. "self": the route has no tenant id (the
# actor's own session, account or the global library); it is still called by every actor and
# checked for canaries. Ids not listed in OBJECT_KWARGS are parameters, not objects.
ROUTES: dict[str, str] = {
    name: category
    for category, names in {
        "self": [
            "healthz", "home", "login", "two-factor-verify", "logout", "password_reset",
            "password_reset_done", "password_reset_confirm", "password_reset_complete",
            "account", "two-factor-setup", "two-factor-recovery-codes", "two-factor-disable",
            "password_change", "invitation-open", "respond-start", "respond-section",
            "respond-review", "respond-submit", "respond-done", "respond-not-me",
            "respond-quick-exit", "neutral-page",
            "respond-api-form", "respond-api-answers", "respond-api-submit", "api-schema",
            "api-docs", "api-token-create", "api-tokens-list", "api-instruments-list",
            "api-instruments-detail", "api-practices", "api-not-found", "summary-open",
            "summary-read", "summary-read-pdf",
        ],
        "tenant": [
            "practice-home", "practice-members", "practice-settings", "practice-audit",
            "practice-dashboard", "instrument-library", "instrument-detail",
            "instrument-preview", "instrument-preview-section", "couple-list", "couple-create",
            "api-practice", "api-members-list", "api-clients-list", "api-couples-list",
            "api-assignments-list", "api-invitations-list", "api-comparisons-list",
            "api-topics-list", "api-topics-detail", "api-agendas-list",
        ],
        "object": [
            "practice-member-edit", "practice-member-deactivate", "practice-member-reactivate",
            "assignment-report", "comparison-status", "comparison-retry", "safety-check-in",
            "couple-detail", "couple-edit", "couple-archive", "couple-reactivate",
            "assignment-create", "invitation-resend", "invitation-revoke", "invitation-reissue",
            "response-reopen", "client-export-json", "client-export-pdf", "client-erase",
            "agenda", "agenda-add", "agenda-item-move", "agenda-item-remove", "agenda-own-item",
            "agenda-pdf", "api-tokens-detail", "api-members-detail", "api-members-deactivate",
            "api-members-reactivate", "api-clients-detail", "api-couples-detail",
            "api-couples-archive", "api-couples-reactivate", "api-couples-rescore",
            "api-assignments-detail", "api-invitations-detail", "api-invitations-reissue",
            "api-invitations-resend", "api-invitations-revoke", "api-comparisons-detail",
            "api-comparisons-retry", "api-comparisons-trend", "api-agendas-detail",
            "api-agendas-move", "shared-summary", "shared-summary-release",
            "shared-summary-withdraw", "api-assignments-summary",
            "api-assignments-summary-release", "api-assignments-summary-withdraw",
            "shared-summary-link-revoke", "shared-summary-link-reissue",
        ],
    }.items()
    for name in names
}  # fmt: skip

PARAMETERS = {
    "slug": "balance-of-power-inventory",
    "version": 2,
    "section": 1,
    "number": 1,
    "partner": "a",
    "side": "a",
    "direction": "up",
    "uidb64": "MQ",
    "token": "not-a-real-token-at-all",
    "path": "practices/hillside/couples/0/",
}


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def named_routes() -> dict[str, str]:
    routes = {}
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("admin/") or pattern.name is None:
            continue
        routes[pattern.name] = route
    return routes


def test_every_route_is_in_the_isolation_matrix() -> None:
    assert set(named_routes()) == set(ROUTES)


def snapshot(practice: Practice) -> str:
    """A fingerprint of every row that belongs to the practice (read inside its scope: on
    PostgreSQL the database shows no practice's rows outside one)."""
    rows: dict[str, Any] = {}
    with scope(practice=practice), scopes_disabled():
        for model in apps.get_models():
            fields = {f.name for f in model._meta.fields}
            if "practice" in fields:
                qs = model._default_manager.filter(practice=practice)
                rows[model._meta.label] = list(qs.order_by("pk").values())
        rows["practice"] = list(Practice.objects.filter(pk=practice.pk).values())
        rows["users"] = list(
            User.objects.filter(memberships__practice=practice).order_by("pk").values()
        )
    # The fingerprint must cover the rows it is meant to watch.
    assert rows["clients.Couple"]
    assert rows["assessments.Comparison"]
    assert rows["users"]
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


class World:
    """Practice 1 (the actors') and practice 2 (the target), with every kind of object."""

    def __init__(self, practice: Practice, other: Practice, outsider: Membership) -> None:
        self.practice, self.other = practice, other
        target = CoupleFactory.create(
            practice=other,
            partner_a=ClientFactory.create(
                practice=other, display_name=f"{CANARY}-Ann", email="canary-ann@p2.example"
            ),
            partner_b=ClientFactory.create(
                practice=other, display_name=f"{CANARY}-Bo", email="canary-bo@p2.example"
            ),
            counsellors=[outsider],
        )
        new = assign(target, "balance-of-power-inventory", outsider)
        self.comparison: Comparison = compared(new, a_holds_the_say, b_agrees_a_holds_the_say)
        with scope(practice=other):
            agenda = agendas.agenda_for_assignment(assignment=new.assignment, created_by=outsider)
            agendas.agenda_add_own_item(agenda=agenda, title=f"{CANARY} agenda item", note="")
            self.agenda: SessionAgenda = SessionAgenda.objects.get(pk=agenda.pk)
            self.item = self.agenda.items.get()
            self.invitation = Invitation.objects.filter(assignment=new.assignment).first()
            # A released summary whose words carry the canary.
            summaries.summary_edit(
                assignment=new.assignment, texts={"intro": f"{CANARY} summary"}, by=outsider
            )
            self.summary_links = summaries.summary_release(
                assignment=new.assignment, by=outsider
            ).links
        token, _ = token_create(user=outsider.user, name=f"{CANARY} token")
        self.token: ApiToken = token
        self.couple: Couple = target
        self.assignment = new.assignment
        self.member = outsider

    def object_ids(self, route_name: str) -> dict[str, Any]:
        by_api_resource = {
            "members": self.member.public_id,
            "clients": self.couple.partner_a.public_id,
            "couples": self.couple.public_id,
            "assignments": self.assignment.public_id,
            "invitations": self.invitation.public_id if self.invitation else uuid.uuid4(),
            "comparisons": self.comparison.public_id,
            "agendas": self.agenda.public_id,
            "tokens": self.token.public_id,
        }
        resource = route_name.split("-")[1] if route_name.startswith("api-") else ""
        return {
            "couple_id": self.couple.public_id,
            "assignment_id": self.assignment.public_id,
            "invitation_id": by_api_resource["invitations"],
            "member_id": self.member.public_id,
            "item_id": self.item.public_id,
            "public_id": by_api_resource.get(resource, uuid.uuid4()),
        }


def url_for(name: str, route: str, world: World, *, foreign: bool) -> str:
    kwargs: dict[str, Any] = {}
    ids = world.object_ids(name)
    for part in route.split("<")[1:]:
        key = part.split(">")[0].split(":")[-1]
        if key == "practice_slug":
            if ROUTES[name] == "object":
                kwargs[key] = world.practice.slug
            else:
                kwargs[key] = world.other.slug if foreign else "no-such-practice"
        elif key in ids:
            kwargs[key] = ids[key] if foreign else uuid.uuid4()
        else:
            kwargs[key] = PARAMETERS[key]
    return reverse(name, kwargs=kwargs)


def respondent_session(couple: Couple) -> Client:
    with scope(practice=couple.practice):
        invitation = Invitation.objects.get(assignment__couple=couple, partner="a")
        invitation.client.email = ""
        invitation.client.save()
        link = client_services.invitation_reissue(invitation=invitation)
    assert link is not None
    web = Client()
    web.get(link.split("8000", 1)[-1])
    web.post(reverse("respond-start"))
    return web


def actors(
    admin: User, counsellor: User, respondent: Client, admin_token: str
) -> dict[str, Client]:
    as_admin, as_counsellor = Client(), Client()
    as_admin.force_login(admin)
    as_counsellor.force_login(counsellor)
    return {
        "admin": as_admin,
        "counsellor": as_counsellor,
        "admin-token": Client(HTTP_AUTHORIZATION=f"Token {admin_token}"),
        "anonymous": Client(),
        "partner A": respondent,
    }


def canaries_in(response: Any) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("latin-1") + json.dumps(dict(response.headers))
    if response.get("Content-Type") == "application/pdf":
        # A PDF's text is stored as glyph numbers: only a reader's extraction shows it.
        text += "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return [c for c in (CANARY, PARTNER_B_CANARY) if c in text]


# On PostgreSQL the matrix runs a second time with django-scopes' checks switched off inside the
# application (a test-only setting): row-level security alone must keep practice 2 out of reach.
SCOPE_CHECKS = [pytest.param(True, id="scope-checks")] + (
    [pytest.param(False, id="database-wall-alone")]
    if settings.DATABASE_BACKEND == "postgresql"
    else []
)


@pytest.mark.parametrize("scope_checks", SCOPE_CHECKS)
def test_no_actor_of_practice_1_reaches_practice_2_or_partner_b(
    scope_checks: bool,
    settings: Any,
    practice: Practice,
    other_practice: Practice,
    admin: User,
    counsellor: User,
    counsellor_membership: Membership,
    outsider_membership: Membership,
    library: None,
) -> None:
    settings.TENANCY_SCOPE_CHECKS = scope_checks
    world = World(practice, other_practice, outsider_membership)
    own = CoupleFactory.create(
        practice=practice,
        partner_a=ClientFactory.create(practice=practice, display_name="Ari"),
        partner_b=ClientFactory.create(
            practice=practice, display_name=f"{PARTNER_B_CANARY}-Bea", email="bea@p1.example"
        ),
        counsellors=[counsellor_membership],
    )
    assign(own, "balance-of-power-inventory", counsellor_membership)
    _, admin_token = token_create(user=admin, name="matrix")
    everyone = actors(admin, counsellor, respondent_session(own), admin_token)
    routes = named_routes()
    before = snapshot(other_practice)
    mail.outbox.clear()
    failures: list[str] = []

    for name, route in sorted(routes.items()):
        # Some routes end partner A's session ("this isn't me", quick exit): every route gets
        # a session of its own, so none is tried as a mere anonymous visitor by mistake.
        everyone["partner A"] = respondent_session(own)
        methods = ["get", "post"] + (["patch", "delete"] if name.startswith("api-") else [])
        for actor, web in everyone.items():
            for method in methods:
                foreign = getattr(web, method)(url_for(name, route, world, foreign=True))
                leaked = canaries_in(foreign)
                if leaked:
                    failures.append(f"{actor} {method.upper()} {name}: leaked {leaked}")
                if ROUTES[name] == "self":
                    continue
                missing = getattr(web, method)(url_for(name, route, world, foreign=False))
                if foreign.status_code != missing.status_code:
                    failures.append(
                        f"{actor} {method.upper()} {name}: {foreign.status_code} for practice"
                        f" 2's object but {missing.status_code} for a missing one"
                    )
                elif foreign.status_code < 300 or foreign.status_code in (400, 409):
                    failures.append(f"{actor} {method.upper()} {name}: {foreign.status_code}")
        if snapshot(other_practice) != before:
            failures.append(f"{name}: a request changed practice 2's rows")
            before = snapshot(other_practice)

    for message in mail.outbox:
        if CANARY in f"{message.subject}{message.body}{message.to}":
            failures.append(f"an email carried practice 2's data: {message.subject}")
    assert failures == [], "\n".join(failures)


def released_summary(couple: Couple, by: Membership, words: str) -> dict[str, str]:
    """A released summary of the couple with `words` in it; the partners' links (no email)."""
    with scope(practice=couple.practice):
        for client in (couple.partner_a, couple.partner_b):
            client.email = ""
            client.save()
    new = assign(couple, "balance-of-power-inventory", by)
    compared(new)
    with scope(practice=couple.practice):
        summaries.summary_edit(assignment=new.assignment, texts={"intro": words}, by=by)
        return summaries.summary_release(assignment=new.assignment, by=by).links


def summary_reader(link: str) -> Client:
    web = Client()
    assert web.get(link.split("8000", 1)[-1]).status_code == 302
    return web


def test_summary_links_read_only_their_own_couples_released_summary(
    practice: Practice,
    other_practice: Practice,
    counsellor_membership: Membership,
    outsider_membership: Membership,
    library: None,
) -> None:
    """The partner's summary pages carry no id: the reader session says which summary. Another
    practice's summary, the other couple's, a revoked link and a withdrawn summary all stay out
    of reach."""
    own = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
    other_couple = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
    foreign = CoupleFactory.create(practice=other_practice, counsellors=[outsider_membership])
    own_links = released_summary(own, counsellor_membership, "Words for the own couple")
    other_links = released_summary(other_couple, counsellor_membership, PARTNER_B_CANARY)
    foreign_links = released_summary(foreign, outsider_membership, CANARY)
    read = reverse("summary-read")

    mine = summary_reader(own_links["a"])
    page = mine.get(read)
    assert page.status_code == 200
    assert "Words for the own couple" in page.content.decode()
    assert canaries_in(page) == []
    assert canaries_in(mine.get(reverse("summary-read-pdf"))) == []
    # The other couple's and another practice's links read their own summary only.
    assert canaries_in(summary_reader(other_links["b"]).get(read)) == [PARTNER_B_CANARY]
    assert canaries_in(summary_reader(foreign_links["a"]).get(read)) == [CANARY]
    # A questionnaire session or a staff login is no reader session.
    respondent = respondent_session(own)
    for web in (respondent, Client()):
        refused = web.get(read)
        assert refused.status_code == 403
        assert canaries_in(refused) == []

    # Re-released: the earlier link is revoked and its session ends.
    with scope(practice=practice):
        summary = SharedSummary.objects.get(assignment__couple=own)
        summaries.summary_withdraw(summary=summary, by=counsellor_membership)
        assert mine.get(read).status_code == 410
        fresh = summaries.summary_release(
            assignment=summary.assignment, by=counsellor_membership
        ).links
    assert Client().get(own_links["a"].split("8000", 1)[-1]).status_code == 410
    again = summary_reader(fresh["a"])
    assert again.get(read).status_code == 200
    # Withdrawn: every page of the summary answers 410 without a word of it.
    with scope(practice=practice):
        summaries.summary_withdraw(summary=summary, by=counsellor_membership)
    for path in (read, reverse("summary-read-pdf")):
        gone = summary_reader_or_none(fresh["a"]), again.get(path)
        assert gone[0] is None
        assert gone[1].status_code in (403, 410)
        assert "Words for the own couple" not in gone[1].content.decode()


def summary_reader_or_none(link: str) -> Client | None:
    web = Client()
    return web if web.get(link.split("8000", 1)[-1]).status_code == 302 else None
