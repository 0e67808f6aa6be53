"""WCAG 2.2 AA, checked by axe-core in a real Chromium on every page of the route map.

The demo practice gives every page real content. Each named route is either visited (as the role
that would open it, with the demo's objects in its URL) or set aside with a reason; a new route
fails `test_every_route_is_checked_or_set_aside` until it gets a decision. A violation of impact
"serious" or "critical" fails the page; the rest are listed in the output. The goal is none at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Browser, Page, ViewportSize

from assessments.models import AgendaItem, Comparison, InstrumentVersion, SharedSummary
from assessments.summary import services as summaries
from clients import services as client_services
from clients.models import Couple, Invitation
from practice.models import Membership, Practice, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = 1280
PHONE = 390
FAILING_IMPACTS = ("serious", "critical")

# Routes that are not pages a person reads, each with the reason.
SET_ASIDE: dict[str, str] = {
    "healthz": "JSON for the load balancer",
    "logout": "a POST that redirects to the sign-in page (checked)",
    "practice-member-deactivate": "a POST that redirects to the members page (checked)",
    "practice-member-reactivate": "a POST that redirects to the members page (checked)",
    "comparison-status": "JSON polled by the report and couple pages",
    "comparison-retry": "a POST that redirects to the report or the couple page (checked)",
    "safety-check-in": "a POST that redirects to the report (checked)",
    "agenda-add": "a POST that redirects to the agenda (checked)",
    "agenda-item-move": "a POST that redirects to the agenda (checked)",
    "agenda-item-remove": "a POST that redirects to the agenda (checked)",
    "agenda-own-item": "a POST that redirects to the agenda (checked)",
    "agenda-pdf": "a PDF, rendered from the agenda page's own HTML (checked)",
    "couple-archive": "a POST that redirects to the couple page (checked)",
    "couple-reactivate": "a POST that redirects to the couple page (checked)",
    "assignment-create": "a POST that redirects to the couple page (checked)",
    "invitation-resend": "a POST that redirects to the couple page (checked)",
    "invitation-revoke": "a POST that redirects to the couple page (checked)",
    "invitation-reissue": "a POST that redirects to the couple page (checked)",
    "client-export-json": "a JSON download",
    "client-export-pdf": "a PDF, rendered from an HTML template checked by its own tests",
    "invitation-open": "exchanges the link for a session and redirects to the consent page",
    "respond-api-form": "JSON for the respondent pages' script",
    "respond-api-answers": "JSON for the respondent pages' script",
    "respond-api-submit": "JSON for the respondent pages' script",
    "respond-submit": "a POST that redirects to the done page (checked)",
    "respond-quick-exit": "redirects to the neutral page (checked)",
    "password_reset_confirm": "needs a mailed token; same template as the set-password form",
    "two-factor-verify": "needs a sign-in halfway through; same form layout as the sign-in",
    "two-factor-recovery-codes": "shown once after setting up two-factor",
    "two-factor-disable": "a POST that redirects to the account page (checked)",
    "shared-summary-release": "a POST that redirects to the summary page (checked)",
    "shared-summary-withdraw": "a POST that redirects to the summary page (checked)",
    "shared-summary-link-revoke": "a POST that redirects to the summary page (checked)",
    "shared-summary-link-reissue": "a POST that shows the summary page with the link (checked)",
    "summary-open": "exchanges the link for a reader session and redirects to the summary",
    "summary-read-pdf": "a PDF, rendered from the summary page's own HTML (checked)",
}


def named_routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[str]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            # The operator's Django admin and the JSON API are not pages of the product.
            if str(entry.pattern) in ("admin/", "api/v1/"):
                continue
            yield from named_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name


@dataclass(frozen=True)
class Visit:
    role: str  # admin, counsellor, partner, anonymous
    url: str
    width: int = DESKTOP

    @property
    def viewport(self) -> ViewportSize:
        return {"width": self.width, "height": 900 if self.width >= DESKTOP else 844}


@dataclass(frozen=True)
class Demo:
    practice: Practice
    admin: User
    counsellor: User
    couple: Couple
    report_assignment: str
    agenda_assignment: str
    member: str
    link: str
    done_link: str
    summary_assignment: str
    summary_link: str


@pytest.fixture
def demo(library: None) -> Demo:
    call_command("seed_demo", slug="demo", password="fulcrum-demo", verbosity=0)
    practice = Practice.objects.get(slug="demo")
    counsellor = User.objects.get(email="counsellor@demo.example")
    with scope(practice=practice):
        member = Membership.objects.get(practice=practice, user=counsellor)
        done = (
            Comparison.objects.filter(status="done", assignment__couple__counsellors=member)
            .select_related("assignment__couple")
            .order_by("-finished_at")
        )
        flagged = done.exclude(safety_level="").first() or done.first()
        assert flagged is not None
        with_agenda = (
            AgendaItem.objects.filter(agenda__assignment__couple__counsellors=member)
            .select_related("agenda__assignment")
            .first()
        )
        agenda_assignment = (
            with_agenda.agenda.assignment if with_agenda else flagged.assignment
        ).public_id
        open_invitation = (
            Invitation.objects.filter(
                assignment__couple__counsellors=member,
                revoked_at__isnull=True,
                wrong_person_at__isnull=True,
            )
            .select_related("client", "practice", "assignment")
            .exclude(assignment__responses__submitted_at__isnull=False)
            .order_by("-consented_at")  # not yet consented first: the consent page shows
            .first()
        )
        submitted = (
            Invitation.objects.filter(
                assignment__couple__counsellors=member,
                assignment__responses__submitted_at__isnull=False,
            )
            .select_related("client", "practice", "assignment")
            .first()
        )
        assert open_invitation is not None
        assert submitted is not None
        links = []
        for invitation in (open_invitation, submitted):
            invitation.client.email = ""
            invitation.client.save(update_fields=["email"])
            link = client_services.invitation_reissue(invitation=invitation)
            assert link is not None
            links.append(urlsplit(link).path)
        # The demo's released summary, released again for partners without an email, so the
        # reader's link can be handed to the browser.
        summary = SharedSummary.objects.get(status="released")
        couple_of_summary = summary.assignment.couple
        for client in (couple_of_summary.partner_a, couple_of_summary.partner_b):
            client.email = ""
            client.save(update_fields=["email"])
        summaries.summary_withdraw(summary=summary, by=member)
        release = summaries.summary_release(assignment=summary.assignment, by=member)
    return Demo(
        practice=practice,
        admin=User.objects.get(email="admin@demo.example"),
        counsellor=counsellor,
        couple=flagged.assignment.couple,
        report_assignment=str(flagged.assignment.public_id),
        agenda_assignment=str(agenda_assignment),
        member=str(member.public_id),
        link=links[0],
        done_link=links[1],
        summary_assignment=str(summary.assignment.public_id),
        summary_link=urlsplit(release.links["a"]).path,
    )


def visits(demo: Demo) -> dict[str, list[Visit]]:
    slug = demo.practice.slug
    couple: dict[str, Any] = {"practice_slug": slug, "couple_id": demo.couple.public_id}
    report = {"practice_slug": slug, "assignment_id": demo.report_assignment}
    agenda = {"practice_slug": slug, "assignment_id": demo.agenda_assignment}
    summary = {"practice_slug": slug, "assignment_id": demo.summary_assignment}
    with scopes_disabled():
        version = InstrumentVersion.objects.current().get(instrument__slug="signs-of-imbalance")
    instrument = {"practice_slug": slug, "slug": "signs-of-imbalance"}

    def staff(name: str, role: str = "counsellor", **kwargs: Any) -> list[Visit]:
        return [Visit(role, reverse(name, kwargs=kwargs or None))]

    return {
        "home": staff("home"),
        "login": staff("login", "anonymous"),
        "password_reset": staff("password_reset", "anonymous"),
        "password_reset_done": staff("password_reset_done", "anonymous"),
        "password_reset_complete": staff("password_reset_complete", "anonymous"),
        "account": staff("account"),
        "two-factor-setup": staff("two-factor-setup"),
        "password_change": staff("password_change"),
        "practice-home": [
            *staff("practice-home", practice_slug=slug),
            Visit("counsellor", reverse("practice-home", kwargs={"practice_slug": slug}), PHONE),
            *staff("practice-home", "admin", practice_slug=slug),
        ],
        "practice-members": staff("practice-members", "admin", practice_slug=slug),
        "practice-member-edit": staff(
            "practice-member-edit", "admin", practice_slug=slug, member_id=demo.member
        ),
        "practice-settings": staff("practice-settings", "admin", practice_slug=slug),
        "practice-audit": staff("practice-audit", "admin", practice_slug=slug),
        "practice-dashboard": staff("practice-dashboard", "admin", practice_slug=slug),
        "instrument-library": staff("instrument-library", practice_slug=slug),
        "instrument-detail": staff("instrument-detail", **instrument),
        "instrument-preview": staff("instrument-preview", version=version.version, **instrument),
        "instrument-preview-section": staff(
            "instrument-preview-section", version=version.version, section=3, **instrument
        ),
        "assignment-report": [
            *staff("assignment-report", **report),
            Visit("counsellor", reverse("assignment-report", kwargs=report), PHONE),
        ],
        "agenda": staff("agenda", **agenda),
        "couple-list": staff("couple-list", practice_slug=slug),
        "couple-create": staff("couple-create", practice_slug=slug),
        "couple-detail": [
            *staff("couple-detail", **couple),
            Visit("counsellor", reverse("couple-detail", kwargs=couple), PHONE),
        ],
        "couple-edit": staff("couple-edit", **couple),
        "response-reopen": staff(
            "response-reopen", partner="a", **couple, assignment_id=(demo.report_assignment)
        ),
        "client-erase": staff("client-erase", side="a", **couple),
        "respond-start": [Visit("partner", reverse("respond-start"), PHONE)],
        "respond-section": [
            Visit("partner", reverse("respond-section", kwargs={"number": 1}), PHONE),
            Visit("partner", reverse("respond-section", kwargs={"number": 1})),
        ],
        "respond-review": [Visit("partner", reverse("respond-review"), PHONE)],
        "respond-done": [Visit("partner-done", reverse("respond-done"), PHONE)],
        "respond-not-me": [Visit("partner", reverse("respond-not-me"), PHONE)],
        "neutral-page": [Visit("anonymous", reverse("neutral-page"), PHONE)],
        "shared-summary": [
            *staff("shared-summary", **summary),
            *staff("shared-summary", **agenda),
        ],
        "summary-read": [
            Visit("reader", reverse("summary-read"), PHONE),
            Visit("reader", reverse("summary-read")),
        ],
    }


def test_every_route_is_checked_or_set_aside(demo: Demo) -> None:
    planned = set(visits(demo)) | set(SET_ASIDE)

    missing = sorted(set(named_routes()) - planned)

    assert missing == [], f"routes with no accessibility decision: {missing}"


def _summary(violation: dict[str, Any]) -> str:
    targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
    return f"{violation['impact']} {violation['id']} ({len(violation['nodes'])}): {targets}"


def _check(page: Page, label: str, found: dict[str, list[str]]) -> None:
    # Every rule axe-core runs by default: WCAG 2.0-2.2 A and AA, and its best practices.
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    for violation in results.response["violations"]:
        found.setdefault(label, []).append(_summary(violation))


def test_every_page_passes_axe_core_as_each_role(
    browser: Browser, live_server: Any, demo: Demo, artifacts_dir: Path
) -> None:
    def context_for(role: str, viewport: ViewportSize) -> Any:
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        if role in ("admin", "counsellor"):
            web = Client()
            web.force_login(demo.admin if role == "admin" else demo.counsellor)
            cookie = web.cookies["sessionid"]
            context.add_cookies(
                [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
            )
        return context

    found: dict[str, list[str]] = {}
    plan = visits(demo)
    plan["errors"] = [
        Visit("counsellor", "/p/demo/couples/00000000-0000-0000-0000-000000000000/"),
        Visit("anonymous", reverse("respond-start"), PHONE),  # the link-problem page
        Visit("anonymous", "/i/not-a-link-at-all", PHONE),
    ]
    for name, pages in plan.items():
        for visit in pages:
            context = context_for(visit.role, visit.viewport)
            page = context.new_page()
            if visit.role == "partner-done":
                page.goto(demo.done_link)
            if visit.role == "reader":
                page.goto(demo.summary_link)
            if visit.role == "partner":
                page.goto(demo.link)
                consent = page.get_by_role("button", name="I understand, start")
                if visit.url != reverse("respond-start") and consent.count():
                    consent.click()
            response = page.goto(visit.url)
            assert response is not None
            label = f"{name} as {visit.role} at {visit.width}px ({visit.url})"
            if name != "errors":
                assert response.status < 400, label
            _check(page, label, found)
            context.close()

    report = "\n".join(f"{label}:\n  " + "\n  ".join(rows) for label, rows in found.items())
    print(f"\naxe-core over {sum(len(p) for p in plan.values())} page views:\n{report or 'none'}")
    serious = {
        label: [row for row in rows if row.split(" ", 1)[0] in FAILING_IMPACTS]
        for label, rows in found.items()
    }
    assert {label: rows for label, rows in serious.items() if rows} == {}
