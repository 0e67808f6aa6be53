"""Instrument file format 2: explicit healthy poles, own-behaviour items, urgent safety items."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from assessments.library.validation import DefinitionError, instrument_def, validate_instrument

SOURCE = "example.yaml"
TOPICS = {"building-trust"}
Data = dict[str, Any]


def _item(item_id: str, kind: str, **fields: Any) -> Data:
    return {"id": item_id, "area": "trust", "kind": kind, "text": f"Statement {item_id}."} | fields


FILE: Data = {
    "slug": "example",
    "format": 2,
    "version": 2,
    "title": "Example",
    "description": "An example instrument.",
    "client_intro": "Welcome.",
    "purpose": "screener",
    "licence": "CC BY 4.0",
    "authors": "Fulcrum clinical content team",
    "source": "The seed article",
    "estimated_minutes": 5,
    "areas": [
        {
            "slug": "trust",
            "title": "Trust",
            "description": "Trust and safety.",
            "weight": 1.0,
            "sd": 20.0,
            "reliability": 0.8,
            "topics": ["building-trust"],
        }
    ],
    "items": [
        _item("tr-01", "share", sensitivity="shared"),
        _item("tr-02", "agree", healthy="agree", sensitivity="shared"),
        _item("tr-03", "frequency", healthy="never", sensitivity="clinician"),
        _item("tr-04", "frequency", healthy="never", sensitivity="clinician", wellbeing=False),
        _item("tr-05", "agree", healthy="disagree", sensitivity="safety", flag="urgent"),
        _item("tr-06", "frequency", healthy="never", sensitivity="safety"),
    ],
}


def validate(data: Data) -> Data:
    return validate_instrument(data, source=SOURCE, known_topics=TOPICS)


def changed(change: Callable[[Data], None]) -> Data:
    data = copy.deepcopy(FILE)
    change(data)
    return data


def both(*changes: Callable[[Data], None]) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        for each in changes:
            each(data)

    return change


def on_item(item_id: str, **fields: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        item = next(entry for entry in data["items"] if entry["id"] == item_id)
        for name, value in fields.items():
            if value is None:
                item.pop(name, None)
            else:
                item[name] = value

    return change


def test_a_format_2_file_is_normalised_with_derived_keying_and_markers() -> None:
    definition = validate(FILE)
    items = {item["id"]: item for item in definition["items"]}

    assert definition["format"] == 2
    assert items["tr-01"] == {
        "id": "tr-01",
        "area": "trust",
        "kind": "share",
        "text": "Statement tr-01.",
        "healthy": None,
        "reverse": False,
        "sensitivity": "shared",
        "required": True,
        "wellbeing": True,
        "flag": "graded",
    }
    assert (items["tr-02"]["reverse"], items["tr-03"]["reverse"]) == (False, True)
    assert items["tr-04"]["wellbeing"] is False
    assert items["tr-05"]["flag"] == "urgent"
    assert items["tr-06"]["flag"] == "graded"


def test_the_engine_reads_the_markers_of_a_format_2_definition() -> None:
    engine = instrument_def(validate(FILE))
    items = {item.id: item for item in engine.items}

    assert [item.id for item in engine.items if item.scores_wellbeing] == ["tr-02", "tr-03"]
    assert items["tr-05"].flag == "urgent"
    assert items["tr-05"].reverse is True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            on_item("tr-02", healthy=None),
            "item 'tr-02', field 'healthy': is required",
            id="agree item without a healthy pole",
        ),
        pytest.param(
            on_item("tr-03", healthy="agree"),
            "item 'tr-03', field 'healthy': must be one of never, very often (got 'agree')",
            id="frequency item with an agree pole",
        ),
        pytest.param(
            on_item("tr-01", healthy="agree"),
            "item 'tr-01', field 'healthy': share items have no healthy pole",
            id="share item with a healthy pole",
        ),
        pytest.param(
            on_item("tr-02", reverse=True),
            "item 'tr-02', field 'reverse': unknown field",
            id="reverse in format 2",
        ),
        pytest.param(
            on_item("tr-06", healthy="very often"),
            "item 'tr-06', field 'healthy': a safety item's healthy pole is never or disagree",
            id="safety item healthy when endorsed",
        ),
        pytest.param(
            on_item("tr-03", flag="urgent"),
            "item 'tr-03', field 'flag': only safety items have a flag rule",
            id="flag rule on an ordinary item",
        ),
        pytest.param(
            on_item("tr-05", flag="immediate"),
            "item 'tr-05', field 'flag': must be one of graded, urgent (got 'immediate')",
            id="unknown flag rule",
        ),
        pytest.param(
            on_item("tr-06", wellbeing=False),
            "item 'tr-06', field 'wellbeing': safety items never enter wellbeing",
            id="safety item with a wellbeing marker",
        ),
        pytest.param(
            on_item("tr-01", wellbeing=False),
            "item 'tr-01', field 'wellbeing': share items have no healthy pole",
            id="share item with a wellbeing marker",
        ),
        pytest.param(
            on_item("tr-04", wellbeing="no"),
            "item 'tr-04', field 'wellbeing': must be true or false (got 'no')",
            id="wellbeing marker not a boolean",
        ),
        pytest.param(
            lambda data: data.update(format=3),
            "field 'format': must be a whole number from 1 to 2 (got 3)",
            id="unknown format",
        ),
        pytest.param(
            both(on_item("tr-02", wellbeing=False), on_item("tr-03", sensitivity="safety")),
            "area 'trust', field 'items': needs at least one agree or frequency item that is not"
            " a safety item and counts toward wellbeing",
            id="area resting on safety and own-behaviour items only",
        ),
    ],
)
def test_a_format_2_rule_broken_names_the_item_and_field(
    change: Callable[[Data], None], message: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        validate(changed(change))

    assert str(caught.value).startswith(f"{SOURCE}: {message}")


def test_an_area_counts_safety_items_toward_its_four_items() -> None:
    # Four items, two of them safety items: enough to be an area, scored on the other two.
    data = changed(lambda d: d.update(items=[d["items"][i] for i in (0, 1, 4, 5)]))

    assert len(validate(data)["items"]) == 4
