"""No inference (product.md, "Safety override"): nothing printed, exported or shown outside the
safety panel derives from a safety item.

Two couples with the same names give the same answers to every non-safety item and different
answers to the safety items. Every counsellor output is then compared between the two: the report
(charts, areas, topics), the session agenda page and its PDF, and the API. Only the safety panel
and the safety status may differ.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope
from pypdf import PdfReader

from assessments.assignments.services import NewAssignment
from assessments.models import Comparison
from clients.models import Couple
from practice.models import Membership, Practice
from tests.factories import CoupleFactory
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared

pytestmark = pytest.mark.django_db

Answerer = Callable[[dict[str, object]], int]
INSTRUMENTS = ("signs-of-imbalance", "balance-of-power-inventory")


def with_safety(base: Answerer, safety: Answerer) -> Answerer:
    def answer(item: dict[str, object]) -> int:
        return safety(item) if item["sensitivity"] == "safety" else base(item)

    return answer


def never(item: dict[str, object]) -> int:
    return 1


def often(item: dict[str, object]) -> int:
    return 4  # often / agree


def first_only_lightly(first: str) -> Answerer:
    """The mildest endorsement of one safety item: rarely, or agree."""

    def answer(item: dict[str, object]) -> int:
        if item["id"] != first:
            return 1
        return 2 if item["kind"] == "frequency" else 4

    return answer


class Couples:
    """Two couples, identical but for their safety answers, each with a done comparison."""

    def __init__(
        self,
        practice: Practice,
        member: Membership,
        slug: str,
        a_safety: tuple[Answerer, Answerer],
        b_safety: tuple[Answerer, Answerer],
    ) -> None:
        self.practice = practice
        self.runs: list[tuple[NewAssignment, Comparison]] = []
        for a, b in (a_safety, b_safety):
            couple: Couple = CoupleFactory.create(
                practice=practice,
                partner_a__display_name="Sam",
                partner_b__display_name="Alex",
                counsellors=[member],
            )
            new = assign(couple, slug, member)
            self.runs.append((new, compared(new, a, b)))


def _first_safety_item(slug: str) -> str:
    from assessments.models import InstrumentVersion

    version = InstrumentVersion.objects.current().get(instrument__slug=slug)
    return next(item["id"] for item in version.items if item["sensitivity"] == "safety")


def build(practice: Practice, member: Membership, slug: str, *, both_flagged: bool) -> Couples:
    first = _first_safety_item(slug)
    # One couple: B endorses every safety item often. The other: A endorses one item as lightly
    # as the scale allows (a flag too), or nobody endorses anything.
    other_a = first_only_lightly(first) if both_flagged else never
    return Couples(
        practice,
        member,
        slug,
        (with_safety(a_holds_the_say, never), with_safety(b_agrees_a_holds_the_say, often)),
        (with_safety(a_holds_the_say, other_a), with_safety(b_agrees_a_holds_the_say, never)),
    )


class _WithoutSafety(HTMLParser):
    """Re-emits a page without the safety panel and the elements showing the safety status."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skipping = 0

    def _marked(self, attrs: list[tuple[str, str | None]]) -> bool:
        names = dict(attrs)
        return "data-safety-status" in names or names.get("id") == "safety-panel"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or self._marked(attrs):
            self.skipping += tag not in VOID
            if self.skipping == 1 and tag not in VOID:
                self.out.append("<safety>")
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")


VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def without_safety(html: str) -> str:
    parser = _WithoutSafety()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+')
TIME = re.compile(r"\b\d{1,2}:\d{2}\b")


def normalised(html: str) -> str:
    html = UUID.sub("<id>", html)
    html = TOKEN.sub(r"\1<token>", html)
    return without_safety(TIME.sub("<time>", html))


def page(web: Client, name: str, new: NewAssignment) -> str:
    url = reverse(
        name,
        kwargs={
            "practice_slug": new.assignment.practice.slug,
            "assignment_id": new.assignment.public_id,
        },
    )
    response = web.get(url)
    assert response.status_code == 200
    return response.content.decode()


def suggested(comparison: Comparison) -> list[str]:
    result = comparison.as_result()
    assert result is not None
    return [topic.slug for topic in result.topics]


@pytest.mark.parametrize("slug", INSTRUMENTS)
def test_the_report_differs_only_in_its_safety_panel(
    library: None,
    practice: Practice,
    counsellor_membership: Membership,
    as_counsellor: Client,
    slug: str,
) -> None:
    couples = build(practice, counsellor_membership, slug, both_flagged=True)
    assert [c.safety_level for _, c in couples.runs] == ["urgent", "caution"]
    pages = [page(as_counsellor, "assignment-report", new) for new, _ in couples.runs]

    assert "Safety review" in pages[0]
    assert "Check-in advised" in pages[1]
    assert pages[0] != pages[1]  # the safety panels and statuses differ ...
    assert normalised(pages[0]) == normalised(pages[1])  # ... and nothing else does
    assert "Safety review" not in normalised(pages[0])
    assert "Overall balance index" in normalised(pages[0])


@pytest.mark.parametrize("slug", INSTRUMENTS)
def test_no_number_moves_whether_or_not_a_safety_item_was_endorsed(
    library: None,
    practice: Practice,
    counsellor_membership: Membership,
    as_counsellor: Client,
    slug: str,
) -> None:
    couples = build(practice, counsellor_membership, slug, both_flagged=False)
    (_, flagged), (_, calm) = couples.runs
    flagged_result, calm_result = flagged.as_result(), calm.as_result()
    assert flagged_result is not None
    assert calm_result is not None

    assert flagged.safety_level == "urgent"
    assert calm.safety_level == ""
    assert flagged_result.areas == calm_result.areas
    assert flagged_result.overall_index == calm_result.overall_index
    assert flagged_result.disagreements == calm_result.disagreements
    assert [t for t in flagged_result.topics if t.trigger != "safety"] == list(calm_result.topics)
    pages = [page(as_counsellor, "assignment-report", new) for new, _ in couples.runs]
    figures = [re.findall(r'type="application/json">(.*?)</script>', p, re.S) for p in pages]
    assert figures[0] == figures[1]


@pytest.mark.parametrize("slug", INSTRUMENTS)
def test_the_agenda_page_and_pdf_differ_in_nothing(
    library: None,
    practice: Practice,
    counsellor_membership: Membership,
    as_counsellor: Client,
    slug: str,
) -> None:
    couples = build(practice, counsellor_membership, slug, both_flagged=True)
    pages, pdfs = [], []
    for new, comparison in couples.runs:
        add = reverse(
            "agenda-add",
            kwargs={"practice_slug": practice.slug, "assignment_id": new.assignment.public_id},
        )
        assert as_counsellor.post(add, {"topics": suggested(comparison)}).status_code == 302
        pages.append(normalised(page(as_counsellor, "agenda", new)))
        pdf = as_counsellor.get(
            reverse(
                "agenda-pdf",
                kwargs={"practice_slug": practice.slug, "assignment_id": new.assignment.public_id},
            )
        )
        reader = PdfReader(io.BytesIO(pdf.content))
        pdfs.append(TIME.sub("", "\n".join(p.extract_text() for p in reader.pages)))

    assert "Individual safety check-in" in pages[0]
    assert pages[0] == pages[1]
    assert "Sam" in pdfs[0]
    assert pdfs[0] == pdfs[1]


@pytest.mark.parametrize("slug", INSTRUMENTS)
def test_the_api_differs_only_in_the_safety_flags_and_status(
    library: None,
    practice: Practice,
    counsellor_membership: Membership,
    as_counsellor: Client,
    slug: str,
) -> None:
    couples = build(practice, counsellor_membership, slug, both_flagged=False)
    bodies: list[dict[str, Any]] = []
    for _, comparison in couples.runs:
        url = f"/api/v1/practices/{practice.slug}/comparisons/{comparison.public_id}/"
        response = as_counsellor.get(url)
        assert response.status_code == 200
        body = response.json()
        for field in ("id", "assignment", "couple", "created_at", "finished_at"):
            body.pop(field)
        for field in ("safety_level", "has_safety_flags", "safety_cleared_at", "safety_status"):
            body.pop(field, None)
        body["result"].pop("safety_flags")
        body["result"]["topics"] = [t for t in body["result"]["topics"] if t["trigger"] != "safety"]
        bodies.append(body)

    assert json.dumps(bodies[0], sort_keys=True) == json.dumps(bodies[1], sort_keys=True)


def test_the_screener_rationales_quote_no_partner_numbers_where_safety_items_dominate(
    library: None, practice: Practice, counsellor_membership: Membership
) -> None:
    couples = build(practice, counsellor_membership, "signs-of-imbalance", both_flagged=True)
    _, comparison = couples.runs[0]
    result = comparison.as_result()
    assert result is not None

    coercion = [t for t in result.topics if t.area == "coercion-fear"]
    assert coercion
    for topic in coercion:
        assert "Partner" not in topic.rationale
        assert not re.search(r"\d", topic.rationale)
    with scope(practice=practice):
        assert comparison.assignment.couple.partner_a.display_name == "Sam"
