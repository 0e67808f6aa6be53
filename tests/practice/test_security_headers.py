from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from practice.models import Practice

pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_content_security_policy_and_safety_headers(
    as_counsellor: Client, practice: Practice
) -> None:
    response = as_counsellor.get(f"/p/{practice.slug}/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_authenticated_page_is_no_store(as_admin: Client, practice: Practice) -> None:
    for url in ("/", "/account/", f"/p/{practice.slug}/", f"/p/{practice.slug}/practice/members/"):
        response = as_admin.get(url, follow=True)
        assert "no-store" in response["Cache-Control"], url


def test_unsafe_methods_need_a_csrf_token(counsellor, practice: Practice) -> None:
    web = Client(enforce_csrf_checks=True)
    web.force_login(counsellor)

    assert web.post(reverse("logout")).status_code == 403


def test_pages_carry_no_inline_scripts(as_admin: Client, practice: Practice) -> None:
    for url in ("/login/", f"/p/{practice.slug}/", f"/p/{practice.slug}/practice/members/"):
        body = as_admin.get(url).content.decode()
        assert "<script>" not in body
        assert "onclick=" not in body
