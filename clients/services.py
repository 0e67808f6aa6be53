"""Writes on clients, couples and invitations. Keyword-only, typed, atomic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Couple, Invitation, Partner
from clients.tokens import new_token, token_hash
from practice.models import Membership, Practice
from practice.tenancy import enqueue_on_commit

if TYPE_CHECKING:
    from assessments.models import Assignment


@dataclass(frozen=True)
class PartnerDetails:
    display_name: str
    email: str = ""
    pronouns: str = ""


def _check_counsellors(practice: Practice, counsellors: list[Membership]) -> None:
    for membership in counsellors:
        if membership.practice_id != practice.pk or not membership.is_counsellor:
            raise ValidationError({"counsellors": "Choose counsellors of this practice."})


@transaction.atomic
def couple_create(
    *,
    practice: Practice,
    partner_a: PartnerDetails,
    partner_b: PartnerDetails,
    counsellors: list[Membership],
    created_by: Membership | None = None,
) -> Couple:
    """A couple always has a counsellor: a counsellor who is not an admin is one of the couples
    they add, and anyone else must name at least one. `created_by` is None for the system."""
    counsellors = list(counsellors)
    if (
        created_by is not None
        and not created_by.is_admin
        and all(c.pk != created_by.pk for c in counsellors)
    ):
        counsellors.append(created_by)
    if not counsellors:
        raise ValidationError({"counsellors": "Choose at least one counsellor."})
    _check_counsellors(practice, counsellors)
    a = Client.objects.create(practice=practice, **partner_a.__dict__)
    b = Client.objects.create(practice=practice, **partner_b.__dict__)
    couple = Couple.objects.create(practice=practice, partner_a=a, partner_b=b)
    couple.counsellors.set(counsellors)
    return couple


@transaction.atomic
def couple_update(
    *,
    couple: Couple,
    partner_a: PartnerDetails,
    partner_b: PartnerDetails,
    counsellors: list[Membership] | None,
) -> Couple:
    for client, details in ((couple.partner_a, partner_a), (couple.partner_b, partner_b)):
        client.display_name = details.display_name
        client.email = details.email
        client.pronouns = details.pronouns
        client.save(update_fields=["display_name", "email", "pronouns"])
    if counsellors is not None:
        _check_counsellors(couple.practice, counsellors)
        couple.counsellors.set(counsellors)
    return couple


@transaction.atomic
def couple_set_status(*, couple: Couple, status: str) -> None:
    couple.status = status
    couple.save(update_fields=["status", "updated_at"])


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('invitation-open', kwargs={'token': token})}"


def _fresh_token(invitation: Invitation) -> str:
    token = new_token()
    invitation.token_hash = token_hash(token)
    invitation.expires_at = timezone.now() + timedelta(
        days=invitation.practice.invitation_expiry_days
    )
    return token


@transaction.atomic
def invitations_create(*, assignment: Assignment) -> dict[str, str]:
    """One invitation per partner. Partners with an email are emailed by a background job (which
    mints the token it sends, so no token travels through the broker); for the others the
    counsellor copies the returned link now, the only time it can be shown."""
    links: dict[str, str] = {}
    couple = assignment.couple
    for side in (Partner.A, Partner.B):
        client = couple.partner(side)
        invitation = Invitation(
            practice=assignment.practice, assignment=assignment, partner=side, client=client
        )
        token = _fresh_token(invitation)
        invitation.save()
        if client.email:
            invitation_send(invitation=invitation)
        else:
            links[side] = invitation_url(token)
    return links


def invitation_send(*, invitation: Invitation) -> None:
    """Emails the partner their link; the job mints a fresh token, so earlier links stop."""
    from clients.tasks import send_invitation_email

    if not invitation.client.email:
        raise ValidationError(
            f"{invitation.client} has no email address on file. Reissue the link to copy it."
        )
    if not invitation.is_usable:
        raise ValidationError("This link is no longer active. Reissue it to send a new one.")
    enqueue_on_commit(send_invitation_email, invitation.practice, invitation.pk)


@transaction.atomic
def invitation_mint_and_mark_sent(*, invitation: Invitation) -> str:
    """A new token for an email about to be sent: the previous link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    token = _fresh_token(invitation)
    invitation.last_sent_at = timezone.now()
    invitation.send_count += 1
    invitation.save()
    return token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    # Revoking twice keeps the first time: it is when the link stopped working.
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_reissue(*, invitation: Invitation) -> str | None:
    """A fresh link for the partner (after expiry, revocation, a lost email or a wrong-person
    report). Emailed when the partner has an address; otherwise returned for copying."""
    invitation.revoked_at = None
    invitation.wrong_person_at = None
    token = _fresh_token(invitation)
    invitation.save()
    if invitation.client.email:
        invitation_send(invitation=invitation)
        return None
    return invitation_url(token)


@transaction.atomic
def invitation_report_wrong_person(*, invitation: Invitation) -> None:
    """ "This isn't me": the link stops working and the couple's counsellors are told."""
    from clients.tasks import notify_wrong_person

    invitation.wrong_person_at = timezone.now()
    invitation.save(update_fields=["wrong_person_at"])
    enqueue_on_commit(notify_wrong_person, invitation.practice, invitation.pk)


@transaction.atomic
def invitation_consent(*, invitation: Invitation) -> None:
    if invitation.consented_at is None:
        invitation.consented_at = timezone.now()
        invitation.save(update_fields=["consented_at"])


# Emails, sent by the background jobs in `clients.tasks` ---------------------------------------


def invitation_email_send(*, practice: Practice, invitation_id: int) -> None:
    """Mints the link's token and emails it: the token never travels through the broker."""
    invitation = Invitation.objects.select_related("client", "assignment__instrument_version").get(
        pk=invitation_id
    )
    if not invitation.client.email or not invitation.is_usable:
        return
    token = invitation_mint_and_mark_sent(invitation=invitation)
    context = {
        "invitation": invitation,
        "practice": practice,
        "link": invitation_url(token),
        "instrument": invitation.assignment.instrument_version,
    }
    send_mail(
        subject=f"{practice.name}: your private questionnaire",
        message=render_to_string("clients/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.client.email],
    )


def wrong_person_notify(*, practice: Practice, invitation_id: int) -> None:
    """Tells the couple's active counsellors that a link reached the wrong person."""
    invitation = Invitation.objects.select_related("assignment__couple").get(pk=invitation_id)
    couple = invitation.assignment.couple
    recipients = [m.user.email for m in couple.counsellors.select_related("user") if m.is_active]
    if not recipients:
        return
    path = reverse(
        "couple-detail", kwargs={"practice_slug": practice.slug, "couple_id": couple.public_id}
    )
    send_mail(
        subject=f"{practice.name}: an invitation link reached the wrong person",
        message=render_to_string(
            "clients/email/wrong_person.txt", {"url": f"{settings.SITE_URL}{path}"}
        ),
        from_email=None,
        recipient_list=recipients,
    )
