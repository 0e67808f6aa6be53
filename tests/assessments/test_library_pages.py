from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from assessments.models import InstrumentVersion
from practice.models import Practice

pytestmark = pytest.mark.django_db

INVENTORY = "balance-of-power-inventory"


def url(name: str, practice: Practice, **kwargs: object) -> str:
    return reverse(name, kwargs={"practice_slug": practice.slug, **kwargs})


def test_library_lists_every_instrument_with_version_areas_items_and_minutes(
    library: None, as_counsellor: Client, practice: Practice
) -> None:
    response = as_counsellor.get(url("instrument-library", practice))

    assert response.status_code == 200
    body = response.content.decode()
    for version in InstrumentVersion.objects.current():
        assert version.title in body
        assert f'<td class="num">{version.item_count}</td>' in body
        assert f'<td class="num">{version.estimated_minutes}</td>' in body


def test_library_without_instruments_says_how_to_load_them(
    as_counsellor: Client, practice: Practice
) -> None:
    response = as_counsellor.get(url("instrument-library", practice))

    assert b"load_instruments" in response.content


def test_instrument_page_lists_areas_with_question_counts_and_versions(
    library: None, as_counsellor: Client, practice: Practice
) -> None:
    version = InstrumentVersion.objects.get(instrument__slug=INVENTORY)

    response = as_counsellor.get(url("instrument-detail", practice, slug=INVENTORY))

    body = response.content.decode()
    for area in version.areas:
        assert area["title"] in body
    assert "Version 2 (current)" in body


def test_preview_shows_the_first_section_as_a_client_sees_it(
    library: None, as_counsellor: Client, practice: Practice
) -> None:
    version = InstrumentVersion.objects.get(instrument__slug=INVENTORY)
    first_area = version.areas[0]
    first_items = [i for i in version.items if i["area"] == first_area["slug"]]

    response = as_counsellor.get(url("instrument-preview", practice, slug=INVENTORY, version=2))

    body = response.content.decode()
    assert response.status_code == 200
    assert f"Section 1 of {len(version.areas)}" in body
    assert first_area["title"] in body
    for item in first_items:
        assert escape(item["text"]) in body
    assert body.count('type="radio"') == 5 * len(first_items)
    assert "Almost always my partner" in body
    assert "Nothing you choose here is saved" in body
    assert "<form" not in body.split('id="main"', 1)[1].split("</main>", 1)[0]


def test_preview_pages_through_every_section_and_saves_nothing(
    library: None, as_counsellor: Client, practice: Practice
) -> None:
    version = InstrumentVersion.objects.get(instrument__slug=INVENTORY)
    before = InstrumentVersion.objects.values_list("content_hash", "locked")

    last = len(version.areas)
    response = as_counsellor.get(
        url("instrument-preview-section", practice, slug=INVENTORY, version=2, section=last)
    )

    assert f"Section {last} of {last}" in response.content.decode()
    assert version.areas[-1]["title"] in response.content.decode()
    assert list(InstrumentVersion.objects.values_list("content_hash", "locked")) == list(before)


def test_unknown_instrument_or_version_answers_404(
    library: None, as_counsellor: Client, practice: Practice
) -> None:
    assert as_counsellor.get(url("instrument-detail", practice, slug="nope")).status_code == 404
    missing = url("instrument-preview", practice, slug=INVENTORY, version=99)
    assert as_counsellor.get(missing).status_code == 404


@pytest.mark.parametrize("name", ["instrument-library", "instrument-detail", "instrument-preview"])
def test_library_pages_answer_404_to_another_practice_and_send_anonymous_to_login(
    name: str, library: None, as_outsider: Client, anonymous: Client, practice: Practice
) -> None:
    kwargs: dict[str, object] = {}
    if name != "instrument-library":
        kwargs["slug"] = INVENTORY
    if name == "instrument-preview":
        kwargs["version"] = 1
    target = url(name, practice, **kwargs)

    assert as_outsider.get(target).status_code == 404
    assert anonymous.get(target).status_code == 302
