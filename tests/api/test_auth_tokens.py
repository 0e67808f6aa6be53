"""API tokens: created with email and password (django-axes watching), shown once, stored
hashed, listed without keys, revocable by their owner only, refused while two-factor is
required and not set up."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from rest_framework.test import APIClient

from practice.api import tokens as practice_api
from practice.api.auth import token_create
from practice.models import ApiToken, AuditEvent, Membership, Practice, User
from tests.api.conftest import error_of, tenant, with_token
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"


def ask(client: APIClient, user: User, password: str = PASSWORD, **extra: Any) -> Any:
    body = {"email": user.email, "password": password, "name": "reporting script", **extra}
    return client.post(TOKEN, body, format="json")


def test_email_and_password_get_a_token_shown_once_and_stored_hashed(
    api_anonymous: APIClient, counsellor: User
) -> None:
    response = ask(api_anonymous, counsellor)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "id", "name", "prefix"}
    assert body["prefix"] == body["token"][:8]
    assert body["name"] == "reporting script"
    stored = ApiToken.objects.get(public_id=body["id"])
    assert stored.user == counsellor
    assert stored.key_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in {f.value_to_string(stored) for f in ApiToken._meta.fields}


def test_email_is_matched_whatever_its_case(api_anonymous: APIClient, counsellor: User) -> None:
    body = {"email": counsellor.email.upper(), "password": PASSWORD, "name": "x"}

    assert api_anonymous.post(TOKEN, body, format="json").status_code == 201


def test_creating_a_token_is_audited(api_anonymous: APIClient, counsellor: User) -> None:
    ask(api_anonymous, counsellor)

    with scopes_disabled():
        event = AuditEvent.objects.get(actor=counsellor, object_type="api_token")
    assert event.action == AuditEvent.Action.LOGIN


def test_wrong_password_and_unknown_email_get_the_same_400(
    api_anonymous: APIClient, counsellor: User
) -> None:
    wrong_password = ask(api_anonymous, counsellor, password="not the password")
    unknown = api_anonymous.post(
        TOKEN,
        {"email": "nobody@fulcrum.example", "password": PASSWORD, "name": "x"},
        format="json",
    )

    assert wrong_password.status_code == unknown.status_code == 400
    assert error_of(wrong_password) == error_of(unknown)
    assert error_of(wrong_password)["fields"] == {}
    assert not ApiToken.objects.exists()


def test_token_request_without_details_gets_400_naming_each_field(
    api_anonymous: APIClient,
) -> None:
    response = api_anonymous.post(TOKEN, {}, format="json")

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"email", "password", "name"}


def test_repeated_failures_lock_the_email_out_with_429(
    api_anonymous: APIClient, counsellor: User
) -> None:
    for _ in range(5):
        ask(api_anonymous, counsellor, password="guess")

    locked = ask(api_anonymous, counsellor)

    assert locked.status_code == 429
    assert error_of(locked)["code"] == "locked_out"
    assert not ApiToken.objects.exists()


def test_a_token_authenticates_requests(counsellor: User, practice: Practice) -> None:
    client = with_token(counsellor)

    response = client.get("/api/v1/practices/")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == [practice.slug]


def test_last_use_is_recorded_at_most_once_a_minute(counsellor: User) -> None:
    client = with_token(counsellor)
    token = ApiToken.objects.get(user=counsellor)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.get(TOKENS)
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        traveller.shift(timedelta(seconds=30))
        client.get(TOKENS)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first
        traveller.shift(timedelta(seconds=31))
        client.get(TOKENS)
        assert ApiToken.objects.get(pk=token.pk).last_used_at > first  # type: ignore[operator]


def test_token_list_shows_only_the_callers_tokens_and_never_a_key(
    api_counsellor: APIClient, counsellor: User, admin: User
) -> None:
    token_create(user=counsellor, name="second")
    token_create(user=admin, name="admin's")

    response = api_counsellor.get(TOKENS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(row["name"] for row in rows) == ["second", "tests"]
    for row in rows:
        assert set(row) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked_at"}


def test_revoked_token_is_refused_with_401(counsellor: User) -> None:
    client = with_token(counsellor)
    token = ApiToken.objects.get(user=counsellor)

    revoked = client.delete(f"{TOKENS}{token.public_id}/")
    after = client.get(TOKENS)

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert after["WWW-Authenticate"] == "Token"
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_twice_keeps_the_first_time(api_counsellor: APIClient, counsellor: User) -> None:
    spare, _ = token_create(user=counsellor, name="spare")
    api_counsellor.delete(f"{TOKENS}{spare.public_id}/")
    first = ApiToken.objects.get(pk=spare.pk).revoked_at

    assert api_counsellor.delete(f"{TOKENS}{spare.public_id}/").status_code == 204
    assert ApiToken.objects.get(pk=spare.pk).revoked_at == first


def test_another_users_token_cannot_be_revoked_and_answers_404(
    api_counsellor: APIClient, admin: User
) -> None:
    theirs, _ = token_create(user=admin, name="admin's")

    response = api_counsellor.delete(f"{TOKENS}{theirs.public_id}/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_anonymous_caller_gets_401_on_token_list_and_revoke(
    api_anonymous: APIClient, counsellor: User
) -> None:
    token, _ = token_create(user=counsellor, name="x")

    for response in (
        api_anonymous.get(TOKENS),
        api_anonymous.delete(f"{TOKENS}{token.public_id}/"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Token nonsense", "Token", "Token a b", "Token \xe9"])
def test_malformed_or_unknown_token_gets_401(header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(TOKENS)

    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_token_of_a_deactivated_user_gets_401(counsellor: User) -> None:
    client = with_token(counsellor)
    User.objects.filter(pk=counsellor.pk).update(is_active=False)

    assert client.get(TOKENS).status_code == 401


def test_no_token_while_a_practice_requires_two_factor_and_none_is_set_up(
    api_anonymous: APIClient, counsellor: User, practice: Practice
) -> None:
    Practice.objects.filter(pk=practice.pk).update(require_two_factor=True)

    response = ask(api_anonymous, counsellor)

    assert response.status_code == 403
    assert "two-factor" in error_of(response)["detail"]
    assert not ApiToken.objects.exists()


def test_existing_token_is_refused_once_two_factor_is_required_and_not_set_up(
    counsellor: User, practice: Practice
) -> None:
    client = with_token(counsellor)
    assert client.get(TOKENS).status_code == 200
    Practice.objects.filter(pk=practice.pk).update(require_two_factor=True)

    response = client.get(TOKENS)

    assert response.status_code == 403
    assert "two-factor" in error_of(response)["detail"]


def test_two_factor_of_a_practice_left_behind_does_not_block_the_token(
    counsellor: User, counsellor_membership: Membership, practice: Practice
) -> None:
    Practice.objects.filter(pk=practice.pk).update(require_two_factor=True)
    with scope(practice=practice):
        Membership.objects.filter(pk=counsellor_membership.pk).update(is_active=False)

    assert ask(APIClient(), counsellor).status_code == 201


def test_a_person_with_an_authenticator_must_send_its_current_code(
    api_anonymous: APIClient, counsellor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(practice_api, "has_confirmed_device", lambda user: True)
    monkeypatch.setattr(practice_api, "verify_otp", lambda user, code: code == "123456")

    without = ask(api_anonymous, counsellor)
    wrong = ask(api_anonymous, counsellor, otp="654321")
    right = ask(api_anonymous, counsellor, otp="123456")

    assert without.status_code == wrong.status_code == 400
    assert "otp" in error_of(without)["fields"]
    assert right.status_code == 201


def test_session_callers_need_the_csrf_token_to_write(counsellor: User, practice: Practice) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(counsellor)

    read = client.get(tenant(practice, "couples/"))
    write = client.post(
        tenant(practice, "couples/"),
        {"partner_a": {"display_name": "A"}, "partner_b": {"display_name": "B"}},
        format="json",
    )

    assert read.status_code == 200
    assert write.status_code == 403
    assert "CSRF" in error_of(write)["detail"]


def current_code(device: Any) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_with_a_confirmed_authenticator_a_token_needs_its_current_code_and_then_works(
    api_anonymous: APIClient, counsellor: User, practice: Practice
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    Practice.objects.filter(pk=practice.pk).update(require_two_factor=True)
    device = TOTPDevice.objects.create(user=counsellor, name="phone", confirmed=True)

    without = ask(api_anonymous, counsellor)
    created = ask(api_anonymous, counsellor, otp=current_code(device))

    assert without.status_code == 400
    assert "otp" in error_of(without)["fields"]
    assert created.status_code == 201
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {created.json()['token']}")
    assert client.get(tenant(practice)).status_code == 200


def test_session_without_the_second_factor_of_a_person_who_has_one_is_refused(
    counsellor: User, practice: Practice
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=counsellor, name="phone", confirmed=True)
    client = APIClient()
    client.force_login(counsellor)

    response = client.get(tenant(practice))

    assert response.status_code == 403
    assert "authenticator" in error_of(response)["detail"]


def test_session_is_refused_while_a_practice_requires_two_factor_and_none_is_set_up(
    counsellor: User, practice: Practice
) -> None:
    Practice.objects.filter(pk=practice.pk).update(require_two_factor=True)
    client = APIClient()
    client.force_login(counsellor)

    response = client.get(tenant(practice))

    assert response.status_code == 403
    assert "two-factor" in error_of(response)["detail"]
