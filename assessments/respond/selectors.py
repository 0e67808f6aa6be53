"""The form a respondent fills in: one section per area, in the partner's item order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessments.engine.scales import choices_for
from assessments.models import (
    InstrumentVersion,
)


@dataclass(frozen=True)
class Section:
    """One page of a form as a client sees it: an area and its questions."""

    number: int
    slug: str
    title: str
    items: list[dict[str, Any]]


def form_sections(*, version: InstrumentVersion, order: list[str] | None = None) -> list[Section]:
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
