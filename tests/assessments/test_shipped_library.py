"""The instruments and topics shipped in the repository are valid, complete and load cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments.engine import scoring
from assessments.library.loader import INSTRUMENTS_DIR, TOPICS_FILE, Status, load_library
from assessments.library.validation import validate_instrument, validate_topics
from assessments.models import Instrument, InstrumentVersion, Topic

pytestmark = pytest.mark.django_db

INSTRUMENT_FILES = sorted(INSTRUMENTS_DIR.glob("*.yaml"))


def read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def shipped_topics() -> list[dict[str, Any]]:
    return validate_topics(read(TOPICS_FILE), source=TOPICS_FILE.name, known_areas=None)


def shipped_instrument(path: Path) -> dict[str, Any]:
    known = {topic["slug"] for topic in shipped_topics()}
    return validate_instrument(read(path), source=path.name, known_topics=known)


def shipped_areas() -> set[str]:
    return {area["slug"] for path in INSTRUMENT_FILES for area in shipped_instrument(path)["areas"]}


def test_the_library_ships_the_four_instruments() -> None:
    assert [path.stem for path in INSTRUMENT_FILES] == [
        "balance-check-in",
        "balance-of-power-inventory",
        "contributing-factors",
        "signs-of-imbalance",
    ]


@pytest.mark.parametrize("path", INSTRUMENT_FILES, ids=lambda path: path.name)
def test_every_shipped_instrument_validates(path: Path) -> None:
    definition = shipped_instrument(path)

    assert definition["slug"] == path.stem
    assert definition["version"] >= 1


def test_every_topic_names_only_areas_that_some_instrument_has() -> None:
    topics = validate_topics(
        read(TOPICS_FILE), source=TOPICS_FILE.name, known_areas=shipped_areas()
    )

    assert topics


def test_every_area_is_addressed_by_some_topic() -> None:
    addressed = {area for topic in shipped_topics() for area in topic["areas"]}

    assert shipped_areas() <= addressed


@pytest.mark.parametrize("path", INSTRUMENT_FILES, ids=lambda path: path.name)
def test_every_area_has_share_and_wellbeing_items_and_resolvable_topics(path: Path) -> None:
    definition = shipped_instrument(path)
    topics = {topic["slug"] for topic in shipped_topics()}

    for area in definition["areas"]:
        kinds = {item["kind"] for item in definition["items"] if item["area"] == area["slug"]}
        assert "share" in kinds, area["slug"]
        assert kinds & {"agree", "frequency"}, area["slug"]
        assert area["topics"], area["slug"]
        assert set(area["topics"]) <= topics, area["slug"]


def test_the_safety_topic_exists_and_is_triggered_by_safety_flags() -> None:
    topics = {topic["slug"]: topic for topic in shipped_topics()}

    safety = topics[scoring.SAFETY_TOPIC_SLUG]
    assert safety["triggers"] == [scoring.SAFETY_TRIGGER]


def test_the_check_in_reuses_the_inventory_area_slugs_so_results_can_be_followed() -> None:
    inventory = shipped_instrument(INSTRUMENTS_DIR / "balance-of-power-inventory.yaml")
    check_in = shipped_instrument(INSTRUMENTS_DIR / "balance-check-in.yaml")

    inventory_areas = {area["slug"] for area in inventory["areas"]}
    assert {area["slug"] for area in check_in["areas"]} <= inventory_areas


def test_every_instrument_for_intake_carries_a_safety_screen_and_the_check_in_none() -> None:
    definitions = [shipped_instrument(path) for path in INSTRUMENT_FILES]
    with_safety = {
        d["slug"] for d in definitions if any(i["sensitivity"] == "safety" for i in d["items"])
    }
    for_intake = {d["slug"] for d in definitions if d["purpose"] in ("full", "screener")}

    assert for_intake == {"balance-of-power-inventory", "signs-of-imbalance"}
    assert for_intake <= with_safety
    assert "balance-check-in" not in with_safety


@pytest.mark.parametrize("path", INSTRUMENT_FILES, ids=lambda path: path.name)
def test_every_shipped_instrument_is_written_in_format_2(path: Path) -> None:
    definition = shipped_instrument(path)

    assert definition["format"] == 2
    for item in definition["items"]:
        assert (item["healthy"] is None) is (item["kind"] == "share"), item["id"]


def test_the_safety_screens_ask_about_fear_with_any_endorsement_urgent() -> None:
    for slug in ("balance-of-power-inventory", "signs-of-imbalance"):
        items = shipped_instrument(INSTRUMENTS_DIR / f"{slug}.yaml")["items"]
        afraid = [i for i in items if i["text"] == "I feel afraid or unsafe at home."]

        assert [(i["sensitivity"], i["flag"]) for i in afraid] == [("safety", "urgent")], slug


def test_the_screener_asks_about_resentment_in_three_required_items() -> None:
    items = shipped_instrument(INSTRUMENTS_DIR / "signs-of-imbalance.yaml")["items"]
    resentment = [
        i for i in items if i["area"] == "superiority-resentment" and i["kind"] != "share"
    ]

    assert len(resentment) >= 3
    assert all(i["required"] for i in resentment)


def test_the_default_load_writes_the_whole_library() -> None:
    report = load_library()

    assert {result.status for result in report} == {Status.CREATED}
    assert report.files[0].path.name == TOPICS_FILE.name
    assert Instrument.objects.count() == len(INSTRUMENT_FILES)
    assert InstrumentVersion.objects.count() == len(INSTRUMENT_FILES)
    assert Topic.objects.count() == len(shipped_topics())
    for version in InstrumentVersion.objects.select_related("instrument"):
        assert version.is_current
        assert len(version.content_hash) == 64
        assert version.item_count == len(version.items)
        assert version.instrument.title == version.title


def test_the_default_load_is_idempotent() -> None:
    load_library()

    report = load_library()

    assert {result.status for result in report} == {Status.UNCHANGED}


def test_every_loaded_version_scores_a_pair_of_answers() -> None:
    load_library()
    topics = [topic.as_definition() for topic in Topic.objects.all()]

    for version in InstrumentVersion.objects.current():
        instrument = version.as_definition()
        answers_a = {item.id: 3 for item in instrument.items}
        answers_b = {item.id: 4 for item in instrument.items}

        result = scoring.compare(instrument, answers_a, answers_b, topics)

        assert result.instrument == version.instrument.slug
        assert result.instrument_version == version.version
        assert len(result.areas) == len(version.areas)
        assert [item.id for item in instrument.items] == [
            item["id"] for item in version.definition["items"]
        ]
