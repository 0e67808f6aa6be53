"""The couple's shared summary: built from shared items and area-level results, previewed and
edited by the counsellor, released to both partners through fresh private links, withdrawn by
the counsellor or automatically when a safety flag is raised. Every release, view and
withdrawal is audited.

Reads take a row already reached through the practice's scope (the views and the API fetch the
assignment with `assignment_for_counsellor`, which answers 404 for anyone else).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from assessments import safety_status as safety
from assessments.engine import scoring
from assessments.models import (
    AgendaItem,
    Assignment,
    Comparison,
    SharedSummary,
    SummaryLink,
    Topic,
)
from assessments.summary import content
from clients.tokens import new_token, token_hash
from practice import audit
from practice.models import AuditEvent, Membership
from practice.selectors import practice_of_token
from practice.tenancy import enqueue_on_commit

MAX_SECTION_TEXT = 2_000
MAX_REASON_LENGTH = 200
SAFETY_WITHDRAWAL = "A safety flag was raised; the summary is hidden until it is reviewed."
SAFETY_BLOCK = (
    "This couple has an open safety flag. Hold the individual safety check-ins and record"
    " them on the report before sharing anything with the couple."
)
# What the audit trail calls the events (actions are the trail's existing kinds).
RELEASED = "shared summary released"
WITHDRAWN = "shared summary withdrawn"
VIEWED = "shared summary read by partner"
EDITED = "shared summary wording changed"


# Reads ------------------------------------------------------------------------------------------


def latest_done_comparison(assignment: Assignment) -> Comparison | None:
    return (
        Comparison.objects.filter(assignment=assignment, status=Comparison.Status.DONE)
        .select_related("response_a", "response_b")
        .order_by("-created_at", "-pk")
        .first()
    )


def summary_of(assignment: Assignment) -> SharedSummary | None:
    return SharedSummary.objects.filter(assignment=assignment).first()


def has_open_flag(assignment: Assignment) -> bool:
    """Any open safety flag of the couple: on the summary's own comparison, a later one, or
    another assessment's. A summary is joint feedback, and the safety override wants the
    individual check-ins before any joint feedback (product.md, "Safety override")."""
    return (
        Comparison.objects.filter(assignment__couple_id=assignment.couple_id)
        .filter(safety.open_flag(safety.URGENT) | safety.open_flag(safety.CAUTION))
        .exists()
    )


def shared_only(instrument: scoring.InstrumentDef) -> scoring.InstrumentDef:
    """The instrument with every `clinician` and `safety` item left out."""
    return dataclasses.replace(
        instrument, items=tuple(item for item in instrument.items if item.sensitivity == "shared")
    )


def few_shared_items(instrument: scoring.InstrumentDef) -> frozenset[str]:
    """The areas with too few shared wellbeing items to be described (see `content`)."""
    shared = shared_only(instrument)
    return frozenset(
        area.slug
        for area in shared.areas
        if sum(1 for item in shared.items_of(area.slug) if item.scores_wellbeing)
        < scoring.MIN_ITEMS_FOR_PARTNER_NUMBERS
    )


def shared_area_results(comparison: Comparison) -> tuple[scoring.AreaResult, ...]:
    """The comparison's area results re-computed from the shared items alone."""
    instrument = shared_only(comparison.assignment.instrument_version.as_definition())
    kept = {item.id for item in instrument.items}
    a = {k: v for k, v in comparison.response_a.answers.items() if k in kept}
    b = {k: v for k, v in comparison.response_b.answers.items() if k in kept}
    return scoring.compare(instrument, a, b, []).areas


def chosen_topics(assignment: Assignment) -> list[content.ChosenTopic]:
    """The library topics on the assignment's agenda, in the counsellor's order."""
    items = AgendaItem.objects.filter(agenda__assignment=assignment).exclude(topic_slug="")
    slugs = [item.topic_slug for item in items.order_by("position", "pk")]
    topics = {topic.slug: topic for topic in Topic.objects.filter(slug__in=slugs)}
    return [
        content.ChosenTopic(
            slug=slug, title=topic.title, about=topic.why, areas=tuple(topic.areas or ())
        )
        for slug in slugs
        if (topic := topics.get(slug)) is not None
    ]


def _with_edits(
    sections: Iterable[content.Section], edits: Mapping[str, str]
) -> list[dict[str, Any]]:
    shaped = []
    for section in sections:
        row = section.as_dict()
        row["text"] = edits.get(section.key, "")
        shaped.append(row)
    return shaped


def _edits(summary: SharedSummary | None) -> dict[str, str]:
    if summary is None:
        return {}
    return {row["key"]: row.get("text", "") for row in summary.sections if row.get("text")}


@dataclass(frozen=True)
class Preview:
    """What the counsellor sees: exactly the sections the couple would read."""

    summary: SharedSummary | None
    comparison: Comparison | None
    sections: list[dict[str, Any]]
    blocked_by_flag: bool

    @property
    def status(self) -> str:
        return self.summary.status if self.summary is not None else SharedSummary.Status.DRAFT

    @property
    def can_release(self) -> bool:
        return self.comparison is not None and not self.blocked_by_flag


def fresh_sections(
    assignment: Assignment, comparison: Comparison, edits: Mapping[str, str]
) -> list[dict[str, Any]]:
    built = content.summary_sections(
        shared_area_results(comparison),
        chosen_topics(assignment),
        few_shared_items(assignment.instrument_version.as_definition()),
    )
    return _with_edits(built, edits)


def summary_preview(assignment: Assignment) -> Preview:
    """A released summary shows what the couple reads now; otherwise the summary as it would be
    released now (the latest comparison, the current agenda, the counsellor's wording)."""
    summary = summary_of(assignment)
    blocked = has_open_flag(assignment)
    if summary is not None and summary.is_released:
        return Preview(summary, summary.comparison, list(summary.sections), blocked)
    comparison = latest_done_comparison(assignment)
    if comparison is None:
        return Preview(summary, None, [], blocked)
    return Preview(
        summary, comparison, fresh_sections(assignment, comparison, _edits(summary)), blocked
    )


def fingerprint(sections: list[dict[str, Any]]) -> str:
    """A digest of the sections: the release form carries the previewed one, so nothing the
    counsellor has not seen is released (a new result or agenda change in between)."""
    return hashlib.sha256(json.dumps(sections, sort_keys=True).encode()).hexdigest()


def shown_text(section: Mapping[str, Any]) -> str:
    return str(section.get("text") or section.get("generated") or "")


# Writes -----------------------------------------------------------------------------------------


def _locked_summary(assignment: Assignment, comparison: Comparison) -> SharedSummary:
    summary, _ = SharedSummary.objects.get_or_create(
        assignment=assignment,
        defaults={"practice": assignment.practice, "comparison": comparison},
    )
    return SharedSummary.objects.select_for_update().get(pk=summary.pk)


def _clean_edits(texts: Mapping[str, str], keys: Iterable[str]) -> dict[str, str]:
    known = set(keys)
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for key, value in texts.items():
        if key not in known:
            errors[key] = "This section is not part of the summary."
            continue
        if not isinstance(value, str):
            errors[key] = "Write the section's text as plain words."
            continue
        text = value.strip()
        if len(text) > MAX_SECTION_TEXT:
            errors[key] = f"Keep this section to {MAX_SECTION_TEXT} characters or fewer."
        elif text:
            cleaned[key] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def summary_edit(
    *,
    assignment: Assignment,
    texts: Mapping[str, str],
    by: Membership,
    request: HttpRequest | None = None,
) -> SharedSummary:
    """Saves the counsellor's wording of each section (an empty text restores the generated
    one). A released summary must be withdrawn first: the couple never reads unreviewed text."""
    comparison = latest_done_comparison(assignment)
    if comparison is None:
        raise ValidationError({"summary": "There is no finished comparison to summarise yet."})
    summary = _locked_summary(assignment, comparison)
    if summary.is_released:
        raise ValidationError(
            {"summary": "The summary is released. Withdraw it before changing its wording."}
        )
    sections = fresh_sections(assignment, comparison, {})
    edits = {**_edits(summary), **dict.fromkeys(texts, "")}
    edits.update(_clean_edits(texts, [row["key"] for row in sections]))
    summary.comparison = comparison
    summary.sections = [{**row, "text": edits.get(row["key"], "")} for row in sections]
    summary.save()
    audit.record(
        request,
        AuditEvent.Action.CHANGE,
        practice=assignment.practice,
        obj=summary,
        detail=EDITED,
        actor=by.user,
    )
    return summary


def summary_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('summary-open', kwargs={'token': token})}"


def _revoke_links(summary: SharedSummary) -> None:
    SummaryLink.objects.filter(summary=summary, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _send(link: SummaryLink, token: str) -> None:
    practice = link.practice
    body = render_to_string(
        "summary/email.txt",
        {
            "client": link.client,
            "practice": practice,
            "link": summary_url(token),
            "expires_at": link.expires_at,
        },
    )
    send_mail(
        subject=f"{practice.name}: a summary from your counsellor",
        message=body,
        from_email=None,
        recipient_list=[link.client.email],
    )


@dataclass(frozen=True)
class Release:
    summary: SharedSummary
    # Links of partners without an email, shown to the counsellor this once to pass on.
    links: dict[str, str]


@transaction.atomic
def summary_release(
    *,
    assignment: Assignment,
    by: Membership,
    request: HttpRequest | None = None,
    previewed: str | None = None,
) -> Release:
    """Releases the summary as previewed: fresh links for both partners (earlier ones stop),
    emailed where an address is on file. Refused while any safety flag of the couple is
    open, and when `previewed` (the fingerprint of the preview the counsellor read) no longer
    matches."""
    comparison = latest_done_comparison(assignment)
    if comparison is None:
        raise ValidationError({"summary": "There is no finished comparison to summarise yet."})
    if has_open_flag(assignment):
        raise ValidationError({"safety": SAFETY_BLOCK})
    summary = _locked_summary(assignment, comparison)
    if summary.is_released:
        raise ValidationError({"summary": "The summary is already released."})
    sections = fresh_sections(assignment, comparison, _edits(summary))
    if previewed is not None and previewed != fingerprint(sections):
        raise ValidationError(
            {
                "summary": "The summary changed since this preview (a new result or a changed"
                " agenda). Read the preview again, then release."
            }
        )
    summary.comparison = comparison
    summary.sections = sections
    summary.status = SharedSummary.Status.RELEASED
    summary.released_by = by
    summary.released_at = timezone.now()
    summary.withdrawn_at = None
    summary.withdrawn_reason = ""
    summary.save()
    _revoke_links(summary)
    links: dict[str, str] = {}
    for side in ("a", "b"):
        if assignment.couple.partner(side).email:
            _email_link(summary, side)
        else:
            _, token = _mint_link(summary, side)
            links[side] = summary_url(token)
    audit.record(
        request,
        AuditEvent.Action.CHANGE,
        practice=assignment.practice,
        obj=summary,
        detail=RELEASED,
        actor=by.user,
    )
    return Release(summary, links)


def _mint_link(summary: SharedSummary, side: str) -> tuple[SummaryLink, str]:
    token = new_token()
    assignment = summary.assignment
    link = SummaryLink.objects.create(
        practice=summary.practice,
        summary=summary,
        partner=side,
        client=assignment.couple.partner(side),
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(days=summary.practice.invitation_expiry_days),
    )
    return link, token


def latest_links(summary: SharedSummary | None) -> dict[str, SummaryLink]:
    """Each partner's newest link of the summary (what the counsellor's page lists)."""
    if summary is None:
        return {}
    found: dict[str, SummaryLink] = {}
    for link in SummaryLink.objects.filter(summary=summary).order_by("created_at", "pk"):
        found[link.partner] = link
    return found


def _check_partner(partner: str) -> None:
    if partner not in ("a", "b"):
        raise ValidationError({"partner": "Choose partner a or b."})


@transaction.atomic
def summary_link_revoke(
    *, summary: SharedSummary, partner: str, by: Membership, request: HttpRequest | None = None
) -> None:
    """Stops one partner's link at once (a link that reached the wrong person, a lost phone);
    the other partner's link keeps working."""
    _check_partner(partner)
    revoked = SummaryLink.objects.filter(
        summary=summary, partner=partner, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        audit.record(
            request,
            AuditEvent.Action.CHANGE,
            practice=summary.practice,
            obj=summary,
            detail=f"shared summary link of partner {partner} revoked",
            actor=by.user,
        )


@transaction.atomic
def summary_link_reissue(
    *, summary: SharedSummary, partner: str, by: Membership, request: HttpRequest | None = None
) -> str | None:
    """A fresh link for one partner of a released summary (earlier ones stop): emailed when an
    address is on file, else returned to be shown this once."""
    _check_partner(partner)
    if not summary.is_released:
        raise ValidationError({"summary": "Release the summary before sending links."})
    if has_open_flag(summary.assignment):
        raise ValidationError({"safety": SAFETY_BLOCK})
    _revoke_partner_links(summary, partner)
    audit.record(
        request,
        AuditEvent.Action.CHANGE,
        practice=summary.practice,
        obj=summary,
        detail=f"shared summary link of partner {partner} reissued",
        actor=by.user,
    )
    if summary.assignment.couple.partner(partner).email:
        _email_link(summary, partner)
        return None
    _, token = _mint_link(summary, partner)
    return summary_url(token)


def _revoke_partner_links(summary: SharedSummary, partner: str) -> None:
    SummaryLink.objects.filter(summary=summary, partner=partner, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _email_link(summary: SharedSummary, partner: str) -> None:
    """The email goes from a background job once this transaction commits, as invitations do:
    a mail server that is slow or down never fails the counsellor's request."""
    from assessments.summary.tasks import send_summary_link

    assert summary.released_at is not None
    released = summary.released_at.isoformat()
    enqueue_on_commit(send_summary_link, summary.practice, summary.pk, partner, released)


def summary_link_email_send(*, summary_id: int, partner: str, released: str) -> None:
    """Mints the partner's link and emails it (the job behind `_email_link`): the token never
    travels through the broker. A job that comes late sends nothing and touches no link: the
    summary withdrawn, flagged or released again since (`released` names the release it was
    sent for), or the partner's email address gone."""
    summary = SharedSummary.objects.select_related("assignment__couple").get(pk=summary_id)
    current = summary.released_at.isoformat() if summary.released_at else ""
    if not summary.is_released or current != released or has_open_flag(summary.assignment):
        return
    if not summary.assignment.couple.partner(partner).email:
        return
    with transaction.atomic():
        _revoke_partner_links(summary, partner)
        link, token = _mint_link(summary, partner)
    _send(link, token)


def _clean_reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": f"Keep the reason to {MAX_REASON_LENGTH} characters or fewer."}
        )
    return text


@transaction.atomic
def summary_withdraw(
    *,
    summary: SharedSummary,
    reason: str = "",
    by: Membership | None = None,
    request: HttpRequest | None = None,
) -> SharedSummary:
    """The couple's links stop working at once; the counsellor may release again later."""
    text = _clean_reason(reason)
    summary = SharedSummary.objects.select_for_update().get(pk=summary.pk)
    if not summary.is_released:
        raise ValidationError({"summary": "Only a released summary can be withdrawn."})
    summary.status = SharedSummary.Status.WITHDRAWN
    summary.withdrawn_at = timezone.now()
    summary.withdrawn_reason = text
    summary.save(update_fields=["status", "withdrawn_at", "withdrawn_reason", "updated_at"])
    _revoke_links(summary)
    audit.record(
        request,
        AuditEvent.Action.CHANGE,
        practice=summary.practice,
        obj=summary,
        detail=f"{WITHDRAWN}: {text}" if text else WITHDRAWN,
        actor=None if by is None else by.user,
        actor_label="" if by is not None else "system (safety flag)",
    )
    return summary


def withdraw_flagged(practice_id: int, comparison_ids: Iterable[int]) -> int:
    """Withdraws every released summary of the couples of those of the practice's comparisons
    that now have an open safety flag: called wherever a flag can be raised (the comparison job,
    re-scoring), inside the practice's scope. Returns how many were withdrawn."""
    ids = list(comparison_ids)
    if not ids:
        return 0
    flagged = (
        Comparison.objects.filter(practice_id=practice_id, pk__in=ids)
        .filter(safety.open_flag(safety.URGENT) | safety.open_flag(safety.CAUTION))
        .values_list("assignment__couple_id", flat=True)
    )
    summaries = list(
        SharedSummary.objects.filter(
            practice_id=practice_id,
            assignment__couple_id__in=list(flagged),
            status=SharedSummary.Status.RELEASED,
        )
    )
    for summary in summaries:
        summary_withdraw(summary=summary, reason=SAFETY_WITHDRAWAL)
    return len(summaries)


# The partner's link -----------------------------------------------------------------------------


def link_by_token(*, token: str) -> SummaryLink | None:
    """The link behind a token. As with invitations, the token does not say which practice it
    belongs to: its practice is found first (on PostgreSQL through the one function allowed to
    read links across practices, which returns the practice id alone), then the link is read
    inside that practice's scope."""
    hashed = token_hash(token)
    practice = practice_of_token("fulcrum_summary_link_practice", SummaryLink, hashed)
    if practice is None:
        return None
    with scope(practice=practice):
        return (
            SummaryLink.objects.select_related("practice", "summary")
            .filter(token_hash=hashed)
            .first()
        )


def link_problem(link: SummaryLink | None) -> str:
    """Why this link shows no summary ('' when it does)."""
    if link is None:
        return "missing"
    if not link.is_usable:
        return link.state
    if not link.summary.is_released:
        return "withdrawn"
    if has_open_flag(link.summary.assignment):
        # The job withdraws it as the flag is raised; this also covers the moment in between.
        return "withdrawn"
    return ""


def link_viewed(*, link: SummaryLink, request: HttpRequest | None, detail: str = VIEWED) -> None:
    SummaryLink.objects.filter(pk=link.pk).update(last_viewed_at=timezone.now())
    audit.record(
        request,
        AuditEvent.Action.VIEW,
        practice=link.practice,
        obj=link.summary,
        detail=detail,
        actor_label=f"partner {link.partner} (summary link {link.public_id})",
    )
