"""The shared PDF renderer (practice/pdf.py): both PDFs keep names in every alphabet unchanged,
come out on A4 with numbered footers, and load nothing but our own static files."""

from __future__ import annotations

import ast
import io
import socket
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as WebClient
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from assessments.assignments.services import NewAssignment
from assessments.reports import agenda as agendas
from clients.models import Client, Couple
from clients.privacy import export as privacy
from practice.models import Membership
from practice.pdf import PdfResourceRefused, render_pdf, static_files_fetcher

# Polish, Turkish, Vietnamese and Chinese: none of them fits in Latin-1.
NAMES = ("Łukasz", "Şule", "Nguyễn", "王芳")
BASE_URL = "http://testserver/"
REMOTE_IMAGE = "https://example.org/pixel.png"


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def name_partners(couple: Couple, a: str, b: str) -> None:
    with scope(practice=couple.practice), scopes_disabled():
        Client.objects.filter(pk=couple.partner_a_id).update(display_name=a)
        Client.objects.filter(pk=couple.partner_b_id).update(display_name=b)
        couple.partner_a.refresh_from_db()
        couple.partner_b.refresh_from_db()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Records (and refuses) every attempt to open a network connection."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


# Every alphabet ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [NAMES[:2], NAMES[2:]])
def test_the_agenda_pdf_keeps_partner_names_in_any_alphabet_unchanged(
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
    as_counsellor: WebClient,
    a: str,
    b: str,
) -> None:
    name_partners(couple, a, b)
    note = f"Ask {a} and {b} about “the holidays” — 3 ≤ 4 → fine"
    with scope(practice=couple.practice):
        agenda = agendas.agenda_for_assignment(
            assignment=assignment.assignment, created_by=counsellor_membership
        )
        agendas.agenda_add_own_item(agenda=agenda, title=f"Check in with {b}", note=note)

    response = as_counsellor.get(
        reverse(
            "agenda-pdf",
            kwargs={
                "practice_slug": couple.practice.slug,
                "assignment_id": assignment.assignment.public_id,
            },
        )
    )

    assert response.status_code == 200
    text = "\n".join(pdf_pages(response.content))
    assert f"{a} & {b}" in text
    assert f"Check in with {b}" in text
    assert note in text


@pytest.mark.parametrize(("a", "b"), [NAMES[:2], NAMES[2:]])
def test_the_export_pdf_keeps_the_clients_name_in_any_alphabet_unchanged(
    couple: Couple, a: str, b: str
) -> None:
    name_partners(couple, a, b)

    with scope(practice=couple.practice):
        pdf = privacy.client_export_pdf(couple.partner_a)

    text = "\n".join(pdf_pages(pdf))
    assert f"Name {a}" in text
    assert b not in text


# The page ---------------------------------------------------------------------------------------


PAGE = (
    "{% load static %}<html><head>"
    "<link rel='stylesheet' href='{% static 'css/fulcrum.css' %}'>"
    "</head><body><p class='print-footer'>Footer line</p>"
    "{% for n in parts %}<h1 style='break-before: page'>Part {{ n }}</h1>{% endfor %}"
    "{{ extra|safe }}</body></html>"
)


@pytest.fixture
def page_template(settings: Any) -> str:
    """A template of the test's own, beside the product's, for what no product page holds."""
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [("django.template.loaders.locmem.Loader", {"page.html": PAGE})]
            },
        }
    ]
    return "page.html"


def test_pages_are_a4_with_the_footer_and_page_numbers_on_each(page_template: str) -> None:
    pdf = render_pdf(None, page_template, {"parts": [1, 2, 3], "extra": ""})

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    for number, page in enumerate(reader.pages, start=1):
        # A4 is 210 x 297 mm: 595.3 x 841.9 points.
        assert round(float(page.mediabox.width)) == 595
        assert round(float(page.mediabox.height)) == 842
        text = page.extract_text()
        assert f"Part {number}" in text
        assert "Footer line" in text
        assert f"Page {number} of 3" in text


def test_a_remote_image_in_the_html_stops_the_rendering_without_a_connection(
    page_template: str, no_network: list[Any]
) -> None:
    extra = f"<img src='{REMOTE_IMAGE}' alt=''>"

    with pytest.raises(PdfResourceRefused, match=r"example\.org"):
        render_pdf(None, page_template, {"parts": [1], "extra": extra})

    assert no_network == []


def test_a_remote_stylesheet_import_is_refused_too(
    page_template: str, no_network: list[Any]
) -> None:
    extra = "<style>@import url('https://example.org/track.css');</style>"

    with pytest.raises(PdfResourceRefused, match=r"example\.org"):
        render_pdf(None, page_template, {"parts": [1], "extra": extra})

    assert no_network == []


# The fetcher ------------------------------------------------------------------------------------


def test_the_fetcher_serves_our_static_files_from_disk(no_network: list[Any]) -> None:
    fetcher = static_files_fetcher(BASE_URL)

    response = fetcher.fetch(f"{BASE_URL}static/css/pdf.css")

    assert response.read() == (Path(settings.BASE_DIR) / "static/css/pdf.css").read_bytes()
    assert response.content_type == "text/css"
    assert no_network == []


@pytest.mark.parametrize(
    "address",
    [
        REMOTE_IMAGE,
        "https://example.org/static/css/fulcrum.css",  # a static path on another host
        "http://testserver:8080/static/css/fulcrum.css",  # another port
        "http://testserver/media/upload.png",  # our host, not a static file
        "http://testserver/static/../practice/settings.py",
        "http://testserver/static/%2e%2e/practice/settings.py",
        "http://testserver/static/css/missing.css",
        "file:///etc/passwd",
        "data:text/css,body{color:red}",
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files(
    address: str, no_network: list[Any]
) -> None:
    fetcher = static_files_fetcher(BASE_URL)

    with pytest.raises(PdfResourceRefused):
        fetcher.fetch(address)

    assert no_network == []


def test_the_pdf_module_imports_nothing_from_the_apps_above_it() -> None:
    source = (Path(settings.BASE_DIR) / "practice/pdf.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)

    assert "weasyprint" in imported
    assert not imported & {"clients", "assessments"}
