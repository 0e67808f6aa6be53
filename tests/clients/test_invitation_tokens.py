"""Invitation tokens: long, random, stored only as a hash, expiring, revocable, one partner each."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from clients import services
from clients.models import Invitation, Partner
from clients.respondent import SESSION_KEY
from clients.selectors import invitation_by_token
from clients.tokens import TOKEN_BYTES, new_token, token_hash

pytestmark = pytest.mark.django_db


def invitation_of(assignment: NewAssignment, side: str) -> Invitation:
    with scope(practice=assignment.assignment.practice):
        return Invitation.objects.select_related("client", "practice").get(
            assignment=assignment.assignment, partner=side
        )


def fresh_token(assignment: NewAssignment, side: str) -> str:
    """Reissues the partner's link for copying (no email), and returns the token in it."""
    invitation = invitation_of(assignment, side)
    with scope(practice=invitation.practice):
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = services.invitation_reissue(invitation=invitation)
    assert url is not None
    return urlsplit(url).path.rsplit("/", 1)[1]


def test_tokens_carry_at_least_128_random_bits_and_never_repeat() -> None:
    tokens = {new_token() for _ in range(1000)}

    assert TOKEN_BYTES * 8 >= 128
    assert len(tokens) == 1000
    # token_urlsafe(n) is ceil(4n/3) characters of a 64-letter alphabet: 6 bits each.
    assert all(len(t) >= 43 for t in tokens)
    assert all(len(t) * 6 >= 128 for t in tokens)


def test_only_the_sha256_of_the_token_is_stored(assignment: NewAssignment) -> None:
    token = fresh_token(assignment, Partner.A)

    with scope(practice=assignment.assignment.practice):
        rows = list(Invitation.objects.values())
    assert any(row["token_hash"] == hashlib.sha256(token.encode()).hexdigest() for row in rows)
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    for row in rows:
        for column, value in row.items():
            assert token not in str(value), column


def test_the_token_is_not_kept_in_the_session_either(assignment: NewAssignment) -> None:
    token = fresh_token(assignment, Partner.A)
    web = Client()
    web.get(f"/i/{token}")

    data = Session.objects.get(session_key=web.session.session_key).get_decoded()
    assert SESSION_KEY in data
    assert token not in str(data)
    assert token not in Session.objects.get(session_key=web.session.session_key).session_data


def test_a_token_opens_exactly_one_partners_invitation(assignment: NewAssignment) -> None:
    token_a = fresh_token(assignment, Partner.A)
    token_b = fresh_token(assignment, Partner.B)

    found_a, found_b = invitation_by_token(token=token_a), invitation_by_token(token=token_b)

    assert found_a is not None
    assert found_b is not None
    assert (found_a.partner, found_b.partner) == (Partner.A, Partner.B)
    web = Client()
    web.get(f"/i/{token_a}")
    assert web.session[SESSION_KEY]["invitation"] == found_a.pk
    assert invitation_by_token(token=token_a[:-1]) is None
    assert invitation_by_token(token=token_a + "x") is None


def test_a_reissued_link_replaces_the_old_one(assignment: NewAssignment) -> None:
    old = fresh_token(assignment, Partner.A)
    new = fresh_token(assignment, Partner.A)

    assert invitation_by_token(token=old) is None
    assert Client().get(f"/i/{old}").status_code == 404
    assert Client().get(f"/i/{new}").status_code == 302


def test_a_link_expires(assignment: NewAssignment) -> None:
    token = fresh_token(assignment, Partner.A)
    invitation = invitation_of(assignment, Partner.A)
    days = invitation.practice.invitation_expiry_days
    assert invitation.expires_at > timezone.now() + timedelta(days=days) - timedelta(minutes=1)

    with scope(practice=invitation.practice):
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
        invitation.save(update_fields=["expires_at"])

    assert invitation_of(assignment, Partner.A).state == Invitation.State.EXPIRED
    response = Client().get(f"/i/{token}")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_a_revoked_link_stops_working_even_for_an_open_session(assignment: NewAssignment) -> None:
    token = fresh_token(assignment, Partner.A)
    web = Client()
    assert web.get(f"/i/{token}").status_code == 302
    assert web.get("/respond/").status_code == 200

    with scope(practice=assignment.assignment.practice):
        services.invitation_revoke(invitation=invitation_of(assignment, Partner.A))

    assert web.get("/respond/").status_code == 410
    assert Client().get(f"/i/{token}").status_code == 410
    assert "withdrawn by your counsellor" in Client().get(f"/i/{token}").content.decode()
