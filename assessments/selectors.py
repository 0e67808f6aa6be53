"""Reads of the instrument library (global) and of assessment data (always from a practice)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments.models import InstrumentVersion
from assessments.scales import choices_for


def instrument_library() -> QuerySet[InstrumentVersion]:
    """The current version of every instrument, for the library and the assign form."""
    return InstrumentVersion.objects.current().select_related("instrument").order_by("title")


def instrument_versions(slug: str) -> list[InstrumentVersion]:
    versions = list(
        InstrumentVersion.objects.filter(instrument__slug=slug)
        .select_related("instrument")
        .order_by("-version")
    )
    if not versions:
        raise Http404
    return versions


def instrument_version(slug: str, version: int) -> InstrumentVersion:
    return get_object_or_404(
        InstrumentVersion.objects.select_related("instrument"),
        instrument__slug=slug,
        version=version,
    )


@dataclass(frozen=True)
class Section:
    """One page of a form as a client sees it: an area and its questions."""

    number: int
    slug: str
    title: str
    items: list[dict[str, Any]]


def form_sections(version: InstrumentVersion, order: list[str] | None = None) -> list[Section]:
    """The instrument's areas in order, each with its items (in `order` when one is given, e.g.
    a per-partner shuffle) and their answer choices."""
    position = {item_id: i for i, item_id in enumerate(order or [])}
    sections = []
    for number, area in enumerate(version.areas, start=1):
        items = [
            {**item, "choices": choices_for(item["kind"])}
            for item in version.items
            if item["area"] == area["slug"]
        ]
        if position:
            items.sort(key=lambda item: position.get(item["id"], len(position)))
        sections.append(Section(number, area["slug"], area["title"], items))
    return sections
