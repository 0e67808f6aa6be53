"""The couple's shared summary end to end: built from shared items only, previewed and edited
by the counsellor, released through fresh private links (emailed), read by each partner as a
page and a PDF, withdrawn by hand or by a safety flag raised later; every step audited."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse
from django_scopes import scope
from pypdf import PdfReader

from assessments.assignments.services import NewAssignment, response_reopen
from assessments.comparisons import services as comparisons
from assessments.models import Comparison, Response, SharedSummary, SummaryLink
from assessments.reports import agenda as agendas
from assessments.summary import services as summaries
from clients.models import Couple
from clients.privacy.erasure import client_erase
from practice.models import AuditEvent, Membership, Practice
from tests.factories import CoupleFactory
from tests.support.answering import Answerer, both_equally, submit
from tests.support.comparing import assign, b_reports_fear, compared

# Links are emailed by a background job as the release commits.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]

STRUGGLING = ("communication", "finances")


def mixed(item: dict[str, object]) -> int:
    """Healthy and balanced everywhere but communication and finances, where A holds the say
    and B is unhappy."""
    if item["sensitivity"] == "safety":
        return 1
    if item["area"] in STRUGGLING:
        if item["kind"] == "share":
            return 1
        return 4 if item["reverse"] else 2
    return both_equally(item)


def mixed_b(item: dict[str, object]) -> int:
    if item["area"] in STRUGGLING and item["kind"] == "share" and item["sensitivity"] != "safety":
        return 3
    return mixed(item)


def with_clinician(answer: int) -> Answerer:
    def answerer(item: dict[str, object]) -> int:
        return answer if item["sensitivity"] == "clinician" else mixed(item)

    return answerer


def _with_agenda(new: NewAssignment, comparison: Comparison, by: Membership) -> None:
    with scope(practice=comparison.practice):
        agenda = agendas.agenda_for_assignment(assignment=new.assignment, created_by=by)
        agendas.agenda_add_topics(
            agenda=agenda,
            comparison=comparison,
            topic_slugs=["open-communication-active-listening", "financial-transparency"],
        )
        agendas.agenda_add_own_item(agenda=agenda, title="Private note for me", note="secret")


@pytest.fixture
def compared_mixed(
    assignment: NewAssignment, counsellor_membership: Membership
) -> tuple[NewAssignment, Comparison]:
    comparison = compared(assignment, mixed, mixed_b)
    _with_agenda(assignment, comparison, counsellor_membership)
    return assignment, comparison


def summary_url(name: str, new: NewAssignment) -> str:
    return reverse(
        name,
        kwargs={
            "practice_slug": new.assignment.practice.slug,
            "assignment_id": new.assignment.public_id,
        },
    )


def sections_of(new: NewAssignment) -> list[dict[str, Any]]:
    with scope(practice=new.assignment.practice):
        return summaries.summary_preview(new.assignment).sections


def link_from_mail(index: int = -1) -> str:
    found = re.search(r"https?://\S+/s/\S+", str(mail.outbox[index].body))
    assert found is not None
    return "/s/" + found.group(0).split("/s/", 1)[1]


def previewed(web: Client, new: NewAssignment) -> str:
    """The fingerprint the preview page's release form carries, as a browser would send it."""
    page = web.get(summary_url("shared-summary", new)).content.decode()
    found = re.search(r'name="preview" value="([0-9a-f]+)"', page)
    return found.group(1) if found else ""


def release(web: Client, new: NewAssignment) -> Any:
    form = {"preview": previewed(web, new)}
    # The emails leave once the release commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return web.post(summary_url("shared-summary-release", new), form)


def reader(link: str) -> Client:
    web = Client()
    opened = web.get(link)
    assert opened.status_code == 302, opened.content
    assert opened["Location"] == reverse("summary-read")
    return web


# What the summary says ---------------------------------------------------------------------------


def test_strengths_first_then_the_agenda_areas_never_the_counsellors_own_items(
    compared_mixed: tuple[NewAssignment, Comparison],
) -> None:
    new, _ = compared_mixed
    sections = sections_of(new)

    kinds = [(s["kind"], s["area"]) for s in sections]
    strengths = [area for kind, area in kinds if kind == "strength"]
    work = [area for kind, area in kinds if kind == "work_on"]
    assert kinds[0] == ("intro", "")
    assert strengths
    assert not set(strengths) & set(STRUGGLING)
    assert set(work) == set(STRUGGLING)
    assert [k for k, _ in kinds] == sorted(
        (k for k, _ in kinds), key=["intro", "strength", "work_on"].index
    )
    topics = [t["slug"] for s in sections for t in s["topics"]]
    assert set(topics) == {"open-communication-active-listening", "financial-transparency"}
    assert "Private note" not in str(sections)


def test_changing_non_shared_answers_changes_nothing(
    library: None, practice: Practice, counsellor_membership: Membership
) -> None:
    """Two couples answer every shared item alike and every clinician item differently."""
    found = []
    for clinician in (1, 5):
        couple = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
        new = assign(couple, "balance-of-power-inventory", counsellor_membership)
        comparison = compared(new, with_clinician(clinician), with_clinician(6 - clinician))
        _with_agenda(new, comparison, counsellor_membership)
        with scope(practice=practice):
            found.append(
                (summaries.shared_area_results(comparison), sections_of(new), comparison.result)
            )
    (areas_1, sections_1, full_1), (areas_2, sections_2, full_2) = found
    assert full_1 != full_2  # the counsellor's report does differ
    assert areas_1 == areas_2
    assert sections_1 == sections_2


def test_one_partners_pattern_that_keeps_the_area_results_changes_nothing(
    library: None, practice: Practice, counsellor_membership: Membership
) -> None:
    """Partner A swaps two share answers within an area: A's individual answers differ, the
    area results (a mean over the area) do not, and neither does a word of the summary."""

    def swapped(item: dict[str, object]) -> int:
        if item["id"] == "bpi-dm-01":
            return 1
        if item["id"] == "bpi-dm-02":
            return 5
        return mixed(item)

    def unswapped(item: dict[str, object]) -> int:
        if item["id"] == "bpi-dm-01":
            return 5
        if item["id"] == "bpi-dm-02":
            return 1
        return mixed(item)

    found = []
    for a in (swapped, unswapped):
        couple = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
        new = assign(couple, "balance-of-power-inventory", counsellor_membership)
        comparison = compared(new, a, mixed_b)
        _with_agenda(new, comparison, counsellor_membership)
        with scope(practice=practice):
            found.append((summaries.shared_area_results(comparison), sections_of(new)))
    assert found[0] == found[1]


def test_safety_answers_change_nothing_in_the_words(
    library: None, practice: Practice, counsellor_membership: Membership
) -> None:
    def fearful_b(item: dict[str, object]) -> int:
        return b_reports_fear(item) if item["sensitivity"] == "safety" else mixed_b(item)

    found = []
    for b in (mixed_b, fearful_b):
        couple = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
        new = assign(couple, "balance-of-power-inventory", counsellor_membership)
        comparison = compared(new, mixed, b)
        _with_agenda(new, comparison, counsellor_membership)
        found.append(sections_of(new))
    assert found[0] == found[1]


# The counsellor's page ---------------------------------------------------------------------------


def test_counsellor_previews_edits_and_sees_inline_errors(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    page = as_counsellor.get(summary_url("shared-summary", new))
    assert page.status_code == 200
    assert "What is going well" in page.content.decode()
    key = next(s["key"] for s in sections_of(new) if s["kind"] == "strength")

    too_long = as_counsellor.post(summary_url("shared-summary", new), {f"text-{key}": "x" * 2001})
    assert too_long.status_code == 400
    assert "2000 characters or fewer" in too_long.content.decode()
    assert 'aria-invalid="true"' in too_long.content.decode()

    unknown = as_counsellor.post(summary_url("shared-summary", new), {"text-nope": "hi"})
    assert unknown.status_code == 400

    saved = as_counsellor.post(
        summary_url("shared-summary", new), {f"text-{key}": "You laugh together a lot."}
    )
    assert saved.status_code == 302
    assert "You laugh together a lot." in as_counsellor.get(saved["Location"]).content.decode()
    shown = {s["key"]: summaries.shown_text(s) for s in sections_of(new)}
    assert shown[key] == "You laugh together a lot."
    # Blank restores the suggested wording.
    as_counsellor.post(summary_url("shared-summary", new), {f"text-{key}": "  "})
    assert summaries.shown_text(next(s for s in sections_of(new) if s["key"] == key)) != (
        "You laugh together a lot."
    )


def test_page_is_reachable_from_the_report_and_agenda_and_only_for_the_couples_counsellors(
    as_counsellor: Client,
    as_admin: Client,
    as_outsider: Client,
    compared_mixed: tuple[NewAssignment, Comparison],
) -> None:
    new, _ = compared_mixed
    target = summary_url("shared-summary", new)
    assert target in as_counsellor.get(summary_url("assignment-report", new)).content.decode()
    assert target in as_counsellor.get(summary_url("agenda", new)).content.decode()
    assert as_admin.get(target).status_code == 404  # an admin who is not their counsellor
    assert as_outsider.get(target).status_code == 404
    assert as_admin.post(summary_url("shared-summary-release", new)).status_code == 404


# Release, reading, withdrawal --------------------------------------------------------------------


def test_release_emails_fresh_links_and_each_partner_reads_page_and_pdf(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    mail.outbox.clear()

    released = release(as_counsellor, new)

    assert released.status_code == 302
    assert len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {
        new.assignment.couple.partner_a.email,
        new.assignment.couple.partner_b.email,
    }
    web = reader(link_from_mail(0))
    page = web.get(reverse("summary-read"))
    body = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store, private"
    assert "What is going well" in body
    assert "Quick exit" in body
    assert "If you need support" in body  # the practice's support line
    assert "Private note" not in body
    assert "Sam" not in body
    assert "Alex" not in body
    assert not re.search(r"\bindex\b|\d+ ?%", body, re.IGNORECASE)
    pdf = web.get(reverse("summary-read-pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "What is going well" in text
    with scope(practice=new.assignment.practice):
        summary = SharedSummary.objects.get(assignment=new.assignment)
        details = list(
            AuditEvent.objects.filter(object_id=str(summary.public_id)).values_list(
                "action", "detail"
            )
        )
    assert ("change", summaries.RELEASED) in details
    assert ("view", summaries.VIEWED) in details
    assert ("view", summaries.VIEWED + " (PDF)") in details


def test_partners_without_email_get_their_links_shown_once(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    couple = new.assignment.couple
    with scope(practice=couple.practice):
        for client in (couple.partner_a, couple.partner_b):
            client.email = ""
            client.save()
    mail.outbox.clear()

    released = release(as_counsellor, new)

    assert released.status_code == 200
    assert mail.outbox == []
    links = re.findall(r"/s/[A-Za-z0-9_-]+", released.content.decode())
    assert len(links) == 2
    assert reader(links[0]).get(reverse("summary-read")).status_code == 200
    assert "/s/" not in as_counsellor.get(summary_url("shared-summary", new)).content.decode()


def test_withdrawal_and_rerelease_end_every_earlier_link(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    mail.outbox.clear()
    release(as_counsellor, new)
    first = reader(link_from_mail(0))

    withdrawn = as_counsellor.post(
        summary_url("shared-summary-withdraw", new), {"reason": "Wording to change"}
    )

    assert withdrawn.status_code == 302
    gone = first.get(reverse("summary-read"))
    assert gone.status_code == 410
    assert Client().get(link_from_mail(0)).status_code == 410
    assert release(as_counsellor, new).status_code == 302
    assert Client().get(link_from_mail(0)).status_code == 410  # the old link stays revoked
    assert reader(link_from_mail(-1)).get(reverse("summary-read")).status_code == 200
    too_long = as_counsellor.post(
        summary_url("shared-summary-withdraw", new), {"reason": "x" * 201}
    )
    assert too_long.status_code == 400
    with scope(practice=new.assignment.practice):
        assert AuditEvent.objects.filter(detail__startswith=summaries.WITHDRAWN).count() == 1


def test_the_link_email_leaves_from_a_job_and_a_late_job_sends_nothing(
    as_counsellor: Client,
    compared_mixed: tuple[NewAssignment, Comparison],
    counsellor_membership: Membership,
) -> None:
    from assessments.summary.tasks import send_summary_link

    new, _ = compared_mixed
    practice = new.assignment.practice
    release(as_counsellor, new)
    with scope(practice=practice):
        summary = SharedSummary.objects.get(assignment=new.assignment)
        assert summary.released_at is not None
        first_release = summary.released_at.isoformat()
        summaries.summary_withdraw(summary=summary, by=counsellor_membership)
    mail.outbox.clear()

    # Delivered after the withdrawal: nothing is sent and no link comes back to life.
    send_summary_link.apply(args=(practice.pk, summary.pk, "a", first_release))

    assert mail.outbox == []
    with scope(practice=practice):
        active = SummaryLink.objects.filter(summary=summary, revoked_at__isnull=True)
        assert not active.exists()

    # Delivered after a new release: the new release's links are left as they are.
    release(as_counsellor, new)
    with scope(practice=practice):
        links = set(active.values_list("pk", flat=True))
    assert len(links) == 2
    mail.outbox.clear()

    send_summary_link.apply(args=(practice.pk, summary.pk, "a", first_release))

    assert mail.outbox == []
    with scope(practice=practice):
        assert set(active.values_list("pk", flat=True)) == links


def test_released_summary_cannot_be_reworded_until_withdrawn(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    release(as_counsellor, new)
    refused = as_counsellor.post(summary_url("shared-summary", new), {"text-intro": "New words"})
    assert refused.status_code == 400
    assert release(as_counsellor, new).status_code == 400  # already released
    assert "New words" not in str(sections_of(new))


def test_withdrawing_a_summary_that_is_not_released_is_a_clear_400(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    refused = as_counsellor.post(summary_url("shared-summary-withdraw", new))
    assert refused.status_code == 400
    assert "Only a released summary" in refused.content.decode()


def test_no_release_without_a_finished_comparison(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    assert as_counsellor.get(summary_url("shared-summary", assignment)).status_code == 200
    refused = release(as_counsellor, assignment)
    assert refused.status_code == 400
    assert "no finished comparison" in refused.content.decode()


# Safety ------------------------------------------------------------------------------------------


def test_no_release_while_a_safety_flag_is_open(
    as_counsellor: Client, assignment: NewAssignment, counsellor_membership: Membership
) -> None:
    comparison = compared(assignment, both_equally, b_reports_fear)
    mail.outbox.clear()

    refused = release(as_counsellor, assignment)

    assert refused.status_code == 400
    assert "open safety flag" in refused.content.decode()
    assert mail.outbox == []
    with scope(practice=comparison.practice):
        assert not SummaryLink.objects.exists()
        comparisons.safety_clear(comparison=comparison, by=counsellor_membership)
    assert release(as_counsellor, assignment).status_code == 302


def test_a_flag_raised_later_withdraws_the_released_summary(
    as_counsellor: Client,
    compared_mixed: tuple[NewAssignment, Comparison],
    counsellor_membership: Membership,
) -> None:
    new, _ = compared_mixed
    mail.outbox.clear()
    release(as_counsellor, new)
    web = reader(link_from_mail(0))
    assert web.get(reverse("summary-read")).status_code == 200

    with scope(practice=new.assignment.practice):
        submitted = Response.objects.get(assignment=new.assignment, partner="b")
        response_reopen(response=submitted, by=counsellor_membership, reason="Wanted to add")
    submit(
        new.assignment,
        "b",
        lambda item: b_reports_fear(item) if item["sensitivity"] == "safety" else mixed_b(item),
    )
    with scope(practice=new.assignment.practice):
        latest = Comparison.objects.filter(assignment=new.assignment).latest("created_at")
        comparisons.comparison_start_attempt(comparison_id=latest.pk)
        comparisons.comparison_compute(comparison_id=latest.pk)
        summary = SharedSummary.objects.get(assignment=new.assignment)
        assert summary.status == SharedSummary.Status.WITHDRAWN
        assert summary.withdrawn_reason == summaries.SAFETY_WITHDRAWAL
        assert not SummaryLink.objects.filter(revoked_at__isnull=True).exists()
        event = AuditEvent.objects.get(detail__startswith=summaries.WITHDRAWN)
        assert event.actor is None
        assert "safety" in event.actor_label

    assert web.get(reverse("summary-read")).status_code == 410
    assert release(as_counsellor, new).status_code == 400


# The partner's link ------------------------------------------------------------------------------


def test_unknown_links_are_throttled_like_invitation_links(anonymous: Client) -> None:
    cache.clear()
    for _ in range(20):
        assert anonymous.get("/s/not-a-real-token").status_code == 404
    assert anonymous.get("/s/not-a-real-token").status_code == 429


def test_expired_link_and_no_session(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    mail.outbox.clear()
    release(as_counsellor, new)
    assert Client().get(reverse("summary-read")).status_code == 403
    with scope(practice=new.assignment.practice):
        SummaryLink.objects.update(expires_at="2000-01-01T00:00:00Z")
    expired = Client().get(link_from_mail(0))
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()


def test_quick_exit_ends_the_reader_session(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    mail.outbox.clear()
    release(as_counsellor, new)
    web = reader(link_from_mail(0))

    left = web.get(reverse("respond-quick-exit"))

    assert left["Location"] == reverse("neutral-page")
    assert web.get(reverse("summary-read")).status_code == 403


def test_a_partners_link_reads_only_their_own_couples_summary(
    as_counsellor: Client,
    compared_mixed: tuple[NewAssignment, Comparison],
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    new, _ = compared_mixed
    other: Couple = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
    other_new = assign(other, "balance-of-power-inventory", counsellor_membership)
    compared(other_new)  # balanced and healthy: no area to work on
    mail.outbox.clear()
    release(as_counsellor, new)
    release(as_counsellor, other_new)
    mine = reader(link_from_mail(0)).get(reverse("summary-read")).content.decode()
    theirs = reader(link_from_mail(-1)).get(reverse("summary-read")).content.decode()
    assert "Communication and being heard" in mine
    assert "Communication and being heard" not in theirs.split("What you are working on")[1]


def test_release_refuses_when_the_link_service_meets_no_comparison(
    compared_mixed: tuple[NewAssignment, Comparison], counsellor_membership: Membership
) -> None:
    new, comparison = compared_mixed
    with scope(practice=comparison.practice):
        comparison.delete()
        with pytest.raises(ValidationError):
            summaries.summary_release(assignment=new.assignment, by=counsellor_membership)


def test_rescoring_that_raises_a_flag_withdraws_through_the_same_service(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    """Re-scoring writes its columns in bulk, then hands the flagged rows to `withdraw_flagged`
    (as the job does): a comparison whose stored flag is open takes its summary down; an
    unflagged or cleared one leaves it alone."""
    new, comparison = compared_mixed
    release(as_counsellor, new)
    with scope(practice=comparison.practice):
        assert summaries.withdraw_flagged(comparison.practice_id, [comparison.pk]) == 0
        Comparison.objects.filter(pk=comparison.pk).update(safety_level="caution")
        assert summaries.withdraw_flagged(comparison.practice_id, [comparison.pk]) == 1
        # Already withdrawn: nothing more to do.
        assert summaries.withdraw_flagged(comparison.practice_id, [comparison.pk]) == 0
        summary = SharedSummary.objects.get(assignment=new.assignment)
    assert summary.status == SharedSummary.Status.WITHDRAWN


def test_a_flag_on_another_assessment_of_the_couple_withdraws_and_blocks(
    as_counsellor: Client,
    compared_mixed: tuple[NewAssignment, Comparison],
    counsellor_membership: Membership,
) -> None:
    """A summary is joint feedback: a screener flagged after the release takes it down too,
    and nothing is released again until that flag's check-ins are recorded."""
    new, _ = compared_mixed
    release(as_counsellor, new)
    screener = assign(new.assignment.couple, "signs-of-imbalance", counsellor_membership)

    flagged = compared(screener, both_equally, b_reports_fear)

    with scope(practice=flagged.practice):
        summary = SharedSummary.objects.get(assignment=new.assignment)
    assert summary.status == SharedSummary.Status.WITHDRAWN
    assert release(as_counsellor, new).status_code == 400
    with scope(practice=flagged.practice):
        comparisons.safety_clear(comparison=flagged, by=counsellor_membership)
    assert release(as_counsellor, new).status_code == 302


def test_one_partners_link_is_revoked_or_reissued_alone(
    as_counsellor: Client, compared_mixed: tuple[NewAssignment, Comparison]
) -> None:
    new, _ = compared_mixed
    couple = new.assignment.couple
    with scope(practice=couple.practice):
        couple.partner_b.email = ""
        couple.partner_b.save()
    mail.outbox.clear()
    released = release(as_counsellor, new)
    a_reader = reader(link_from_mail(0))
    b_link = re.findall(r"/s/[A-Za-z0-9_-]+", released.content.decode())[0]
    b_reader = reader(b_link)

    def link_url(action: str, partner: str) -> str:
        return reverse(
            f"shared-summary-link-{action}",
            kwargs={
                "practice_slug": couple.practice.slug,
                "assignment_id": new.assignment.public_id,
                "partner": partner,
            },
        )

    assert as_counsellor.post(link_url("revoke", "b")).status_code == 302
    assert b_reader.get(reverse("summary-read")).status_code == 410
    assert a_reader.get(reverse("summary-read")).status_code == 200
    page = as_counsellor.get(summary_url("shared-summary", new)).content.decode()
    assert "Revoked" in page

    reissued = as_counsellor.post(link_url("reissue", "b"))
    assert reissued.status_code == 200
    fresh = re.findall(r"/s/[A-Za-z0-9_-]+", reissued.content.decode())
    assert len(fresh) == 1
    assert reader(fresh[0]).get(reverse("summary-read")).status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert as_counsellor.post(link_url("reissue", "a")).status_code == 302
    assert a_reader.get(reverse("summary-read")).status_code == 410  # replaced
    assert reader(link_from_mail(-1)).get(reverse("summary-read")).status_code == 200
    assert as_counsellor.post(link_url("revoke", "c")).status_code == 400
    as_counsellor.post(summary_url("shared-summary-withdraw", new))
    assert as_counsellor.post(link_url("reissue", "a")).status_code == 400
    with scope(practice=couple.practice):
        details = set(AuditEvent.objects.values_list("detail", flat=True))
    assert "shared summary link of partner b revoked" in details
    assert "shared summary link of partner a reissued" in details


def test_release_refuses_what_the_counsellor_has_not_previewed(
    as_counsellor: Client,
    compared_mixed: tuple[NewAssignment, Comparison],
    counsellor_membership: Membership,
) -> None:
    new, comparison = compared_mixed
    seen = previewed(as_counsellor, new)
    with scope(practice=comparison.practice):
        agenda = agendas.agenda_of(new.assignment)
        assert agenda is not None
        agendas.agenda_add_topics(
            agenda=agenda, comparison=comparison, topic_slugs=["shared-decision-making"]
        )

    stale = as_counsellor.post(summary_url("shared-summary-release", new), {"preview": seen})

    assert stale.status_code == 400
    assert "changed since this preview" in stale.content.decode()
    assert release(as_counsellor, new).status_code == 302


def test_erasing_a_partner_takes_the_summary_and_its_links_with_their_answers(
    as_counsellor: Client,
    compared_mixed: tuple[NewAssignment, Comparison],
    counsellor_membership: Membership,
) -> None:
    new, _ = compared_mixed
    mail.outbox.clear()
    release(as_counsellor, new)
    web = reader(link_from_mail(0))
    couple = new.assignment.couple

    with scope(practice=couple.practice):
        client_erase(client=couple.partner_b, by=counsellor_membership)
        assert not SharedSummary.objects.exists()
        assert not SummaryLink.objects.exists()
    assert web.get(reverse("summary-read")).status_code == 403
